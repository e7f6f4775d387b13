package io.magpie.app.sentinel;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.magpie.app.sentinel.SentinelHarness.DataNode;
import io.magpie.app.sentinel.SentinelHarness.SentinelNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPoolConfig;
import redis.clients.jedis.JedisSentinelPool;

/**
 * Issue 7's interop case (c): two Magpie Sentinels and one real redis-sentinel watch real
 * redis-server nodes together: they discover each other through hello messages, agree the
 * master is down, elect one leader among them and fail over; clients asking any of them
 * find the new master.
 */
class MixedSentinelsTest {
    private SentinelHarness h;

    @BeforeEach
    void setUp() throws Exception {
        h = new SentinelHarness();
    }

    @AfterEach
    void tearDown() {
        h.close();
    }

    @Test
    void twoMagpieSentinelsAndARedisSentinelFailOverRealRedisAndClientsFindTheNewMaster() throws Exception {
        mixedFailover(false);
    }

    @Test
    void twoMagpieSentinelsAndARedisSentinelFailOverMagpieDataNodesAndClientsFindTheNewMaster() throws Exception {
        mixedFailover(true);
    }

    @Test
    void sentinelsWatchingTwoMastersShareOneLinkPerOtherSentinelAsRedisSentinelDoes() throws Exception {
        DataNode first = h.dataNode(false, null);
        DataNode second = h.dataNode(false, null);
        List<SentinelNode> sentinels = new ArrayList<>();
        for (boolean magpie : new boolean[] {true, false, true}) {
            sentinels.add(h.sentinel(magpie, first.port, 2, "sentinel monitor second 127.0.0.1 " + second.port + " 2",
                    "sentinel down-after-milliseconds second 1000"));
        }
        try {
            SentinelHarness.await("every Sentinel to know the two others for both masters", 30_000, () -> sentinels.stream().allMatch(
                    s -> s.count("SENTINELS") == 2 && s.callOrNull("SENTINEL", "SENTINELS", "second") instanceof List<?> l && l.size() == 2));
            for (SentinelNode s : sentinels) {
                for (String master : new String[] {"mymaster", "second"}) {
                    List<?> others = (List<?>) s.call("SENTINEL", "SENTINELS", master);
                    for (Object o : others) {
                        List<?> f = (List<?>) o;
                        int at = f.indexOf("link-refcount");
                        assertThat(f.get(at + 1)).as(s + " " + master).isEqualTo("2");
                    }
                }
            }
        } catch (AssertionError | RuntimeException e) {
            System.out.println(h.logs());
            throw e;
        }
    }

