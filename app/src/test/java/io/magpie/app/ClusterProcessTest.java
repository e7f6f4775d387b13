package io.magpie.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.sync.RedisAdvancedClusterCommands;
import io.magpie.protocol.RespClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisCluster;

/**
 * A Redis Cluster of six Magpie processes (three masters, three replicas) made by
 * {@code redis-cli --cluster create --cluster-replicas 1}, as a user makes one: it passes
 * {@code redis-cli --cluster check}, and JedisCluster and Lettuce's RedisClusterClient write and
 * read keys across all its slots, following MOVED. Six JVMs on a loaded machine take a while:
 * a soak test; {@link MixedClusterTest} and {@link ClusterRedirectionTest} run by default.
 */
@Tag("soak")
class ClusterProcessTest {
    @TempDir
    static Path dir;
    static final List<MagpieProcess> nodes = new ArrayList<>();

    @BeforeAll
    static void createCluster() throws Exception {
        nodes.addAll(startNodes(dir, "node", 6));
        List<String> cmd = new ArrayList<>(List.of("redis-cli", "--cluster", "create"));
        for (MagpieProcess n : nodes) cmd.add("127.0.0.1:" + n.port);
        cmd.addAll(List.of("--cluster-replicas", "1", "--cluster-yes"));
        String out = redisCli(cmd);
        assertThat(out).contains("[OK] All nodes agree about slots configuration.").contains("[OK] All 16384 slots covered.");
        List<Integer> ports = new ArrayList<>();
        for (MagpieProcess n : nodes) ports.add(n.port);
        awaitClusterStateOk(ports);
    }

