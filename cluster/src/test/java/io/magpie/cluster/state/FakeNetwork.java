package io.magpie.cluster.state;

import io.magpie.cluster.bus.ClusterMsg;
import io.magpie.cluster.bus.ClusterMsgCodec;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * Several {@link ClusterState}s wired together in memory, on a virtual clock, driven tick by tick
 * and message by message: a test can kill nodes, cut links between them, and replay any
 * interleaving deterministically. Every message goes through the codec on its way.
 */
final class FakeNetwork {
    /** One node: its state machine and what it asked for. */
    final class Node {
        final String label;
        ClusterState state;
        final int port;
        /** The last nodes.conf it saved, as the file would hold it. */
        String savedConf;
        private int restarts;
        boolean dead;
        final List<ClusterAction> actions = new ArrayList<>();
        /** Its link id → the peer's end. */
        final Map<Long, End> links = new HashMap<>();
        boolean writesPaused;
        /** When the replication link to its master went down, 0 while up. */
        long masterDownSince;
        /** Whether the network reports its master link (a test may report it itself). */
        boolean autoMasterLink = true;

        Node(String label, int port, long seed) {
            this.label = label;
            this.port = port;
            ClusterConfig config = ClusterConfig.forPort(port);
            config.nodeTimeout = nodeTimeout;
            this.state = ClusterState.create(config, new Random(seed), now);
        }

        String id() {
            return state.myId();
        }

        /** A restart after a crash: the state machine loaded again from its last saved nodes.conf. */
        void restart() {
            ClusterConfig config = state.config();
            state = ClusterState.load(config, new Random(label.hashCode() + ++restarts), savedConf, now);
            dead = false;
            links.clear();
            masterDownSince = 0;
            process(this);
        }

        ClusterNode view(Node other) {
            return state.lookupNode(other.id());
        }

        @Override
        public String toString() {
            return label;
        }
    }

    /** The other end of a link. */
    record End(Node node, long link) {}

    private record Delivery(Node to, long link, byte[] frame) {}

    final long nodeTimeout;
    long now = 1_000_000;
    final Map<String, Node> nodes = new LinkedHashMap<>();
    private final ArrayDeque<Delivery> inFlight = new ArrayDeque<>();
    private final Set<Set<Node>> cut = new HashSet<>();
    /** Messages delivered, by type, for assertions. */
    final List<ClusterMsg> delivered = new ArrayList<>();

    FakeNetwork(long nodeTimeout) {
        this.nodeTimeout = nodeTimeout;
    }

    /** A network of these nodes, cluster formed (every node met, handshakes done). */
    static FakeNetwork formed(long nodeTimeout, String... labels) {
        FakeNetwork net = new FakeNetwork(nodeTimeout);
        for (String label : labels) net.add(label);
        net.formCluster();
        return net;
    }

    Node node(String label) {
        return nodes.get(label);
    }

    /** Adds a node to a formed cluster by a MEET from it to {@code via}, and waits until all know it. */
    Node join(String label, Node via) {
        Node n = add(label);
        n.state.meet("127.0.0.1", via.port, via.port + ClusterState.PORT_INCR, now);
        process(n);
        runUntil(label + " joined", () -> nodes.values().stream().filter(o -> !o.dead)
            .allMatch(o -> o.view(n) != null && !o.view(n).inHandshake()), 20_000);
        return n;
    }

    Node add(String label) {
        Node n = new Node(label, 7000 + nodes.size(), label.hashCode());
        nodes.put(label, n);
        process(n);
        return n;
    }

    Node byPort(int cport) {
        for (Node n : nodes.values()) {
            if (n.port + ClusterState.PORT_INCR == cport) return n;
        }
        return null;
    }

    boolean reachable(Node a, Node b) {
        return !a.dead && !b.dead && !cut.contains(Set.of(a, b));
    }

    /** Cuts the network between two nodes: their links break, new ones fail to connect. */
    void cut(Node a, Node b) {
        cut.add(Set.of(a, b));
        for (Node n : List.of(a, b)) {
            Node other = n == a ? b : a;
            for (Map.Entry<Long, End> e : new ArrayList<>(n.links.entrySet())) {
                if (e.getValue().node == other) breakLink(n, e.getKey());
            }
        }
    }

    void heal(Node a, Node b) {
        cut.remove(Set.of(a, b));
    }

    void healAll() {
        cut.clear();
    }

    /** kill -9: every link to it breaks, it stops ticking. */
    void kill(Node n) {
        for (Long link : new ArrayList<>(n.links.keySet())) breakLink(n, link);
        n.dead = true;
    }

    private void breakLink(Node n, long link) {
        End peer = n.links.remove(link);
        if (!n.dead) {
            n.state.linkClosed(link, now);
            process(n);
        }
        if (peer != null && peer.node.links.remove(peer.link) != null && !peer.node.dead) {
            peer.node.state.linkClosed(peer.link, now);
            process(peer.node);
        }
    }

