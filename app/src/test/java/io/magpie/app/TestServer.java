package io.magpie.app;

import io.magpie.engine.config.Config;
import io.magpie.protocol.RespClient;
import io.magpie.server.ConfigLoader;
import io.magpie.server.MagpieServer;

/** A Magpie server in this JVM on a free loopback port, configured like the command line. */
public final class TestServer implements AutoCloseable {
    private final MagpieServer server;
    private final java.nio.file.Path dir;

    /** args: "--name value" pairs, as for ./magpie-server. */
    public TestServer(String... args) {
        try {
            Config registry = new Config();
            server = new MagpieServer(registry);
            // No save rules unless a test asks, and a directory of its own: a test server must
            // not leave dump.rdb behind, nor load one another test left (a full sync, a FLUSHALL
            // with save points and SHUTDOWN all write one).
            dir = java.nio.file.Files.createTempDirectory("magpie-test");
            String[] all = new String[args.length + 8];
            all[0] = "--port";
            all[1] = "0";
            all[2] = "--bind";
            all[3] = "127.0.0.1";
            all[4] = "--save";
            all[5] = "";
            all[6] = "--dir";
            all[7] = dir.toString();
            System.arraycopy(args, 0, all, 8, args.length);
            ConfigLoader.load(registry, ConfigLoader.configText(all));
            server.start();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public int port() {
        return server.port();
    }

    public MagpieServer server() {
        return server;
    }

    public RespClient client() {
        return new RespClient(port());
    }

    @Override
    public void close() {
        server.shutdown();
        try {
            server.awaitTermination();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        deleteTree(dir);
    }

    /** Deletes a test's temporary directory and what is in it (thousands were left in /tmp). */
    static void deleteTree(java.nio.file.Path dir) {
        try (var files = java.nio.file.Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (java.io.IOException ignored) {
            // a temporary directory left behind is harmless
        }
    }
}
