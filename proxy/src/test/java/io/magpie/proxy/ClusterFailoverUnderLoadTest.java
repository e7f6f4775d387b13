package io.magpie.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * A master killed under a 20-client pipelined load through the proxy: its replica takes over,
 * the proxy learns the new map and goes on. Clients see error replies for the writes caught in
 * the window (never a broken connection); every acknowledged write is readable afterwards,
 * except those the dead master acknowledged and never replicated (asynchronous replication),
 * which are counted and printed.
 */
@Tag("soak")
class ClusterFailoverUnderLoadTest {
    @Test
    void masterKilledUnderLoadReplicaPromotedEveryAcknowledgedWriteButTheReplicationLagIsThere() throws Exception {
        try (RedisCluster cluster = new RedisCluster(1)) {
            ProxyServer proxy = Proxies.start("--backend", "cluster", "--seeds", cluster.seeds(), "--cluster-refresh-interval", "1000");
            Map<String, String> acked = new ConcurrentHashMap<>();
            AtomicBoolean stop = new AtomicBoolean();
            AtomicInteger errorReplies = new AtomicInteger();
            AtomicInteger brokenConnections = new AtomicInteger();
            List<Thread> writers = new ArrayList<>();
            for (int w = 0; w < 20; w++) {
                int id = w;
                Thread t = new Thread(() -> {
                    try (Jedis c = new Jedis("127.0.0.1", proxy.port(), 30_000)) {
                        for (int batch = 0; !stop.get() && batch < 1_000_000; batch++) {
                            Pipeline p = c.pipelined();
                            List<Response<String>> rs = new ArrayList<>();
                            List<String> ks = new ArrayList<>();
                            for (int i = 0; i < 10; i++) {
                                String k = "fo:" + id + ":" + batch + ":" + i;
                                ks.add(k);
                                rs.add(p.set(k, k));
                            }
                            p.sync();
                            for (int i = 0; i < rs.size(); i++) {
                                try {
                                    if ("OK".equals(rs.get(i).get())) acked.put(ks.get(i), ks.get(i));
                                } catch (JedisDataException e) {
                                    errorReplies.incrementAndGet();
                                }
                            }
                        }
                    } catch (RuntimeException e) {
                        brokenConnections.incrementAndGet();
                    }
                });
                t.start();
                writers.add(t);
            }
            try {
                Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> acked.size() > 5000);
                cluster.nodes.kill(0);
                // A replica of the dead master is promoted: every slot is served again.
                Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).ignoreExceptions().until(() -> {
                    try (Jedis j = cluster.nodes.jedis(1)) {
                        return j.clusterInfo().contains("cluster_state:ok") && j.clusterInfo().contains("cluster_slots_ok:16384");
                    }
                });
                int before = acked.size();
                Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> acked.size() > before + 5000);
            } finally {
                stop.set(true);
                for (Thread t : writers) t.join(60_000);
            }
            int lost = 0;
            try (Jedis c = new Jedis("127.0.0.1", proxy.port(), 30_000)) {
                List<String> keys = new ArrayList<>(acked.keySet());
                for (int from = 0; from < keys.size(); from += 500) {
                    List<String> chunk = keys.subList(from, Math.min(keys.size(), from + 500));
                    List<String> values = c.mget(chunk.toArray(new String[0]));
                    for (int i = 0; i < chunk.size(); i++) if (!chunk.get(i).equals(values.get(i))) lost++;
                }
            } finally {
                proxy.close();
            }
            System.out.printf("failover under load: %d acknowledged writes, %d lost to asynchronous replication, %d error replies, %d broken connections%n",
                    acked.size(), lost, errorReplies.get(), brokenConnections.get());
            assertThat(brokenConnections.get()).isZero();
            // What a dead master acknowledged but never sent: bounded by what was in flight, a small share.
            assertThat(lost).isLessThan(acked.size() / 20);
        }
    }
}
