package io.magpie.app.raft;

import static io.magpie.app.raft.ShardedRaftClusterTest.raftInfo;
import static io.magpie.app.raft.ShardedRaftClusterTest.retrying;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisCluster;

/**
 * Nodes joining and leaving a sharded Raft cluster of real processes: a 4th node started with
 * --raft-join is added to the map, replicas move onto it (learner, catch up, promote, remove the
 * old one) and it comes to lead groups; killed (-9) and restarted, it leads again with every key;
 * RAFT REMOVENODE drains a node while a client writes, and every acknowledged write reads back
 * once it is gone from the map.
 */
class ShardedRaftJoinTest {
    private static final Duration BOUND = Duration.ofSeconds(150);

    @Test
    void aFourthNodeJoinsAndTakesReplicasAndLeadersThenANodeDrainsUnderWritesWithNothingLost() throws Exception {
        run(Files.createTempDirectory("raft-join"), 300, 1, Duration.ZERO, true);
    }

    /** A raft-join that is not host:port stops the start as a bad config line does; raft-join with raft-members is refused. */
    @Test
    void badRaftJoinSettingsAreRefused() throws Exception {
        try (RaftGroup none = RaftGroup.start(Files.createTempDirectory("raft-join-bad"), 0)) {
            assertThatThrownBy(() -> none.startShardJoiner("n5", "nohost")).hasMessageContaining("FATAL CONFIG FILE ERROR")
                    .hasMessageContaining("Invalid raft-join address, expected host:port");
            assertThatThrownBy(() -> none.startShardJoiner("n6", "127.0.0.1:99999")).hasMessageContaining("Invalid raft-join address");
            RaftGroup.Member both = none.startShardJoiner("n7", "127.0.0.1:1", "--raft-members", "n7=127.0.0.1:1");
            await().atMost(BOUND).until(() -> none.logTail(both).contains("raft-join and raft-members cannot both be given"));
        }
    }

    /**
     * The same under a longer client load from more clients, and the joined node killed (-9) and
     * restarted: the writes counted, every acknowledged one read back.
     */
    @Tag("soak")
    @Test
    void soakJoinAndDrainUnderContinuousWrites() throws Exception {
        Figures f = run(Files.createTempDirectory("raft-join-soak"), 2000, 4, Duration.ofSeconds(30), true);
        System.out.printf("raft join/drain soak: %d writes sent, %d acknowledged (all read back), %d with an unknown outcome, %d s%n", f.sent,
                f.acked, f.unknown, f.seconds);
    }

    record Figures(long sent, long acked, long unknown, long seconds) {}

    /**
     * Clients writing distinct keys (load:client:i) through JedisCluster, retrying TRYAGAIN and
     * CLUSTERDOWN as an application does; a write cut off by a leader change has an unknown
     * outcome and is not counted. Every acknowledged write must read back.
     */
    private static final class Load implements AutoCloseable {
        final Map<String, String> acked = new ConcurrentHashMap<>();
        final AtomicLong sent = new AtomicLong(), unknown = new AtomicLong();
        final AtomicBoolean stop = new AtomicBoolean();
        final AtomicReference<Throwable> failed = new AtomicReference<>();
        final List<Thread> threads = new ArrayList<>();

        Load(RaftGroup.Member seed, int clients) {
            for (int t = 0; t < clients; t++) {
                int client = t;
                Thread thread = new Thread(() -> {
                    try (JedisCluster jc = client(seed)) {
                        for (long i = 0; !stop.get() && i < 10_000_000; i++) {
                            String key = "load:" + client + ":" + i, value = "v" + i;
                            sent.incrementAndGet();
                            try {
                                if ("OK".equals(retrying(() -> jc.set(key, value)))) acked.put(key, value);
                            } catch (RuntimeException e) {
                                if (!(e instanceof redis.clients.jedis.exceptions.JedisConnectionException)
                                        && !String.valueOf(e.getMessage()).contains("No more cluster attempts")) throw e;
                                unknown.incrementAndGet();
                            }
                        }
                    } catch (RuntimeException e) {
                        failed.set(e);
                    }
                }, "join-load-" + t);
                threads.add(thread);
                thread.start();
            }
        }

