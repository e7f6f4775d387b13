package io.magpie.proxy;

import io.magpie.commands.HashSlot;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * backend cluster: a Redis Cluster (redis-server or Magpie nodes). The slot map comes from
 * CLUSTER SLOTS, asked of the seeds and then of the known nodes, at start, every
 * cluster-refresh-interval ms, and soon after a MOVED. Requests follow MOVED (the slot's new
 * owner, at once) and ASK (ASKING then the command, on the same connection, back to back),
 * and retry TRYAGAIN, CLUSTERDOWN and an unreachable node with a doubling back-off, a bounded
 * number of times, before the client sees the error. With read-from replica, read-only
 * commands go to a replica of the slot (its connections start with READONLY).
 *
 * <p>backend raft: Magpie's Raft nodes, through the same routing with three differences, see
 * {@link RaftRouting}: a single Raft group (no CLUSTER SLOTS) is mapped whole to its leader,
 * retries last through an election, and DBSIZE, KEYS and SCAN ask one node's keyspace.
 */
final class ClusterRouter implements Router {
    private static final int MAX_REDIRECTS = 5;
    private static final byte[] ASKING = "ASKING".getBytes(StandardCharsets.US_ASCII);

    /** One immutable view of the slots; MOVED patches the owner of one slot in place. */
    private static final class SlotMap {
        final Backend[] masters = new Backend[HashSlot.SLOTS];
        final Backend[][] replicas = new Backend[HashSlot.SLOTS][];
        List<Backend> masterList = List.of();
        /** Where DBSIZE, KEYS and SCAN go: every master (a cluster), or one Raft node holding every group. */
        List<Backend> keyspaces = List.of();
        /** A single Raft group: every slot has the one leader, so a MOVED moves them all. */
        boolean oneGroup;
        String text = "";
    }

