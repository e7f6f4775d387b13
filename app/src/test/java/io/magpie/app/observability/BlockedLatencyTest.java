package io.magpie.app.observability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.magpie.app.TestServer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/** latency-tracking for a blocked call, as Redis 7.0: served, it records its serving (not its wait). */
class BlockedLatencyTest {
    @Test
    void aServedBlpopIsRecordedOnceWithItsServingTime() throws Exception {
        try (TestServer server = new TestServer(); Jedis waiter = new Jedis("127.0.0.1", server.port());
                Jedis j = new Jedis("127.0.0.1", server.port())) {
            j.configResetStat();
            CompletableFuture<List<String>> popped = CompletableFuture.supplyAsync(() -> waiter.blpop(30, "queue"));
            await().atMost(Duration.ofSeconds(30)).until(() -> j.info("clients").contains("blocked_clients:1"));
            Thread.sleep(300); // the wait, which the histogram must not count
            j.lpush("queue", "job");
            assertThat(popped.get(30, TimeUnit.SECONDS)).containsExactly("queue", "job");
            List<Object> h = j.sendCommand(() -> "LATENCY".getBytes(), "HISTOGRAM", "blpop") instanceof List<?> l ? (List<Object>) l : List.of();
            assertThat(h).hasSize(2);
            List<?> detail = (List<?>) h.get(1);
            assertThat(detail.get(1)).isEqualTo(1L); // calls
            List<?> buckets = (List<?>) detail.get(3);
            assertThat((Long) buckets.get(0)).isLessThan(300_000L); // the serving took well under the 300 ms wait
        }
    }
}
