package io.magpie.app.raft;

import static io.magpie.app.raft.ShardedRaftClusterTest.raftInfo;
import static io.magpie.app.raft.ShardedRaftClusterTest.retrying;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisCluster;

/** Slot moves between Raft shards with a fault: the leader of a move's source group killed mid-reshard. */
class ShardedRaftMoveFaultTest {
    private static final Duration BOUND = Duration.ofSeconds(120);

    @Test
    void aSourceLeaderKilledRightAfterRaftShardsTheMovesFinishUnderTheNextLeadersAndNoAcknowledgedWriteIsLost() throws Exception {
        try (RaftGroup cluster = RaftGroup.start(Files.createTempDirectory("raft-shards-fault"), 3, "--raft-shards", "3")) {
            List<RaftGroup.Member> nodes = cluster.members();
            RaftGroup.Member victim = nodes.get(0), survivor = nodes.get(1);
            // Group g prefers node g: once each node leads its group, n1 leads shard 0, a source of the coming moves.
            await().atMost(BOUND).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
                for (RaftGroup.Member m : nodes) assertThat(raftInfo(m)).containsEntry("shards_led", "1");
                for (RaftGroup.Member m : nodes) try (Jedis j = m.jedis()) {
                    assertThat(j.clusterInfo()).contains("cluster_state:ok").contains("cluster_known_nodes:3");
                }
            });
            Map<String, String> acked = new ConcurrentHashMap<>();
            AtomicBoolean stop = new AtomicBoolean();
            AtomicReference<Throwable> failed = new AtomicReference<>();
            Thread writer = new Thread(() -> {
                try (JedisCluster jc = new JedisCluster(new HostAndPort("127.0.0.1", survivor.port), 5_000, 5_000, 10, null)) {
                    for (int i = 0; !stop.get() && i < 100_000; i++) {
                        String key = "k:" + (i % 400), value = "v" + i;
                        try {
                            if ("OK".equals(retrying(() -> jc.set(key, value)))) acked.put(key, value);
                        } catch (RuntimeException e) {
                            // A write to the killed node's groups times out or finds its connection gone: its outcome is
                            // unknown, so the key's later acknowledged write is what must be read back.
                            if (!String.valueOf(e.getMessage()).contains("No more cluster attempts") && !(e instanceof redis.clients.jedis.exceptions.JedisConnectionException)) throw e;
                            acked.remove(key);
                        }
                    }
                } catch (RuntimeException e) {
                    failed.set(e);
                }
            }, "fault-writer");
            writer.start();
            try {
                await().atMost(BOUND).until(() -> acked.size() >= 200);
                try (Jedis j = survivor.jedis()) {
                    j.sendCommand(() -> "RAFT".getBytes(), "SHARDS", "5");
                }
                cluster.kill(victim);
                await().atMost(BOUND).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
                    for (RaftGroup.Member m : List.of(nodes.get(1), nodes.get(2))) {
                        assertThat(raftInfo(m)).containsEntry("raft_shards", "5").containsEntry("resharding", "0");
                    }
                });
                int before = acked.size();
                await().atMost(BOUND).until(() -> acked.size() > before || acked.size() == 400);
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                throw ShardedRaftClusterTest.withLogs(cluster, nodes, e);
            } finally {
                stop.set(true);
                writer.join(60_000);
            }
            assertThat(failed.get()).as("a write error the client could not handle").isNull();

            // The killed node comes back, starts the new groups from the map and catches up.
            cluster.launch(victim);
            await().atMost(BOUND).untilAsserted(() -> {
                assertThat(raftInfo(victim)).containsEntry("raft_shards", "5").containsEntry("resharding", "0");
                try (Jedis j = victim.jedis()) {
                    assertThat(j.clusterInfo()).contains("cluster_state:ok");
                }
            });
            try (JedisCluster jc = new JedisCluster(new HostAndPort("127.0.0.1", victim.port), 10_000, 10_000, 10, null)) {
                for (Map.Entry<String, String> e : acked.entrySet()) assertThat(retrying(() -> jc.get(e.getKey()))).as(e.getKey()).isEqualTo(e.getValue());
            }
        }
    }
}
