package io.magpie.app.observability;

import io.magpie.app.RealRedis;
import io.magpie.cluster.node.ClusterModule;
import io.magpie.cluster.node.ClusterParams;
import io.magpie.engine.config.Config;
import io.magpie.raft.RaftModule;
import io.magpie.server.ConfigLoader;
import io.magpie.server.MagpieServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** An in-process node in cluster mode or as a one-member Raft group, with metrics-port open, for the status page's tests. */
final class ModeServer implements AutoCloseable {
    private final MagpieServer server;
    private final int port;

    private ModeServer(MagpieServer server, int port) {
        this.server = server;
        this.port = port;
    }

    static ModeServer cluster(int metricsPort) throws Exception {
        int port = RealRedis.freePort();
        Config registry = new Config();
        MagpieServer server = new MagpieServer(registry);
        ClusterParams params = ClusterParams.register(registry);
        ConfigLoader.load(registry, ConfigLoader.configText(common(port, metricsPort, "--cluster-enabled", "yes",
                "--cluster-port", String.valueOf(RealRedis.freePort()))));
        server.modules().add(new ClusterModule(server, params));
        server.start();
        return new ModeServer(server, port);
    }

    static ModeServer raft(int metricsPort) throws Exception {
        int port = RealRedis.freePort(), raftPort = RealRedis.freePort();
        Config registry = new Config();
        MagpieServer server = new MagpieServer(registry);
        String text = ConfigLoader.configText(common(port, metricsPort, "--raft-enabled", "yes", "--raft-id", "n1",
                "--raft-port", String.valueOf(raftPort), "--raft-members", "n1=127.0.0.1:" + raftPort));
        server.modules().add(new RaftModule(server));
        ConfigLoader.load(registry, text);
        server.start();
        return new ModeServer(server, port);
    }

    private static String[] common(int port, int metricsPort, String... mode) throws IOException {
        Path dir = Files.createTempDirectory("magpie-status-page");
        String[] base = {"--port", String.valueOf(port), "--bind", "127.0.0.1", "--save", "", "--dir", dir.toString(),
            "--metrics-port", String.valueOf(metricsPort)};
        String[] all = new String[base.length + mode.length];
        System.arraycopy(base, 0, all, 0, base.length);
        System.arraycopy(mode, 0, all, base.length, mode.length);
        return all;
    }

    int port() {
        return port;
    }

    @Override
    public void close() {
        server.shutdown();
        try {
            server.awaitTermination();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
