package io.magpie.cluster.state;

import io.magpie.cluster.bus.MsgType;
import io.magpie.cluster.bus.NodeFlags;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The text and reply data of CLUSTER NODES, INFO, SLOTS and SHARDS, read from the node table.
 *
 * <p>SLOTS and SHARDS are given as a reply tree for the node layer to serialize as it is: a
 * {@code Long} is an integer reply, a {@code String} a bulk string, {@code null} a null, a
 * {@code List} an array and a {@code Map} (String keys, in order) a map (in RESP2, an array of
 * key, value, ...).
 */
public final class ClusterReplies {
    private ClusterReplies() {}

    /** clusterGenNodesDescription: the nodes without any of the {@code filter} flags. */
    static String nodesDescription(ClusterState state, int filter, boolean usePport) {
        Map<ClusterNode, List<int[]>> ranges = slotRanges(state, filter);
        StringBuilder sb = new StringBuilder();
        for (ClusterNode node : state.nodes.values()) {
            if ((node.flags & filter) != 0) continue;
            sb.append(nodeDescription(state, node, usePport, ranges.get(node))).append('\n');
        }
        return sb.toString();
    }

    /**
     * The slot ranges each node serves, from the slot table (clusterGenNodesSlotsInfo), for the
     * nodes without the {@code filter} flags.
     */
    static Map<ClusterNode, List<int[]>> slotRanges(ClusterState state, int filter) {
        Map<ClusterNode, List<int[]>> out = new LinkedHashMap<>();
        ClusterNode n = null;
        int start = -1;
        for (int i = 0; i <= ClusterState.SLOTS; i++) {
            ClusterNode owner = i == ClusterState.SLOTS ? null : state.slots[i];
            if (n != null && (i == ClusterState.SLOTS || owner != n)) {
                if ((n.flags & filter) == 0) out.computeIfAbsent(n, k -> new ArrayList<>()).add(new int[] {start, i - 1});
            }
            if (i == ClusterState.SLOTS) break;
            if (owner != n) {
                n = owner;
                start = i;
            }
        }
        return out;
    }

    /** clusterGenNodeDescription: one CLUSTER NODES line without its newline. */
    static String nodeDescription(ClusterState state, ClusterNode node, boolean usePport, List<int[]> ranges) {
        int port = usePport && node.pport != 0 ? node.pport : node.port;
        StringBuilder sb = new StringBuilder(128);
        sb.append(node.name).append(' ').append(node.ip).append(':').append(port).append('@').append(node.cport);
        if (!node.hostname.isEmpty()) sb.append(',').append(node.hostname);
        sb.append(' ').append(NodeFlags.represent(node.flags)).append(' ');
        sb.append(node.slaveof != null ? node.slaveof.name : "-");
        long nodeEpoch = node.isSlave() && node.slaveof != null ? node.slaveof.configEpoch : node.configEpoch;
        sb.append(' ').append(node.pingSent).append(' ').append(node.pongReceived).append(' ')
            .append(Long.toUnsignedString(nodeEpoch)).append(' ')
            .append(node.link != 0 || node.isMyself() ? "connected" : "disconnected");
        if (ranges == null) ranges = slotRanges(state, 0).get(node);
        if (ranges != null) {
            for (int[] r : ranges) appendRange(sb, r[0], r[1]);
        } else if (node.numslots > 0) {
            // Slots in the node's bitmap but not bound to it in the table (a transient state).
            int start = -1;
            for (int j = 0; j <= ClusterState.SLOTS; j++) {
                boolean bit = j < ClusterState.SLOTS && node.ownsSlot(j);
                if (bit && start == -1) start = j;
                if (!bit && start != -1) {
                    appendRange(sb, start, j - 1);
                    start = -1;
                }
            }
        }
        if (node.isMyself()) {
            for (int j = 0; j < ClusterState.SLOTS; j++) {
                if (state.migratingSlotsTo[j] != null) {
                    sb.append(" [").append(j).append("->-").append(state.migratingSlotsTo[j].name).append(']');
                } else if (state.importingSlotsFrom[j] != null) {
                    sb.append(" [").append(j).append("-<-").append(state.importingSlotsFrom[j].name).append(']');
                }
            }
        }
        return sb.toString();
    }

    private static void appendRange(StringBuilder sb, int start, int end) {
        sb.append(' ').append(start);
        if (end != start) sb.append('-').append(end);
    }

