package io.magpie.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.magpie.protocol.RespClient;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * MIGRATE between Magpie and redis-server in every direction: the keys arrive with their
 * values and TTLs, leave the source unless COPY, and the target's errors, NOKEY and AUTH
 * come back as Redis's migrateCommand replies.
 */
class MigrateTest {
    private static TestServer magpieA, magpieB;
    private static RealRedis redis, redisAuth;

    @BeforeAll
    static void start() {
        magpieA = new TestServer();
        magpieB = new TestServer();
        redis = new RealRedis();
        redisAuth = new RealRedis("--requirepass", "secret");
    }

    @AfterAll
    static void stop() {
        for (AutoCloseable c : new AutoCloseable[] {magpieA, magpieB, redis, redisAuth}) {
            try {
                if (c != null) c.close();
            } catch (Exception ignored) {
                // best effort
            }
        }
    }

    private static void flush(RespClient... clients) {
        for (RespClient c : clients) c.call("FLUSHALL");
    }

    /** Moves a string with a TTL, a hash and a list from source to target, then checks both sides. */
    private static void migratesKeysAcross(RespClient src, RespClient dst, int dstPort) {
        flush(src, dst);
        src.call("SET", "s", "v", "EX", "1000");
        src.call("HSET", "h", "f1", "a", "f2", "b");
        src.call("RPUSH", "l", "1", "2", "3");
        assertThat(src.value("MIGRATE", "127.0.0.1", String.valueOf(dstPort), "s", "0", "5000").toString()).isEqualTo("OK");
        assertThat(src.value("EXISTS", "s")).isEqualTo(0L);
        assertThat(dst.value("GET", "s").toString()).isEqualTo("v");
        assertThat((Long) dst.value("TTL", "s")).isBetween(900L, 1000L);
        assertThat(src.value("MIGRATE", "127.0.0.1", String.valueOf(dstPort), "", "3", "5000", "COPY", "KEYS", "h", "l", "nokey")
                .toString()).isEqualTo("OK");
        assertThat(src.value("EXISTS", "h", "l")).isEqualTo(2L);
        dst.call("SELECT", "3");
        assertThat(dst.value("HGET", "h", "f2").toString()).isEqualTo("b");
        assertThat(dst.value("LRANGE", "l", "0", "-1").toString()).isEqualTo("[1, 2, 3]");
        dst.call("SELECT", "0");
        // The target already has them: its BUSYKEY comes back, and the keys stay here.
        assertThat(src.value("MIGRATE", "127.0.0.1", String.valueOf(dstPort), "", "3", "5000", "KEYS", "h", "l").toString())
                .isEqualTo("(error) ERR Target instance replied with error: BUSYKEY Target key name already exists.");
        assertThat(src.value("EXISTS", "h", "l")).isEqualTo(2L);
        // REPLACE overwrites them there and removes them here.
        src.call("HSET", "h", "f3", "c");
        assertThat(src.value("MIGRATE", "127.0.0.1", String.valueOf(dstPort), "", "3", "5000", "REPLACE", "KEYS", "h", "l").toString())
                .isEqualTo("OK");
        assertThat(src.value("EXISTS", "h", "l")).isEqualTo(0L);
        dst.call("SELECT", "3");
        assertThat(dst.value("HLEN", "h")).isEqualTo(3L);
        dst.call("SELECT", "0");
        assertThat(src.value("MIGRATE", "127.0.0.1", String.valueOf(dstPort), "h", "3", "5000").toString()).isEqualTo("NOKEY");
    }

    @Test
    void migrateFromMagpieToMagpie() {
        try (RespClient a = magpieA.client(); RespClient b = magpieB.client()) {
            migratesKeysAcross(a, b, magpieB.port());
        }
    }

    @Test
    void migrateFromMagpieToRedisServer() {
        try (RespClient a = magpieA.client(); RespClient r = redis.client()) {
            migratesKeysAcross(a, r, redis.port());
        }
    }

    @Test
    void migrateFromRedisServerToMagpie() {
        try (RespClient r = redis.client(); RespClient b = magpieB.client()) {
            migratesKeysAcross(r, b, magpieB.port());
        }
    }

