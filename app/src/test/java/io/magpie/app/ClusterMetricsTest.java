package io.magpie.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.magpie.app.observability.Scrape;
import io.magpie.cluster.node.ClusterModule;
import io.magpie.cluster.node.ClusterParams;
import io.magpie.engine.config.Config;
import io.magpie.protocol.RespClient;
import io.magpie.server.ConfigLoader;
import io.magpie.server.MagpieServer;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cluster node's metrics-port serves CLUSTER INFO under redis_exporter's names
 * (redis_cluster_state as 1 for ok, slot counts, known nodes, size, epochs, bus messages),
 * and the figures follow the cluster: no slots and state fail, then every slot and state ok.
 */
class ClusterMetricsTest {
    @TempDir
    Path dir;


    @Test
    void clusterInfoIsExportedUnderRedisExporterNames() throws Exception {
        int port = RealRedis.freePort(), metricsPort = RealRedis.freePort();
        Config registry = new Config();
        MagpieServer server = new MagpieServer(registry);
        ClusterParams params = ClusterParams.register(registry);
        ConfigLoader.load(registry, ConfigLoader.configText(new String[] {"--port", String.valueOf(port), "--bind", "127.0.0.1",
            "--save", "", "--dir", dir.toString(), "--cluster-enabled", "yes", "--cluster-port", String.valueOf(RealRedis.freePort()),
            "--metrics-port", String.valueOf(metricsPort)}));
        server.modules().add(new ClusterModule(server, params));
        server.start();
        try (RespClient c = new RespClient(port)) {
            assertThat(Scrape.text(metricsPort)).contains("redis_cluster_state 0.0", "redis_cluster_slots_assigned 0.0",
                    "redis_cluster_known_nodes 1.0");
            c.call("CLUSTER", "ADDSLOTSRANGE", "0", "16383");
            long deadline = System.currentTimeMillis() + 30_000;
            while (!String.valueOf(c.value("CLUSTER", "INFO")).contains("cluster_state:ok") && System.currentTimeMillis() < deadline) {
                Thread.sleep(50);
            }
            String text = Scrape.text(metricsPort);
            assertThat(text).contains("redis_cluster_state 1.0", "redis_cluster_slots_assigned 16384.0", "redis_cluster_slots_ok 16384.0",
                    "redis_cluster_slots_fail 0.0", "redis_cluster_known_nodes 1.0", "redis_cluster_size 1.0",
                    "redis_cluster_current_epoch 0.0", "redis_cluster_messages_sent_total", "redis_cluster_messages_received_total",
                    "redis_up 1");
        } finally {
            server.shutdown();
            server.awaitTermination();
        }
    }
}
