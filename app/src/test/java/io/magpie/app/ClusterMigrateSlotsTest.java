package io.magpie.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.magpie.protocol.RespClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisCluster;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.util.JedisClusterCRC16;

/**
 * CLUSTER MIGRATESLOTS between two Magpie masters, each its own process. Under 20 JedisCluster
 * clients writing, slots 0-4095 move from A to B: every acknowledged write is readable after,
 * none applied twice (each client's RPUSH log holds exactly its acknowledged ids, in order),
 * every key of the moved slots is on B only, and A kept serving (its other slots acknowledged
 * writes and answered PING while the slots crossed). The target killed mid-move: A still owns
 * and serves every key, and B holds nothing of them once it is back.
 */
class ClusterMigrateSlotsTest {
    static final int LAST_MOVED = 4095;

    @TempDir
    Path dir;
    final List<MagpieProcess> started = new CopyOnWriteArrayList<>();
    MagpieProcess a, b;
    /**
     * Two masters: a node stalled for longer than this (a loaded machine stalls processes for
     * seconds) puts the other in the minority, which refuses commands (CLUSTERDOWN) until it
     * answers again; these tests are about the moves, not failure detection.
     */
    static final long NODE_TIMEOUT_MS = 15_000;
    String aId, bId;
    int bBusPort;

    @AfterEach
    void stop() throws Exception {
        for (MagpieProcess p : started) p.close();
        // The nodes' logs, for a failure's report (surefire keeps a test's output).
        for (MagpieProcess p : started) System.out.println("---- " + p.log + "\n" + tail(p.logText(), 6000));
    }

    private static String tail(String s, int n) {
        return s.length() <= n ? s : s.substring(s.length() - n);
    }

    MagpieProcess startNode(String name, int port, int busPort, String... extra) throws Exception {
        Path d = Files.createDirectories(dir.resolve(name));
        List<String> args = new ArrayList<>(List.of("--cluster-enabled", "yes", "--cluster-port", String.valueOf(busPort),
                "--cluster-node-timeout", String.valueOf(NODE_TIMEOUT_MS), "--cluster-require-full-coverage", "no", "--save", ""));
        args.addAll(List.of(extra));
        MagpieProcess p = MagpieProcess.launch(d.resolve("log.txt"), Map.of(), port, args.toArray(new String[0]));
        started.add(p);
        ClusterProcessTest.awaitAnswering(List.of(p));
        return p;
    }

