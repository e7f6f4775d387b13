package io.magpie.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.magpie.cluster.bus.ClusterMsg;
import io.magpie.cluster.bus.ClusterMsgCodec;
import io.magpie.cluster.state.ClusterAction;
import io.magpie.cluster.state.ClusterConfig;
import io.magpie.cluster.state.ClusterState;
import io.magpie.cluster.state.Ready;
import io.magpie.protocol.RespClient;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * A test bench on real sockets: real redis-server 7.0 cluster nodes, and "fake" nodes whose logic is
 * a {@link ClusterState} driven here by a minimal blocking shell. Every frame a fake node receives is
 * checked to decode and re-encode to the same bytes, and kept (with who sent it) for assertions.
 * The shell's state machines are touched by the test thread only; socket threads only queue events.
 */
public final class RealBus implements AutoCloseable {
    /** A frame as received by a fake node. */
    public record Frame(FakeNode to, long link, boolean fromRedis, byte[] bytes, ClusterMsg msg) {}

    private sealed interface Event {}
    private record Accepted(FakeNode node, Socket socket) implements Event {}
    private record Received(FakeNode node, long link, byte[] frame) implements Event {}
    private record Closed(FakeNode node, long link) implements Event {}

    private final Path dir;
    private final List<Process> redis = new ArrayList<>();
    private final List<Integer> redisPorts = new ArrayList<>();
    private final List<FakeNode> fakes = new ArrayList<>();
    private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
    public final List<Frame> frames = new ArrayList<>();
    private long lastTick;

    public RealBus() throws IOException {
        dir = Files.createTempDirectory("magpie-cluster-bus");
    }

    // ------------------------------------------------------------------ redis-server

