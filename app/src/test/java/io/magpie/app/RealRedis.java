package io.magpie.app;

import io.magpie.protocol.RespClient;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A real redis-server (Debian's package) started on a free loopback port: the oracle of
 * the differential tests. No persistence, so it leaves nothing behind.
 */
public final class RealRedis implements AutoCloseable {
    private final Process process;
    private final int port;
    private final Path dir;

    public RealRedis(String... extraArgs) {
        try {
            port = freePort();
            dir = Files.createTempDirectory("redis-oracle");
            List<String> cmd = new ArrayList<>(List.of("redis-server", "--port", String.valueOf(port), "--bind", "127.0.0.1",
                    "--save", "", "--appendonly", "no", "--dir", dir.toString(), "--daemonize", "no"));
            cmd.addAll(List.of(extraArgs));
            process = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(new File(dir.toFile(), "redis.log")).start();
        } catch (IOException e) {
            throw new IllegalStateException("redis-server is required for differential tests (apt-get install redis-server)", e);
        }
        waitUntilReady(port, process);
    }

    /** Until the server answers; the bound only catches a hang (a JVM starts in seconds, a minute or more on a crowded machine). */
    static void waitUntilReady(int port, Process process) {
        long deadline = System.currentTimeMillis() + 120_000;
        while (System.currentTimeMillis() < deadline) {
            if (process != null && !process.isAlive()) throw new IllegalStateException("server exited with " + process.exitValue());
            try (RespClient c = new RespClient(port)) {
                String reply = String.valueOf(c.value("PING"));
                // With requirepass the answer is NOAUTH: the server is up all the same.
                if (reply.equals("PONG") || reply.contains("NOAUTH")) return;
            } catch (RuntimeException e) {
                // not listening yet
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        throw new IllegalStateException("server on port " + port + " did not start");
    }

    public static int freePort() {
        return TestPorts.freePort();
    }

    public int port() {
        return port;
    }

    /** The server's working directory (its dump.rdb lives here after SAVE). */
    public Path dir() {
        return dir;
    }

    public RespClient client() {
        return new RespClient(port);
    }

    /** kill -9: the server dies without a word to its peers or clients. */
    public void kill9() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    @Override
    public void close() {
        process.destroy();
        try {
            process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        TestServer.deleteTree(dir);
    }
}
