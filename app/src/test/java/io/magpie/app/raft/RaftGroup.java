package io.magpie.app.raft;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import redis.clients.jedis.Jedis;

/**
 * A Raft group of Magpie processes on 127.0.0.1, each started as a user would
 * ({@code --raft-enabled yes --raft-id n1 --raft-port ... --raft-members n1=host:port,...}), with
 * its data in its own directory so that it can be killed (-9) and restarted on the same ports.
 * The address a member is reached at by its peers can be replaced (a fault-injecting proxy in
 * between) through the peerAddress function given to {@link #start}.
 */
public final class RaftGroup implements AutoCloseable {
    private static final List<String> JVM = List.of("-Xms64m", "-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");

    /** One member: its ids and ports, and its process while it runs. */
    public static final class Member {
        public final String id;
        public final int port, raftPort;
        public final Path dir;
        final List<String> extraArgs;
        String members;
        /** Sharded mode: the raft address it joins through (--raft-join) instead of raft-members. */
        String joinVia;
        Process process;

        Member(String id, int port, int raftPort, Path dir, List<String> extraArgs) {
            this.id = id;
            this.port = port;
            this.raftPort = raftPort;
            this.dir = dir;
            this.extraArgs = extraArgs;
        }

        public Jedis jedis() {
            return new Jedis("127.0.0.1", port, 10_000);
        }

        public boolean alive() {
            return process != null && process.isAlive();
        }

        @Override
        public String toString() {
            return id + "@" + port;
        }
    }

    private final Path dir;
    private final Map<String, Member> members = new LinkedHashMap<>();

    private RaftGroup(Path dir) {
        this.dir = dir;
    }

    /** Starts n members n1..nN; peerAddress(id, raftPort) is the address the others reach it at. */
    public static RaftGroup start(Path dir, int n, BiFunction<String, Integer, String> peerAddress, String... extraArgs) {
        return start(dir, n, peerAddress, id -> List.of(), extraArgs);
    }

    /** Starts n members n1..nN, each with extraArgs and the arguments memberArgs gives it (a port of its own). */
    public static RaftGroup startEach(Path dir, int n, java.util.function.Function<String, List<String>> memberArgs, String... extraArgs) {
        return start(dir, n, (id, port) -> "127.0.0.1:" + port, memberArgs, extraArgs);
    }

    private static RaftGroup start(Path dir, int n, BiFunction<String, Integer, String> peerAddress,
            java.util.function.Function<String, List<String>> memberArgs, String... extraArgs) {
        RaftGroup g = new RaftGroup(dir);
        StringBuilder spec = new StringBuilder();
        for (int i = 1; i <= n; i++) {
            List<String> args = new ArrayList<>(List.of(extraArgs));
            args.addAll(memberArgs.apply("n" + i));
            Member m = g.newMember("n" + i, args.toArray(String[]::new));
            if (spec.length() > 0) spec.append(',');
            spec.append(m.id).append('=').append(peerAddress.apply(m.id, m.raftPort));
        }
        for (Member m : g.members.values()) {
            m.members = spec.toString();
            g.spawn(m);
        }
        for (Member m : g.members.values()) g.awaitUp(m);
        return g;
    }

    public static RaftGroup start(Path dir, int n, String... extraArgs) {
        return start(dir, n, (id, port) -> "127.0.0.1:" + port, extraArgs);
    }

