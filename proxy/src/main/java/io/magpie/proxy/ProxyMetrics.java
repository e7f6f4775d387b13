package io.magpie.proxy;

import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.IOException;
import java.net.InetAddress;

/**
 * The proxy's Prometheus endpoint (metrics-port, 0 = off) on the Prometheus Java client: the
 * names a redis_exporter dashboard already charts where the figure is the same (redis_up,
 * redis_connected_clients, redis_connections_received_total, redis_commands_processed_total),
 * and per backend its state, requests, errors and latency (redis_proxy_backend_*). Read at
 * scrape time from the counters the proxy keeps for INFO, so requests pay nothing more.
 */
final class ProxyMetrics implements MultiCollector {
    private final ProxyServer server;
    private HTTPServer http;

    ProxyMetrics(ProxyServer server) {
        this.server = server;
    }

    void start(String bind, int port) throws IOException {
        PrometheusRegistry registry = new PrometheusRegistry();
        registry.register(this);
        http = HTTPServer.builder().inetAddress(InetAddress.getByName(bind)).port(port).registry(registry).buildAndStart();
    }

    int port() {
        return http == null ? 0 : http.getPort();
    }

    void stop() {
        if (http != null) http.close();
        http = null;
    }

    @Override
    public MetricSnapshots collect() {
        GaugeSnapshot.Builder up = GaugeSnapshot.builder().name("redis_proxy_backend_up")
                .help("0 while auto-eject keeps the backend out of the pool, else 1; status as PROXY MAP shows it");
        CounterSnapshot.Builder requests = CounterSnapshot.builder().name("redis_proxy_backend_requests").help("requests sent to the backend");
        CounterSnapshot.Builder errors = CounterSnapshot.builder().name("redis_proxy_backend_errors").help("requests the backend failed");
        CounterSnapshot.Builder latency = CounterSnapshot.builder().name("redis_proxy_backend_latency_seconds")
                .help("time spent waiting for the backend's replies");
        for (Backend b : server.knownBackends()) {
            Labels l = Labels.of("backend", b.address);
            String status = server.router.status(b); // servers: in or ejected; cluster: master or other
            up.dataPoint(GaugeDataPointSnapshot.builder().value("ejected".equals(status) ? 0 : 1)
                    .labels(Labels.of("backend", b.address, "status", status)).build());
            requests.dataPoint(CounterDataPointSnapshot.builder().value(b.requests.sum()).labels(l).build());
            errors.dataPoint(CounterDataPointSnapshot.builder().value(b.errors.sum()).labels(l).build());
            latency.dataPoint(CounterDataPointSnapshot.builder().value(b.latencyMicros.sum() / 1e6).labels(l).build());
        }
        return new MetricSnapshots(
                gauge("redis_up", "Information about the proxy", 1),
                gauge("redis_connected_clients", "connected_clients metric", server.connectedClients.get()),
                counter("redis_connections_received", "total_connections_received metric", server.totalConnections.get()),
                counter("redis_commands_processed", "total_commands_processed metric", server.totalCommands.sum()),
                up.build(), requests.build(), errors.build(), latency.build());
    }

    private static GaugeSnapshot gauge(String name, String help, double value) {
        return GaugeSnapshot.builder().name(name).help(help).dataPoint(GaugeDataPointSnapshot.builder().value(value).build()).build();
    }

    private static CounterSnapshot counter(String name, String help, double value) {
        return CounterSnapshot.builder().name(name).help(help).dataPoint(CounterDataPointSnapshot.builder().value(value).build()).build();
    }
}