    /** CLUSTER INFO. */
    static String info(ClusterState state) {
        int assigned = 0;
        int ok = 0;
        int pfail = 0;
        int fail = 0;
        for (int j = 0; j < ClusterState.SLOTS; j++) {
            ClusterNode n = state.slots[j];
            if (n == null) continue;
            assigned++;
            if (n.failed()) fail++;
            else if (n.timedOut()) pfail++;
            else ok++;
        }
        ClusterNode me = state.myself;
        long myEpoch = me.isSlave() && me.slaveof != null ? me.slaveof.configEpoch : me.configEpoch;
        StringBuilder sb = new StringBuilder();
        sb.append("cluster_state:").append(state.stateOk ? "ok" : "fail").append("\r\n");
        sb.append("cluster_slots_assigned:").append(assigned).append("\r\n");
        sb.append("cluster_slots_ok:").append(ok).append("\r\n");
        sb.append("cluster_slots_pfail:").append(pfail).append("\r\n");
        sb.append("cluster_slots_fail:").append(fail).append("\r\n");
        sb.append("cluster_known_nodes:").append(state.nodes.size()).append("\r\n");
        sb.append("cluster_size:").append(state.size).append("\r\n");
        sb.append("cluster_current_epoch:").append(Long.toUnsignedString(state.currentEpoch)).append("\r\n");
        sb.append("cluster_my_epoch:").append(Long.toUnsignedString(myEpoch)).append("\r\n");
        long totSent = 0;
        for (int i = 0; i < MsgType.COUNT; i++) {
            long v = state.messagesSent(i);
            if (v == 0) continue;
            totSent += v;
            sb.append("cluster_stats_messages_").append(MsgType.name(i)).append("_sent:").append(v).append("\r\n");
        }
        sb.append("cluster_stats_messages_sent:").append(totSent).append("\r\n");
        long totReceived = 0;
        for (int i = 0; i < MsgType.COUNT; i++) {
            long v = state.messagesReceived(i);
            if (v == 0) continue;
            totReceived += v;
            sb.append("cluster_stats_messages_").append(MsgType.name(i)).append("_received:").append(v).append("\r\n");
        }
        sb.append("cluster_stats_messages_received:").append(totReceived).append("\r\n");
        sb.append("total_cluster_links_buffer_limit_exceeded:").append(state.linksBufferLimitExceeded())
            .append("\r\n");
        return sb.toString();
    }

    // ------------------------------------------------------------------ SLOTS

    private static boolean isReplicaAvailable(ClusterState state, ClusterNode node) {
        if (node.failed()) return false;
        long offset = node.isMyself() ? state.replicationOffset() : node.replOffset;
        return offset != 0;
    }

    /** addNodeToNodeReply: endpoint, port, id, and a map of the other endpoints. */
    private static List<Object> nodeToNodeReply(ClusterState state, ClusterNode node, boolean usePport) {
        ClusterConfig.EndpointType type = state.config().preferredEndpointType;
        List<Object> out = new ArrayList<>(4);
        switch (type) {
            case IP -> out.add(node.ip);
            case HOSTNAME -> out.add(node.hostname.isEmpty() ? "?" : node.hostname);
            case UNKNOWN_ENDPOINT -> out.add(null);
        }
        out.add((long) (usePport && node.pport != 0 ? node.pport : node.port));
        out.add(node.name);
        Map<String, Object> extra = new LinkedHashMap<>();
        if (type != ClusterConfig.EndpointType.IP) extra.put("ip", node.ip);
        if (type != ClusterConfig.EndpointType.HOSTNAME && !node.hostname.isEmpty()) extra.put("hostname", node.hostname);
        out.add(extra);
        return out;
    }

    /** CLUSTER SLOTS: [start, end, master, replicas...] per run of slots with one owner. */
    static List<Object> slots(ClusterState state, boolean usePport) {
        List<Object> out = new ArrayList<>();
        ClusterNode n = null;
        int start = -1;
        for (int i = 0; i <= ClusterState.SLOTS; i++) {
            ClusterNode owner = i == ClusterState.SLOTS ? null : state.slots[i];
            if (n != null && (i == ClusterState.SLOTS || owner != n)) {
                List<Object> entry = new ArrayList<>();
                entry.add((long) start);
                entry.add((long) (i - 1));
                entry.add(nodeToNodeReply(state, n, usePport));
                for (ClusterNode s : n.slaves) {
                    if (isReplicaAvailable(state, s)) entry.add(nodeToNodeReply(state, s, usePport));
                }
                out.add(entry);
            }
            if (i == ClusterState.SLOTS) break;
            if (owner != n) {
                n = owner;
                start = i;
            }
        }
        return out;
    }

    // ------------------------------------------------------------------ SHARDS

    /** CLUSTER SHARDS: per master, its slot ranges as a flat list and its nodes' details. */
    static List<Object> shards(ClusterState state) {
        Map<ClusterNode, List<int[]>> ranges = slotRanges(state, 0);
        List<Object> out = new ArrayList<>();
        for (ClusterNode n : state.nodes.values()) {
            if (!n.isMaster()) continue;
            Map<String, Object> shard = new LinkedHashMap<>();
            List<Object> slotList = new ArrayList<>();
            List<int[]> r = ranges.get(n);
            if (r != null) {
                for (int[] range : r) {
                    slotList.add((long) range[0]);
                    slotList.add((long) range[1]);
                }
            }
            shard.put("slots", slotList);
            List<Object> nodeList = new ArrayList<>();
            nodeList.add(shardNode(state, n));
            for (ClusterNode s : n.slaves) nodeList.add(shardNode(state, s));
            shard.put("nodes", nodeList);
            out.add(shard);
        }
        return out;
    }

    private static Map<String, Object> shardNode(ClusterState state, ClusterNode node) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", node.name);
        boolean tls = state.config().tlsCluster;
        int plaintextPort = tls ? node.pport : node.port;
        int tlsPort = tls ? node.port : 0;
        if (plaintextPort != 0) m.put("port", (long) plaintextPort);
        if (tlsPort != 0) m.put("tls-port", (long) tlsPort);
        m.put("ip", node.ip);
        m.put("endpoint", state.preferredEndpoint(node));
        if (!node.hostname.isEmpty()) m.put("hostname", node.hostname);
        long offset = node.isMyself() ? state.replicationOffset() : node.replOffset;
        m.put("role", node.isSlave() ? "replica" : "master");
        m.put("replication-offset", offset);
        String health;
        if (node.failed()) health = "fail";
        else if (node.isSlave() && offset == 0) health = "loading";
        else health = "online";
        m.put("health", health);
        return m;
    }
}
