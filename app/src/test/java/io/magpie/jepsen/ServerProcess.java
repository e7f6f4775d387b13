package io.magpie.jepsen;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * A server process on a loopback port, redis-server or Magpie (io.magpie.app.Main in a JVM of
 * its own, this test's classpath), with the process faults a schedule injects: kill -9 and
 * restart on the same port with the same arguments (and the same directory, so that what it
 * persisted is there), SIGSTOP and SIGCONT. Output goes to a log file in its directory.
 */
public final class ServerProcess implements AutoCloseable {
    public enum Kind { REDIS, MAGPIE }

    private static final List<String> MAGPIE_JVM = List.of("-Xms64m", "-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");

    private final Kind kind;
    private final String name;
    private final Path dir;
    private final int port;
    private final List<String> args;
    private Process process;
    private boolean paused;

    private ServerProcess(Kind kind, String name, Path dir, int port, List<String> args) {
        this.kind = kind;
        this.name = name;
        this.dir = dir;
        this.port = port;
        this.args = args;
    }

    /** Starts a server on {@code port} (see {@link #freePort}) in {@code parent/name} and waits until it answers PING. */
    public static ServerProcess start(Kind kind, String name, Path parent, int port, String... args) {
        try {
            Path dir = Files.createDirectories(parent.resolve(name));
            List<String> all = new ArrayList<>(List.of("--port", String.valueOf(port), "--bind", "127.0.0.1", "--dir", dir.toString()));
            all.addAll(List.of(args));
            ServerProcess p = new ServerProcess(kind, name, dir, port, all);
            p.launch();
            p.awaitPing(60_000);
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void launch() throws IOException {
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
        cmd.addAll(args);
        process = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve(name + ".log").toFile())).start();
        paused = false;
    }

    /** Waits until the server answers PING (any reply but a refused connection counts). */
    public void awaitPing(long millis) {
        long deadline = System.currentTimeMillis() + millis;
        while (System.currentTimeMillis() < deadline) {
            if (!process.isAlive()) throw new IllegalStateException(name + " exited with " + process.exitValue() + ":\n" + logTail());
            try (Jedis j = new Jedis("127.0.0.1", port, 2000)) {
                j.ping();
                return;
            } catch (JedisDataException e) {
                return; // LOADING, NOAUTH: the server is up
            } catch (JedisConnectionException e) {
                // not listening yet
            }
            sleep(25);
        }
        throw new IllegalStateException(name + " did not answer PING within " + millis + " ms:\n" + logTail());
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    public static int freePort() {
        return io.magpie.app.TestPorts.freePort();
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
        return process.isAlive();
    }

    public boolean isPaused() {
        return paused;
    }

    public Jedis client() {
        return new Jedis("127.0.0.1", port, 5000);
    }

    /** kill -9: no shutdown code runs, nothing unflushed survives. */
    public void kill9() {
        if (paused) signal("CONT"); // a stopped process dies of SIGKILL too, but its restart must not find it stopped
        process.destroyForcibly();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) throw new IllegalStateException(name + " survived kill -9");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        paused = false;
    }

    /** Starts the killed server again, on its port with its arguments and directory, and waits for PING. */
    public void restart() {
        if (process.isAlive()) throw new IllegalStateException(name + " is running");
        try {
            launch();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        awaitPing(60_000);
    }

    /** SIGSTOP: the process stops in its tracks; its sockets stay open and nothing answers. */
    public void pause() {
        signal("STOP");
        paused = true;
    }

    /** SIGCONT. */
    public void resume() {
        signal("CONT");
        paused = false;
    }

    private void signal(String sig) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + sig, String.valueOf(process.pid())).redirectErrorStream(true).start();
            if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) throw new IllegalStateException("kill -" + sig + " " + name + " failed");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public String logTail() {
        try {
            Path log = dir.resolve(name + ".log");
            if (!Files.exists(log)) return "";
            List<String> lines = Files.readAllLines(log, StandardCharsets.ISO_8859_1);
            StringBuilder sb = new StringBuilder();
            for (String l : lines.subList(Math.max(0, lines.size() - 30), lines.size())) sb.append(name).append("| ").append(l).append('\n');
            return sb.toString();
        } catch (IOException e) {
            return "(log unreadable: " + e + ")";
        }
    }

    @Override
    public void close() {
        if (process == null || !process.isAlive()) return;
        if (paused) signal("CONT");
        process.destroyForcibly();
        try {
            process.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return name + "(" + kind + " :" + port + ")";
    }
}
