package io.magpie.app.raft;

import static io.magpie.app.raft.ShardedRaftClusterTest.raftInfo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.sync.RedisAdvancedClusterCommands;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisCluster;

/**
 * Cluster-aware clients, unchanged, through membership changes of a sharded Raft cluster:
 * JedisCluster and Lettuce's cluster client run a mixed workload (SET, GET, INCR, HSET, HGET,
 * DEL) while a 4th node joins with --raft-join (replicas and leaders move onto it) and then
 * RAFT REMOVENODE drains a node. The application does not retry: every error that reaches it
 * past the client's own retry (MOVED and ASK followed, connections renewed) fails the test.
 * Each client owns its keys and works on them one command at a time, so every reply is checked
 * against the last acknowledged value (a read after a leader change must see the write before
 * it), and afterwards every acknowledged write reads back with its last value.
 */
class ShardedRaftClientsTest {
    private static final Duration BOUND = Duration.ofSeconds(150);
    private static final int KEYS_PER_CLIENT = 64;
    private static final long STARTED = System.nanoTime();

    @Test
    void jedisClusterAndLettuceRunAMixedWorkloadThroughAJoinAndARemovalWithNoErrorReachingTheApplication() throws Exception {
        run(4_000);
    }

    @Tag("soak")
    @Test
    void soakHundredThousandOperationsThroughAJoinAndARemoval() throws Exception {
        run(100_000);
    }

    /** The operations a workload sends, over either client. */
    interface Ops extends AutoCloseable {
        String set(String k, String v);

        String get(String k);

        long incr(String k);

        long hset(String k, String f, String v);

        String hget(String k, String f);

        Map<String, String> hgetall(String k);

        long del(String k);

        @Override
        void close();
    }

    static Ops jedis(RaftGroup.Member seed) {
        // The client's own retry: up to 20 attempts within 120 s, each following MOVED/ASK or renewing the slot cache.
        JedisCluster jc = new JedisCluster(java.util.Set.of(new HostAndPort("127.0.0.1", seed.port)),
                DefaultJedisClientConfig.builder().connectionTimeoutMillis(10_000).socketTimeoutMillis(60_000).build(), 20,
                Duration.ofSeconds(120));
        return new Ops() {
            public String set(String k, String v) { return jc.set(k, v); }
            public String get(String k) { return jc.get(k); }
            public long incr(String k) { return jc.incr(k); }
            public long hset(String k, String f, String v) { return jc.hset(k, f, v); }
            public String hget(String k, String f) { return jc.hget(k, f); }
            public Map<String, String> hgetall(String k) { return jc.hgetAll(k); }
            public long del(String k) { return jc.del(k); }
            public void close() { jc.close(); }
        };
    }