    /** Carries out a node's Ready until it has nothing more. */
    void process(Node n) {
        for (int round = 0; round < 100 && !n.dead; round++) {
            Ready ready = n.state.ready();
            if (ready.isEmpty()) return;
            if (ready.saveConfig()) n.savedConf = n.state.nodesConf();
            for (ClusterAction a : ready.actions()) {
                n.actions.add(a);
                if (a instanceof ClusterAction.Connect c) {
                    Node target = byPort(c.cport());
                    if (target == null || !reachable(n, target)) {
                        n.state.linkClosed(c.link(), now);
                    } else {
                        long peerLink = target.state.linkAccepted("127.0.0.1", "127.0.0.1", now);
                        n.links.put(c.link(), new End(target, peerLink));
                        target.links.put(peerLink, new End(n, c.link()));
                        n.state.linkConnected(c.link(), "127.0.0.1", now);
                    }
                } else if (a instanceof ClusterAction.CloseLink c) {
                    End peer = n.links.remove(c.link());
                    if (peer != null && peer.node.links.remove(peer.link) != null && !peer.node.dead) {
                        peer.node.state.linkClosed(peer.link, now);
                        process(peer.node);
                    }
                } else if (a instanceof ClusterAction.PauseWrites) {
                    n.writesPaused = true;
                } else if (a instanceof ClusterAction.UnpauseWrites) {
                    n.writesPaused = false;
                }
            }
            for (Ready.Send s : ready.messages()) {
                End peer = n.links.get(s.link());
                if (peer == null) continue;
                inFlight.add(new Delivery(peer.node, peer.link, ClusterMsgCodec.encode(s.msg())));
            }
        }
    }

    /** Delivers every message in flight, and those they cause, in order. */
    void deliverAll() {
        for (int i = 0; i < 100_000 && !inFlight.isEmpty(); i++) {
            Delivery d = inFlight.poll();
            if (d.to.dead || !d.to.links.containsKey(d.link)) continue;
            ClusterMsg msg = ClusterMsgCodec.decode(d.frame);
            delivered.add(msg);
            d.to.state.onMessage(d.link, msg, now);
            process(d.to);
        }
    }

    /** One cron period: every live node ticks, then the messages are delivered. */
    void tick() {
        now += 100;
        for (Node n : nodes.values()) {
            if (n.dead) continue;
            reportMasterLink(n);
            n.state.tick(now);
            process(n);
        }
        deliverAll();
    }

    /** What the replication layer would report: the link to the master is up while it is reachable. */
    private void reportMasterLink(Node n) {
        ClusterNode master = n.state.myself().slaveof();
        if (master == null || !n.autoMasterLink) return;
        Node m = null;
        for (Node other : nodes.values()) {
            if (other.id().equals(master.name())) m = other;
        }
        if (m != null && reachable(n, m)) {
            n.masterDownSince = 0;
            n.state.masterLink(true, now);
        } else {
            if (n.masterDownSince == 0) n.masterDownSince = now;
            n.state.masterLink(false, n.masterDownSince);
        }
    }

    void run(long ms) {
        for (long t = 0; t < ms; t += 100) tick();
    }

    /** Ticks until the condition holds; fails after {@code maxMs} of virtual time. */
    long runUntil(String what, java.util.function.BooleanSupplier condition, long maxMs) {
        long start = now;
        while (!condition.getAsBoolean()) {
            if (now - start > maxMs) throw new AssertionError("not reached in " + maxMs + " ms: " + what);
            tick();
        }
        return now - start;
    }

    /** Has every node meet the first one, and waits until all know each other, handshakes done. */
    void formCluster() {
        List<Node> all = new ArrayList<>(nodes.values());
        Node first = all.get(0);
        for (Node n : all.subList(1, all.size())) {
            first.state.meet("127.0.0.1", n.port, n.port + ClusterState.PORT_INCR, now);
            process(first);
        }
        runUntil("every node knows every other", () -> {
            for (Node a : all) {
                for (Node b : all) {
                    if (a == b) continue;
                    ClusterNode v = a.view(b);
                    if (v == null || v.inHandshake() || !v.connected()) return false;
                }
                if (a.state.nodes().size() != all.size()) return false;
            }
            return true;
        }, 30_000);
    }

    /** Splits the slots evenly among the given masters (ADDSLOTSRANGE on each). */
    void assignSlots(Node... masters) {
        int per = ClusterState.SLOTS / masters.length;
        for (int i = 0; i < masters.length; i++) {
            int start = i * per;
            int end = i == masters.length - 1 ? ClusterState.SLOTS - 1 : start + per - 1;
            masters[i].state.addSlotsRange(new int[] {start, end});
            process(masters[i]);
        }
    }

    boolean allOk() {
        for (Node n : nodes.values()) {
            if (!n.dead && !n.state.isOk()) return false;
        }
        return true;
    }
}
