package io.magpie.app.raft;

import static io.magpie.app.raft.ShardedRaftClusterTest.raftInfo;
import static io.magpie.app.raft.ShardedRaftClusterTest.retrying;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisCluster;

/**
 * The balance a joining node brings, on real processes: 6 groups of 3 replicas on 3 nodes, then a
 * 4th node started with --raft-join. The map's targets give every node within one replica of
 * every other (ReplicaPlacement.balanceReplicas) and a preferred leader spread the same way
 * (balanceLeaders); the replica moves carry them out and Ratis hands leadership to each group's
 * preferred node. Prints replicas, leaders and keys per node before and after.
 */
class ShardedRaftBalanceTest {
    private static final Duration BOUND = Duration.ofSeconds(150);
    private static final int GROUPS = 6, REPLICATION = 3, KEYS = 600;

    record Row(int replicas, int leaders, long keys) {}

    @Test
    void aFourthNodeJoiningThreeNodesOfSixGroupsLeavesEveryNodeWithinOneOfTheMeanInReplicasAndLeaders() throws Exception {
        try (RaftGroup cluster = RaftGroup.start(Files.createTempDirectory("raft-balance"), 3, "--raft-shards", String.valueOf(GROUPS),
                "--raft-replication", String.valueOf(REPLICATION))) {
            List<RaftGroup.Member> nodes = new ArrayList<>(cluster.members());
            ShardedRaftJoinTest.awaitSettled(cluster, nodes, 3);
            try (JedisCluster jc = ShardedRaftJoinTest.client(nodes.get(0))) {
                for (int i = 0; i < KEYS; i++) {
                    String key = "key:" + i, value = "value:" + i;
                    assertThat(retrying(() -> jc.set(key, value))).isEqualTo("OK");
                }
            }
            Map<String, Row> before = awaitBalanced(cluster, nodes);

            nodes.add(cluster.startShardJoiner("n4", nodes.get(0)));
            ShardedRaftJoinTest.awaitSettled(cluster, nodes, 4);
            Map<String, Row> after = awaitBalanced(cluster, nodes);

            System.out.println("sharded raft balance, " + GROUPS + " groups x " + REPLICATION + " replicas, " + KEYS + " keys");
            System.out.printf("%-5s %9s %8s %6s   %9s %8s %6s%n", "node", "replicas", "leaders", "keys", "replicas", "leaders", "keys");
            System.out.printf("%-5s %25s   %25s%n", "", "before (3 nodes)", "after (4 nodes)");
            for (Map.Entry<String, Row> e : after.entrySet()) {
                Row b = before.get(e.getKey()), a = e.getValue();
                System.out.printf("%-5s %9s %8s %6s   %9d %8d %6d%n", e.getKey(), b == null ? "-" : b.replicas, b == null ? "-" : b.leaders,
                        b == null ? "-" : b.keys, a.replicas, a.leaders, a.keys);
            }
            assertThat(after.get("n4").replicas()).as("the joined node holds its share of replicas").isPositive();
            assertThat(after.get("n4").leaders()).as("the joined node leads its share of groups").isPositive();
            try (JedisCluster jc = ShardedRaftJoinTest.client(nodes.get(3))) {
                for (int i = 0; i < KEYS; i++) {
                    String key = "key:" + i;
                    assertThat(retrying(() -> jc.get(key))).as(key).isEqualTo("value:" + i);
                }
            }
        }
    }

    /**
     * Waits until the groups' members are their targets, every group has a ready leader, and
     * every node is within one of the mean in replicas (from the map) and in groups led (each
     * node's own count of the groups it leads, ready); returns each node's figures.
     */
    private static Map<String, Row> awaitBalanced(RaftGroup cluster, List<RaftGroup.Member> nodes) {
        Map<String, Row> out = new LinkedHashMap<>();
        try {
            await().atMost(BOUND).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
                out.clear();
                Map<String, String> map = raftInfo(nodes.get(0));
                assertThat(map).containsEntry("replica_moves_pending", "0");
                Map<String, Integer> replicas = new LinkedHashMap<>();
                for (RaftGroup.Member m : nodes) replicas.put(m.id, 0);
                for (int g = 0; g < GROUPS; g++) {
                    String shard = map.get("shard" + g);
                    assertThat(shard).as("shard" + g).isNotNull();
                    for (String n : shard.replaceAll(".*members=([^,]*).*", "$1").split("\\|")) replicas.merge(n, 1, Integer::sum);
                }
                int led = 0;
                for (RaftGroup.Member m : nodes) {
                    int leaders = Integer.parseInt(raftInfo(m).getOrDefault("shards_led", "-1"));
                    led += leaders;
                    long keys;
                    try (Jedis j = m.jedis()) {
                        keys = j.dbSize();
                    }
                    out.put(m.id, new Row(replicas.get(m.id), leaders, keys));
                }
                assertThat(replicas).as("replicas per node").hasSize(nodes.size());
                assertThat(led).as("groups with a ready leader " + out).isEqualTo(GROUPS);
                // Each key is held by its group's replicas only: a node a replica moved off dropped its keys.
                assertThat(out.values().stream().mapToLong(Row::keys).sum()).as("keys held " + out).isEqualTo((long) REPLICATION * KEYS);
                double replicaMean = (double) GROUPS * REPLICATION / nodes.size(), leaderMean = (double) GROUPS / nodes.size();
                for (Map.Entry<String, Row> e : out.entrySet()) {
                    assertThat((double) e.getValue().replicas()).as(e.getKey() + " replicas " + out).isBetween(replicaMean - 1, replicaMean + 1);
                    assertThat((double) e.getValue().leaders()).as(e.getKey() + " leaders " + out).isBetween(leaderMean - 1, leaderMean + 1);
                }
            });
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw ShardedRaftClusterTest.withLogs(cluster, nodes, e);
        }
        return out;
    }
}
