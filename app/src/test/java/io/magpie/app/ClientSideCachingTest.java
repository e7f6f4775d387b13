package io.magpie.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.TrackingArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.support.caching.CacheAccessor;
import io.lettuce.core.support.caching.CacheFrontend;
import io.lettuce.core.support.caching.ClientSideCaching;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/** Lettuce's client side caching (CacheFrontend over CLIENT TRACKING, RESP3) against Magpie. */
class ClientSideCachingTest {

    @Test
    void lettuceCacheFrontendServesFromItsCacheUntilAnotherClientWrites() {
        try (TestServer server = new TestServer()) {
            cacheFrontendScenario(server.port());
        }
    }

    private static void cacheFrontendScenario(int port) {
        try (Jedis writer = new Jedis("127.0.0.1", port)) {
            RedisClient client = RedisClient.create(RedisURI.create("127.0.0.1", port));
            try (StatefulRedisConnection<String, String> conn = client.connect()) {
                writer.set("user:1", "ada");
                Map<String, String> cache = new ConcurrentHashMap<>();
                CacheFrontend<String, String> frontend =
                        ClientSideCaching.enable(CacheAccessor.forMap(cache), conn, TrackingArgs.Builder.enabled());

                assertThat(frontend.get("user:1")).isEqualTo("ada");
                assertThat(cache).containsEntry("user:1", "ada");
                // Served from the cache: the server sees no second GET.
                long callsBefore = getCalls(writer);
                assertThat(frontend.get("user:1")).isEqualTo("ada");
                assertThat(getCalls(writer)).isEqualTo(callsBefore);

                writer.set("user:1", "grace");
                await().atMost(Duration.ofSeconds(20)).until(() -> !cache.containsKey("user:1"));
                assertThat(frontend.get("user:1")).isEqualTo("grace");

                // Each read earns one invalidation: a key written twice is re-read and dropped again.
                assertThat(frontend.get("user:2")).isNull();
                writer.set("user:2", "alan");
                writer.set("user:1", "edsger");
                await().atMost(Duration.ofSeconds(20)).until(() -> !cache.containsKey("user:1"));
                assertThat(frontend.get("user:1")).isEqualTo("edsger");
                assertThat(frontend.get("user:2")).isEqualTo("alan");
                frontend.close();
            } finally {
                client.shutdown();
            }
        }
    }

    private static long getCalls(Jedis j) {
        String stats = j.info("commandstats");
        for (String line : stats.split("\r\n")) {
            if (line.startsWith("cmdstat_get:")) {
                return Long.parseLong(line.replaceAll(".*calls=(\\d+).*", "$1"));
            }
        }
        return 0;
    }
}
