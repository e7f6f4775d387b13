package io.magpie.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.magpie.protocol.RespClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisCluster;
import redis.clients.jedis.util.JedisClusterCRC16;

/**
 * CLUSTER MIGRATESLOTS between two Magpie masters (in this JVM): under 20 JedisCluster clients
 * writing, every acknowledged write is readable afterwards, none applied twice (each client's
 * counter equals its acknowledged INCRs), and every key of the moved slots is on the target
 * only; a migration the target refuses midway leaves nothing moved on either side.
 */
class ClusterMigrateSlotsTest {
    /** The slots moved, 0 to this: each costs the target two nodes.conf saves while both nodes wait (see MigrateSlots). */
    private static final int LAST_MOVED = 100;

    @TempDir
    Path dir;
    ClusterRedirectionTest.Node a, b;
    String aId, bId;

    @BeforeEach
    void twoMasters() throws Exception {
        a = new ClusterRedirectionTest.Node(java.nio.file.Files.createDirectories(dir.resolve("a")));
        b = new ClusterRedirectionTest.Node(java.nio.file.Files.createDirectories(dir.resolve("b")));
        try (RespClient ca = new RespClient(a.port); RespClient cb = new RespClient(b.port)) {
            ca.call("CLUSTER", "ADDSLOTSRANGE", "0", "8191");
            cb.call("CLUSTER", "ADDSLOTSRANGE", "8192", "16383");
            aId = ca.value("CLUSTER", "MYID").toString();
            bId = cb.value("CLUSTER", "MYID").toString();
            ca.call("CLUSTER", "MEET", "127.0.0.1", String.valueOf(b.port), ClusterRedirectionTest.busPortOf(cb));
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() ->
                    ca.value("CLUSTER", "INFO").toString().contains("cluster_state:ok")
                    && cb.value("CLUSTER", "INFO").toString().contains("cluster_state:ok")
                    && cb.value("CLUSTER", "NODES").toString().contains(aId)
                    && ca.value("CLUSTER", "NODES").toString().contains(bId));
        }
    }

    @AfterEach
    void stop() throws Exception {
        if (a != null) a.close();
        if (b != null) b.close();
    }

    /** A key name with prefix whose slot is among the moved ones. */
    private static String keyInMovedSlots(String prefix) {
        for (int i = 0; ; i++) if (JedisClusterCRC16.getSlot(prefix + i) <= LAST_MOVED) return prefix + i;
    }

    @Test
    void slotsMoveUnderTwentyWritingClientsWithNoWriteLostOrDoubled() throws Exception {
        Map<String, String> acked = new ConcurrentHashMap<>();
        List<AtomicLong> incrs = new ArrayList<>();
        List<String> counters = new ArrayList<>();
        AtomicInteger errors = new AtomicInteger();
        AtomicReferenceMessage firstError = new AtomicReferenceMessage();
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> writers = new ArrayList<>();
        var pool = new org.apache.commons.pool2.impl.GenericObjectPoolConfig<redis.clients.jedis.Connection>();
        pool.setMaxTotal(32); // a connection per writer and node: none waits for one
        var config = redis.clients.jedis.DefaultJedisClientConfig.builder().socketTimeoutMillis(30_000).build();
        try (JedisCluster jc = new JedisCluster(java.util.Set.of(new HostAndPort("127.0.0.1", a.port)), config, 5, pool)) {
            for (int w = 0; w < 20; w++) {
                int id = w;
                String counter = keyInMovedSlots("counter:" + w + ":");
                AtomicLong n = new AtomicLong();
                counters.add(counter);
                incrs.add(n);
                Thread t = new Thread(() -> {
                    for (int i = 0; i < 1_000_000 && !stop.get(); i++) {
                        try {
                            String key = "w:" + id + ":" + i;
                            if ("OK".equals(jc.set(key, "v" + i))) acked.put(key, "v" + i);
                            if (i % 5 == 0) {
                                jc.incr(counter);
                                n.incrementAndGet();
                            }
                        } catch (RuntimeException e) {
                            errors.incrementAndGet();
                            firstError.set(e);
                        }
                    }
                }, "migrateslots-writer-" + w);
                t.start();
                writers.add(t);
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> acked.size() >= 2000);
            try (RespClient ca = new RespClient(a.port)) {
                Object moved = ca.value("CLUSTER", "MIGRATESLOTS", "SLOTSRANGE", "0", String.valueOf(LAST_MOVED), "NODE", bId);
                assertThat(moved).as("MIGRATESLOTS reply").isInstanceOf(Long.class);
            }
            int before = acked.size();
            await().atMost(Duration.ofSeconds(60)).until(() -> acked.size() >= before + 2000);
            stop.set(true);
            for (Thread t : writers) t.join(30_000);
        } finally {
            stop.set(true); // (the client is closed by now: a writer left only meets errors and ends)
        }
        assertThat(errors.get()).as("client errors (first: %s)", firstError.text()).isZero();
        try (JedisCluster jc = new JedisCluster(new HostAndPort("127.0.0.1", b.port))) {
            for (Map.Entry<String, String> e : acked.entrySet()) assertThat(jc.get(e.getKey())).as(e.getKey()).isEqualTo(e.getValue());
            for (int w = 0; w < counters.size(); w++) {
                assertThat(jc.get(counters.get(w))).as("counter %d", w).isEqualTo(String.valueOf(incrs.get(w).get()));
            }
        }
        // Every key of the moved slots on the target only.
        try (RespClient ca = new RespClient(a.port); RespClient cb = new RespClient(b.port)) {
            long onA = 0, onB = 0;
            for (int s = 0; s <= LAST_MOVED; s++) {
                onA += (Long) ca.value("CLUSTER", "COUNTKEYSINSLOT", String.valueOf(s));
                onB += (Long) cb.value("CLUSTER", "COUNTKEYSINSLOT", String.valueOf(s));
            }
            long expected = acked.keySet().stream().filter(k -> JedisClusterCRC16.getSlot(k) <= LAST_MOVED).count() + counters.size();
            assertThat(onA).isZero();
            assertThat(onB).isEqualTo(expected);
            assertThat(cb.value("CLUSTER", "NODES").toString()).contains("connected 0-" + LAST_MOVED + " 8192-16383");
        }
    }

    @Test
    void aMigrationTheTargetRefusesMidwayLeavesNothingMoved() {
        try (RespClient ca = new RespClient(a.port); RespClient cb = new RespClient(b.port)) {
            List<String> keys = new ArrayList<>();
            for (int i = 0; keys.size() < 50; i++) {
                String k = "r" + i;
                if (JedisClusterCRC16.getSlot(k) <= LAST_MOVED) {
                    ca.call("SET", k, "v");
                    keys.add(k);
                }
            }
            // Two large values in slot 0, which goes first: the target takes the first, then is out of memory.
            String tag = "{" + slotZeroTag() + "}";
            ca.call("SET", tag + "big1", "x".repeat(1_000_000));
            ca.call("SET", tag + "big2", "y".repeat(1_000_000));
            cb.call("CONFIG", "SET", "maxmemory", String.valueOf(usedMemory(cb) + 500_000));
            String reply = ca.value("CLUSTER", "MIGRATESLOTS", "SLOTSRANGE", "0", String.valueOf(LAST_MOVED), "NODE", bId).toString();
            cb.call("CONFIG", "SET", "maxmemory", "0");
            assertThat(reply).startsWith("(error) ERR slot migration cancelled, nothing moved: the target replied OOM");
            assertThat(cb.value("DBSIZE")).isEqualTo(0L);
            assertThat(ca.value("DBSIZE")).isEqualTo(52L);
            assertThat(cb.value("CLUSTER", "NODES").toString()).doesNotContain("-<-").contains("connected 8192-16383");
            assertThat(ca.value("CLUSTER", "NODES").toString()).contains("connected 0-8191");
            for (String k : keys) assertThat(ca.value("GET", k).toString()).isEqualTo("v");
            // Slots the target accepts move afterwards, keys and all.
            assertThat(ca.value("CLUSTER", "MIGRATESLOTS", "SLOTSRANGE", "0", String.valueOf(LAST_MOVED), "NODE", bId)).isEqualTo(52L);
            assertThat(cb.value("DBSIZE")).isEqualTo(52L);
        }
    }

    /** A hash tag whose slot is 0. */
    private static String slotZeroTag() {
        for (int i = 0; ; i++) if (JedisClusterCRC16.getSlot("t" + i) == 0) return "t" + i;
    }

    private static long usedMemory(RespClient c) {
        for (String line : c.value("INFO", "memory").toString().split("\r\n")) {
            if (line.startsWith("used_memory:")) return Long.parseLong(line.substring("used_memory:".length()));
        }
        throw new AssertionError("no used_memory");
    }

    /** The first error a writer saw, for the failure message. */
    private static final class AtomicReferenceMessage {
        private final java.util.concurrent.atomic.AtomicReference<String> text = new java.util.concurrent.atomic.AtomicReference<>();

        void set(Exception e) {
            text.compareAndSet(null, e.toString());
        }

        String text() {
            return text.get();
        }
    }
}
