package io.magpie.server.metrics;

import com.sun.net.httpserver.HttpHandler;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.util.List;

/**
 * A node's Prometheus endpoint (metrics-port): one registry that every part of the node adds
 * its metric families to (the data node's redis_* families, Sentinel's, later the cluster's,
 * Raft's and the proxy's), the JVM's own metrics (GC pauses, heap, threads), and Prometheus's
 * HTTP server, which also serves the node's status page.
 *
 * Families are collected when scraped, from the figures the node keeps anyway (commandstats,
 * latency histograms, INFO's fields), so serving metrics costs the command path nothing. A
 * collector that reads keyspace-thread state gets it through {@link OwnerThread}.
 */
public final class MetricsEndpoint {
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private HTTPServer http;

    /** Adds a node part's metric families; scraped from then on. */
    public void register(MultiCollector families) {
        registry.register(families);
    }

    public PrometheusRegistry registry() {
        return registry;
    }

    /**
     * Listens on port at the first of the server's bind addresses ("*" and "::*": every
     * address); /metrics is Prometheus's exposition, anything else goes to pages.
     */
    public void start(List<String> bind, int port, HttpHandler pages) throws IOException {
        JvmMetrics.builder().register(registry); // only for a node that serves metrics: it costs startup time
        HTTPServer.Builder b = HTTPServer.builder().port(port).registry(registry).defaultHandler(pages);
        InetAddress address = listenAddress(bind);
        if (address != null) b.inetAddress(address);
        http = b.buildAndStart();
    }

    /**
     * The address an HTTP listener of the node takes: the first of its bind addresses, null for
     * "*" and "::*" (every address). Shared with the other pages a mode serves on a port of its
     * own (sharded Raft's map on raft-http-port).
     */
    public static InetAddress listenAddress(List<String> bind) throws IOException {
        String address = bind.isEmpty() ? "*" : bind.get(0);
        if (address.startsWith("-")) address = address.substring(1);
        return address.equals("*") || address.equals("::*") ? null : InetAddress.getByName(address);
    }

    /** The port listened on (the one asked for, or the one picked for port 0 in tests). */
    public int port() {
        return http == null ? 0 : http.getPort();
    }

    public boolean running() {
        return http != null;
    }

    public void stop() {
        if (http != null) http.close();
        http = null;
    }
}