    /**
     * Waits until every node says cluster_state:ok: a master that just got its slots waits a
     * moment before it serves them (Redis's rejoin delay), as redis-server does.
     */
    static void awaitClusterStateOk(List<Integer> ports) {
        for (int port : ports) {
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> {
                try (RespClient c = new RespClient(port)) {
                    return String.valueOf(c.value("CLUSTER", "INFO")).contains("cluster_state:ok");
                }
            });
        }
    }

    /**
     * Cluster nodes, each in a directory of its own (its nodes.conf) with its bus on a free
     * port, started together (a JVM takes a while to start on a loaded machine).
     */
    static List<MagpieProcess> startNodes(Path parent, String prefix, int count) throws IOException {
        List<MagpieProcess> started = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Path d = Files.createDirectories(parent.resolve(prefix + i));
            started.add(MagpieProcess.launch(d.resolve("log.txt"), java.util.Map.of(), RealRedis.freePort(), "--cluster-enabled", "yes",
                    "--cluster-port", String.valueOf(RealRedis.freePort()), "--cluster-node-timeout", "5000", "--save", "",
                    "--appendonly", "no", "--repl-diskless-sync-delay", "0"));
        }
        awaitAnswering(started);
        return started;
    }

    /** Waits until every node answers PING (a JVM takes a while to start on a loaded machine). */
    static void awaitAnswering(List<MagpieProcess> started) {
        for (MagpieProcess m : started) {
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(100)).until(() -> {
                if (!m.process.isAlive()) throw new AssertionError("node exited: " + m.logText());
                try (RespClient c = m.client()) {
                    return "PONG".equals(String.valueOf(c.value("PING")));
                } catch (RuntimeException e) {
                    return false; // not listening yet
                }
            });
        }
    }

    /** Runs redis-cli with a generous bound; fails with its output when it does not exit 0. */
    static String redisCli(List<String> cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("redis-cli did not finish: " + String.join(" ", cmd));
        }
        String text = new String(out, StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as("%s\n%s", String.join(" ", cmd), text).isZero();
        return text;
    }

    @AfterAll
    static void stopNodes() throws InterruptedException {
        for (MagpieProcess n : nodes) n.close();
        nodes.clear();
    }

    @Test
    void redisCliClusterCheckFindsEveryNodeAgreeingAndEverySlotCovered() throws Exception {
        String out = redisCli(List.of("redis-cli", "--cluster", "check", "127.0.0.1:" + nodes.get(3).port));
        assertThat(out).contains("[OK] All nodes agree about slots configuration.").contains("[OK] All 16384 slots covered.")
                .contains("3 masters");
        try (RespClient c = nodes.get(0).client()) {
            assertThat(c.value("CLUSTER", "INFO").toString()).contains("cluster_state:ok").contains("cluster_known_nodes:6")
                    .contains("cluster_size:3");
            assertThat(c.value("INFO", "cluster").toString()).contains("cluster_enabled:1");
        }
    }

    @Test
    void jedisClusterAndLettuceClusterClientWriteAndReadKeysOfEverySlotRange() {
        Set<HostAndPort> seeds = new HashSet<>();
        seeds.add(new HostAndPort("127.0.0.1", nodes.get(0).port));
        int n = 1000;
        try (JedisCluster jedis = new JedisCluster(seeds)) {
            for (int i = 0; i < n; i++) jedis.set("jedis:" + i, "v" + i);
            for (int i = 0; i < n; i++) assertThat(jedis.get("jedis:" + i)).isEqualTo("v" + i);
            // One slot, several keys: a hash tag keeps a multi-key command on one node.
            jedis.mset("{user1}:a", "1", "{user1}:b", "2");
            assertThat(jedis.mget("{user1}:a", "{user1}:b")).containsExactly("1", "2");
        }
        RedisClusterClient client = RedisClusterClient.create(RedisURI.create("127.0.0.1", nodes.get(1).port));
        try (StatefulRedisClusterConnection<String, String> conn = client.connect()) {
            RedisAdvancedClusterCommands<String, String> sync = conn.sync();
            for (int i = 0; i < n; i++) assertThat(sync.get("jedis:" + i)).isEqualTo("v" + i);
            for (int i = 0; i < n; i++) sync.set("lettuce:" + i, "w" + i);
            for (int i = 0; i < n; i++) assertThat(sync.get("lettuce:" + i)).isEqualTo("w" + i);
            // Every master holds a share of them, and each key is on one master only.
            long total = 0;
            for (MagpieProcess node : nodes) {
                try (RespClient c = node.client()) {
                    if (c.value("ROLE").toString().startsWith("[master")) {
                        int here = ((List<?>) c.value("KEYS", "*:[0-9]*")).size();
                        assertThat(here).isPositive();
                        total += here;
                    }
                }
            }
            assertThat(total).isEqualTo(2L * n);
        } finally {
            client.shutdown();
        }
    }

    @Test
    void aNodeRedirectsKeysOfAnotherMastersSlotsWithMovedAndRefusesCrossSlotRequests() {
        try (RespClient c = nodes.get(0).client()) {
            // foo hashes to slot 12182, which --cluster create gives to the third master.
            String reply = c.value("GET", "foo").toString();
            assertThat(reply).isEqualTo("(error) MOVED 12182 127.0.0.1:" + nodes.get(2).port);
            assertThat(c.value("MSET", "a", "1", "b", "2").toString())
                    .isEqualTo("(error) CROSSSLOT Keys in request don't hash to the same slot");
            assertThat(c.value("SELECT", "1").toString()).isEqualTo("(error) ERR SELECT is not allowed in cluster mode");
            assertThat(c.value("CLUSTER", "KEYSLOT", "foo")).isEqualTo(12182L);
        }
    }

    @Test
    void aReplicaServesReadsOfItsMastersSlotsToAReadonlyClient() {
        try (RespClient master = nodes.get(2).client()) {
            assertThat(master.value("SET", "foo", "bar").toString()).isEqualTo("OK");
        }
        // The replica of the third master (--cluster create pairs them itself): find it by CLUSTER NODES.
        String masterId;
        try (RespClient master = nodes.get(2).client()) {
            masterId = master.value("CLUSTER", "MYID").toString();
        }
        MagpieProcess replica = null;
        for (MagpieProcess node : nodes) {
            try (RespClient c = node.client()) {
                String nodesText = c.value("CLUSTER", "NODES").toString();
                for (String line : nodesText.split("\n")) {
                    if (line.contains("myself") && line.contains("slave " + masterId)) replica = node;
                }
            }
        }
        assertThat(replica).as("a replica of %s", masterId).isNotNull();
        try (RespClient r = replica.client()) {
            assertThat(r.value("GET", "foo").toString()).startsWith("(error) MOVED 12182 ");
            assertThat(r.value("READONLY").toString()).isEqualTo("OK");
            await().atMost(Duration.ofSeconds(60)).until(() -> "bar".equals(String.valueOf(r.value("GET", "foo"))));
            assertThat(r.value("SET", "foo", "x").toString()).startsWith("(error) MOVED 12182 ");
            assertThat(r.value("READWRITE").toString()).isEqualTo("OK");
            assertThat(r.value("GET", "foo").toString()).startsWith("(error) MOVED 12182 ");
        }
    }
}
