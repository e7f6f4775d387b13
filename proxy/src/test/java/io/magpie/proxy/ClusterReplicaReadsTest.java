package io.magpie.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/** read-from replica: reads go to the slot's replicas (over READONLY connections), writes to its master. */
class ClusterReplicaReadsTest {
    @Test
    void readsAreServedByReplicasAndWritesByMasters() throws Exception {
        RedisCluster cluster = RedisCluster.shared();
        {
            for (int n = 0; n < cluster.nodes.ports.size(); n++) try (Jedis j = cluster.nodes.jedis(n)) {
                j.configResetStat();
            }
            ProxyServer proxy = Proxies.start("--backend", "cluster", "--seeds", cluster.seeds(), "--read-from", "replica");
            try (Jedis c = new Jedis("127.0.0.1", proxy.port(), 10_000)) {
                for (int i = 0; i < 100; i++) c.set("replica-read:" + i, "v" + i);
                // Replication is asynchronous: a replica may answer nil for a moment.
                Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> {
                    for (int i = 0; i < 100; i++) if (!("v" + i).equals(c.get("replica-read:" + i))) return false;
                    return true;
                });
                long replicaGets = 0, masterGets = 0, masterSets = 0;
                StringBuilder seen = new StringBuilder();
                for (int n = 0; n < cluster.nodes.ports.size(); n++) try (Jedis j = cluster.nodes.jedis(n)) {
                    boolean replica = j.info("replication").contains("role:slave");
                    String stats = j.info("commandstats");
                    long gets = calls(stats, "get"), sets = calls(stats, "set");
                    seen.append(cluster.nodes.ports.get(n)).append(replica ? " replica" : " master").append(" get=").append(gets).append(" set=").append(sets).append('\n');
                    if (replica) {
                        replicaGets += gets;
                    } else {
                        masterGets += gets;
                        masterSets += sets;
                    }
                }
                assertThat(replicaGets).as(seen.toString()).isGreaterThanOrEqualTo(100);
                assertThat(masterGets).isZero();
                assertThat(masterSets).isEqualTo(100); // (a replica counts the SETs its master link applies too)
            } finally {
                proxy.close();
            }
        }
    }

    private static long calls(String commandstats, String cmd) {
        return commandstats.lines().filter(l -> l.startsWith("cmdstat_" + cmd + ":"))
                .mapToLong(l -> Long.parseLong(l.replaceAll("^[^:]*:calls=(\\d+),.*", "$1"))).sum();
    }
}