    static Ops lettuce(RaftGroup.Member seed) {
        RedisClusterClient client = RedisClusterClient.create(RedisURI.create("127.0.0.1", seed.port));
        // Topology refreshed on redirects and reconnects as well as every second; a MOVED to a node that joined since the
        // last refresh is followed (membership validation off, as for any cluster whose nodes change).
        client.setOptions(ClusterClientOptions.builder()
                .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder().enablePeriodicRefresh(Duration.ofSeconds(1))
                        .enableAllAdaptiveRefreshTriggers().build())
                .validateClusterNodeMembership(false).maxRedirects(10).build());
        StatefulRedisClusterConnection<String, String> conn = client.connect();
        RedisAdvancedClusterCommands<String, String> c = conn.sync();
        return new Ops() {
            public String set(String k, String v) { return c.set(k, v); }
            public String get(String k) { return c.get(k); }
            public long incr(String k) { return c.incr(k); }
            public long hset(String k, String f, String v) { return c.hset(k, f, v) ? 1 : 0; }
            public String hget(String k, String f) { return c.hget(k, f); }
            public Map<String, String> hgetall(String k) { return c.hgetall(k); }
            public long del(String k) { return c.del(k); }
            public void close() {
                conn.close();
                client.shutdown();
            }
        };
    }

    /**
     * One client's workload over its own keys (strings, counters, hashes), a seeded mix, with
     * the last acknowledged state of each key; a key whose command failed is in doubt and left
     * out of the checks from then on.
     */
    static final class Workload implements Runnable {
        final String name;
        final Ops ops;
        final AtomicLong total;
        final AtomicBoolean stop;
        final Queue<String> errors;
        final Map<String, String> strings = new HashMap<>(), hashes = new HashMap<>();
        final Map<String, Long> counters = new HashMap<>();
        final java.util.Set<String> inDoubt = new java.util.HashSet<>();
        long done;

        Workload(String name, Ops ops, AtomicLong total, AtomicBoolean stop, Queue<String> errors) {
            this.name = name;
            this.ops = ops;
            this.total = total;
            this.stop = stop;
            this.errors = errors;
        }

        @Override
        public void run() {
            Random random = new Random(name.hashCode());
            for (long i = 0; !stop.get() && i < 10_000_000; i++) {
                int k = random.nextInt(KEYS_PER_CLIENT), op = random.nextInt(100);
                String s = name + ":s:" + k, n = name + ":n:" + k, h = name + ":h:" + k, f = "f" + (k % 4), key;
                key = op < 60 ? s : op < 80 ? n : h;
                if (inDoubt.contains(key)) continue;
                try {
                    if (op < 30) {
                        String v = "v" + i;
                        expect(key, "SET", ops.set(s, v), "OK");
                        strings.put(s, v);
                    } else if (op < 55) {
                        expect(key, "GET", ops.get(s), strings.get(s));
                    } else if (op < 60) {
                        expect(key, "DEL", ops.del(s), strings.containsKey(s) ? 1L : 0L);
                        strings.remove(s);
                    } else if (op < 80) {
                        long next = counters.getOrDefault(n, 0L) + 1;
                        expect(key, "INCR", ops.incr(n), next);
                        counters.put(n, next);
                    } else if (op < 90) {
                        String v = "v" + i;
                        expect(key, "HSET", ops.hset(h, f, v), hashes.containsKey(h + "/" + f) ? 0L : 1L);
                        hashes.put(h + "/" + f, v);
                    } else {
                        expect(key, "HGET", ops.hget(h, f), hashes.get(h + "/" + f));
                    }
                } catch (RuntimeException e) {
                    inDoubt.add(key);
                    errors.add(String.format("%s %s at %.1f s: %s", name, key, (System.nanoTime() - STARTED) / 1e9, e));
                }
                done++;
                total.incrementAndGet();
            }
        }

        private void expect(String key, String command, Object reply, Object expected) {
            if (!java.util.Objects.equals(reply, expected)) errors.add(name + " " + command + " " + key + ": " + reply + ", expected " + expected);
        }

        /** Every acknowledged write reads back, through a fresh client, with its last value. */
        void verify(Ops fresh) {
            for (int k = 0; k < KEYS_PER_CLIENT; k++) {
                String s = name + ":s:" + k, n = name + ":n:" + k, h = name + ":h:" + k;
                if (!inDoubt.contains(s)) assertThat(fresh.get(s)).as(s).isEqualTo(strings.get(s));
                if (!inDoubt.contains(n)) assertThat(fresh.get(n)).as(n).isEqualTo(counters.containsKey(n) ? String.valueOf(counters.get(n)) : null);
                if (!inDoubt.contains(h)) {
                    Map<String, String> expected = new HashMap<>();
                    for (Map.Entry<String, String> e : hashes.entrySet()) {
                        if (e.getKey().startsWith(h + "/")) expected.put(e.getKey().substring(h.length() + 1), e.getValue());
                    }
                    assertThat(fresh.hgetall(h)).as(h).isEqualTo(expected);
                }
            }
        }
    }

    private static void phase(String what) {
        System.out.printf("%.1f s: %s%n", (System.nanoTime() - STARTED) / 1e9, what);
    }

    private static void run(long operations) throws Exception {
        long started = System.nanoTime();
        // A node waits up to 30 s for a group's leader before answering TRYAGAIN or CLUSTERDOWN (the default, 0, not at all): on a
        // loaded machine a starved process misses heartbeats and elections run long; the clients wait up to 60 s for a reply.
        try (RaftGroup cluster = RaftGroup.start(Files.createTempDirectory("raft-clients"), 3, "--raft-shards", "6", "--raft-replication", "3",
                "--raft-snapshot-threshold", "200", "--raft-leader-wait", "30000")) {
            List<RaftGroup.Member> nodes = new ArrayList<>(cluster.members());
            ShardedRaftJoinTest.awaitSettled(cluster, nodes, 3);
            AtomicLong total = new AtomicLong();
            AtomicBoolean stop = new AtomicBoolean();
            Queue<String> errors = new ConcurrentLinkedQueue<>();
            List<Workload> workloads = List.of(new Workload("jedis0", jedis(nodes.get(0)), total, stop, errors),
                    new Workload("jedis1", jedis(nodes.get(2)), total, stop, errors),
                    new Workload("lettuce0", lettuce(nodes.get(1)), total, stop, errors),
                    new Workload("lettuce1", lettuce(nodes.get(2)), total, stop, errors));
            List<Thread> threads = new ArrayList<>();
            for (Workload w : workloads) {
                Thread t = new Thread(w, "clients-" + w.name);
                threads.add(t);
                t.start();
            }
            RaftGroup.Member leaving = nodes.get(1);
            long joinedAt, removedAt;
            try {
                await().atMost(BOUND).until(() -> total.get() >= operations / 4);

                // n4 joins while the clients work: replicas and leaders move onto it.
                phase("n4 joining");
                RaftGroup.Member n4 = cluster.startShardJoiner("n4", nodes.get(0), "--raft-snapshot-threshold", "200", "--raft-leader-wait", "30000");
                nodes.add(n4);
                ShardedRaftJoinTest.awaitSettled(cluster, nodes, 4);
                await().atMost(BOUND).untilAsserted(() -> assertThat(Long.parseLong(raftInfo(n4).get("shards_led"))).isPositive());
                joinedAt = total.get();
                phase("n4 joined, replicas and leaders moved");
                long afterJoin = Math.max(operations / 2, joinedAt + 200);
                await().atMost(BOUND).until(() -> total.get() >= afterJoin);

                // n2 drains while they work: its replicas and leaderships move to the others, and it leaves the map.
                phase(leaving.id + " draining");
                try (Jedis j = nodes.get(0).jedis()) {
                    assertThat(j.sendCommand(() -> "RAFT".getBytes(), "REMOVENODE", leaving.id)).isEqualTo("OK".getBytes());
                }
                nodes.remove(leaving);
                ShardedRaftJoinTest.awaitSettled(cluster, nodes, 3);
                removedAt = total.get();
                phase(leaving.id + " removed");
                long afterRemoval = Math.max(operations, removedAt + 200);
                await().atMost(Duration.ofMinutes(operations > 10_000 ? 30 : 2)).until(() -> total.get() >= afterRemoval);
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                throw ShardedRaftClusterTest.withLogs(cluster, cluster.members(), e);
            } finally {
                stop.set(true);
                for (Thread t : threads) t.join(120_000);
            }
            List<String> seen = new ArrayList<>(errors);
            System.out.printf("sharded raft clients: %d operations (%d before the join settled, %d before the removal settled), %d errors, %d s%n",
                    total.get(), joinedAt, removedAt, seen.size(), (System.nanoTime() - started) / 1_000_000_000L);
            for (Workload w : workloads) System.out.printf("  %s: %d operations%n", w.name, w.done);
            assertThat(seen).as("errors that reached the application, or replies unlike the last acknowledged write").isEmpty();
            for (Workload w : workloads) assertThat(w.done).as(w.name + " worked through the changes").isPositive();

            try (Ops fresh = jedis(nodes.get(0))) {
                for (Workload w : workloads) w.verify(fresh);
            }
            for (Workload w : workloads) w.ops.close();
        }
    }
}