    /** Starts a redis-server cluster node; returns its client port. */
    public int startRedis(String... extraArgs) throws IOException {
        int port = freePortPair();
        List<String> cmd = new ArrayList<>(List.of("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1",
            "--cluster-enabled", "yes", "--cluster-config-file", "nodes-" + port + ".conf", "--cluster-node-timeout",
            "500", "--save", "", "--appendonly", "no", "--dir", dir.toString(), "--logfile", "redis-" + port + ".log"));
        cmd.addAll(List.of(extraArgs));
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("out-" + port).toFile()).start();
        } catch (IOException e) {
            throw new IllegalStateException("redis-server 7.0 must be installed (apt-get install redis-server)", e);
        }
        redis.add(p);
        redisPorts.add(port);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (true) {
            try (RespClient c = new RespClient(port)) {
                if ("PONG".equals(String.valueOf(c.value("PING")))) return port;
            } catch (RuntimeException e) {
                if (System.nanoTime() > deadline || !p.isAlive()) throw new IllegalStateException("redis-server did not start", e);
            }
            sleep(20);
        }
    }

    /** kill -9 of a redis-server node. */
    public void killRedis(int port) throws InterruptedException {
        Process p = redis.get(redisPorts.indexOf(port));
        p.destroyForcibly();
        p.waitFor(10, TimeUnit.SECONDS);
    }

    /** The nodes.conf a redis-server node wrote. */
    public String redisNodesConf(int port) throws IOException {
        return Files.readString(dir.resolve("nodes-" + port + ".conf"));
    }

    public static Object redisCall(int port, String... args) {
        try (RespClient c = new RespClient(port)) {
            return c.value(args);
        }
    }

    public static String redisId(int port) {
        return String.valueOf(redisCall(port, "CLUSTER", "MYID"));
    }

    /** The CLUSTER NODES line redis-server has for a node, or null. */
    public static String redisNodeLine(int port, String nodeId) {
        String nodes = String.valueOf(redisCall(port, "CLUSTER", "NODES"));
        for (String line : nodes.split("\n")) {
            if (line.startsWith(nodeId + " ")) return line;
        }
        return null;
    }

    // ------------------------------------------------------------------ fake nodes

    /** A node made of a ClusterState, listening on its bus port. */
    public final class FakeNode {
        public final ClusterState state;
        public final int port;
        final ServerSocket listener;
        final Map<Long, Socket> sockets = new ConcurrentHashMap<>();
        public final List<ClusterAction> actions = new ArrayList<>();
        volatile boolean silent;

        FakeNode(int port, long seed) throws IOException {
            this.port = port;
            ClusterConfig config = ClusterConfig.forPort(port);
            config.nodeTimeout = 500;
            state = ClusterState.create(config, new Random(seed), System.currentTimeMillis());
            listener = new ServerSocket();
            listener.bind(new InetSocketAddress("127.0.0.1", port + ClusterState.PORT_INCR));
            Thread t = new Thread(this::acceptLoop, "fake-accept-" + port);
            t.setDaemon(true);
            t.start();
        }

        private void acceptLoop() {
            while (!listener.isClosed()) {
                try {
                    events.add(new Accepted(this, listener.accept()));
                } catch (IOException e) {
                    return;
                }
            }
        }

        /** Stops answering: closes its listener and every link, and ignores everything from now on. */
        public void kill() throws IOException {
            silent = true;
            listener.close();
            for (Socket s : sockets.values()) s.close();
        }

        /** Sends a message of our own making on a link. */
        public void sendRaw(long link, ClusterMsg msg) throws IOException {
            Socket s = sockets.get(link);
            OutputStream out = s.getOutputStream();
            out.write(ClusterMsgCodec.encode(msg));
            out.flush();
        }
    }

    public FakeNode startFake(long seed) throws IOException {
        FakeNode node = new FakeNode(freePortPair(), seed);
        fakes.add(node);
        drain(node);
        return node;
    }

    private void startReader(FakeNode node, long link, Socket socket) {
        node.sockets.put(link, socket);
        Thread t = new Thread(() -> {
            try {
                DataInputStream in = new DataInputStream(socket.getInputStream());
                while (true) {
                    byte[] head = new byte[8];
                    in.readFully(head);
                    int len = ClusterMsgCodec.frameLength(head);
                    if (len < 0) throw new IOException("not a cluster bus frame");
                    byte[] frame = new byte[len];
                    System.arraycopy(head, 0, frame, 0, 8);
                    in.readFully(frame, 8, len - 8);
                    events.add(new Received(node, link, frame));
                }
            } catch (IOException e) {
                events.add(new Closed(node, link));
            }
        }, "fake-read-" + link);
        t.setDaemon(true);
        t.start();
    }

    /** Runs the fake nodes until the condition holds; fails after the timeout. */
    public void runUntil(String what, BooleanSupplier condition, long timeoutMs) throws Exception {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (!condition.getAsBoolean()) {
            if (System.currentTimeMillis() > deadline) throw new AssertionError("timed out waiting for: " + what);
            step();
        }
    }

    /** Runs the fake nodes for a while. */
    public void runFor(long ms) throws Exception {
        long end = System.currentTimeMillis() + ms;
        while (System.currentTimeMillis() < end) step();
    }

    private void step() throws Exception {
        Event e = events.poll(20, TimeUnit.MILLISECONDS);
        long now = System.currentTimeMillis();
        if (e instanceof Accepted a) {
            if (a.node.silent) {
                a.socket.close();
            } else {
                long link = a.node.state.linkAccepted(a.socket.getInetAddress().getHostAddress(),
                    a.socket.getLocalAddress().getHostAddress(), now);
                startReader(a.node, link, a.socket);
                drain(a.node);
            }
        } else if (e instanceof Received r && !r.node.silent) {
            byte[] reencoded;
            ClusterMsg msg = ClusterMsgCodec.decode(r.frame);
            reencoded = ClusterMsgCodec.encode(msg);
            assertThat(reencoded).as("re-encoding of a %s frame", msg.type()).isEqualTo(r.frame);
            boolean fromRedis = fakes.stream().noneMatch(f -> f.state.myId().equals(msg.sender()));
            frames.add(new Frame(r.node, r.link, fromRedis, r.frame, msg));
            r.node.state.onMessage(r.link, msg, now);
            drain(r.node);
        } else if (e instanceof Closed c && !c.node.silent) {
            if (c.node.sockets.remove(c.link) != null) {
                c.node.state.linkClosed(c.link, now);
                drain(c.node);
            }
        }
        if (now - lastTick >= 100) {
            lastTick = now;
            for (FakeNode f : fakes) {
                if (f.silent) continue;
                f.state.tick(now);
                drain(f);
            }
        }
    }

    private void drain(FakeNode node) throws IOException {
        for (int round = 0; round < 100; round++) {
            Ready ready = node.state.ready();
            if (ready.isEmpty()) return;
            for (ClusterAction a : ready.actions()) {
                node.actions.add(a);
                if (a instanceof ClusterAction.Connect c) {
                    Socket s = new Socket();
                    try {
                        s.connect(new InetSocketAddress(c.ip(), c.cport()), 2000);
                        startReader(node, c.link(), s);
                        node.state.linkConnected(c.link(), s.getLocalAddress().getHostAddress(),
                            System.currentTimeMillis());
                    } catch (IOException ex) {
                        s.close();
                        node.state.linkClosed(c.link(), System.currentTimeMillis());
                    }
                } else if (a instanceof ClusterAction.CloseLink c) {
                    Socket s = node.sockets.remove(c.link());
                    if (s != null) s.close();
                }
            }
            for (Ready.Send send : ready.messages()) {
                Socket s = node.sockets.get(send.link());
                if (s == null) continue;
                try {
                    s.getOutputStream().write(ClusterMsgCodec.encode(send.msg()));
                } catch (IOException ex) {
                    // The reader reports the closed link.
                }
            }
        }
    }

    /** The frames of a type received from redis-server, in order. */
    public List<Frame> fromRedis(int type) {
        return frames.stream().filter(f -> f.fromRedis && f.msg.type() == type).toList();
    }

    // ------------------------------------------------------------------ plumbing

    /** A port p with p and p + 10000 both free. */
    private static int freePortPair() throws IOException {
        for (int i = 0; i < 200; i++) {
            int p = ThreadLocalRandom.current().nextInt(20000, 29999);
            try (ServerSocket a = new ServerSocket(); ServerSocket b = new ServerSocket()) {
                a.bind(new InetSocketAddress("127.0.0.1", p));
                b.bind(new InetSocketAddress("127.0.0.1", p + ClusterState.PORT_INCR));
                return p;
            } catch (IOException e) {
                // taken: try another
            }
        }
        throw new IOException("no free port pair");
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() throws IOException {
        for (FakeNode f : fakes) {
            f.silent = true;
            f.listener.close();
            for (Socket s : f.sockets.values()) s.close();
        }
        for (Process p : redis) {
            p.destroy();
        }
        for (Process p : redis) {
            try {
                if (!p.waitFor(5, TimeUnit.SECONDS)) p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }
}
