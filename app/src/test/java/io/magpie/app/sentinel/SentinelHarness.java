package io.magpie.app.sentinel;

import io.magpie.app.RealRedis;
import io.magpie.protocol.RespClient;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * Processes for Sentinel tests, all on 127.0.0.1: real redis-server data nodes, Magpie
 * Sentinels (this build's Main with --sentinel, each its own JVM) and real redis-sentinel
 * processes, each with its own config and log file in one temporary directory. Closing the
 * harness kills whatever is still running.
 */
final class SentinelHarness implements AutoCloseable {
    static final String MASTER = "mymaster";

    final Path dir;
    private final List<Proc> procs = new ArrayList<>();

    SentinelHarness() throws IOException {
        dir = Files.createTempDirectory("sentinel-test");
    }

    /** A process we can kill and start again with the same arguments (same port, same files). */
    abstract class Proc {
        final int port;
        final Path log;
        Process process;

        Proc(int port, Path log) {
            this.port = port;
            this.log = log;
            procs.add(this);
        }

        abstract List<String> command();

        void start() {
            try {
                process = new ProcessBuilder(command()).redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.appendTo(new File(log.toString() + ".out"))).start();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            waitReady();
        }

        void waitReady() {
            await(this + " to answer PING", 120_000, () -> {
                if (!process.isAlive()) throw new IllegalStateException(this + " exited with " + process.exitValue() + ": " + output());
                try (RespClient c = new RespClient(port)) {
                    c.setTimeout(1000);
                    String pong = String.valueOf(c.value("PING"));
                    return pong.equals("PONG") || pong.contains("NOAUTH");
                } catch (RuntimeException e) {
                    return false;
                }
            });
        }

        /** SIGKILL: no goodbye, as a crash or a pulled cable. */
        void kill() {
            if (process == null) return;
            process.destroyForcibly();
            try {
                process.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        boolean alive() {
            return process != null && process.isAlive();
        }

        String log() {
            try {
                return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
            } catch (IOException e) {
                return "";
            }
        }

        String output() {
            try {
                Path p = Path.of(log.toString() + ".out");
                return Files.exists(p) ? Files.readString(p, StandardCharsets.UTF_8) : "";
            } catch (IOException e) {
                return "";
            }
        }

        Object call(String... args) {
            try (RespClient c = new RespClient(port)) {
                c.setTimeout(2000);
                return c.value(args);
            }
        }

        Object callOrNullUnauthenticated(String... args) {
            try (RespClient c = new RespClient(port)) {
                c.setTimeout(2000);
                return c.value(args);
            } catch (RuntimeException e) {
                return null;
            }
        }

        Object callOrNull(String... args) {
            try {
                return call(args);
            } catch (RuntimeException e) {
                return null;
            }
        }
    }

    /** A data node: a real redis-server, or a Magpie server (this build's Main, its own JVM). */
    final class DataNode extends Proc {
        final boolean magpie;
        Integer replicaOf;
        final List<String> extra;
        String password;

        DataNode(boolean magpie, int port, Integer replicaOf, String... extra) {
            super(port, dir.resolve((magpie ? "magpie-" : "redis-") + port + ".log"));
            this.magpie = magpie;
            this.replicaOf = replicaOf;
            this.extra = List.of(extra);
            for (int i = 0; i + 1 < extra.length; i++) if (extra[i].equals("--requirepass")) password = extra[i + 1];
        }

        @Override
        Object call(String... args) {
            if (password == null) return super.call(args);
            try (RespClient c = new RespClient(port)) {
                c.setTimeout(2000);
                c.value("AUTH", password);
                return c.value(args);
            }
        }

        @Override
        List<String> command() {
            List<String> cmd = new ArrayList<>();
            if (magpie) cmd.addAll(javaCommand());
            else cmd.add("redis-server");
            cmd.addAll(List.of("--port", String.valueOf(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                    "--dir", dir.toString(), "--dbfilename", "dump-" + port + ".rdb", "--logfile", log.toString(),
                    "--repl-diskless-sync-delay", "0"));
            if (replicaOf != null) cmd.addAll(List.of("--replicaof", "127.0.0.1", String.valueOf(replicaOf)));
            cmd.addAll(extra);
            return cmd;
        }

        /** The role as ROLE reports it ("master" or "slave"), null when unreachable. */
        String role() {
            Object r = callOrNull("ROLE");
            return r instanceof List<?> l && !l.isEmpty() ? String.valueOf(l.get(0)) : null;
        }

        /** For a replica, the port of its master as ROLE reports it, else -1. */
        int masterPort() {
            Object r = callOrNull("ROLE");
            if (r instanceof List<?> l && l.size() > 2 && "slave".equals(String.valueOf(l.get(0)))) return Integer.parseInt(String.valueOf(l.get(2)));
            return -1;
        }

        @Override
        public String toString() {
            return (magpie ? "magpie-server:" : "redis-server:") + port;
        }
    }

    /** A Sentinel: Magpie's, or a real redis-sentinel. */
    final class SentinelNode extends Proc {
        final boolean magpie;
        final Path conf;
        String password;

        @Override
        Object call(String... args) {
            if (password == null) return super.call(args);
            try (RespClient c = new RespClient(port)) {
                c.setTimeout(2000);
                c.value("AUTH", password);
                return c.value(args);
            }
        }

        SentinelNode(boolean magpie, int port, String conf) throws IOException {
            super(port, dir.resolve((magpie ? "magpie-sentinel-" : "redis-sentinel-") + port + ".log"));
            this.magpie = magpie;
            this.conf = dir.resolve("sentinel-" + port + ".conf");
            Files.writeString(this.conf, conf);
        }

        @Override
        List<String> command() {
            if (!magpie) return List.of("redis-sentinel", conf.toString());
            List<String> cmd = javaCommand();
            cmd.addAll(List.of(conf.toString(), "--sentinel"));
            return cmd;
        }

        /** SENTINEL GET-MASTER-ADDR-BY-NAME's port, or -1. */
        int masterPort() {
            Object r = callOrNull("SENTINEL", "GET-MASTER-ADDR-BY-NAME", MASTER);
            return r instanceof List<?> l && l.size() == 2 ? Integer.parseInt(String.valueOf(l.get(1))) : -1;
        }

        int count(String what) {
            Object r = callOrNull("SENTINEL", what, MASTER);
            return r instanceof List<?> l ? l.size() : -1;
        }

        String config() {
            try {
                return Files.readString(conf, StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "";
            }
        }

        @Override
        public String toString() {
            return (magpie ? "magpie-sentinel:" : "redis-sentinel:") + port;
        }
    }

    /** java ... io.magpie.app.Main: a small, quickly started JVM, as several share the test machine's cores. */
    static List<String> javaCommand() {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.addAll(List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                "io.magpie.app.Main"));
        return cmd;
    }

    DataNode dataNode(boolean magpie, Integer replicaOf, String... extra) throws IOException {
        DataNode n = new DataNode(magpie, RealRedis.freePort(), replicaOf, extra);
        n.start();
        return n;
    }

    /** A Sentinel watching mymaster at masterPort with quorum and the given extra lines. */
    SentinelNode sentinel(boolean magpie, int masterPort, int quorum, String... extra) throws IOException {
        StringBuilder conf = new StringBuilder();
        conf.append("sentinel monitor ").append(MASTER).append(" 127.0.0.1 ").append(masterPort).append(' ').append(quorum).append('\n');
        conf.append("sentinel down-after-milliseconds ").append(MASTER).append(" 1000\n");
        for (String line : extra) conf.append(line).append('\n');
        return sentinelWithConfig(magpie, conf.toString());
    }

    /** A Sentinel on a free port whose config file is port, bind, dir and logfile lines, then body. */
    SentinelNode sentinelWithConfig(boolean magpie, String body) throws IOException {
        int port = RealRedis.freePort();
        StringBuilder conf = new StringBuilder();
        conf.append("port ").append(port).append('\n');
        conf.append("bind 127.0.0.1\n");
        conf.append("dir \"").append(dir).append("\"\n");
        conf.append("logfile \"").append(dir.resolve((magpie ? "magpie-sentinel-" : "redis-sentinel-") + port + ".log")).append("\"\n");
        conf.append(body);
        SentinelNode s = new SentinelNode(magpie, port, conf.toString());
        s.start();
        return s;
    }

    /** Waits until every Sentinel knows all the others and every replica. */
    void awaitDiscovery(List<SentinelNode> sentinels, int replicas) {
        await("Sentinels to discover each other and the replicas", 30_000, () -> sentinels.stream()
                .allMatch(s -> s.count("SENTINELS") == sentinels.size() - 1 && s.count("REPLICAS") >= replicas));
    }

    /** Polls cond every 50 ms until true, or fails after timeoutMs. */
    static void await(String what, long timeoutMs, BooleanSupplier cond) {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (System.currentTimeMillis() < deadline) {
            if (cond.getAsBoolean()) return;
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        throw new AssertionError("timed out after " + timeoutMs + " ms waiting for " + what);
    }

    /** Every log, for a failing test's report. */
    String logs() {
        StringBuilder sb = new StringBuilder();
        for (Proc p : procs) {
            if (p instanceof SentinelNode) sb.append("==== ").append(p).append('\n').append(p.log()).append(p.output());
        }
        return sb.toString();
    }

    /** Kills what still runs and removes the directory (a failing test printed the logs already). */
    @Override
    public void close() {
        for (Proc p : procs) p.kill();
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // best effort
        }
    }
}
