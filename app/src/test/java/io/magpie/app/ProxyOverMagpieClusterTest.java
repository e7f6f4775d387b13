package io.magpie.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.magpie.commands.HashSlot;
import io.magpie.proxy.ProxyConfig;
import io.magpie.proxy.ProxyDifferential;
import io.magpie.proxy.ProxyServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;

/**
 * magpie-proxy's cluster backend over a cluster of Magpie nodes (its other tests use a
 * redis-server cluster): keys of every slot through one endpoint, MGET/DEL fanned out and
 * merged, CROSSSLOT, and a reshard by redis-cli while the proxy's map is stale, which it
 * follows through the MOVED replies of Magpie's nodes without losing a key. Then the proxy's
 * differential script, in RESP2 and RESP3, gives redis-server's replies byte for byte.
 */
class ProxyOverMagpieClusterTest {
    @TempDir
    Path dir;

    @Test
    void theProxyServesAMagpieClusterThroughAReshard() throws Exception {
        List<MagpieProcess> nodes = ClusterProcessTest.startNodes(dir, "node", 3);
        List<Integer> ports = new ArrayList<>();
        for (MagpieProcess m : nodes) ports.add(m.port);
        ProxyServer proxy = null;
        try {
            List<String> create = new ArrayList<>(List.of("redis-cli", "--cluster", "create"));
            for (int p : ports) create.add("127.0.0.1:" + p);
            create.add("--cluster-yes");
            assertThat(ClusterProcessTest.redisCli(create)).contains("[OK] All 16384 slots covered.");
            ClusterProcessTest.awaitClusterStateOk(ports);
            // A refresh interval longer than the test: after the reshard only MOVED tells the proxy.
            proxy = new ProxyServer(ProxyConfig.parse(new String[] {"--port", "0", "--backend", "cluster", "--seeds",
                "127.0.0.1:" + ports.get(0), "--cluster-refresh-interval", "600000"})).start();
            int n = 1000;
            String[] keys = new String[n];
            for (int i = 0; i < n; i++) keys[i] = "pk:" + i;
            try (Jedis c = new Jedis("127.0.0.1", proxy.port(), 30_000)) {
                Pipeline p = c.pipelined();
                for (int i = 0; i < n; i++) p.set(keys[i], "v" + i);
                p.sync();
                long direct = 0;
                for (int port : ports) try (Jedis j = new Jedis("127.0.0.1", port)) {
                    assertThat(j.dbSize()).as("keys on node %d", port).isPositive();
                    direct += j.dbSize();
                }
                assertThat(direct).isEqualTo(n);
                assertThat(c.dbSize()).isEqualTo(n);
                assertThatThrownBy(() -> c.rename("pk:1", "pk:2")).hasMessageStartingWith("CROSSSLOT");

                String from = value(ports.get(0), "CLUSTER", "MYID"), to = value(ports.get(1), "CLUSTER", "MYID");
                ClusterProcessTest.redisCli(List.of("redis-cli", "--cluster", "reshard", "127.0.0.1:" + ports.get(0),
                        "--cluster-from", from, "--cluster-to", to, "--cluster-slots", "1000", "--cluster-yes"));
                assertThat(value(ports.get(0), "CLUSTER", "COUNTKEYSINSLOT", "0")).isEqualTo("0");

                List<String> values = c.mget(keys);
                for (int i = 0; i < n; i++) assertThat(values.get(i)).as(keys[i]).isEqualTo("v" + i);
                for (int i = 0; i < n; i += 7) assertThat(c.get(keys[i])).isEqualTo("v" + i);
                assertThat(c.dbSize()).isEqualTo(n);
                // redis-cli moves the source's lowest slots: a key of those is now written on the second node.
                String moved = null;
                for (int i = 0; i < n && moved == null; i++) {
                    if (HashSlot.keyHashSlot(keys[i].getBytes(StandardCharsets.UTF_8)) < 1000) moved = keys[i];
                }
                assertThat(c.set(moved, "after")).isEqualTo("OK");
                try (Jedis owner = new Jedis("127.0.0.1", ports.get(1))) {
                    assertThat(owner.get(moved)).as("%s, of a slot moved to the second node", moved).isEqualTo("after");
                }
                assertThat(c.del(keys)).isEqualTo(n);
                assertThat(c.dbSize()).isZero();
            }
            // Every command the proxy serves, replied as a single redis-server replies, over Magpie's cluster.
            try (RealRedis single = new RealRedis()) {
                for (int resp : new int[] {2, 3}) {
                    assertThat(ProxyDifferential.mismatches(single.port(), proxy.port(), resp))
                            .as("RESP%d replies through the proxy over a Magpie cluster that differ from redis-server's", resp).isEmpty();
                }
            }
        } finally {
            if (proxy != null) proxy.close();
            for (MagpieProcess m : nodes) m.close();
        }
    }

    private static String value(int port, String... args) {
        try (io.magpie.protocol.RespClient c = new io.magpie.protocol.RespClient(port)) {
            return String.valueOf(c.value(args));
        }
    }
}
