package io.magpie.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.magpie.protocol.RespClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** metrics-port on the proxy: its clients and commands, and each backend's state and requests, moving with the load. */
class ProxyMetricsTest {
    private static String scrape(int port) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).timeout(Duration.ofSeconds(30)).build();
        HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        return r.body();
    }

    /** The sum of a family's samples whose line starts with prefix. */
    private static double sum(String text, String prefix) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(prefix) + "(?:\\{[^}]*\\})? (\\S+)$").matcher(text);
        double total = 0;
        int n = 0;
        while (m.find()) {
            total += Double.parseDouble(m.group(1));
            n++;
        }
        assertThat(n).as("samples of %s", prefix).isPositive();
        return total;
    }

    @Test
    void clientsCommandsAndBackendsAreExported() throws Exception {
        try (RedisNodes nodes = new RedisNodes(2)) {
            ProxyServer proxy = Proxies.start("--servers", nodes.serverList(), "--metrics-port", String.valueOf(RedisNodes.freePort()));
            try (RespClient c = new RespClient(proxy.port())) {
                double before = sum(scrape(proxy.metricsPort()), "redis_commands_processed_total");
                for (int i = 0; i < 50; i++) assertThat(String.valueOf(c.value("SET", "metrics:" + i, "v"))).isEqualTo("OK");
                String text = scrape(proxy.metricsPort());
                assertThat(sum(text, "redis_commands_processed_total")).isGreaterThanOrEqualTo(before + 50);
                assertThat(sum(text, "redis_proxy_backend_requests_total")).isGreaterThanOrEqualTo(50);
                assertThat(sum(text, "redis_proxy_backend_errors_total")).isEqualTo(0);
                assertThat(sum(text, "redis_connected_clients")).isEqualTo(1);
                assertThat(sum(text, "redis_proxy_backend_up")).isEqualTo(2);
                assertThat(text).contains("redis_up 1");
            } finally {
                proxy.close();
            }
        }
    }
}
