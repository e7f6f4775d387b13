package io.magpie.app.observability;

import static org.assertj.core.api.Assertions.assertThat;

import io.magpie.app.TestServer;
import java.util.Map;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/** MEMORY STATS and DOCTOR report the keyspace and the JVM's real heap and RSS figures. */
class MemoryStatsTest {
    @Test
    void statsCountKeysPerDbAndReportTheJvmHeapAsTheAllocator() {
        try (TestServer server = new TestServer(); Jedis j = new Jedis("127.0.0.1", server.port())) {
            for (int i = 0; i < 100; i++) j.set("k" + i, "v".repeat(100));
            j.select(5);
            j.setex("e", 100, "v");
            Map<String, Object> stats = j.memoryStats();
            assertThat(stats.get("keys.count")).isEqualTo(101L);
            assertThat(stats).containsKeys("db.0", "db.5").doesNotContainKey("db.1");
            long total = (Long) stats.get("total.allocated");
            long startup = (Long) stats.get("startup.allocated");
            assertThat(total).isGreaterThan(startup + 100 * 100);
            assertThat((Long) stats.get("keys.bytes-per-key")).isEqualTo((total - startup) / 101);
            assertThat((Long) stats.get("dataset.bytes")).isEqualTo(total - (Long) stats.get("overhead.total"));
            long allocated = (Long) stats.get("allocator.allocated");
            long active = (Long) stats.get("allocator.active");
            assertThat(allocated).isPositive();
            assertThat(active).isGreaterThanOrEqualTo(allocated);
            assertThat((Long) stats.get("allocator.resident")).isPositive();
            assertThat((Long) stats.get("allocator-fragmentation.bytes")).isEqualTo(active - allocated);
            assertThat(j.memoryPurge()).isEqualTo("OK");
            assertThat(j.memoryDoctor()).startsWith("Hi Sam, this instance is empty"); // under 5 MB of data
        }
    }

    @Test
    void doctorExaminesAnInstanceWithData() {
        try (TestServer server = new TestServer(); Jedis j = new Jedis("127.0.0.1", server.port())) {
            String value = "x".repeat(10_000);
            for (int i = 0; i < 800; i++) j.set("big" + i, value);
            assertThat(j.memoryDoctor()).satisfiesAnyOf(
                    d -> assertThat(d).startsWith("Hi Sam, I can't find any memory issue in your instance."),
                    d -> assertThat(d).startsWith("Sam, I detected a few issues in this Redis instance memory implants:")
                            .endsWith("I'm here to keep you safe, Sam. I want to help you.\n"));
        }
    }
}
