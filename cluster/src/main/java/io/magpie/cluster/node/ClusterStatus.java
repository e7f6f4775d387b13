package io.magpie.cluster.node;

import io.magpie.cluster.state.ClusterState;
import io.magpie.server.metrics.InfoFields;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The cluster's part of the status page ("cluster" in status.json): the state and epochs of
 * CLUSTER INFO, every node as CLUSTER NODES lists it, and the slot map as ranges with their
 * owner, which the page draws as a bar of the 16384 slots. Read from CLUSTER NODES's text, the
 * format every Redis Cluster operator knows, so the page shows what the command shows.
 */
final class ClusterStatus {
    private final ClusterState state;

    ClusterStatus(ClusterState state) {
        this.state = state;
    }

    /** Runs on the keyspace thread. */
    Map<String, Object> section() {
        Map<String, String> info = InfoFields.parse(state.clusterInfo());
        Map<String, Object> out = new LinkedHashMap<>();
        for (String field : List.of("cluster_state", "cluster_slots_assigned", "cluster_known_nodes", "cluster_size",
                "cluster_current_epoch", "cluster_my_epoch")) {
            out.put(field, info.getOrDefault(field, ""));
        }
        List<Map<String, Object>> nodes = new ArrayList<>();
        List<Map<String, Object>> ranges = new ArrayList<>();
        for (String line : state.clusterNodes().split("\n")) {
            String[] f = line.trim().split(" ");
            if (f.length < 8) continue;
            Map<String, Object> node = new LinkedHashMap<>();
            node.put("id", f[0]);
            node.put("addr", f[1]);
            node.put("flags", f[2]);
            node.put("master", f[3]);
            node.put("config_epoch", f[6]);
            node.put("link", f[7]);
            List<String> slots = new ArrayList<>();
            for (int i = 8; i < f.length; i++) {
                if (f[i].startsWith("[")) continue; // an importing or migrating slot, not owned
                slots.add(f[i]);
                int dash = f[i].indexOf('-');
                int from = Integer.parseInt(dash < 0 ? f[i] : f[i].substring(0, dash));
                int to = dash < 0 ? from : Integer.parseInt(f[i].substring(dash + 1));
                ranges.add(Map.of("from", from, "to", to, "node", f[0], "addr", f[1]));
            }
            node.put("slots", String.join(" ", slots));
            nodes.add(node);
        }
        ranges.sort((a, b) -> Integer.compare((Integer) a.get("from"), (Integer) b.get("from")));
        out.put("nodes", nodes);
        out.put("slot_ranges", ranges);
        return out;
    }
}
