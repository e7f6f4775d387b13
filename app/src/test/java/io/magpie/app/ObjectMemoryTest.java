package io.magpie.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.magpie.protocol.RespClient;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * OBJECT and MEMORY USAGE where exact replies cannot be compared (estimates, clocks): the
 * same claims are checked on redis-server and on Magpie. Exact replies are covered by the
 * differential script object-encoding-refcount-freq-help.txt.
 */
class ObjectMemoryTest {
    static void onBoth(Consumer<RespClient> scenario, String... args) {
        try (RealRedis redis = new RealRedis(args); RespClient r = redis.client()) {
            scenario.accept(r);
        }
        try (TestServer magpie = new TestServer(args); RespClient m = magpie.client()) {
            scenario.accept(m);
        }
    }

    static long usage(RespClient c, String key) {
        return (Long) c.value("MEMORY", "USAGE", key);
    }

    @Test
    void memoryUsageIsPositiveAndGrowsWithTheValue() {
        onBoth(c -> {
            c.call("SET", "k", "v");
            long small = usage(c, "k");
            c.call("SET", "k", "x".repeat(1000));
            long medium = usage(c, "k");
            c.call("SET", "k", "x".repeat(100_000));
            long large = usage(c, "k");
            assertThat(small).isPositive();
            assertThat(medium).isGreaterThan(small + 900);
            assertThat(large).isGreaterThan(medium + 90_000);
            assertThat(usage(c, "k")).isEqualTo(large);
            c.call("SET", "longer-key-name-".repeat(10), "v");
            assertThat(usage(c, "longer-key-name-".repeat(10))).isGreaterThan(small);
        });
    }

    @Test
    void objectFreqCountsReadsUnderAnLfuPolicy() {
        onBoth(c -> {
            c.call("SET", "k", "v");
            assertThat(c.value("OBJECT", "FREQ", "k")).isEqualTo(5L);
            c.call("GET", "k");
            assertThat(c.value("OBJECT", "FREQ", "k")).isEqualTo(6L);
            for (int i = 0; i < 2000; i++) c.send("GET", "k");
            for (int i = 0; i < 2000; i++) c.read();
            // The counter is logarithmic and random (lfu-log-factor 10): 2000 reads land around
            // 22-30 on both servers. Reaching 40 takes about 6000 reads on average (sd ~1200),
            // so a bound of 40 fails only when reads count wrongly, not by chance.
            assertThat((Long) c.value("OBJECT", "FREQ", "k")).isBetween(8L, 40L);
            assertThat(c.value("OBJECT", "REFCOUNT", "k")).isEqualTo(1L);
        }, "--maxmemory-policy", "allkeys-lfu");
    }

    @Test
    void objectIdletimeCountsSecondsSinceTheLastAccessButNotItself() throws Exception {
        onBoth(c -> {
            c.call("SET", "k", "v");
            c.call("SET", "other", "v");
            sleep(2100);
            c.call("GET", "other");
            assertThat((Long) c.value("OBJECT", "IDLETIME", "k")).isBetween(1L, 3L);
            assertThat((Long) c.value("OBJECT", "IDLETIME", "k")).isBetween(1L, 3L); // OBJECT does not touch
            assertThat((Long) c.value("OBJECT", "IDLETIME", "other")).isBetween(0L, 1L);
        });
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
