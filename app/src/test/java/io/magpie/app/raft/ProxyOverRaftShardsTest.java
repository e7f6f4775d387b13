package io.magpie.app.raft;

import static io.magpie.app.raft.ShardedRaftClusterTest.raftInfo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.magpie.app.RealRedis;
import io.magpie.commands.HashSlot;
import io.magpie.proxy.ProxyConfig;
import io.magpie.proxy.ProxyDifferential;
import io.magpie.proxy.ProxyServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/**
 * magpie-proxy's backend raft over 3 Magpie processes in sharded Raft mode, with plain
 * (not cluster-aware) Jedis clients writing and reading through the proxy while the number of
 * groups changes (RAFT SHARDS: slots move between groups online) and while a node that leads
 * groups is killed. Every acknowledged write is read back with its value, MSET/MGET/DEL/EXISTS
 * fan out across the groups, DBSIZE counts each key once (every node holds every group), and a
 * client sees no MOVED and no protocol error: at most a TRYAGAIN/CLUSTERDOWN past the proxy's
 * retries, or a write cut off by the kill, whose outcome is unknown.
 */
class ProxyOverRaftShardsTest {
    private static final Duration BOUND = Duration.ofSeconds(120);
    /**
     * The errors a client may see: the proxy retries the others. A write in flight to the killed
     * leader comes back as its broken connection (it may have applied, so it is not retried).
     */
    private static final Pattern EXPECTED_ERRORS = Pattern.compile(
            "^(TRYAGAIN |CLUSTERDOWN |ERR magpie-proxy: backend \\S+ (closed the connection|connection error)|ERR Raft write outcome unknown).*",
            Pattern.DOTALL);

    @Test
    void plainClientsThroughTheProxyKeepEveryAcknowledgedWriteWhileRaftShardsChangesAndALeaderIsKilled() throws Exception {
        run(1);
    }

    @Tag("soak")
    @Test
    void soakFiveReshardsAndThreeKilledLeadersUnderProxyLoad() throws Exception {
        run(5);
    }

    /**
     * A single Raft group (no raft-shards) has no CLUSTER SLOTS: the proxy maps every slot to the
     * leader RAFT INFO names, and follows the followers' MOVED when leadership is handed over
     * (RAFT TRANSFER-LEADER) and when the new leader is killed. Then the proxy's differential
     * script gives redis-server's replies. (Over sharded Raft it cannot: a sharded node refuses
     * a keyless EVAL, and DBSIZE, KEYS and SCAN read one node's copy of the other groups, which
     * may lag a write just acknowledged.) Under soak: three more processes cost ~40 s.
     */
    @Tag("soak")
    @Test
    void aSingleRaftGroupThroughTheProxyKeepsEveryAcknowledgedWriteThroughATransferAndAKilledLeader() throws Exception {
        try (RaftGroup group = RaftGroup.start(Files.createTempDirectory("proxy-raft1"), 3)) {
            List<RaftGroup.Member> nodes = group.members();
            RaftGroup.Member first = group.awaitLeader(BOUND);
            ProxyServer proxy = proxyOver(nodes);
            Load load = new Load(proxy.port(), 3);
            try {
                load.awaitProgress("before any change");
                RaftGroup.Member next = nodes.stream().filter(m -> m != first).findFirst().orElseThrow();
                try (Jedis j = first.jedis()) {
                    j.getClient().setSoTimeout(60_000);
                    Object reply = j.sendCommand(() -> "RAFT".getBytes(StandardCharsets.US_ASCII), "TRANSFER-LEADER", next.id);
                    assertThat(new String((byte[]) reply, StandardCharsets.UTF_8)).isEqualTo("OK");
                }
                await().atMost(BOUND).until(() -> group.awaitLeader(BOUND) == next);
                load.awaitProgress("after the leadership went to " + next);
                group.kill(next);
                load.awaitProgress("after the leader " + next + " was killed");
            } finally {
                load.close();
            }
            assertThat(load.unexpected).as("errors a plain client cannot handle").isEmpty();
            try (Jedis c = new Jedis("127.0.0.1", proxy.port(), 60_000)) {
                load.verify(c);
            }
            // Every command the proxy serves, replied as a single redis-server replies, over the group's new leader.
            try (RealRedis single = new RealRedis()) {
                for (int resp : new int[] {2, 3}) {
                    assertThat(ProxyDifferential.mismatches(single.port(), proxy.port(), resp))
                            .as("RESP%d replies through the proxy over a single Raft group that differ from redis-server's", resp).isEmpty();
                }
            } finally {
                proxy.close();
            }
        }
    }

