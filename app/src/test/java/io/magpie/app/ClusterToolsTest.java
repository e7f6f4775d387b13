package io.magpie.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.magpie.protocol.RespClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisCluster;

/**
 * redis-cli's cluster tools on a cluster of Magpie processes, each step followed by a passing
 * --cluster check and every key still readable: add-node as a master and as a replica,
 * rebalance onto the empty master, del-node of the replica, reshard of the master's slots away
 * and its del-node, and fix of a slot left half-migrated (MIGRATING on its owner, IMPORTING on
 * the other node, one key already moved).
 */
@Tag("soak")
class ClusterToolsTest {
    @TempDir
    Path dir;
    final List<MagpieProcess> nodes = new ArrayList<>();

    @AfterEach
    void stop() throws InterruptedException {
        for (MagpieProcess n : nodes) n.close();
    }

    private static String cli(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("redis-cli"));
        cmd.addAll(List.of(args));
        return ClusterProcessTest.redisCli(cmd);
    }

    private static String value(int port, String... args) {
        try (RespClient c = new RespClient(port)) {
            return String.valueOf(c.value(args));
        }
    }

    /** --cluster check passes (a moment after a change, while gossip spreads it), with n keys in the masters. */
    private static void awaitCheck(int port, int masters, int keys) {
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).until(() -> {
            Process p = new ProcessBuilder("redis-cli", "--cluster", "check", "127.0.0.1:" + port).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            return p.waitFor() == 0 && out.contains("[OK] All nodes agree about slots configuration.")
                    && out.contains("[OK] All 16384 slots covered.") && out.contains("[OK] " + keys + " keys in " + masters + " masters.")
                    && !out.contains("[WARNING]");
        });
    }

    private void assertEveryKey(int port, int n) {
        try (JedisCluster j = new JedisCluster(new HostAndPort("127.0.0.1", port))) {
            for (int i = 0; i < n; i++) assertThat(j.get("k:" + i)).isEqualTo("v" + i);
        }
    }

    @Test
    void addNodeRebalanceDelNodeReshardAndFixKeepEveryKey() throws Exception {
        nodes.addAll(ClusterProcessTest.startNodes(dir, "node", 5));
        int p1 = nodes.get(0).port, p2 = nodes.get(1).port, p3 = nodes.get(2).port, p4 = nodes.get(3).port, p5 = nodes.get(4).port;
        cli("--cluster", "create", "127.0.0.1:" + p1, "127.0.0.1:" + p2, "127.0.0.1:" + p3, "--cluster-yes");
        ClusterProcessTest.awaitClusterStateOk(List.of(p1, p2, p3));
        int n = 300;
        try (JedisCluster j = new JedisCluster(new HostAndPort("127.0.0.1", p1))) {
            for (int i = 0; i < n; i++) j.set("k:" + i, "v" + i);
        }

        cli("--cluster", "add-node", "127.0.0.1:" + p4, "127.0.0.1:" + p1);
        awaitCheck(p1, 4, n);
        String id4 = value(p4, "CLUSTER", "MYID");
        cli("--cluster", "add-node", "127.0.0.1:" + p5, "127.0.0.1:" + p1, "--cluster-slave", "--cluster-master-id", id4);
        await().atMost(Duration.ofSeconds(60)).until(() -> value(p5, "ROLE").startsWith("[slave"));
        // A node that just joined says CLUSTERDOWN until it has seen every slot's owner (as redis-server).
        ClusterProcessTest.awaitClusterStateOk(List.of(p1, p2, p3, p4, p5));
        cli("--cluster", "rebalance", "127.0.0.1:" + p1, "--cluster-use-empty-masters");
        awaitCheck(p1, 4, n);
        assertThat(value(p4, "DBSIZE")).isNotEqualTo("0");
        assertEveryKey(p1, n);

        cli("--cluster", "del-node", "127.0.0.1:" + p1, value(p5, "CLUSTER", "MYID"));
        awaitCheck(p1, 4, n);
        String id1 = value(p1, "CLUSTER", "MYID");
        cli("--cluster", "reshard", "127.0.0.1:" + p1, "--cluster-from", id4, "--cluster-to", id1, "--cluster-slots", "16384",
                "--cluster-yes");
        // Emptied of its slots, the master becomes a replica of the node that took the last one
        // (cluster-allow-replica-migration), as redis-server does.
        awaitCheck(p1, 3, n);
        cli("--cluster", "del-node", "127.0.0.1:" + p1, id4);
        awaitCheck(p1, 3, n);
        assertEveryKey(p2, n);

        // A slot left half-migrated: MIGRATING on its owner, IMPORTING on p1, one of its keys moved.
        int slot = Integer.parseInt(value(p1, "CLUSTER", "KEYSLOT", "k:1"));
        int owner = -1;
        for (int p : List.of(p1, p2, p3)) if (value(p, "CLUSTER", "COUNTKEYSINSLOT", String.valueOf(slot)).equals("1")) owner = p;
        int target = owner == p1 ? p2 : p1;
        assertThat(value(target, "CLUSTER", "SETSLOT", String.valueOf(slot), "IMPORTING", value(owner, "CLUSTER", "MYID"))).isEqualTo("OK");
        assertThat(value(owner, "CLUSTER", "SETSLOT", String.valueOf(slot), "MIGRATING", value(target, "CLUSTER", "MYID")))
                .isEqualTo("OK");
        assertThat(value(owner, "MIGRATE", "127.0.0.1", String.valueOf(target), "", "0", "5000", "KEYS", "k:1")).isEqualTo("OK");
        assertThat(value(owner, "GET", "k:1")).startsWith("(error) ASK " + slot + " ");
        cli("--cluster", "fix", "127.0.0.1:" + p1);
        awaitCheck(p1, 3, n);
        assertEveryKey(p3, n);
    }
}
