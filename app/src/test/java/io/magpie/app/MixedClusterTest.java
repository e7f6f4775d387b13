package io.magpie.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.magpie.protocol.RespClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisCluster;

/**
 * One cluster of three Magpie and three redis-server 7.0 nodes, made by redis-cli --cluster
 * create: the two speak one cluster bus, so redis-cli reshards slots (MIGRATE with
 * RESTORE-ASKING, SETSLOT) from a Magpie master to a redis-server master and back without
 * losing a key, JedisCluster and Lettuce's cluster client read and write through it, and
 * (soak) a replica of either kind takes over when its master of the other kind dies.
 */
class MixedClusterTest {
    @TempDir
    Path dir;
    final List<MagpieProcess> magpies = new ArrayList<>();
    final List<RealRedis> redises = new ArrayList<>();
    /** The six nodes' ports in --cluster create's order: Magpie, redis-server, Magpie, ... */
    final List<Integer> ports = new ArrayList<>();

    @BeforeEach
    void createMixedCluster() throws Exception {
        magpies.addAll(ClusterProcessTest.startNodes(dir, "magpie", 3));
        for (int i = 0; i < 3; i++) {
            MagpieProcess m = magpies.get(i);
            RealRedis r = new RealRedis("--cluster-enabled", "yes", "--cluster-port", String.valueOf(RealRedis.freePort()),
                    "--cluster-node-timeout", "5000", "--repl-diskless-sync-delay", "0");
            redises.add(r);
            ports.add(m.port);
            ports.add(r.port());
        }
        List<String> cmd = new ArrayList<>(List.of("redis-cli", "--cluster", "create"));
        for (int p : ports) cmd.add("127.0.0.1:" + p);
        cmd.addAll(List.of("--cluster-replicas", "1", "--cluster-yes"));
        assertThat(ClusterProcessTest.redisCli(cmd)).contains("[OK] All 16384 slots covered.");
        ClusterProcessTest.awaitClusterStateOk(ports);
    }

    @AfterEach
    void stopNodes() throws InterruptedException {
        for (MagpieProcess m : magpies) m.close();
        for (RealRedis r : redises) r.close();
    }

    private static String value(int port, String... args) {
        try (RespClient c = new RespClient(port)) {
            return String.valueOf(c.value(args));
        }
    }