    private final ProxyConfig config;
    private final ProxyServer server;
    /** backend raft (else a Redis Cluster). */
    private final boolean raft;
    /** 10 ms doubling up to maxDelayMs, maxRetries times: about 5 s for a cluster, 12 s through a Raft election. */
    private final int maxRetries;
    private final long maxDelayMs;
    private volatile SlotMap map = new SlotMap();
    private final ScheduledExecutorService refresher = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "cluster-refresh");
        t.setDaemon(true);
        return t;
    });
    private final AtomicBoolean refreshQueued = new AtomicBoolean();
    private final AtomicInteger replicaTurn = new AtomicInteger();
    /** For INFO: redirections followed and retries made. */
    final java.util.concurrent.atomic.LongAdder movedFollowed = new java.util.concurrent.atomic.LongAdder(),
            askFollowed = new java.util.concurrent.atomic.LongAdder(), retries = new java.util.concurrent.atomic.LongAdder(),
            refreshes = new java.util.concurrent.atomic.LongAdder();

    ClusterRouter(ProxyConfig config, ProxyServer server) {
        this.config = config;
        this.server = server;
        this.raft = config.backend == ProxyConfig.BackendKind.RAFT;
        this.maxRetries = raft ? RaftRouting.MAX_RETRIES : 9;
        this.maxDelayMs = raft ? RaftRouting.MAX_DELAY_MS : 2560;
    }

    @Override
    public void start(ProxyServer server) {
        String err = refresh();
        if (err != null) System.err.println("magpie-proxy: cluster map not loaded yet: " + err);
        refresher.scheduleWithFixedDelay(this::refresh, config.clusterRefreshMs, config.clusterRefreshMs, TimeUnit.MILLISECONDS);
    }

    @Override
    public int shard(byte[] key) {
        return HashSlot.keyHashSlot(key);
    }

    @Override
    public Backend backend(int slot, boolean read) {
        SlotMap m = map;
        if (read && config.readFromReplica) {
            Backend[] r = m.replicas[slot];
            if (r != null && r.length > 0) return r[Math.floorMod(replicaTurn.getAndIncrement(), r.length)];
        }
        return m.masters[slot];
    }

    @Override
    public void send(LoopState loop, int slot, boolean read, byte[][] argv, int resp, ReplyCallback cb) {
        Backend b = backend(slot, read);
        if (b == null) {
            requestRefresh();
            retryLater(loop, slot, read, argv, resp, cb, 0, Resp.error("CLUSTERDOWN Hash slot not served"));
            return;
        }
        loop.shared(b, resp).send(argv, new Redirecting(loop, slot, read, argv, resp, cb, 0));
    }

    /** Follows the cluster's redirections for one request. */
    private final class Redirecting implements ReplyCallback {
        final LoopState loop;
        final int slot;
        final boolean read;
        final byte[][] argv;
        final int resp;
        final ReplyCallback target;
        final int attempt;

        Redirecting(LoopState loop, int slot, boolean read, byte[][] argv, int resp, ReplyCallback target, int attempt) {
            this.loop = loop;
            this.slot = slot;
            this.read = read;
            this.argv = argv;
            this.resp = resp;
            this.target = target;
            this.attempt = attempt;
        }

        @Override
        public void reply(ByteBuf frame) {
            if (!Replies.isError(frame) || attempt >= maxRetries) {
                target.reply(frame);
                return;
            }
            if (Replies.isError(frame, "MOVED ") || Replies.isError(frame, "ASK ")) {
                String[] parts = Replies.lineText(frame).split(" ");
                Backend to = parts.length == 3 ? node(parts[2]) : null;
                if (to != null && attempt >= MAX_REDIRECTS && raft) {
                    // Raft nodes that disagree on the leader during an election: wait for them to agree.
                    requestRefresh();
                    retryLater(loop, slot, read, argv, resp, target, attempt + 1, frame);
                    return;
                }
                if (to == null || attempt >= MAX_REDIRECTS) {
                    target.reply(frame);
                    return;
                }
                frame.release();
                BackendConnection c = loop.shared(to, resp);
                if (parts[0].equals("MOVED")) {
                    movedFollowed.increment();
                    SlotMap m = map;
                    if (m.oneGroup) java.util.Arrays.fill(m.masters, to);
                    else m.masters[Integer.parseInt(parts[1])] = to;
                    requestRefresh();
                } else {
                    askFollowed.increment();
                    c.send(new byte[][] {ASKING}, ReplyCallback.DISCARD);
                }
                c.send(argv, new Redirecting(loop, slot, read, argv, resp, target, attempt + 1));
                return;
            }
            if (Replies.isError(frame, "TRYAGAIN") || Replies.isError(frame, "CLUSTERDOWN")
                    || Replies.isError(frame, "ERR magpie-proxy: backend") && Replies.lineText(frame).contains(" unavailable (")
                    || raft && RaftRouting.notSent(frame, read)) {
                // Nothing was done: a slot mid-migration, a cluster without quorum, a node not
                // reachable (the connection failed before the command was sent).
                if (!Replies.isError(frame, "TRYAGAIN")) requestRefresh();
                retryLater(loop, slot, read, argv, resp, target, attempt + 1, frame);
                return;
            }
            target.reply(frame);
        }
    }

    private void retryLater(LoopState loop, int slot, boolean read, byte[][] argv, int resp, ReplyCallback cb, int attempt, ByteBuf lastError) {
        if (attempt >= maxRetries) {
            cb.reply(lastError);
            return;
        }
        lastError.release();
        retries.increment();
        long delayMs = Math.min(10L << Math.min(attempt, 8), maxDelayMs);
        loop.eventLoop.schedule(() -> {
            Backend b = backend(slot, read);
            if (b == null) retryLater(loop, slot, read, argv, resp, cb, attempt + 1, Resp.error("CLUSTERDOWN Hash slot not served"));
            else loop.shared(b, resp).send(argv, new Redirecting(loop, slot, read, argv, resp, cb, attempt));
            loop.flushDirty();
        }, delayMs, TimeUnit.MILLISECONDS);
    }

    private Backend node(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        if (colon <= 0) return null;
        int at = hostPort.indexOf('@');
        String port = at > colon ? hostPort.substring(colon + 1, at) : hostPort.substring(colon + 1);
        try {
            return server.backend(hostPort.substring(0, colon), Integer.parseInt(port));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private void requestRefresh() {
        if (refreshQueued.compareAndSet(false, true)) {
            refresher.schedule(() -> {
                refreshQueued.set(false);
                refresh();
            }, 50, TimeUnit.MILLISECONDS);
        }
    }

    /** Loads CLUSTER SLOTS from the first node that answers: the known masters, then the seeds. Null, or why none did. */
    synchronized String refresh() {
        Set<String> candidates = new LinkedHashSet<>();
        for (Backend b : map.masterList) candidates.add(b.address);
        for (ProxyConfig.Server s : config.seeds) candidates.add(s.address());
        String lastError = "no seeds";
        for (String c : candidates) {
            int colon = c.lastIndexOf(':');
            try {
                String host = c.substring(0, colon);
                int port = Integer.parseInt(c.substring(colon + 1));
                Object reply = ask(host, port, "CLUSTER", "SLOTS");
                if (raft && RaftRouting.singleGroup(reply)) {
                    String leader = RaftRouting.leaderAddress(ask(host, port, "RAFT", "INFO"));
                    if (leader == null) {
                        lastError = c + ": no raft leader known";
                        continue;
                    }
                    installOneGroup(leader);
                    return null;
                }
                if (reply instanceof Replies.Err e) {
                    lastError = c + ": " + e.text();
                    continue;
                }
                install((List<?>) reply);
                return null;
            } catch (IOException | RuntimeException e) {
                lastError = c + ": " + e;
            }
        }
        return lastError;
    }

    private void install(List<?> slots) {
        SlotMap m = new SlotMap();
        Set<Backend> masters = new LinkedHashSet<>();
        List<List<Backend>> groups = new ArrayList<>(); // each range's master and replicas
        StringBuilder text = new StringBuilder();
        for (Object o : slots) {
            List<?> range = (List<?>) o;
            int from = (int) (long) (Long) range.get(0);
            int to = (int) (long) (Long) range.get(1);
            Backend master = endpoint((List<?>) range.get(2));
            List<Backend> reps = new ArrayList<>();
            for (int i = 3; i < range.size(); i++) reps.add(endpoint((List<?>) range.get(i)));
            Backend[] repArray = reps.toArray(new Backend[0]);
            for (int s = from; s <= to; s++) {
                m.masters[s] = master;
                m.replicas[s] = repArray;
            }
            masters.add(master);
            List<Backend> group = new ArrayList<>(reps);
            group.add(master);
            groups.add(group);
            text.append(from).append('-').append(to).append(' ').append(master.address);
            for (Backend r : reps) text.append(" replica ").append(r.address);
            text.append('\n');
        }
        List<Backend> list = new ArrayList<>(masters);
        list.sort(Comparator.comparing(b -> b.address));
        m.masterList = List.copyOf(list);
        m.keyspaces = raft ? RaftRouting.oneKeyspace(m.masterList, groups) : m.masterList;
        m.text = text.toString();
        map = m;
        refreshes.increment();
    }

    /** A single Raft group: every slot to its leader. */
    private void installOneGroup(String leaderAddress) {
        Backend leader = node(leaderAddress);
        if (leader == null) throw new IllegalArgumentException("bad raft leader address '" + leaderAddress + "'");
        SlotMap m = new SlotMap();
        java.util.Arrays.fill(m.masters, leader);
        java.util.Arrays.fill(m.replicas, new Backend[0]);
        m.masterList = List.of(leader);
        m.keyspaces = m.masterList;
        m.oneGroup = true;
        m.text = "0-" + (HashSlot.SLOTS - 1) + " " + leader.address + " (single raft group)\n";
        map = m;
        refreshes.increment();
    }

    private Backend endpoint(List<?> node) {
        String host = new String((byte[]) node.get(0), StandardCharsets.UTF_8);
        return server.backend(host.isEmpty() ? "127.0.0.1" : host, (int) (long) (Long) node.get(1));
    }

    /** One request on a short-lived blocking connection (the refresher's own thread, never an event loop). */
    private Object ask(String host, int port, String... args) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), 2000);
            s.setSoTimeout(2000);
            OutputStream out = s.getOutputStream();
            ByteBuf req = Unpooled.buffer();
            int expected = 1;
            if (config.backendPassword != null) {
                Resp.writeCommand(req, config.backendUser == null ? Resp.args("AUTH", config.backendPassword)
                        : Resp.args("AUTH", config.backendUser, config.backendPassword));
                expected++;
            }
            Resp.writeCommand(req, Resp.args(args));
            byte[] bytes = new byte[req.readableBytes()];
            req.readBytes(bytes);
            out.write(bytes);
            out.flush();
            InputStream in = s.getInputStream();
            ByteBuf acc = Unpooled.buffer();
            byte[] chunk = new byte[16384];
            Object last = null;
            for (int got = 0; got < expected; ) {
                int end = Replies.frameEnd(acc, acc.readerIndex());
                if (end < 0) {
                    int n = in.read(chunk);
                    if (n < 0) throw new IOException("connection closed");
                    acc.writeBytes(chunk, 0, n);
                    continue;
                }
                last = Replies.decode(acc);
                got++;
                if (got < expected && last instanceof Replies.Err) return last;
            }
            return last;
        }
    }

    @Override
    public List<Backend> masters() {
        return map.masterList;
    }

    @Override
    public List<Backend> keyspaces() {
        return map.keyspaces;
    }

    @Override
    public Backend defaultBackend() {
        List<Backend> l = map.masterList;
        return l.isEmpty() ? null : l.get(0);
    }

    @Override
    public String describe() {
        return "backend " + (raft ? "raft" : "cluster") + " read-from " + (config.readFromReplica ? "replica" : "master") + "\n" + map.text;
    }

    @Override
    public String reload(ProxyServer server) {
        String err = refresh();
        return err == null ? null : "ERR reload failed: " + err;
    }

    @Override
    public String infoSection() {
        return "cluster_slots_refreshes:" + refreshes.sum() + "\r\ncluster_moved_followed:" + movedFollowed.sum()
                + "\r\ncluster_ask_followed:" + askFollowed.sum() + "\r\ncluster_retries:" + retries.sum() + "\r\n";
    }

    @Override
    public String status(Backend b) {
        return map.masterList.contains(b) ? "master" : "other";
    }
}
