package io.magpie.server.metrics;

import io.magpie.server.Log;
import io.magpie.server.MagpieServer;
import io.magpie.server.module.ServerModule;
import java.io.IOException;

/**
 * Metrics and the status page of a node, on metrics-port (0: off). A module on the server base
 * like a mode, so that it gets the cron (the ops/s history) and the shutdown; every node kind
 * has it, and modes add their own metric families ({@link #metrics()}) and status sections
 * ({@link #statusPage()}).
 */
public final class Observability implements ServerModule {
    private final MagpieServer server;
    private final MetricsEndpoint metrics = new MetricsEndpoint();
    private final OpsHistory history = new OpsHistory();
    private final StatusPage statusPage;

    public Observability(MagpieServer server) {
        this.server = server;
        this.statusPage = new StatusPage(server, history);
        metrics.register(new RedisMetrics(server));
    }

    @Override
    public String name() {
        return "observability";
    }

    public MetricsEndpoint metrics() {
        return metrics;
    }

    public StatusPage statusPage() {
        return statusPage;
    }

    /** Opens metrics-port at the server's first bind address, when set; a port that cannot be had stops the start. */
    public void listen() {
        int port = (int) server.config().metricsPort.value();
        if (port == 0) return;
        try {
            metrics.start(server.config().bind.addresses(), port, statusPage);
            Log.notice("Metrics and status page on port %d", metrics.port());
        } catch (IOException e) {
            throw new IllegalStateException("Failed listening on metrics-port " + port + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void cron(long nowMs) {
        history.sample(nowMs, server.engine().stats.numCommands, server.engine().usedMemory());
    }

    @Override
    public void shutdown() {
        metrics.stop();
    }
}
