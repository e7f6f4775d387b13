package io.magpie.proxy;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import redis.clients.jedis.Jedis;

/** Real redis-server processes on free loopback ports, stopped on close. A missing redis-server fails the test. */
final class RedisNodes implements AutoCloseable {
    final List<Integer> ports = new ArrayList<>();
    private final List<Process> processes = new ArrayList<>();
    final Path dir;

    RedisNodes(int count, String... extraArgs) throws Exception {
        dir = Files.createTempDirectory("proxy-redis");
        try {
            for (int i = 0; i < count; i++) start(extraArgs);
        } catch (Exception e) {
            close(); // the ones already started, and the one that did not answer
            throw e;
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    int start(String... extraArgs) throws Exception {
        int port = freePort();
        Path nodeDir = Files.createDirectories(dir.resolve(String.valueOf(port)));
        List<String> cmd = new ArrayList<>(List.of("redis-server", "--port", String.valueOf(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--dir", nodeDir.toString()));
        cmd.addAll(List.of(extraArgs));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(nodeDir.resolve("log").toFile()).start();
        processes.add(p);
        ports.add(port);
        awaitUp(port, p);
        return port;
    }

    static void awaitUp(int port, Process p) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (true) {
            try (Jedis j = new Jedis("127.0.0.1", port, 1000)) {
                j.ping();
                return;
            } catch (redis.clients.jedis.exceptions.JedisDataException e) {
                return; // up, and asking for a password
            } catch (Exception e) {
                if (p != null && !p.isAlive()) throw new IllegalStateException("server on port " + port + " exited: " + p.exitValue());
                if (System.nanoTime() > deadline) throw new IllegalStateException("server on port " + port + " did not start", e);
                Thread.sleep(50);
            }
        }
    }

    Jedis jedis(int i) {
        return new Jedis("127.0.0.1", ports.get(i), 10_000);
    }

    /** Sends a signal ("STOP", "CONT") to node i. */
    void signal(int i, String sig) throws Exception {
        new ProcessBuilder("kill", "-" + sig, String.valueOf(processes.get(i).pid())).inheritIO().start().waitFor();
    }

    /** Kills node i (SIGKILL) and waits until it is gone. */
    void kill(int i) throws InterruptedException {
        Process p = processes.get(i);
        p.destroyForcibly();
        p.waitFor();
    }

    /** Starts node i again on its port. */
    void restart(int i, String... extraArgs) throws Exception {
        int port = ports.get(i);
        Path nodeDir = dir.resolve(String.valueOf(port));
        List<String> cmd = new ArrayList<>(List.of("redis-server", "--port", String.valueOf(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--dir", nodeDir.toString()));
        cmd.addAll(List.of(extraArgs));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(nodeDir.resolve("log").toFile())).start();
        processes.set(i, p);
        awaitUp(port, p);
    }

    String serverList() {
        StringBuilder sb = new StringBuilder();
        for (int p : ports) sb.append(sb.length() == 0 ? "" : ",").append("127.0.0.1:").append(p).append(":1");
        return sb.toString();
    }

    @Override
    public void close() {
        for (Process p : processes) {
            p.destroyForcibly();
            try {
                p.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        deleteTree(dir.toFile());
    }

    private static void deleteTree(File f) {
        File[] children = f.listFiles();
        if (children != null) for (File c : children) deleteTree(c);
        f.delete();
    }
}