    private void mixedFailover(boolean magpieData) throws Exception {
        DataNode master = h.dataNode(magpieData, null);
        DataNode r1 = h.dataNode(magpieData, master.port);
        DataNode r2 = h.dataNode(magpieData, master.port);
        List<SentinelNode> sentinels = new ArrayList<>();
        // down-after 3 s, not the harness's 1 s: on a loaded machine a data node's JVM can
        // stall for a second, and a second failover is then what Sentinel rightly does.
        String[] timing = {"sentinel failover-timeout mymaster 6000", "sentinel down-after-milliseconds mymaster 3000"};
        sentinels.add(h.sentinel(true, master.port, 2, timing));
        sentinels.add(h.sentinel(false, master.port, 2, timing));
        sentinels.add(h.sentinel(true, master.port, 2, timing));
        try {
            h.awaitDiscovery(sentinels, 2);
            // Each Sentinel lists the other two with the right run ids, whichever implementation it is.
            for (SentinelNode s : sentinels) {
                String others = String.valueOf(s.call("SENTINEL", "SENTINELS", "mymaster"));
                for (SentinelNode o : sentinels) {
                    if (o != s) assertThat(others).contains(String.valueOf(o.call("SENTINEL", "MYID")));
                }
            }
            // Same view of the replicas, field by field (times and offsets aside), as the real redis-sentinel.
            SentinelNode real = sentinels.get(1);
            SentinelHarness.await("replica views to settle", 20_000, () -> sentinels.stream()
                    .allMatch(s -> replicaView(s).equals(replicaView(real))));
            for (SentinelNode s : sentinels) {
                assertThat(infoSentinelLine(s)).isEqualTo("master0:name=mymaster,status=ok,address=127.0.0.1:" + master.port + ",slaves=2,sentinels=3");
            }
            master.kill();
            SentinelHarness.await("all three Sentinels to switch to the same replica", 30_000, () -> {
                int p = sentinels.get(0).masterPort();
                return (p == r1.port || p == r2.port) && sentinels.stream().allMatch(s -> s.masterPort() == p);
            });
            DataNode promoted = sentinels.get(0).masterPort() == r1.port ? r1 : r2;
            DataNode other = promoted == r1 ? r2 : r1;
            SentinelHarness.await("the promoted replica to be master and the other to follow it", 30_000,
                    () -> "master".equals(promoted.role()) && other.masterPort() == promoted.port);
            // One leader per election; a failover retried after failover-timeout elects again.
            long leaders = sentinels.stream().filter(s -> s.log().contains("+elected-leader")).count();
            assertThat(leaders).isGreaterThanOrEqualTo(1);
            String switched = "+switch-master mymaster 127.0.0.1 " + master.port + " 127.0.0.1 " + promoted.port;
            SentinelHarness.await("every Sentinel to log " + switched, 30_000, () -> sentinels.stream().allMatch(s -> s.log().contains(switched)));

            Set<String> addrs = new HashSet<>();
            for (SentinelNode s : sentinels) addrs.add("127.0.0.1:" + s.port);
            try (JedisSentinelPool pool = new JedisSentinelPool(SentinelHarness.MASTER, addrs, new JedisPoolConfig(), 1000);
                 Jedis j = pool.getResource()) {
                assertThat(pool.getCurrentHostMaster()).isEqualTo(new HostAndPort("127.0.0.1", promoted.port));
                assertThat(j.set("mixed:jedis", "1")).isEqualTo("OK");
                // Replication is asynchronous: a write survives a later failover only once a
                // replica has it. WAIT makes the acknowledgement mean that.
                assertThat(j.waitReplicas(1, 30_000)).isGreaterThanOrEqualTo(1L);
            }
            RedisURI.Builder uri = RedisURI.Builder.sentinel("127.0.0.1", sentinels.get(1).port, SentinelHarness.MASTER);
            uri.withSentinel("127.0.0.1", sentinels.get(0).port).withSentinel("127.0.0.1", sentinels.get(2).port);
            RedisClient lettuce = RedisClient.create(uri.build());
            try (StatefulRedisConnection<String, String> c = lettuce.connect()) {
                assertThat(c.sync().set("mixed:lettuce", "1")).isEqualTo("OK");
                assertThat(c.sync().waitForReplication(1, 30_000)).isGreaterThanOrEqualTo(1L);
            } finally {
                lettuce.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            }
            // Both writes are on whichever node the Sentinels name as master now (the promoted
            // one, or the other replica if a slow machine made them fail over once more).
            List<DataNode> nodes = List.of(master, r1, r2);
            SentinelHarness.await("both acknowledged writes on the master the Sentinels name", 30_000, () -> {
                int p = sentinels.get(1).masterPort();
                return nodes.stream().anyMatch(n -> n.port == p && Long.valueOf(2).equals(n.callOrNull("EXISTS", "mixed:jedis", "mixed:lettuce")));
            });

            master.start();
            SentinelHarness.await("the returning old master to be demoted", 40_000, () -> master.masterPort() == sentinels.get(1).masterPort());
        } catch (AssertionError | RuntimeException e) {
            System.out.println(h.logs());
            throw e;
        }
    }

    /** SENTINEL REPLICAS as "field=value ..." lines, sorted, without the fields that change with time. */
    static List<String> replicaView(SentinelNode s) {
        List<String> view = new ArrayList<>();
        Object reply = s.callOrNull("SENTINEL", "REPLICAS", "mymaster");
        if (!(reply instanceof List<?> replicas)) return view;
        for (Object r : replicas) {
            List<?> f = (List<?>) r;
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i + 1 < f.size(); i += 2) {
                String k = String.valueOf(f.get(i));
                if (k.startsWith("last-") || k.endsWith("-time") || k.equals("info-refresh") || k.equals("slave-repl-offset")
                        || k.equals("link-pending-commands")) continue;
                sb.append(k).append('=').append(f.get(i + 1)).append(' ');
            }
            view.add(sb.toString());
        }
        java.util.Collections.sort(view);
        return view;
    }

    static String infoSentinelLine(SentinelNode s) {
        for (String line : String.valueOf(s.call("INFO", "sentinel")).split("\r\n")) if (line.startsWith("master0:")) return line;
        return null;
    }
}
