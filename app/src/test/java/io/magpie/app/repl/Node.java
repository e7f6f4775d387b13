package io.magpie.app.repl;

import io.magpie.protocol.RespClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One server process on a free loopback port: a real redis-server or Magpie in its own JVM,
 * both started with redis-server's arguments, their log in a file of the node's directory.
 * Nodes of a test share one directory; each gets its own subdirectory (its dump.rdb, its log).
 */
public final class Node implements AutoCloseable {
    /** Which server a node runs. */
    public enum Kind { REDIS, MAGPIE }

    /** Magpie's JVM: small and quick to start, several of them share a 2-core machine with the tests. */
    private static final List<String> MAGPIE_JVM = List.of("-Xms64m", "-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");

    private final Kind kind;
    private final String name;
    private final Path dir;
    private final Path log;
    private final List<String> args;
    private Process process;
    private int port;
    private RespClient client;

    private Node(Kind kind, String name, Path dir, List<String> args) {
        this.kind = kind;
        this.name = name;
        this.dir = dir;
        this.log = dir.resolve(name + ".log");
        this.args = args;
    }

    /**
     * Starts a node. Every node runs without persistence, on 127.0.0.1, with DEBUG allowed and the
     * diskless sync delay at 0 (Redis waits 5 seconds by default for more replicas to arrive);
     * {@code extraArgs} come last ("--repl-backlog-size", "16kb", "--masterauth", "pw" ...).
     */
    public static Node start(Kind kind, String name, Path parentDir, String... extraArgs) {
        return startWithConfig(kind, name, parentDir, null, extraArgs);
    }