    private void run(int rounds) throws Exception {
        try (RaftGroup cluster = RaftGroup.start(Files.createTempDirectory("proxy-raft"), 3, "--raft-shards", "3")) {
            List<RaftGroup.Member> nodes = cluster.members();
            awaitEveryNodeLeadsOneGroup(cluster, nodes);
            ProxyServer proxy = proxyOver(nodes);
            Load load = new Load(proxy.port(), 3);
            try {
                load.awaitProgress("before any change");
                int shards = 3;
                for (int round = 0; round < rounds; round++) {
                    // (a) Slots move online between groups: a new group count, applied to the map by the placement group.
                    shards = round == 0 ? 5 : shards + 1; // the number of groups only grows
                    int[] before = shardOfEverySlot(nodes.get(1));
                    long drivenBefore = movesDriven(nodes);
                    try (Jedis j = nodes.get(1).jedis()) {
                        j.getClient().setSoTimeout(120_000);
                        Object reply = j.sendCommand(() -> "RAFT".getBytes(StandardCharsets.US_ASCII), "SHARDS", String.valueOf(shards));
                        assertThat(new String((byte[]) reply, StandardCharsets.UTF_8)).isEqualTo("OK");
                    }
                    awaitShards(cluster, nodes, shards);
                    // Each move (a source group to a target) driven once: driven again after its switch, a
                    // move copied its fenced keys over the writes the target had taken since.
                    int[] after = shardOfEverySlot(nodes.get(1));
                    java.util.Set<Long> moves = new java.util.HashSet<>();
                    for (int s = 0; s < after.length; s++) if (before[s] != after[s]) moves.add(((long) before[s] << 32) | after[s]);
                    assertThat(movesDriven(nodes) - drivenBefore).as("moves driven for RAFT SHARDS %d", shards).isEqualTo(moves.size());
                    load.awaitProgress("after RAFT SHARDS " + shards);

                    // (b) A node that leads groups is killed: their followers elect, the proxy follows the new leaders.
                    if (round % 2 == 0) {
                        RaftGroup.Member victim = nodes.get(0);
                        cluster.kill(victim);
                        load.awaitProgress("after " + victim + " was killed");
                        cluster.launch(victim);
                        awaitShards(cluster, nodes, shards);
                        load.awaitProgress("after " + victim + " came back");
                    }
                }
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                throw ShardedRaftClusterTest.withLogs(cluster, nodes, e);
            } finally {
                load.close();
            }
            assertThat(load.unexpected).as("errors a plain client cannot handle").isEmpty();
            System.out.printf("acknowledged writes %d, MSET+MGET rounds %d, expected errors seen by clients %d%n", load.acks.get(),
                    load.fanOuts.get(), load.expectedErrors.get());
            try (Jedis c = new Jedis("127.0.0.1", proxy.port(), 60_000)) {
                System.out.println(c.info("stats"));
                load.verify(c);
                // FLUSHALL goes to every group leader in the proxy's map; each empties the slots of the groups it leads.
                // (Awaited: a leader killed above may have moved since the proxy's last map refresh.)
                await().atMost(BOUND).ignoreExceptions().until(() -> "OK".equals(c.flushAll()) && c.dbSize() == 0);
            } finally {
                proxy.close();
            }
        }
    }

    /**
     * Writers through the proxy: single-key SETs (each thread its own keys, so the last
     * acknowledged value is the one to read), and MSETs of keys in every group whose MGET must
     * give back what was just written.
     */
    private static final class Load implements AutoCloseable {
        final Map<String, String> acked = new ConcurrentHashMap<>();
        final Queue<String> unexpected = new ConcurrentLinkedQueue<>();
        final AtomicLong acks = new AtomicLong(), fanOuts = new AtomicLong(), expectedErrors = new AtomicLong();
        final AtomicBoolean stop = new AtomicBoolean();
        final List<Thread> threads = new ArrayList<>();