    void twoMasters(String... bExtra) throws Exception {
        a = startNode("a", RealRedis.freePort(), RealRedis.freePort(), "--appendonly", "no");
        bBusPort = RealRedis.freePort();
        b = startNode("b", RealRedis.freePort(), bBusPort, bExtra);
        try (RespClient ca = a.client(); RespClient cb = b.client()) {
            ca.call("CLUSTER", "ADDSLOTSRANGE", "0", "8191");
            cb.call("CLUSTER", "ADDSLOTSRANGE", "8192", "16383");
            aId = ca.value("CLUSTER", "MYID").toString();
            bId = cb.value("CLUSTER", "MYID").toString();
            ca.call("CLUSTER", "MEET", "127.0.0.1", String.valueOf(b.port), String.valueOf(bBusPort));
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() ->
                    ca.value("CLUSTER", "INFO").toString().contains("cluster_state:ok")
                    && cb.value("CLUSTER", "INFO").toString().contains("cluster_state:ok")
                    && cb.value("CLUSTER", "NODES").toString().contains(aId)
                    && ca.value("CLUSTER", "NODES").toString().contains(bId));
        }
    }

    static boolean moved(String key) {
        return JedisClusterCRC16.getSlot(key) <= LAST_MOVED;
    }

    /** A key name with prefix whose slot is among the moved ones. */
    static String keyInMovedSlots(String prefix) {
        for (int i = 0; ; i++) if (moved(prefix + i)) return prefix + i;
    }

    /** n keys of A's slots, values of size bytes, pipelined; returns those in the moved slots. */
    static List<String> preload(MagpieProcess a, int n, int size) {
        List<String> inMoved = new ArrayList<>();
        String value = "p".repeat(size);
        try (Jedis j = new Jedis("127.0.0.1", a.port)) {
            Pipeline p = j.pipelined();
            int count = 0;
            for (int i = 0; count < n; i++) {
                String k = "pre:" + i;
                if (JedisClusterCRC16.getSlot(k) > 8191) continue;
                p.set(k, value);
                if (moved(k)) inMoved.add(k);
                if (++count % 5000 == 0) p.sync();
            }
            p.sync();
        }
        return inMoved;
    }

    /** Sum of CLUSTER COUNTKEYSINSLOT over the moved slots. */
    static long keysInMovedSlots(RespClient c) {
        long n = 0;
        for (int s = 0; s <= LAST_MOVED; s++) n += (Long) c.value("CLUSTER", "COUNTKEYSINSLOT", String.valueOf(s));
        return n;
    }

    @Test
    void twentyClientsWriteThroughAnAtomicMigrationAndNoWriteIsLostOrDoubled() throws Exception {
        twoMasters("--appendonly", "no");
        Result r = migrateUnderLoad(this, 60_000, 20, Duration.ofSeconds(1), 1);
        r.print("MIGRATESLOTS");
        assertThat(r.migrateReply).as("MIGRATESLOTS reply").isInstanceOf(Long.class);
        assertThat(r.ackedOnStayingSlotsDuringMove).as("writes A acknowledged on its other slots during the move").isPositive();
        assertThat(r.maxPingMs).as("slowest PING to A during the move (a hang catcher)").isLessThan(5_000);
        verify(this, r);
    }

    @Test
    @Tag("soak")
    void soakMigrationsBackAndForthUnderLoad() throws Exception {
        twoMasters("--appendonly", "no");
        Result r = migrateUnderLoad(this, 300_000, 20, Duration.ofSeconds(5), 6);
        r.print("MIGRATESLOTS soak");
        verify(this, r);
    }

    /** What a migration under load gave. */
    static final class Result {
        Object migrateReply;
        long moveMs, maxPingMs, ackedDuringMove, ackedOnStayingSlotsDuringMove;
        final Map<String, String> acked = new ConcurrentHashMap<>();
        final List<String> lists = new ArrayList<>(), counters = new ArrayList<>();
        final List<List<String>> listAcked = new ArrayList<>();
        final List<AtomicLong> incrs = new ArrayList<>();
        final AtomicLong errors = new AtomicLong();
        final AtomicReference<String> firstError = new AtomicReference<>();
        long preloadedMoved;
        int rounds;

        /** The node that owns the moved slots at the end, and the other. */
        MagpieProcess owner(ClusterMigrateSlotsTest t) {
            return rounds % 2 == 1 ? t.b : t.a;
        }

        MagpieProcess other(ClusterMigrateSlotsTest t) {
            return rounds % 2 == 1 ? t.a : t.b;
        }

        void print(String what) {
            System.out.printf("%s: %d moves, the last of %s keys, in %d ms in all; %d SETs acknowledged (%d during the move, %d of them on A's other"
                    + " slots), slowest PING to A during the moves %d ms, client errors %d%n", what, rounds, migrateReply, moveMs, acked.size(),
                    ackedDuringMove, ackedOnStayingSlotsDuringMove, maxPingMs, errors.get());
        }
    }

    /** rounds migrations of the slots, A to B, then back, and so on, under the clients' writes. */
    static Result migrateUnderLoad(ClusterMigrateSlotsTest t, int preload, int clients, Duration after, int rounds) throws Exception {
        Result r = new Result();
        r.rounds = rounds;
        r.preloadedMoved = preload(t.a, preload, 100).size();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong ackedStaying = new AtomicLong();
        List<Thread> writers = new ArrayList<>();
        var pool = new org.apache.commons.pool2.impl.GenericObjectPoolConfig<redis.clients.jedis.Connection>();
        pool.setMaxTotal(2 * clients + 8); // a connection per writer and node: none waits for one
        var config = DefaultJedisClientConfig.builder().socketTimeoutMillis(30_000).build();
        try (JedisCluster jc = new JedisCluster(Set.of(new HostAndPort("127.0.0.1", t.a.port)), config, 5, pool)) {
            for (int w = 0; w < clients; w++) {
                int id = w;
                String list = keyInMovedSlots("log:" + w + ":");
                String counter = keyInMovedSlots("counter:" + w + ":");
                List<String> ids = java.util.Collections.synchronizedList(new ArrayList<>());
                AtomicLong n = new AtomicLong();
                r.lists.add(list);
                r.listAcked.add(ids);
                r.counters.add(counter);
                r.incrs.add(n);
                Thread th = new Thread(() -> {
                    for (int i = 0; i < 10_000_000 && !stop.get(); i++) {
                        try {
                            String key = "w:" + id + ":" + i;
                            if ("OK".equals(jc.set(key, "v" + i))) {
                                r.acked.put(key, "v" + i);
                                if (!moved(key) && JedisClusterCRC16.getSlot(key) <= 8191) ackedStaying.incrementAndGet();
                            }
                            jc.rpush(list, String.valueOf(i));
                            ids.add(String.valueOf(i));
                            if (i % 5 == 0) {
                                jc.incr(counter);
                                n.incrementAndGet();
                            }
                        } catch (RuntimeException e) {
                            r.errors.incrementAndGet();
                            r.firstError.compareAndSet(null, e.toString());
                        }
                    }
                }, "migrateslots-writer-" + w);
                th.start();
                writers.add(th);
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> r.acked.size() >= 2000);
            AtomicBoolean moving = new AtomicBoolean(true);
            AtomicLong maxPing = new AtomicLong();
            Thread prober = new Thread(() -> {
                try (RespClient probe = t.a.client()) {
                    while (moving.get()) {
                        long t0 = System.nanoTime();
                        probe.value("PING");
                        maxPing.accumulateAndGet((System.nanoTime() - t0) / 1_000_000, Math::max);
                        Thread.sleep(10);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "migrateslots-ping");
            prober.start();
            try (RespClient ca = t.a.client(); RespClient cb = t.b.client()) {
                for (int round = 0; round < rounds; round++) {
                    long ackedBefore = r.acked.size(), stayingBefore = ackedStaying.get(), t0 = System.nanoTime();
                    RespClient source = round % 2 == 0 ? ca : cb;
                    r.migrateReply = source.value("CLUSTER", "MIGRATESLOTS", "SLOTSRANGE", "0", String.valueOf(LAST_MOVED), "NODE",
                            round % 2 == 0 ? t.bId : t.aId, "TIMEOUT", "120000");
                    assertThat(r.migrateReply).as("MIGRATESLOTS reply, round %d", round).isInstanceOf(Long.class);
                    r.moveMs += (System.nanoTime() - t0) / 1_000_000;
                    r.ackedDuringMove += r.acked.size() - ackedBefore;
                    r.ackedOnStayingSlotsDuringMove += ackedStaying.get() - stayingBefore;
                }
            } finally {
                moving.set(false);
                prober.join(30_000);
            }
            r.maxPingMs = maxPing.get();
            int before = r.acked.size();
            long until = System.nanoTime() + after.toNanos();
            await().atMost(Duration.ofSeconds(60)).until(() -> r.acked.size() >= before + 2000 && System.nanoTime() >= until);
            stop.set(true);
            for (Thread th : writers) th.join(30_000);
        } finally {
            stop.set(true); // (the client is closed by now: a writer left only meets errors and ends)
        }
        return r;
    }

    static void verify(ClusterMigrateSlotsTest t, Result r) {
        assertThat(r.errors.get()).as("client errors (first: %s)", r.firstError.get()).isZero();
        try (JedisCluster jc = new JedisCluster(new HostAndPort("127.0.0.1", r.owner(t).port))) {
            for (Map.Entry<String, String> e : r.acked.entrySet()) assertThat(jc.get(e.getKey())).as(e.getKey()).isEqualTo(e.getValue());
            for (int w = 0; w < r.lists.size(); w++) {
                // Exactly the acknowledged ids, in order: none lost, none applied twice.
                assertThat(jc.lrange(r.lists.get(w), 0, -1)).as("log of writer %d", w).containsExactlyElementsOf(r.listAcked.get(w));
                assertThat(jc.get(r.counters.get(w))).as("counter %d", w).isEqualTo(String.valueOf(r.incrs.get(w).get()));
            }
        }
        // Every key of the moved slots on the target only, each once.
        try (RespClient ca = r.other(t).client(); RespClient cb = r.owner(t).client()) {
            long expected = r.preloadedMoved + r.acked.keySet().stream().filter(ClusterMigrateSlotsTest::moved).count()
                    + r.lists.size() + r.counters.size();
            assertThat(keysInMovedSlots(ca)).as("keys of the moved slots left on the source").isZero();
            assertThat(keysInMovedSlots(cb)).as("keys of the moved slots on the target").isEqualTo(expected);
            assertThat((Long) r.migrateReply).as("keys moved").isBetween(r.preloadedMoved, expected);
            String nodes = cb.value("CLUSTER", "NODES").toString();
            assertThat(nodes).contains("myself,master").contains(r.rounds % 2 == 1 ? "connected 0-" + LAST_MOVED + " 8192-16383" : "connected 0-8191");
        }
    }

    @Test
    void theTargetKilledMidMoveLeavesEveryKeyWithTheSourceAndNothingOnTheTarget() throws Exception {
        twoMasters("--appendonly", "yes", "--appendfsync", "always");
        int bPort = b.port;
        List<String> inMoved = preload(a, 80_000, 100);
        long total;
        try (RespClient ca = a.client()) {
            total = (Long) ca.value("DBSIZE");
        }
        AtomicReference<Object> reply = new AtomicReference<>();
        Thread mover = new Thread(() -> {
            try (RespClient ca = a.client()) {
                reply.set(ca.value("CLUSTER", "MIGRATESLOTS", "SLOTSRANGE", "0", String.valueOf(LAST_MOVED), "NODE", bId,
                        "TIMEOUT", "120000"));
            }
        }, "migrateslots-call");
        mover.start();
        try (RespClient cb = b.client()) {
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(5)).until(() -> (Long) cb.value("DBSIZE") > 1000);
        }
        b.kill9();
        mover.join(60_000);
        assertThat(String.valueOf(reply.get())).startsWith("(error) ERR slot migration cancelled, nothing moved:");
        // The target back (its AOF holds part of the import): the source has it drop everything.
        b = startNode("b", bPort, bBusPort, "--appendonly", "yes", "--appendfsync", "always");
        try (RespClient ca = a.client(); RespClient cb = b.client()) {
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() ->
                    (Long) cb.value("DBSIZE") == 0 && !cb.value("CLUSTER", "NODES").toString().contains("-<-"));
            assertThat(ca.value("DBSIZE")).isEqualTo(total);
            // (two masters: while B was down, A was in the minority and refused commands, as Redis does)
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() ->
                    ca.value("CLUSTER", "INFO").toString().contains("cluster_state:ok"));
            assertThat(ca.value("CLUSTER", "NODES").toString()).contains("myself,master").contains("connected 0-8191");
            ca.call("SET", inMoved.get(0), "after");
            assertThat(ca.value("GET", inMoved.get(0))).hasToString("after");
        }
        try (Jedis ja = new Jedis("127.0.0.1", a.port)) {
            Pipeline p = ja.pipelined();
            List<redis.clients.jedis.Response<Boolean>> exists = new ArrayList<>();
            for (String k : inMoved) exists.add(p.exists(k));
            p.sync();
            assertThat(exists.stream().filter(e -> !e.get()).count()).as("moved-slot keys missing on the source").isZero();
        }
    }

    @Test
    void aMigrationTheTargetRefusesMidwayLeavesNothingMoved() throws Exception {
        twoMasters("--appendonly", "no");
        theImportStreamIsServedWholeWhereAnAskingClientGetsTryagain();
        try (RespClient ca = a.client(); RespClient cb = b.client()) {
            List<String> keys = new ArrayList<>();
            for (int i = 0; keys.size() < 50; i++) {
                String k = "r" + i;
                if (moved(k)) {
                    ca.call("SET", k, "v");
                    keys.add(k);
                }
            }
            // Two large values: the target takes the first, then is out of memory.
            String tag = "{" + keyInMovedSlots("t") + "}";
            ca.call("SET", tag + "big1", "x".repeat(1_000_000));
            ca.call("SET", tag + "big2", "y".repeat(1_000_000));
            cb.call("CONFIG", "SET", "maxmemory", String.valueOf(usedMemory(cb) + 500_000));
            String reply = ca.value("CLUSTER", "MIGRATESLOTS", "SLOTSRANGE", "0", String.valueOf(LAST_MOVED), "NODE", bId).toString();
            assertThat(reply).startsWith("(error) ERR slot migration cancelled, nothing moved: the target replied OOM");
            cb.call("CONFIG", "SET", "maxmemory", "0");
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(() ->
                    (Long) cb.value("DBSIZE") == 0 && !cb.value("CLUSTER", "NODES").toString().contains("-<-"));
            assertThat(ca.value("DBSIZE")).isEqualTo(52L);
            assertThat(cb.value("CLUSTER", "NODES").toString()).contains("connected 8192-16383");
            assertThat(ca.value("CLUSTER", "NODES").toString()).contains("connected 0-8191");
            for (String k : keys) assertThat(ca.value("GET", k).toString()).isEqualTo("v");
            // Slots the target accepts move afterwards, keys and all.
            assertThat(ca.value("CLUSTER", "MIGRATESLOTS", "SLOTSRANGE", "0", String.valueOf(LAST_MOVED), "NODE", bId)).isEqualTo(52L);
            assertThat(cb.value("DBSIZE")).isEqualTo(52L);
            assertThat(ca.value("DBSIZE")).isEqualTo(0L);
        }
    }

    /**
     * The target's side, by hand: the import stream is served whole where an ASKING client gets
     * TRYAGAIN; TAKE and DROP are refused as a whole; an import whose link closes before TAKE is
     * dropped. (Part of the OOM test, to share its nodes.)
     */
    void theImportStreamIsServedWholeWhereAnAskingClientGetsTryagain() throws InterruptedException {
        String tag = "{" + keyInMovedSlots("s") + "}";
        try (RespClient stream = b.client(); RespClient asking = b.client(); RespClient cb = b.client()) {
            assertThat(stream.value("CLUSTER", "IMPORTSLOTS", "START", aId, "SLOTSRANGE", "0", "10", "20", String.valueOf(LAST_MOVED)))
                    .hasToString("OK");
            assertThat(cb.value("CLUSTER", "NODES").toString()).contains("[0-<-" + aId + "]");
            assertThat(stream.value("SET", tag + "a", "1")).hasToString("OK");
            asking.call("ASKING");
            assertThat(asking.value("RENAME", tag + "a", tag + "b").toString()).startsWith("(error) TRYAGAIN");
            // The source sent every key first: a key the stream's command lacks does not exist.
            assertThat(stream.value("RENAME", tag + "a", tag + "b")).hasToString("OK");
            assertThat(cb.value("GET", tag + "b").toString()).startsWith("(error) MOVED");
            assertThat(stream.value("CLUSTER", "IMPORTSLOTS", "TAKE", "SLOTSRANGE", "0", "0", "11", "11").toString())
                    .isEqualTo("(error) ERR Slot 11 is not being imported");
            assertThat(stream.value("CLUSTER", "IMPORTSLOTS", "DROP", "SLOTSRANGE", "0", "10", "20", String.valueOf(LAST_MOVED)))
                    .isEqualTo(1L);
            assertThat(cb.value("DBSIZE")).isEqualTo(0L);
            assertThat(cb.value("CLUSTER", "NODES").toString()).doesNotContain("-<-");
            assertThat(stream.value("CLUSTER", "IMPORTSLOTS", "DROP", "SLOTSRANGE", "9000", "9000").toString())
                    .isEqualTo("(error) ERR I'm already the owner of hash slot 9000");
            assertThat(stream.value("CLUSTER", "IMPORTSLOTS", "MOVE", "SLOTSRANGE", "1", "2").toString()).isEqualTo("(error) ERR syntax error");
        }
        // A source gone before the switch: the target drops the import by itself when the link closes.
        try (RespClient stream = b.client()) {
            stream.call("CLUSTER", "IMPORTSLOTS", "START", aId, "SLOTSRANGE", "0", String.valueOf(LAST_MOVED));
            assertThat(stream.value("SET", tag + "a", "1")).hasToString("OK");
        }
        try (RespClient cb = b.client()) {
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(() ->
                    (Long) cb.value("DBSIZE") == 0 && !cb.value("CLUSTER", "NODES").toString().contains("-<-"));
        }
        // An import given up by DROP on another link (as a cancelling source does), its stream closed only after the
        // next import of the same slots began: the old stream's end must not drop the new import.
        try (RespClient next = b.client(); RespClient cb = b.client()) {
            RespClient old = b.client();
            old.call("CLUSTER", "IMPORTSLOTS", "START", aId, "SLOTSRANGE", "0", String.valueOf(LAST_MOVED));
            assertThat(cb.value("CLUSTER", "IMPORTSLOTS", "DROP", "SLOTSRANGE", "0", String.valueOf(LAST_MOVED))).isEqualTo(0L);
            assertThat(next.value("CLUSTER", "IMPORTSLOTS", "START", aId, "SLOTSRANGE", "0", String.valueOf(LAST_MOVED))).hasToString("OK");
            old.close();
            // The cluster cron (every 100 ms) notices the closed link; the new stream goes on being served.
            for (int i = 0; i < 10; i++) {
                Thread.sleep(100);
                assertThat(next.value("SET", tag + "n" + i, "1")).hasToString("OK");
            }
            assertThat(cb.value("CLUSTER", "NODES").toString()).contains("[0-<-" + aId + "]");
            assertThat(next.value("CLUSTER", "IMPORTSLOTS", "DROP", "SLOTSRANGE", "0", String.valueOf(LAST_MOVED))).isEqualTo(10L);
        }
    }

    private static long usedMemory(RespClient c) {
        for (String line : c.value("INFO", "memory").toString().split("\r\n")) {
            if (line.startsWith("used_memory:")) return Long.parseLong(line.substring("used_memory:".length()));
        }
        throw new AssertionError("no used_memory");
    }
}