    /**
     * A node whose first argument is a config file with {@code configText} (null: none), as
     * redis-server takes it; the file is the node's {@link #configFile()}, for CONFIG REWRITE.
     */
    public static Node startWithConfig(Kind kind, String name, Path parentDir, String configText, String... extraArgs) {
        try {
            Path dir = Files.createDirectories(parentDir.resolve(name));
            List<String> args = new ArrayList<>();
            if (configText != null) {
                Path conf = dir.resolve(name + ".conf");
                Files.writeString(conf, configText, StandardCharsets.UTF_8);
                args.add(conf.toString());
            }
            args.addAll(List.of("--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                    "--dir", dir.toString(), "--daemonize", "no", "--enable-debug-command", "yes",
                    "--repl-diskless-sync-delay", "0"));
            args.addAll(List.of(extraArgs));
            Node n = new Node(kind, name, dir, args);
            n.launch(freePort());
            return n;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The config file the node was started with, or null. */
    public Path configFile() {
        return args.isEmpty() || args.get(0).startsWith("--") ? null : Path.of(args.get(0));
    }

    /**
     * A node started with only the basic arguments: what the replication guard probes, since a
     * Magpie without replication refuses replication parameters on its command line.
     */
    static Node startBare(Kind kind, String name, Path parentDir) {
        try {
            Path dir = Files.createDirectories(parentDir.resolve(name));
            Node n = new Node(kind, name, dir, List.of("--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                    "--dir", dir.toString()));
            n.launch(freePort());
            return n;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void launch(int onPort) throws IOException {
        port = onPort;
        List<String> cmd = new ArrayList<>();
        if (kind == Kind.REDIS) {
            cmd.add("redis-server");
        } else {
            cmd.add(ProcessHandle.current().info().command().orElse("java"));
            cmd.addAll(MAGPIE_JVM);
            cmd.add("-cp");
            cmd.add(System.getProperty("java.class.path"));
            cmd.add("io.magpie.app.Main");
        }
        Path config = configFile();
        if (config != null) cmd.add(config.toString());
        cmd.addAll(List.of("--port", String.valueOf(port)));
        cmd.addAll(config != null ? args.subList(1, args.size()) : args);
        process = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        waitReady();
        client = connect();
    }

    private void waitReady() {
        long deadline = System.currentTimeMillis() + 30_000;
        while (System.currentTimeMillis() < deadline) {
            if (!process.isAlive()) throw new IllegalStateException(this + " exited with " + process.exitValue() + ":\n" + logTail());
            try (RespClient c = new RespClient(port)) {
                String reply = String.valueOf(c.value("PING"));
                if (reply.equals("PONG") || reply.contains("NOAUTH") || reply.contains("LOADING")) return;
            } catch (RuntimeException e) {
                // not listening yet
            }
            sleep(25);
        }
        throw new IllegalStateException(this + " did not start:\n" + logTail());
    }

    static int freePort() {
        return io.magpie.app.TestPorts.freePort();
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    public Kind kind() {
        return kind;
    }

    public String name() {
        return name;
    }

    public int port() {
        return port;
    }

    public Path dir() {
        return dir;
    }

    public boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** A new connection of the caller's own (closed by the caller), authenticated if the node has a password. */
    public RespClient connect() {
        RespClient c = new RespClient(port);
        String password = password();
        if (password != null) c.value("AUTH", password);
        return c;
    }

    /** The --requirepass the node was started with, or null. */
    public String password() {
        int i = args.indexOf("--requirepass");
        return i >= 0 ? args.get(i + 1) : null;
    }

    /** A command on the node's shared connection; error replies come back as {@link RespClient.Err}. */
    public synchronized Object call(String... args) {
        return client.value(args);
    }

    /** A command that must not fail: an error reply throws, naming the node. */
    public Object ok(String... args) {
        Object reply = call(args);
        if (reply instanceof RespClient.Err e) throw new IllegalStateException(this + " " + String.join(" ", args) + ": " + e.text());
        return reply;
    }

    /** INFO section as ordered field → value (section headers and blank lines left out). */
    public Map<String, String> info(String section) {
        return parseInfo(String.valueOf(ok("INFO", section)));
    }

    static Map<String, String> parseInfo(String text) {
        Map<String, String> fields = new LinkedHashMap<>();
        for (String line : text.split("\r\n")) {
            if (line.isEmpty() || line.startsWith("#")) continue;
            int colon = line.indexOf(':');
            if (colon > 0) fields.put(line.substring(0, colon), line.substring(colon + 1));
        }
        return fields;
    }

    public long infoLong(String section, String field) {
        String v = info(section).get(field);
        if (v == null) throw new IllegalStateException(this + ": INFO " + section + " has no " + field);
        return Long.parseLong(v);
    }

    /** The master side's sync counters from INFO stats. */
    public record SyncStats(long full, long partialOk, long partialErr) {}

    public SyncStats syncStats() {
        Map<String, String> stats = info("stats");
        return new SyncStats(Long.parseLong(stats.get("sync_full")), Long.parseLong(stats.get("sync_partial_ok")),
                Long.parseLong(stats.get("sync_partial_err")));
    }

    /** Waits until an INFO field has a value; throws, with the node's log, after {@code millis}. */
    public void awaitInfo(String section, String field, String value, long millis) {
        long deadline = System.currentTimeMillis() + millis;
        String last = null;
        while (System.currentTimeMillis() < deadline) {
            last = info(section).get(field);
            if (value.equals(last)) return;
            sleep(50);
        }
        throw new AssertionError(this + ": INFO " + field + " is " + last + ", not " + value + " after " + millis + " ms\n" + logTail());
    }

    /** Waits until the replica's link to its master is up (the initial sync done). */
    public void awaitLinkUp() {
        awaitInfo("replication", "master_link_status", "up", 60_000);
    }

    /** Waits until the master lists {@code count} replicas, all in state online (it has had their first ACK). */
    public void awaitReplicasOnline(int count) {
        long deadline = System.currentTimeMillis() + 60_000;
        Map<String, String> info = Map.of();
        while (System.currentTimeMillis() < deadline) {
            info = info("replication");
            long online = info.entrySet().stream()
                    .filter(e -> e.getKey().matches("slave\\d+") && e.getValue().contains(",state=online,")).count();
            if (online == count && String.valueOf(count).equals(info.get("connected_slaves"))) return;
            sleep(50);
        }
        throw new AssertionError(this + ": not " + count + " replicas online: " + info + "\n" + logTail());
    }

    /**
     * Waits until every replica the master lists has acknowledged the master's whole stream
     * (its slaveN offset, from REPLCONF ACK sent each second, equals master_repl_offset).
     */
    public void awaitReplicaAcks() {
        long deadline = System.currentTimeMillis() + 60_000;
        Map<String, String> info = Map.of();
        while (System.currentTimeMillis() < deadline) {
            info = info("replication");
            String offset = ",offset=" + info.get("master_repl_offset") + ",";
            if (info.entrySet().stream().filter(e -> e.getKey().matches("slave\\d+")).allMatch(e -> e.getValue().contains(offset))) return;
            sleep(50);
        }
        throw new AssertionError(this + ": replicas have not acknowledged the master's offset: " + info + "\n" + logTail());
    }

    /** REPLICAOF host port. */
    public void replicaOf(int masterPort) {
        ok("REPLICAOF", "127.0.0.1", String.valueOf(masterPort));
    }

    public void replicaOf(Node master) {
        replicaOf(master.port());
    }

    public void promote() {
        ok("REPLICAOF", "NO", "ONE");
    }

    public String logText() {
        try {
            return Files.exists(log) ? Files.readString(log, StandardCharsets.ISO_8859_1) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The last lines of the log, for failure messages. */
    public String logTail() {
        String[] lines = logText().split("\n");
        StringBuilder sb = new StringBuilder();
        for (int i = Math.max(0, lines.length - 40); i < lines.length; i++) sb.append(name).append("| ").append(lines[i]).append('\n');
        return sb.toString();
    }

    /** How many log lines contain {@code text}. */
    public int countLog(String text) {
        int n = 0;
        for (String line : logText().split("\n")) if (line.contains(text)) n++;
        return n;
    }

    /** Waits until the log has a line containing {@code text}; false after {@code millis}. */
    public boolean awaitLog(String text, long millis) {
        long deadline = System.currentTimeMillis() + millis;
        while (System.currentTimeMillis() < deadline) {
            if (countLog(text) > 0) return true;
            sleep(50);
        }
        return countLog(text) > 0;
    }

    /** SIGKILL: the process dies at once, without a word to its peers. */
    public void kill() {
        closeClient();
        if (process == null) return;
        process.destroyForcibly();
        waitExit();
    }

    /** Starts the node again on its old port with its old arguments (after {@link #kill}). */
    public void restart() {
        if (isAlive()) throw new IllegalStateException(this + " is running");
        try {
            launch(port);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void waitExit() {
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(30, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void closeClient() {
        if (client != null) client.close();
        client = null;
    }

    /** SIGTERM, then SIGKILL if the node does not exit within 30 seconds. */
    @Override
    public void close() {
        closeClient();
        if (process == null || !process.isAlive()) return;
        process.destroy();
        waitExit();
    }

    @Override
    public String toString() {
        return name + "(" + kind + " :" + port + ")";
    }
}