    private Member newMember(String id, String... extraArgs) {
        try {
            Member m = new Member(id, freePort(), freePort(), Files.createDirectories(dir.resolve(id)), List.of(extraArgs));
            members.put(id, m);
            return m;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts a member that is not in the group yet (its raft-members name the others only): RAFT ADDNODE adds it. */
    public Member startJoiner(String id, String... extraArgs) {
        String spec = members.values().iterator().next().members;
        Member m = newMember(id, extraArgs);
        m.members = spec;
        launch(m);
        return m;
    }

    /** Starts a sharded-mode member with --raft-join (the raft address of a running member) instead of --raft-members. */
    public Member startShardJoiner(String id, Member via, String... extraArgs) {
        return startShardJoiner(id, "127.0.0.1:" + via.raftPort, extraArgs);
    }

    public Member startShardJoiner(String id, String joinVia, String... extraArgs) {
        Member m = newMember(id, extraArgs);
        m.joinVia = joinVia;
        launch(m);
        return m;
    }

    public Member member(String id) {
        return members.get(id);
    }

    public List<Member> members() {
        return new ArrayList<>(members.values());
    }

    /** Starts a member's process and waits until it answers PING. */
    public void launch(Member m) {
        spawn(m);
        awaitUp(m);
    }

    /** Starts the processes of several members at once (all three after a crash) and waits for them. */
    public void launchAll(List<Member> ms) {
        for (Member m : ms) spawn(m);
        for (Member m : ms) awaitUp(m);
    }

    private void spawn(Member m) {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.addAll(JVM);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.magpie.app.Main"));
        cmd.addAll(List.of("--port", String.valueOf(m.port), "--bind", "127.0.0.1", "--dir", m.dir.toString(),
                "--enable-debug-command", "yes", "--raft-enabled", "yes", "--raft-id", m.id,
                "--raft-port", String.valueOf(m.raftPort)));
        if (m.joinVia != null) cmd.addAll(List.of("--raft-join", m.joinVia));
        else cmd.addAll(List.of("--raft-members", m.members));
        cmd.addAll(m.extraArgs);
        try {
            m.process = new ProcessBuilder(cmd).directory(m.dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(m.dir.resolve(m.id + ".log").toFile())).start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void awaitUp(Member m) {
        long deadline = System.currentTimeMillis() + 60_000;
        while (System.currentTimeMillis() < deadline) {
            if (!m.process.isAlive()) throw new IllegalStateException(m + " exited:\n" + logTail(m));
            try (Jedis j = m.jedis()) {
                if ("PONG".equals(j.ping())) return;
            } catch (RuntimeException e) {
                // not listening yet
            }
            sleep(50);
        }
        throw new IllegalStateException(m + " did not start:\n" + logTail(m));
    }

    /** kill -9. */
    public void kill(Member m) {
        if (m.process == null) return;
        m.process.destroyForcibly();
        try {
            m.process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** RAFT INFO of a member as field → value (empty when it does not answer). */
    public static Map<String, String> raftInfo(Member m) {
        Map<String, String> out = new LinkedHashMap<>();
        try (Jedis j = m.jedis()) {
            Object reply = j.sendCommand(() -> "RAFT".getBytes(StandardCharsets.US_ASCII), "INFO");
            String text = reply instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : String.valueOf(reply);
            for (String line : text.split("\r\n")) {
                int colon = line.indexOf(':');
                if (colon > 0) out.put(line.substring(0, colon), line.substring(colon + 1));
            }
        } catch (RuntimeException e) {
            // down or not answering
        }
        return out;
    }

    /** Waits for a running member to be a leader that has committed its term's first entry and announced its address. */
    public Member awaitLeader(Duration timeout) {
        long deadline = System.currentTimeMillis() + timeout.toMillis();
        while (System.currentTimeMillis() < deadline) {
            for (Member m : members.values()) {
                if (!m.alive()) continue;
                Map<String, String> info = raftInfo(m);
                if ("leader".equals(info.get("role")) && "1".equals(info.get("leader_ready"))
                        && !info.getOrDefault("leader_address", "").isEmpty()) {
                    return m;
                }
            }
            sleep(100);
        }
        StringBuilder sb = new StringBuilder("no raft leader within " + timeout);
        for (Member m : members.values()) sb.append('\n').append(m).append(": ").append(raftInfo(m));
        throw new IllegalStateException(sb.toString());
    }

    /**
     * A running member other than {@code leader} that knows the leader and its client address, so that it
     * forwards or redirects instead of answering TRYAGAIN (a follower learns the leader's address from the
     * leader's first entry of its term, a little after the leader itself is ready).
     */
    public Member awaitFollowerOf(Member leader, Duration timeout) {
        long deadline = System.currentTimeMillis() + timeout.toMillis();
        while (System.currentTimeMillis() < deadline) {
            for (Member m : members.values()) {
                if (m == leader || !m.alive()) continue;
                Map<String, String> info = raftInfo(m);
                if (leader.id.equals(info.get("leader")) && !info.getOrDefault("leader_address", "").isEmpty()) return m;
            }
            sleep(50);
        }
        StringBuilder sb = new StringBuilder("no follower of " + leader + " knew its address within " + timeout);
        for (Member m : members.values()) sb.append('\n').append(m).append(": ").append(raftInfo(m));
        throw new IllegalStateException(sb.toString());
    }

    public String logTail(Member m) {
        try {
            List<String> lines = Files.readAllLines(m.dir.resolve(m.id + ".log"));
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() {
        for (Member m : members.values()) kill(m);
    }

    static int freePort() {
        return io.magpie.app.TestPorts.freePort();
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