    @Test
    void migrateAuthenticatesWithAuthAndAuth2AndReportsAWrongPassword() {
        try (RespClient a = magpieA.client(); RespClient t = redisAuth.client()) {
            t.call("AUTH", "secret");
            flush(a, t);
            a.call("SET", "k1", "1");
            a.call("SET", "k2", "2");
            String port = String.valueOf(redisAuth.port());
            assertThat(a.value("MIGRATE", "127.0.0.1", port, "k1", "0", "5000").toString())
                    .isEqualTo("(error) ERR Target instance replied with error: NOAUTH Authentication required.");
            assertThat(a.value("MIGRATE", "127.0.0.1", port, "k1", "0", "5000", "AUTH", "wrong").toString())
                    .startsWith("(error) ERR Target instance replied with error: WRONGPASS");
            assertThat(a.value("MIGRATE", "127.0.0.1", port, "k1", "0", "5000", "AUTH", "secret").toString()).isEqualTo("OK");
            assertThat(a.value("MIGRATE", "127.0.0.1", port, "k2", "0", "5000", "AUTH2", "default", "secret").toString())
                    .isEqualTo("OK");
            assertThat(t.value("MGET", "k1", "k2").toString()).isEqualTo("[1, 2]");
            assertThat(a.value("EXISTS", "k1", "k2")).isEqualTo(0L);
        }
    }

    @Test
    void migrateReconnectsWhenTheCachedConnectionWasClosedByTheTarget() {
        try (RespClient a = magpieA.client(); RespClient b = magpieB.client()) {
            flush(a, b);
            a.call("SET", "x", "1");
            a.call("SET", "y", "2");
            String port = String.valueOf(magpieB.port());
            assertThat(a.value("MIGRATE", "127.0.0.1", port, "x", "0", "5000").toString()).isEqualTo("OK");
            assertThat(a.value("INFO", "stats").toString()).containsPattern("migrate_cached_sockets:[1-9]");
            // The target drops every normal client: the cached one too.
            b.call("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes");
            assertThat(a.value("MIGRATE", "127.0.0.1", port, "y", "0", "5000").toString()).isEqualTo("OK");
            assertThat(b.value("MGET", "x", "y").toString()).isEqualTo("[1, 2]");
        }
    }

    @Test
    void migrateCachedConnectionsAreClosedWhenTheServerShutsDown() {
        try (RespClient t = redis.client()) {
            t.call("FLUSHALL");
            long before = clientsFrom(t, "127.0.0.1");
            TestServer source = new TestServer();
            try (RespClient s = source.client()) {
                s.call("SET", "cached", "1");
                assertThat(s.value("MIGRATE", "127.0.0.1", String.valueOf(redis.port()), "cached", "0", "5000").toString())
                        .isEqualTo("OK");
                assertThat(s.value("INFO", "stats").toString()).contains("migrate_cached_sockets:1");
            }
            assertThat(clientsFrom(t, "127.0.0.1")).isEqualTo(before + 1);
            // The server stops (its JVM goes on): the target sees the cached connection end.
            source.close();
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30))
                    .until(() -> clientsFrom(t, "127.0.0.1") == before);
        }
    }

    /** The target's clients connected from ip (CLIENT LIST), this one included. */
    private static long clientsFrom(RespClient target, String ip) {
        return target.value("CLIENT", "LIST").toString().lines().filter(l -> l.contains(" addr=" + ip + ":")).count();
    }

    @Test
    void migrateShowsAuth2CredentialsAsRedactedInMonitor() {
        try (RespClient a = magpieA.client(); RespClient b = magpieB.client(); RespClient mon = magpieA.client()) {
            flush(a, b);
            a.call("SET", "m1", "1");
            mon.send("MONITOR");
            mon.read();
            assertThat(a.value("MIGRATE", "127.0.0.1", String.valueOf(magpieB.port()), "", "0", "5000", "AUTH2", "u", "p", "KEYS", "m1")
                    .toString()).startsWith("(error) ERR Target instance replied with error: WRONGPASS");
            String line = mon.read().value().toString();
            assertThat(line).contains("\"MIGRATE\"").contains("\"(redacted)\"").doesNotContain("\"p\"");
        }
    }
}
