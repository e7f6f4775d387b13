package io.magpie.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.magpie.commands.HashSlot;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Transaction;

/** magpie-proxy over a real three-master redis-server cluster. */
class ClusterBackendTest {
    static RedisCluster cluster;
    static ProxyServer proxy;

    @BeforeAll
    static void start() throws Exception {
        cluster = RedisCluster.shared();
        // A long refresh interval: the map is stale after a move unless MOVED is followed.
        proxy = Proxies.start("--backend", "cluster", "--seeds", cluster.seeds(), "--cluster-refresh-interval", "600000");
    }

    @AfterAll
    static void stop() {
        if (proxy != null) proxy.close();
    }

    static Jedis client() {
        return new Jedis("127.0.0.1", proxy.port(), 20_000);
    }

    @Test
    void keysOfEverySlotAreReadAndWrittenThroughOneEndpoint() {
        try (Jedis c = client()) {
            Pipeline p = c.pipelined();
            for (int i = 0; i < 2000; i++) p.set("ck" + i, "v" + i);
            p.sync();
            List<String> keys = new ArrayList<>();
            for (int i = 0; i < 2000; i++) keys.add("ck" + i);
            List<String> values = c.mget(keys.toArray(new String[0]));
            for (int i = 0; i < 2000; i++) assertThat(values.get(i)).isEqualTo("v" + i);
            assertThat(c.exists(keys.toArray(new String[0]))).isEqualTo(2000);
            long direct = 0;
            for (int n = 0; n < RedisCluster.MASTERS; n++) try (Jedis j = cluster.nodes.jedis(n)) {
                long size = j.dbSize();
                assertThat(size).as("node " + n).isPositive();
                direct += size;
            }
            assertThat(c.dbSize()).isEqualTo(direct);
            assertThat(c.del(keys.toArray(new String[0]))).isEqualTo(2000);
        }
    }

    @Test
    void multiKeyCommandsAcrossSlotsAreRefusedAndHashTagsWork() {
        try (Jedis c = client()) {
            c.set("a1", "x");
            assertThatThrownBy(() -> c.rename("a1", "b1")).hasMessageStartingWith("CROSSSLOT");
            c.set("{u}.a", "1");
            assertThat(c.rename("{u}.a", "{u}.b")).isEqualTo("OK");
            Transaction t = c.multi();
            t.incr("{u}.n");
            t.incr("{u}.n");
            assertThat(t.exec()).containsExactly(1L, 2L);
        }
    }

    @Test
    void pubSubAndShardedPubSubWorkAcrossTheCluster() {
        for (String kind : List.of("SUBSCRIBE", "SSUBSCRIBE")) {
            String ch = "{" + kind + "}.events";
            try (io.magpie.protocol.RespClient sub = new io.magpie.protocol.RespClient(proxy.port()); Jedis pub = client()) {
                assertThat(String.valueOf(sub.call(kind, ch).value())).isEqualTo("[" + kind.toLowerCase() + ", " + ch + ", 1]");
                for (String m : List.of("one", "two")) {
                    if (kind.equals("SSUBSCRIBE")) pub.sendCommand(redis.clients.jedis.Protocol.Command.SPUBLISH, ch, m);
                    else pub.publish(ch, m);
                }
                String type = kind.equals("SSUBSCRIBE") ? "smessage" : "message";
                assertThat(String.valueOf(sub.read().value())).isEqualTo("[" + type + ", " + ch + ", one]");
                assertThat(String.valueOf(sub.read().value())).isEqualTo("[" + type + ", " + ch + ", two]");
            }
        }
    }