        Load(int proxyPort, int writers) {
            for (int t = 0; t < writers; t++) {
                int id = t;
                threads.add(new Thread(() -> setLoop(proxyPort, id), "proxy-raft-set-" + t));
            }
            threads.add(new Thread(() -> msetLoop(proxyPort), "proxy-raft-mset"));
            threads.forEach(Thread::start);
        }

        private void setLoop(int port, int id) {
            try (Jedis j = new Jedis("127.0.0.1", port, 60_000)) {
                for (long i = 0; !stop.get() && i < 10_000_000; i++) {
                    String key = "w" + id + ":" + (i % 300), value = "v" + i;
                    try {
                        if ("OK".equals(j.set(key, value))) {
                            acked.put(key, value);
                            acks.incrementAndGet();
                        }
                    } catch (RuntimeException e) {
                        if (!error(e)) return;
                        acked.remove(key); // its outcome is unknown until the next acknowledged write of the key
                    }
                }
            }
        }

        private void msetLoop(int port) {
            try (Jedis j = new Jedis("127.0.0.1", port, 60_000)) {
                for (long i = 0; !stop.get() && i < 10_000_000; i++) {
                    String[] kv = new String[16];
                    String[] keys = new String[8];
                    for (int k = 0; k < 8; k++) {
                        keys[k] = "m:" + k; // 8 keys in different slots: every group of 3 to 5 gets some
                        kv[2 * k] = keys[k];
                        kv[2 * k + 1] = "mv" + i + ":" + k;
                    }
                    try {
                        if (!"OK".equals(j.mset(kv))) continue;
                        for (int k = 0; k < 8; k++) acked.put(keys[k], kv[2 * k + 1]);
                        List<String> got = j.mget(keys);
                        for (int k = 0; k < 8; k++) {
                            if (!kv[2 * k + 1].equals(got.get(k))) {
                                unexpected.add("MGET " + keys[k] + " after MSET: " + got.get(k) + ", wrote " + kv[2 * k + 1] + " at "
                                        + java.time.Instant.now() + "; GET again: " + j.get(keys[k]));
                            }
                        }
                        fanOuts.incrementAndGet();
                    } catch (RuntimeException e) {
                        if (!error(e)) return;
                        for (String k : keys) acked.remove(k);
                    }
                }
            }
        }

        /** Records an error; false when the client cannot go on (not a Redis error it can expect). */
        private boolean error(RuntimeException e) {
            String m = String.valueOf(e.getMessage());
            // An MSET's part that failed is named in the merged error, "(host:port: its error)".
            String partial = "ERR magpie-proxy: partial failure: ";
            if (m.startsWith(partial) && m.indexOf(": ", m.indexOf('(')) > 0) m = m.substring(m.indexOf(": ", m.indexOf('(')) + 2);
            if (e instanceof redis.clients.jedis.exceptions.JedisDataException && EXPECTED_ERRORS.matcher(m).matches()) {
                if (expectedErrors.incrementAndGet() <= 5) System.out.println("error a client may see: " + e.getMessage());
                return true;
            }
            unexpected.add(e.toString());
            return false;
        }

        /** Every writer thread acknowledges more writes (and MSET/MGET rounds) than before. */
        void awaitProgress(String when) {
            long a = acks.get(), f = fanOuts.get();
            await().atMost(BOUND).pollInterval(Duration.ofMillis(100)).alias("writes acknowledged " + when)
                    .until(() -> !unexpected.isEmpty() || acks.get() >= a + 60 && fanOuts.get() >= f + 3);
            assertThat(unexpected).as("errors a plain client cannot handle, " + when).isEmpty();
        }