    private void awaitClusterCheckOk(int port) {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).until(() -> {
            Process p = new ProcessBuilder("redis-cli", "--cluster", "check", "127.0.0.1:" + port).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            return p.waitFor() == 0 && out.contains("[OK] All nodes agree about slots configuration.")
                    && !out.contains("[WARNING]");
        });
    }

    private static JedisCluster jedis(int port) {
        return new JedisCluster(new HostAndPort("127.0.0.1", port));
    }

    @Test
    void reshardingMovesSlotsFromMagpieToRedisServerAndBackWithEveryKey() throws Exception {
        int magpieMaster = ports.get(0), redisMaster = ports.get(1);
        assertThat(value(magpieMaster, "ROLE")).startsWith("[master");
        assertThat(value(redisMaster, "ROLE")).startsWith("[master");
        int n = 500;
        try (JedisCluster j = jedis(magpieMaster)) {
            for (int i = 0; i < n; i++) j.set("key:" + i, "v" + i);
        }
        String magpieId = value(magpieMaster, "CLUSTER", "MYID");
        String redisId = value(redisMaster, "CLUSTER", "MYID");
        ClusterProcessTest.redisCli(List.of("redis-cli", "--cluster", "reshard", "127.0.0.1:" + magpieMaster, "--cluster-from",
                magpieId, "--cluster-to", redisId, "--cluster-slots", "500", "--cluster-yes"));
        awaitClusterCheckOk(redisMaster);
        assertThat(value(magpieMaster, "CLUSTER", "COUNTKEYSINSLOT", "0")).isEqualTo("0");
        ClusterProcessTest.redisCli(List.of("redis-cli", "--cluster", "reshard", "127.0.0.1:" + redisMaster, "--cluster-from",
                redisId, "--cluster-to", magpieId, "--cluster-slots", "700", "--cluster-yes"));
        awaitClusterCheckOk(magpieMaster);
        String check = ClusterProcessTest.redisCli(List.of("redis-cli", "--cluster", "check", "127.0.0.1:" + magpieMaster));
        assertThat(check).contains("[OK] " + n + " keys in 3 masters.").contains("[OK] All 16384 slots covered.");
        try (JedisCluster j = jedis(redisMaster)) {
            for (int i = 0; i < n; i++) assertThat(j.get("key:" + i)).isEqualTo("v" + i);
        }
        // A Magpie replica (of whichever master --cluster create gave it) serves its master's keys to a READONLY client.
        int magpieReplicas = 0;
        for (MagpieProcess m : magpies) {
            if (!value(m.port, "ROLE").startsWith("[slave")) continue;
            magpieReplicas++;
            String masterId = null;
            for (String line : value(m.port, "CLUSTER", "NODES").split("\n")) {
                if (line.contains("myself")) masterId = line.split(" ")[3];
            }
            String key = null;
            for (int i = 0; i < n && key == null; i++) {
                int slot = Integer.parseInt(value(m.port, "CLUSTER", "KEYSLOT", "key:" + i));
                if (ownerOf(m.port, slot).equals(masterId)) key = "key:" + i;
            }
            assertThat(key).as("a key of the master of replica %d", m.port).isNotNull();
            String k = key;
            try (RespClient r = new RespClient(m.port)) {
                assertThat(r.value("GET", k).toString()).startsWith("(error) MOVED ");
                assertThat(r.value("READONLY").toString()).isEqualTo("OK");
                await().atMost(Duration.ofSeconds(60)).until(() -> String.valueOf(r.value("GET", k)).equals("v" + k.substring(4)));
                assertThat(r.value("SET", k, "x").toString()).startsWith("(error) MOVED ");
            }
        }
        // Nodes given in the order Magpie, redis, Magpie...: the first three are masters, one Magpie node a replica.
        assertThat(magpieReplicas).isPositive();
        // Lettuce's cluster client reads them too, and writes through a MOVED-following topology.
        io.lettuce.core.cluster.RedisClusterClient client =
                io.lettuce.core.cluster.RedisClusterClient.create(io.lettuce.core.RedisURI.create("127.0.0.1", magpieMaster));
        try (var conn = client.connect()) {
            var sync = conn.sync();
            for (int i = 0; i < n; i++) assertThat(sync.get("key:" + i)).isEqualTo("v" + i);
            for (int i = 0; i < n; i++) sync.set("lettuce:" + i, "w" + i);
            for (int i = 0; i < n; i++) assertThat(sync.get("lettuce:" + i)).isEqualTo("w" + i);
        } finally {
            client.shutdown();
        }
    }

    /** The id of the master serving a slot, as the node at port sees it (CLUSTER SLOTS). */
    private static String ownerOf(int port, int slot) {
        try (RespClient c = new RespClient(port)) {
            for (Object range : (List<?>) c.value("CLUSTER", "SLOTS")) {
                List<?> r = (List<?>) range;
                if ((Long) r.get(0) <= slot && slot <= (Long) r.get(1)) return String.valueOf(((List<?>) r.get(2)).get(2));
            }
        }
        return "";
    }

    /** The node (Magpie or redis-server) whose CLUSTER NODES line says it replicates masterPort's node. */
    private int replicaOf(int masterPort) {
        String masterId = value(masterPort, "CLUSTER", "MYID");
        for (int p : ports) {
            String nodes;
            try {
                nodes = value(p, "CLUSTER", "NODES");
            } catch (RuntimeException e) {
                continue; // a node killed earlier
            }
            for (String line : nodes.split("\n")) {
                if (line.contains("myself") && line.contains("slave " + masterId)) return p;
            }
        }
        throw new AssertionError("no replica of " + masterPort);
    }

    private void awaitPromoted(int replica, int alive) {
        Supplier<String> role = () -> value(replica, "ROLE");
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200)).until(() -> role.get().startsWith("[master"));
        await().atMost(Duration.ofSeconds(60)).until(() -> value(alive, "CLUSTER", "INFO").contains("cluster_state:ok"));
    }

    @Test
    @Tag("soak")
    void aReplicaOfEitherKindFailsOverWhenItsMasterOfTheOtherKindIsKilled() throws Exception {
        int n = 500;
        try (JedisCluster j = jedis(ports.get(0))) {
            for (int i = 0; i < n; i++) j.set("f:" + i, "v" + i);
        }
        // A Magpie master dies: its replica takes over (whatever its kind; --cluster create pairs them).
        int magpieMaster = -1;
        for (int p : ports) if (isMagpie(p) && value(p, "ROLE").startsWith("[master")) magpieMaster = p;
        int replica = replicaOf(magpieMaster);
        await().atMost(Duration.ofSeconds(30)).until(() -> value(replica, "INFO", "replication").contains("master_link_status:up"));
        magpie(magpieMaster).kill9();
        awaitPromoted(replica, replica);
        // A redis-server master dies: the same.
        int redisMaster = -1;
        for (int p : ports) if (!isMagpie(p) && value(p, "ROLE").startsWith("[master") && p != replica) redisMaster = p;
        int replica2 = replicaOf(redisMaster);
        await().atMost(Duration.ofSeconds(30)).until(() -> value(replica2, "INFO", "replication").contains("master_link_status:up"));
        try {
            value(redisMaster, "SHUTDOWN", "NOSAVE");
        } catch (RuntimeException expected) {
            // the server closes the connection as it exits
        }
        awaitPromoted(replica2, replica2);
        try (JedisCluster j = jedis(replica2)) {
            for (int i = 0; i < n; i++) assertThat(j.get("f:" + i)).isEqualTo("v" + i);
        }
    }

    private boolean isMagpie(int port) {
        for (MagpieProcess m : magpies) if (m.port == port) return true;
        return false;
    }

    private MagpieProcess magpie(int port) {
        for (MagpieProcess m : magpies) if (m.port == port) return m;
        throw new AssertionError(port + " is not a Magpie node");
    }
}