    @Test
    void aSlotMovedBehindTheProxysBackIsFollowedThroughMoved() throws Exception {
        String key = "moving-key";
        int slot = HashSlot.keyHashSlot(key.getBytes(StandardCharsets.UTF_8));
        try (Jedis c = client()) {
            c.set(key, "before");
            int from = ownerIndex(slot);
            int to = (from + 1) % 3;
            moveSlot(slot, from, to);
            // The proxy's map still says "from": the node answers MOVED and the proxy follows it.
            assertThat(c.get(key)).isEqualTo("after-move");
            assertThat(c.set(key, "written-after")).isEqualTo("OK");
            try (Jedis j = cluster.nodes.jedis(to)) {
                assertThat(j.get(key)).isEqualTo("written-after");
            }
        }
    }

    private static long stat(String info, String name) {
        return info.lines().filter(l -> l.startsWith(name + ":")).mapToLong(l -> Long.parseLong(l.substring(name.length() + 1))).findFirst().orElseThrow();
    }

    private static int ownerIndex(int slot) {
        for (int n = 0; n < 3; n++) try (Jedis j = cluster.nodes.jedis(n)) {
            if (j.clusterCountKeysInSlot(slot) >= 0 && j.clusterNodes().lines().anyMatch(l -> l.contains("myself") && ownsSlot(l, slot))) return n;
        }
        throw new AssertionError("no owner of slot " + slot);
    }

    private static boolean ownsSlot(String nodesLine, int slot) {
        String[] f = nodesLine.split(" ");
        for (int i = 8; i < f.length; i++) {
            if (f[i].startsWith("[")) continue;
            String[] r = f[i].split("-");
            int lo = Integer.parseInt(r[0]), hi = Integer.parseInt(r[r.length - 1]);
            if (slot >= lo && slot <= hi) return true;
        }
        return false;
    }

    /** Moves one slot as redis-cli --cluster does (IMPORTING/MIGRATING, MIGRATE, SETSLOT NODE), writing a new value first. */
    private static void moveSlot(int slot, int from, int to) {
        String fromId = cluster.nodeId(from), toId = cluster.nodeId(to);
        try (Jedis src = cluster.nodes.jedis(from); Jedis dst = cluster.nodes.jedis(to)) {
            src.set("moving-key", "after-move");
            dst.clusterSetSlotImporting(slot, fromId);
            src.clusterSetSlotMigrating(slot, toId);
            List<String> keys = src.clusterGetKeysInSlot(slot, 1000);
            for (String k : keys) src.migrate("127.0.0.1", cluster.nodes.ports.get(to), k, 0, 5000);
            dst.clusterSetSlotNode(slot, toId);
            src.clusterSetSlotNode(slot, toId);
            try (Jedis third = cluster.nodes.jedis(3 - from - to)) {
                third.clusterSetSlotNode(slot, toId);
            }
        }
    }

    @Test
    void aReshardUnderPipelinedLoadLosesNoAcknowledgedWrite() throws Exception {
        AckedWriters writers = new AckedWriters(10, 20, "rs", ClusterBackendTest::client);
        try {
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> writers.acked.size() > 2000);
            RedisCluster.run(List.of("redis-cli", "--cluster", "reshard", "127.0.0.1:" + cluster.nodes.ports.get(0),
                    "--cluster-from", cluster.nodeId(0), "--cluster-to", cluster.nodeId(1), "--cluster-slots", "300",
                    "--cluster-yes", "--cluster-pipeline", "20"));
            int before = writers.acked.size();
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> writers.acked.size() > before + 2000);
        } finally {
            writers.close();
        }
        assertThat(writers.errorReplies.get() + writers.brokenConnections.get()).as("client-visible errors, first: " + writers.firstError.get())
                .isZero();
        String stats;
        try (Jedis c = client()) {
            stats = c.info("stats");
        }
        // The writers hit the moving slots: the proxy followed ASK or TRYAGAIN for them.
        assertThat(stat(stats, "cluster_ask_followed") + stat(stats, "cluster_retries") + stat(stats, "cluster_moved_followed")).isPositive();
        try (Jedis c = client()) {
            assertThat(writers.lost(c)).as("acknowledged writes lost").isEmpty();
        }
    }
}
