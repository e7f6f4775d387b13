package io.magpie.app.observability;

import static org.assertj.core.api.Assertions.assertThat;

import io.magpie.app.TestServer;
import io.prometheus.metrics.expositionformats.generated.com_google_protobuf_4_36_2.Metrics;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/**
 * metrics-port: the endpoint is scraped as Prometheus scrapes it and read back with the
 * Prometheus client's own protobuf model, under redis_exporter's names; the figures move
 * with the load.
 */
class MetricsEndpointTest {
    private static final String PROTOBUF = "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited";
    private static TestServer server;
    private static int metricsPort;
    private static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    static int freePort() {
        return io.magpie.app.TestPorts.freePort();
    }

    @BeforeAll
    static void start() throws IOException {
        metricsPort = freePort();
        server = new TestServer("--metrics-port", String.valueOf(metricsPort));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static HttpResponse<InputStream> get(int port, String path, String accept) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(30));
        if (accept != null) b.header("Accept", accept);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
    }

    /** Scrapes in the protobuf format and parses it with the client's generated model. */
    private static Map<String, Metrics.MetricFamily> scrape() throws IOException, InterruptedException {
        HttpResponse<InputStream> r = get(metricsPort, "/metrics", PROTOBUF);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("application/vnd.google.protobuf");
        Map<String, Metrics.MetricFamily> families = new HashMap<>();
        try (InputStream in = r.body()) {
            Metrics.MetricFamily f;
            while ((f = Metrics.MetricFamily.parseDelimitedFrom(in)) != null) families.put(f.getName(), f);
        }
        return families;
    }

    private static Optional<Metrics.Metric> sample(Map<String, Metrics.MetricFamily> families, String name, String label, String value) {
        Metrics.MetricFamily f = families.get(name);
        assertThat(f).as("family %s in %s", name, families.keySet()).isNotNull();
        return f.getMetricList().stream()
                .filter(m -> label == null || m.getLabelList().stream().anyMatch(l -> l.getName().equals(label) && l.getValue().equals(value)))
                .findFirst();
    }

    private static double gauge(Map<String, Metrics.MetricFamily> families, String name, String label, String value) {
        return sample(families, name, label, value).orElseThrow().getGauge().getValue();
    }

    private static double counter(Map<String, Metrics.MetricFamily> families, String name, String label, String value) {
        if (!families.containsKey(name)) return 0; // no command counted yet
        return sample(families, name, label, value).map(m -> m.getCounter().getValue()).orElse(0.0);
    }

    @Test
    void commandsKeysAndLatencyMoveWithTheLoad() throws Exception {
        Map<String, Metrics.MetricFamily> before = scrape();
        double setsBefore = counter(before, "redis_commands_total", "cmd", "set");
        try (Jedis j = new Jedis("127.0.0.1", server.port())) {
            j.select(3);
            for (int i = 0; i < 250; i++) j.set("metrics:" + i, "v" + i);
            for (int i = 0; i < 10; i++) j.expire("metrics:" + i, 1000);
            j.get("metrics:1");
            j.get("nosuchkey");
        }
        Map<String, Metrics.MetricFamily> after = scrape();
        assertThat(counter(after, "redis_commands_total", "cmd", "set")).isEqualTo(setsBefore + 250);
        assertThat(counter(after, "redis_commands_total", "cmd", "get")).isGreaterThanOrEqualTo(2);
        assertThat(counter(after, "redis_commands_duration_seconds_total", "cmd", "set")).isGreaterThan(0);
        assertThat(gauge(after, "redis_db_keys", "db", "db3")).isEqualTo(250);
        assertThat(gauge(after, "redis_db_keys_expiring", "db", "db3")).isEqualTo(10);
        assertThat(gauge(after, "redis_db_keys", "db", "db0")).isZero();
        assertThat(counter(after, "redis_keyspace_hits_total", null, null)).isGreaterThanOrEqualTo(1);
        assertThat(counter(after, "redis_keyspace_misses_total", null, null)).isGreaterThanOrEqualTo(1);

        // The latency histogram per command (latency-tracking): every SET observed once.
        Metrics.Histogram set = sample(after, "redis_latency_usec", "cmd", "set").orElseThrow().getHistogram();
        assertThat(set.getSampleCount()).isEqualTo((long) (setsBefore + 250));
        assertThat(set.getBucketList()).isNotEmpty();
        assertThat(set.getBucket(set.getBucketCount() - 1).getCumulativeCount()).isLessThanOrEqualTo(set.getSampleCount());
        assertThat(set.getBucket(0).getUpperBound()).isEqualTo(1.0);

        assertThat(gauge(after, "redis_up", null, null)).isEqualTo(1);
        assertThat(gauge(after, "redis_memory_used_bytes", null, null)).isGreaterThan(gauge(before, "redis_memory_used_bytes", null, null));
        assertThat(gauge(after, "redis_memory_max_bytes", null, null)).isZero();
        assertThat(gauge(after, "redis_connected_slaves", null, null)).isZero();
        assertThat(gauge(after, "redis_aof_enabled", null, null)).isZero();
        assertThat(gauge(after, "redis_rdb_changes_since_last_save", null, null)).isGreaterThanOrEqualTo(250);
        assertThat(after).containsKeys("redis_connected_clients", "redis_blocked_clients", "redis_uptime_in_seconds",
                "redis_master_repl_offset", "redis_rdb_last_save_timestamp_seconds", "redis_expired_keys_total",
                "redis_evicted_keys_total");
        Metrics.Metric instance = sample(after, "redis_instance_info", null, null).orElseThrow();
        assertThat(instance.getLabelList()).anyMatch(l -> l.getName().equals("role") && l.getValue().equals("master"));
        assertThat(instance.getLabelList()).anyMatch(l -> l.getName().equals("tcp_port") && l.getValue().equals(String.valueOf(server.port())));
        // The JVM's own instrumentation: GC pauses among them.
        assertThat(after.keySet()).anyMatch(n -> n.startsWith("jvm_gc_collection_seconds"));
        assertThat(after.keySet()).anyMatch(n -> n.startsWith("jvm_memory_used_bytes"));
    }

    @Test
    void theTextFormatCarriesRedisExporterNames() throws Exception {
        try (Jedis j = new Jedis("127.0.0.1", server.port())) {
            j.set("text", "1");
        }
        HttpResponse<InputStream> r = get(metricsPort, "/metrics", "text/plain");
        assertThat(r.statusCode()).isEqualTo(200);
        String text;
        try (InputStream in = r.body()) {
            text = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
        assertThat(text).contains("# TYPE redis_commands_total counter", "redis_commands_total{cmd=\"set\"}",
                "# TYPE redis_latency_usec histogram", "redis_latency_usec_bucket{cmd=\"set\",le=\"1.0\"}",
                "redis_latency_usec_bucket{cmd=\"set\",le=\"+Inf\"}", "redis_db_keys{db=\"db0\"}", "redis_up 1",
                "redis_instance_info{");
    }

    @Test
    void latencyTrackingOffLeavesNoNewHistograms() throws Exception {
        try (Jedis j = new Jedis("127.0.0.1", server.port())) {
            j.configSet("latency-tracking", "no");
            try {
                j.configResetStat();
                j.lpush("list", "a");
                Map<String, Metrics.MetricFamily> f = scrape();
                assertThat(counter(f, "redis_commands_total", "cmd", "lpush")).isEqualTo(1);
                Metrics.MetricFamily latency = f.get("redis_latency_usec");
                if (latency != null) {
                    assertThat(latency.getMetricList()).noneMatch(m -> m.getLabelList().stream().anyMatch(l -> l.getValue().equals("lpush")));
                }
            } finally {
                j.configSet("latency-tracking", "yes");
            }
        }
    }
}