        @Override
        public void close() throws InterruptedException {
            stop.set(true);
            for (Thread t : threads) t.join(60_000);
        }
    }

    private static Figures run(Path dir, int keys, int clients, Duration extraLoad, boolean restartJoiner) throws Exception {
        long started = System.nanoTime();
        // A low snapshot threshold: the log is compacted, so a replica moving to a node catches up from a snapshot.
        try (RaftGroup cluster = RaftGroup.start(dir, 3, "--raft-shards", "6", "--raft-replication", "3", "--raft-snapshot-threshold", "50")) {
            List<RaftGroup.Member> nodes = new ArrayList<>(cluster.members());
            awaitSettled(cluster, nodes, 3);
            try (JedisCluster jc = client(nodes.get(0))) {
                for (int i = 0; i < keys; i++) {
                    String key = "key:" + i, value = "value:" + i;
                    assertThat(retrying(() -> jc.set(key, value))).isEqualTo("OK");
                }
            }
            try (Jedis j = nodes.get(0).jedis()) {
                assertThatThrownBy(() -> j.sendCommand(() -> "RAFT".getBytes(), "REMOVENODE")).hasMessage(
                        "ERR wrong number of arguments for 'raft|removenode' command");
                assertThatThrownBy(() -> j.sendCommand(() -> "RAFT".getBytes(), "REMOVENODE", "n9")).hasMessage("ERR no such raft node n9");
                // 3 replicas per group on 3 nodes: none may leave before another joins.
                assertThatThrownBy(() -> j.sendCommand(() -> "RAFT".getBytes(), "REMOVENODE", "n2")).hasMessage(
                        "ERR cannot remove n2: 2 nodes would be left for 3 replicas per shard");
            }
            Load load = new Load(nodes.get(2), clients);
            RaftGroup.Member leaving = nodes.get(1);
            try (load) {
                await().atMost(BOUND).until(() -> load.acked.size() >= 20 || load.failed.get() != null);

                // n4 joins through n1 while clients write: the map names it, replicas move onto it, and it leads some groups.
                RaftGroup.Member n4 = cluster.startShardJoiner("n4", nodes.get(0), "--raft-snapshot-threshold", "50");
                nodes.add(n4);
                awaitSettled(cluster, nodes, 4);
                Map<String, String> info = raftInfo(n4);
                long replicasOnN4 = info.entrySet().stream().filter(e -> e.getKey().startsWith("shard") && e.getValue().contains("members=")
                        && List.of(e.getValue().replaceAll(".*members=([^,]*).*", "$1").split("\\|")).contains("n4")).count();
                assertThat(replicasOnN4).as("6 groups x 3 replicas on 4 nodes: n4 holds its share").isBetween(4L, 5L);
                await().atMost(BOUND).untilAsserted(() -> assertThat(Long.parseLong(raftInfo(n4).get("shards_led"))).isPositive());
                try (Jedis j = n4.jedis()) {
                    assertThat(j.dbSize()).as("n4 holds the keys of its groups").isPositive();
                }
                try (JedisCluster jc = client(n4)) {
                    for (int i = 0; i < keys; i++) {
                        String key = "key:" + i;
                        assertThat(retrying(() -> jc.get(key))).isEqualTo("value:" + i);
                    }
                }

                if (restartJoiner) {
                    // kill -9 of the joined node: it comes back from its storage (the groups it holds now), and the drain
                    // below must complete even if one of its replicas lags.
                    cluster.kill(n4);
                    cluster.launch(n4);
                    awaitSettled(cluster, nodes, 4);
                    // Its replicas reloaded their snapshots' slots before the map was replayed; it leads again, and every key
                    // it serves is there.
                    await().atMost(BOUND).untilAsserted(() -> assertThat(Long.parseLong(raftInfo(n4).get("shards_led"))).isPositive());
                    try (JedisCluster jc = client(n4)) {
                        for (int i = 0; i < keys; i++) {
                            String key = "key:" + i;
                            assertThat(retrying(() -> jc.get(key))).as(key).isEqualTo("value:" + i);
                        }
                    }
                }

                // A node joining under an id in use elsewhere is refused (and stays outside the map).
                RaftGroup.Member impostor = cluster.startShardJoiner("impostor", nodes.get(1), "--raft-id", "n1");
                await().atMost(BOUND).until(() -> cluster.logTail(impostor).contains(
                        "the cluster refused n1 joining: ERR raft node n1 is already in the cluster at 127.0.0.1:" + nodes.get(0).raftPort));
                cluster.kill(impostor);
                assertThat(raftInfo(nodes.get(0))).containsEntry("nodes", "n1,n2,n3,n4");

                // n2 drains while the clients write.
                try (Jedis j = nodes.get(0).jedis()) {
                    assertThat(j.sendCommand(() -> "RAFT".getBytes(), "REMOVENODE", "n2")).isEqualTo("OK".getBytes());
                }
                nodes.remove(leaving);
                await().atMost(BOUND).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
                    for (RaftGroup.Member m : nodes) {
                        assertThat(raftInfo(m)).containsEntry("nodes", "n1,n3,n4").containsEntry("replica_moves_pending", "0");
                    }
                });
                if (!extraLoad.isZero()) Thread.sleep(extraLoad.toMillis());
                long before = load.sent.get();
                await().atMost(BOUND).until(() -> load.sent.get() > before + 20 || load.failed.get() != null);
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                throw ShardedRaftClusterTest.withLogs(cluster, cluster.members(), e);
            }
            assertThat(load.failed.get()).as("a write error the client could not handle").isNull();
            awaitSettled(cluster, nodes, 3);
            try (JedisCluster jc = client(nodes.get(0))) {
                for (Map.Entry<String, String> e : load.acked.entrySet()) {
                    assertThat(retrying(() -> jc.get(e.getKey()))).as(e.getKey()).isEqualTo(e.getValue());
                }
                for (int i = 0; i < keys; i++) {
                    String key = "key:" + i;
                    assertThat(retrying(() -> jc.get(key))).isEqualTo("value:" + i);
                }
            }
            for (RaftGroup.Member m : nodes) {
                try (Jedis j = m.jedis()) {
                    assertThat(j.clusterNodes()).doesNotContain(":" + leaving.port + "@");
                }
            }
            return new Figures(load.sent.get(), load.acked.size(), load.unknown.get(), (System.nanoTime() - started) / 1_000_000_000L);
        }
    }

    /** Every node knows the map of n nodes, no replica moves pending, cluster_state ok. */
    static void awaitSettled(RaftGroup cluster, List<RaftGroup.Member> nodes, int n) {
        try {
            await().atMost(BOUND).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
                for (RaftGroup.Member m : nodes) {
                    Map<String, String> info = raftInfo(m);
                    assertThat(info.get("nodes")).isNotNull();
                    assertThat(info.get("nodes").split(",")).hasSize(n);
                    assertThat(info).containsEntry("replica_moves_pending", "0");
                    try (Jedis j = m.jedis()) {
                        assertThat(j.clusterInfo()).contains("cluster_state:ok").contains("cluster_known_nodes:" + n);
                    }
                }
            });
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw ShardedRaftClusterTest.withLogs(cluster, cluster.members(), e);
        }
    }

    static JedisCluster client(RaftGroup.Member seed) {
        return new JedisCluster(new HostAndPort("127.0.0.1", seed.port), 10_000, 10_000, 10, null);
    }
}
