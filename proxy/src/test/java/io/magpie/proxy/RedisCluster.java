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
        nodes = new RedisNodes(3, "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "3000");
        List<String> cmd = new ArrayList<>(List.of("redis-cli", "--cluster", "create"));
        for (int p : nodes.ports) cmd.add("127.0.0.1:" + p);
        cmd.add("--cluster-yes");
        run(cmd);
        Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() -> {
            for (int i = 0; i < 3; i++) try (Jedis j = nodes.jedis(i)) {
                if (!j.clusterInfo().contains("cluster_state:ok")) return false;
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
