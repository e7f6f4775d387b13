package io.magpie.jepsen;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.util.SafeEncoder;

/**
 * A Raft group of Magpie processes on loopback ({@code --raft-enabled yes}), every Raft link
 * between two of them through its own fault proxy ({@link Network}), and the faults a schedule
 * needs by node id: partitions, kill -9 and restart, SIGSTOP and SIGCONT, membership changes.
 */
public class RaftCluster implements AutoCloseable {
    private final Path dir;
    private final Map<String, ServerProcess> nodes = new LinkedHashMap<>();
    private final Map<String, Integer> clientPorts = new LinkedHashMap<>();
    private final Map<String, Integer> raftPorts = new LinkedHashMap<>();
    private final Network network;
    private final List<String> extraArgs;

    /** Starts nodes n1..n{size} together and waits for a leader. */
    public RaftCluster(Path dir, int size, String... extraArgs) {
        this(dir, size, List.of(extraArgs));
        awaitLeader(60_000);
        awaitWholeGroup(60_000);
    }

    /** Starts nodes n1..n{size} together and waits until each answers PING; a subclass waits for what it calls ready. */
    protected RaftCluster(Path dir, int size, List<String> extraArgs) {
        this.dir = dir;
        this.extraArgs = List.copyOf(extraArgs);
        for (int i = 1; i <= size; i++) {
            String id = "n" + i;
            clientPorts.put(id, ServerProcess.freePort());
            raftPorts.put(id, ServerProcess.freePort());
        }
        network = new Network(raftPorts);
        List<CompletableFuture<ServerProcess>> starting = new ArrayList<>();
        for (String id : raftPorts.keySet()) starting.add(CompletableFuture.supplyAsync(() -> launch(id, network.membersFor(id))));
        try {
            for (CompletableFuture<ServerProcess> f : starting) {
                ServerProcess p = f.join();
                nodes.put(p.name(), p);
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /**
     * Every node alive and naming the same leader: a schedule starts from a whole group, not
     * from one that lost a member at start-up unnoticed (a Raft member exits when it cannot
     * bind its port, which happens after it has answered PING).
     */
    protected void awaitWholeGroup(long millis) {
        long deadline = System.currentTimeMillis() + millis;
        while (System.currentTimeMillis() < deadline) {
            if (isWhole()) return;
            ServerProcess.sleep(50);
        }
        StringBuilder sb = new StringBuilder("the group is not whole within " + millis + " ms\n");
        for (String id : nodes.keySet()) {
            sb.append(id).append(nodes.get(id).isAlive() ? " " : " (exited) ").append(raftInfo(id)).append('\n').append(nodes.get(id).logTail());
        }
        throw new IllegalStateException(sb.toString());
    }

    protected boolean isWhole() {
        String leader = leader();
        if (leader == null) return false;
        for (String id : nodes.keySet()) {
            if (!nodes.get(id).isAlive()) return false;
            Map<String, String> info = raftInfo(id);
            if (!id.equals(leader) && !("follower".equals(info.get("role")) && leader.equals(info.get("leader")))) return false;
        }
        return true;
    }

    private ServerProcess launch(String id, String members) {
        List<String> args = new ArrayList<>(List.of("--save", "", "--appendonly", "no", "--raft-enabled", "yes", "--raft-id", id,
                "--raft-port", String.valueOf(raftPorts.get(id)), "--raft-members", members));
        args.addAll(extraArgs);
        return ServerProcess.start(ServerProcess.Kind.MAGPIE, id, dir, clientPorts.get(id), args.toArray(new String[0]));
    }

    public List<String> ids() {
        return new ArrayList<>(nodes.keySet());
    }

    public ServerProcess node(String id) {
        return nodes.get(id);
    }

    public Network network() {
        return network;
    }

    /** Every node's client port, n1 first: where clients start. */
    public List<Integer> clientPorts() {
        List<Integer> ports = new ArrayList<>();
        for (String id : nodes.keySet()) ports.add(clientPorts.get(id));
        return ports;
    }

    /** INFO raft of a live, running node as field → value; empty when it cannot answer. */
    public Map<String, String> raftInfo(String id) {
        ServerProcess p = nodes.get(id);
        Map<String, String> fields = new LinkedHashMap<>();
        if (p == null || !p.isAlive() || p.isPaused()) return fields;
        try (Jedis j = new Jedis("127.0.0.1", p.port(), 1000)) {
            for (String line : j.info("raft").split("\r\n")) {
                int colon = line.indexOf(':');
                if (colon > 0 && !line.startsWith("#")) fields.put(line.substring(0, colon), line.substring(colon + 1));
            }
        } catch (RuntimeException e) {
            // unreachable now: no answer
        }
        return fields;
    }

    /** The node that says it leads and is ready to serve, or null. */
    public String leader() {
        for (String id : nodes.keySet()) {
            Map<String, String> info = raftInfo(id);
            if ("leader".equals(info.get("role")) && "1".equals(info.getOrDefault("leader_ready", "1"))) return id;
        }
        return null;
    }

    public String awaitLeader(long millis) {
        long deadline = System.currentTimeMillis() + millis;
        while (System.currentTimeMillis() < deadline) {
            String l = leader();
            if (l != null) return l;
            ServerProcess.sleep(50);
        }
        StringBuilder sb = new StringBuilder("no raft leader within " + millis + " ms\n");
        for (String id : nodes.keySet()) sb.append(id).append(' ').append(raftInfo(id)).append('\n').append(nodes.get(id).logTail());
        throw new IllegalStateException(sb.toString());
    }

    public void kill9(String id) {
        nodes.get(id).kill9();
    }

    public void restart(String id) {
        nodes.get(id).restart();
    }

    public void pause(String id) {
        nodes.get(id).pause();
    }

    public void resume(String id) {
        nodes.get(id).resume();
    }

    /**
     * Starts node {@code id}, new to the group, and asks the leader to add it (RAFT ADDNODE); the
     * others reach it through one inbound proxy, since they learn its address from the group's
     * configuration. Returns the leader's reply.
     */
    public Object addNode(String id) {
        return raftCommand("ADDNODE", id, launchJoiner(id));
    }

    /**
     * Starts node {@code id}, new to the group, with its links in the network (so that faults
     * can cut it), and returns the address the group is to reach it at.
     */
    public String launchJoiner(String id) {
        int raftPort = ServerProcess.freePort();
        raftPorts.put(id, raftPort);
        clientPorts.put(id, ServerProcess.freePort());
        network.addNode(id, raftPort);
        String first = nodes.keySet().iterator().next();
        NetProxy inbound = network.link(first, id);
        nodes.put(id, launch(id, network.membersFor(id).replace(id + "=127.0.0.1:" + raftPort + ",", "").replace("," + id + "=127.0.0.1:" + raftPort, "")));
        return "127.0.0.1:" + inbound.port();
    }

    /**
     * Starts node {@code id} with these Raft arguments in place of raft-members (raft-join, say)
     * and the cluster's extra arguments less {@code dropped} (with their values); its own links
     * have no fault proxy.
     */
    protected void launchWith(String id, List<String> raftArgs, List<String> dropped) {
        int raftPort = ServerProcess.freePort();
        raftPorts.put(id, raftPort);
        clientPorts.put(id, ServerProcess.freePort());
        List<String> args = new ArrayList<>(List.of("--save", "", "--appendonly", "no", "--raft-enabled", "yes", "--raft-id", id,
                "--raft-port", String.valueOf(raftPort)));
        args.addAll(raftArgs);
        for (int i = 0; i < extraArgs.size(); i++) {
            if (dropped.contains(extraArgs.get(i))) i++;
            else args.add(extraArgs.get(i));
        }
        nodes.put(id, ServerProcess.start(ServerProcess.Kind.MAGPIE, id, dir, clientPorts.get(id), args.toArray(new String[0])));
    }

    /** Where node id's Raft server listens itself (not through a fault proxy). */
    public int raftPort(String id) {
        return raftPorts.get(id);
    }

    /** RAFT REMOVENODE on the leader; the process is left running (kill it apart). */
    public Object removeNode(String id) {
        return raftCommand("REMOVENODE", id);
    }

    /** RAFT with these arguments on the leader: its reply, or the client's exception as text. */
    public Object raftCommand(String... args) {
        String leader = awaitLeader(30_000);
        try (Jedis j = new Jedis("127.0.0.1", nodes.get(leader).port(), 60_000)) {
            Object reply = j.sendCommand(() -> SafeEncoder.encode("RAFT"), args);
            return reply instanceof byte[] b ? SafeEncoder.encode(b) : reply;
        } catch (RuntimeException e) {
            return e.toString();
        }
    }

    /** Takes a node that left the group out of the cluster: its process is killed and forgotten. */
    public void retire(String id) {
        ServerProcess p = nodes.remove(id);
        if (p != null) p.close();
    }

    /** Kills every node at once (kill -9) and restarts them all, as a power cut does. */
    public void crashAll() {
        List<CompletableFuture<Void>> all = new ArrayList<>();
        for (ServerProcess p : nodes.values()) all.add(CompletableFuture.runAsync(p::kill9));
        all.forEach(CompletableFuture::join);
        all.clear();
        for (ServerProcess p : nodes.values()) all.add(CompletableFuture.runAsync(p::restart));
        all.forEach(CompletableFuture::join);
    }

    /** After a schedule: links healed, stopped nodes continued, killed ones restarted; then a leader. */
    public void recover() {
        network.heal();
        for (ServerProcess p : nodes.values()) {
            if (p.isPaused()) p.resume();
        }
        for (ServerProcess p : nodes.values()) {
            if (!p.isAlive()) p.restart();
        }
        awaitLeader(60_000);
    }

    public String logTails() {
        StringBuilder sb = new StringBuilder();
        for (ServerProcess p : nodes.values()) sb.append(p.logTail());
        return sb.toString();
    }

    /**
     * Copies the nodes' whole logs into to (a failed schedule's evidence: the cluster's own
     * directory goes with the test's temporary one); says where, or why not.
     */
    public String keepLogs(Path to) {
        try {
            java.nio.file.Files.createDirectories(to);
            for (String id : nodes.keySet()) {
                Path log = dir.resolve(id).resolve(id + ".log");
                if (java.nio.file.Files.exists(log)) java.nio.file.Files.copy(log, to.resolve(id + ".log"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
            return "logs kept in " + to.toAbsolutePath();
        } catch (java.io.IOException e) {
            return "logs not kept: " + e;
        }
    }

    @Override
    public void close() {
        for (ServerProcess p : nodes.values()) p.close();
        network.close();
    }
}
