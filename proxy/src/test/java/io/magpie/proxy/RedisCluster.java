package io.magpie.proxy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.awaitility.Awaitility;
import redis.clients.jedis.Jedis;

/** A real redis-server cluster of three masters, made by redis-cli --cluster create. */
final class RedisCluster implements AutoCloseable {
    final RedisNodes nodes;

    RedisCluster() throws Exception {
        this(0);
    }

    /** Three masters, each with this many replicas. */
    RedisCluster(int replicasPerMaster) throws Exception {
        nodes = new RedisNodes(3 * (1 + replicasPerMaster), "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
                "--cluster-node-timeout", "3000");
        try {
            create(replicasPerMaster);
        } catch (Exception e) {
            nodes.close();
            throw e;
        }
    }

    private void create(int replicasPerMaster) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("redis-cli", "--cluster", "create"));
        for (int p : nodes.ports) cmd.add("127.0.0.1:" + p);
        if (replicasPerMaster > 0) cmd.addAll(List.of("--cluster-replicas", String.valueOf(replicasPerMaster)));
        cmd.add("--cluster-yes");
        run(cmd);
        Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() -> {
            for (int i = 0; i < nodes.ports.size(); i++) try (Jedis j = nodes.jedis(i)) {
                if (!j.clusterInfo().contains("cluster_state:ok")) return false;
            }
            return true;
        });
        // Replicas show in CLUSTER SLOTS once gossip has spread their role.
        Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() -> {
            for (int i = 0; i < nodes.ports.size(); i++) try (Jedis j = nodes.jedis(i)) {
                for (Object range : j.clusterSlots()) {
                    if (((List<?>) range).size() < 3 + replicasPerMaster) return false;
                }
            }
            return true;
        });
    }

    static String run(List<String> cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) throw new IllegalStateException(String.join(" ", cmd) + " failed:\n" + out);
        return out;
    }

    private static RedisCluster shared;

    /**
     * One cluster (three masters, a replica each) for every test class of the run: creating one
     * takes seconds. Tests that need counters reset them; it is stopped when the JVM exits.
     */
    static synchronized RedisCluster shared() throws Exception {
        if (shared == null) {
            shared = new RedisCluster(1);
            RedisCluster c = shared;
            Runtime.getRuntime().addShutdownHook(new Thread(c::close));
        }
        return shared;
    }

    /** Index in nodes of the masters, in port order of creation (redis-cli makes the first three masters). */
    static final int MASTERS = 3;

    String seeds() {
        return "127.0.0.1:" + nodes.ports.get(0) + ",127.0.0.1:" + nodes.ports.get(1);
    }

    String nodeId(int i) {
        try (Jedis j = nodes.jedis(i)) {
            return j.clusterMyId();
        }
    }

    @Override
    public void close() {
        nodes.close();
    }
}