        /** After the load: every acknowledged value read back, one by one and by one MGET; then EXISTS, DBSIZE and DEL agree. */
        void verify(Jedis c) {
            assertThat(acked).hasSizeGreaterThan(100);
            List<String> keys = new ArrayList<>(acked.keySet());
            for (String k : keys) assertThat(c.get(k)).as(k).isEqualTo(acked.get(k));
            List<String> all = c.mget(keys.toArray(new String[0]));
            for (int i = 0; i < keys.size(); i++) assertThat(all.get(i)).as("MGET " + keys.get(i)).isEqualTo(acked.get(keys.get(i)));
            // Keys whose last write's outcome is unknown may exist too: the count comes from EXISTS, fanned out.
            List<String> written = new ArrayList<>();
            for (int t = 0; t < threads.size() - 1; t++) for (int i = 0; i < 300; i++) written.add("w" + t + ":" + i);
            for (int k = 0; k < 8; k++) written.add("m:" + k);
            String[] writtenKeys = written.toArray(new String[0]);
            long existing = c.exists(writtenKeys);
            assertThat(existing).isGreaterThanOrEqualTo(keys.size());
            // Each key once, though every node holds every group: DBSIZE asks one node's keyspace.
            await().atMost(BOUND).untilAsserted(() -> assertThat(c.dbSize()).isEqualTo(existing));
            assertThat(c.del(writtenKeys)).isEqualTo(existing);
            assertThat(c.exists(writtenKeys)).isZero();
            await().atMost(BOUND).untilAsserted(() -> assertThat(c.dbSize()).isZero());
        }

        @Override
        public void close() throws InterruptedException {
            stop.set(true);
            for (Thread t : threads) t.join(120_000);
        }
    }

    /** magpie-proxy in this JVM, backend raft, every node a seed; its map refreshed every second. */
    private static ProxyServer proxyOver(List<RaftGroup.Member> nodes) throws Exception {
        StringBuilder seeds = new StringBuilder();
        for (RaftGroup.Member m : nodes) seeds.append(seeds.length() == 0 ? "" : ",").append("127.0.0.1:").append(m.port);
        return new ProxyServer(ProxyConfig.parse(new String[] {"--port", "0", "--backend", "raft", "--seeds", seeds.toString(),
            "--cluster-refresh-interval", "1000"})).start();
    }

    /** The position in CLUSTER SHARDS of the shard that owns each slot. */
    @SuppressWarnings("unchecked")
    private static int[] shardOfEverySlot(RaftGroup.Member m) {
        int[] owner = new int[HashSlot.SLOTS];
        try (Jedis j = m.jedis()) {
            List<Object> shards = (List<Object>) j.sendCommand(() -> "CLUSTER".getBytes(StandardCharsets.US_ASCII), "SHARDS");
            for (int index = 0; index < shards.size(); index++) {
                List<Object> slots = (List<Object>) ((List<Object>) shards.get(index)).get(1);
                for (int i = 0; i < slots.size(); i += 2) {
                    for (long s = (Long) slots.get(i); s <= (Long) slots.get(i + 1); s++) owner[(int) s] = index;
                }
            }
        }
        return owner;
    }

    /** RAFT INFO's moves_driven_here summed over the live nodes: moves whose switch their driver saw acknowledged. */
    private static long movesDriven(List<RaftGroup.Member> nodes) {
        long sum = 0;
        for (RaftGroup.Member m : nodes) if (m.alive()) sum += Long.parseLong(raftInfo(m).getOrDefault("moves_driven_here", "0"));
        return sum;
    }

    private static void awaitEveryNodeLeadsOneGroup(RaftGroup cluster, List<RaftGroup.Member> nodes) {
        try {
            await().atMost(BOUND).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
                for (RaftGroup.Member m : nodes) assertThat(raftInfo(m)).containsEntry("shards_led", "1");
                for (RaftGroup.Member m : nodes) try (Jedis j = m.jedis()) {
                    assertThat(j.clusterInfo()).contains("cluster_state:ok").contains("cluster_known_nodes:3");
                }
            });
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw ShardedRaftClusterTest.withLogs(cluster, nodes, e);
        }
    }

    private static void awaitShards(RaftGroup cluster, List<RaftGroup.Member> nodes, int shards) {
        await().atMost(BOUND).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
            for (RaftGroup.Member m : nodes) {
                if (!m.alive()) continue;
                assertThat(raftInfo(m)).containsEntry("raft_shards", String.valueOf(shards)).containsEntry("resharding", "0");
                try (Jedis j = m.jedis()) {
                    assertThat(j.clusterInfo()).contains("cluster_state:ok");
                }
            }
        });
    }
}
