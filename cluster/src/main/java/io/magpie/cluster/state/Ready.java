package io.magpie.cluster.state;

import io.magpie.cluster.bus.ClusterMsg;
import java.util.List;

/**
 * What the state machine asks of the node layer after an input (etcd/raft's Ready): taken with
 * {@link ClusterState#ready}, carried out in this order:
 * <ol>
 *   <li>if {@code saveConfig}, write {@link ClusterState#nodesConf} to cluster-config-file (with
 *       fsync when {@code fsyncConfig}) before anything else — before the reply to the command that
 *       caused it, and before the messages below go out;</li>
 *   <li>the {@code actions}, in order;</li>
 *   <li>the {@code messages}, each on its link, in order.</li>
 * </ol>
 */
public record Ready(List<Send> messages, List<ClusterAction> actions, boolean saveConfig, boolean fsyncConfig) {

    /** A message to write on a link (an outbound link to a node, or the inbound link a request came on). */
    public record Send(long link, ClusterMsg msg) {}

    public boolean isEmpty() {
        return messages.isEmpty() && actions.isEmpty() && !saveConfig;
    }
}
