package io.magpie.cluster.node;

import io.magpie.cluster.state.ClusterState;
import io.magpie.server.MagpieServer;
import io.magpie.server.metrics.Families;
import io.magpie.server.metrics.InfoFields;
import io.magpie.server.metrics.OwnerThread;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.util.Map;

/**
 * A cluster node's families on the metrics endpoint, under redis_exporter's names (what it
 * reads from CLUSTER INFO): the state as 1 for ok and 0 otherwise, slot counts, known nodes,
 * size, epochs, and the bus's message counters. Read from the state machine on the keyspace
 * thread at scrape time, so the bus pays nothing per message.
 */
final class ClusterMetrics implements MultiCollector {
    private static final String[] GAUGES = {"cluster_slots_assigned", "cluster_slots_ok", "cluster_slots_pfail",
        "cluster_slots_fail", "cluster_known_nodes", "cluster_size", "cluster_current_epoch", "cluster_my_epoch"};

    private final MagpieServer server;
    private final ClusterState state;

    ClusterMetrics(MagpieServer server, ClusterState state) {
        this.server = server;
        this.state = state;
    }

    @Override
    public MetricSnapshots collect() {
        Map<String, String> info = InfoFields.parse(OwnerThread.read(server.mainLoop(), state::clusterInfo));
        Families out = new Families();
        out.gauge("redis_cluster_state", "cluster_state metric", "ok".equals(info.get("cluster_state")) ? 1 : 0);
        for (String field : GAUGES) out.gauge("redis_" + field, field + " metric", InfoFields.number(info, field));
        out.counter("redis_cluster_messages_sent_total", "cluster_stats_messages_sent metric",
                InfoFields.number(info, "cluster_stats_messages_sent"));
        out.counter("redis_cluster_messages_received_total", "cluster_stats_messages_received metric",
                InfoFields.number(info, "cluster_stats_messages_received"));
        return new MetricSnapshots(out.build());
    }
}
