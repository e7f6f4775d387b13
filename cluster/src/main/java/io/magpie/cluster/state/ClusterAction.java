package io.magpie.cluster.state;

/**
 * What the node layer must do for the state machine, besides sending messages and saving the
 * config (see {@link Ready}). Executed in order.
 */
public sealed interface ClusterAction {

    /**
     * Open a connection to a node's bus port. On success call
     * {@link ClusterState#linkConnected}, on failure (now or later) {@link ClusterState#linkClosed},
     * with the same link id.
     */
    record Connect(long link, String nodeName, String ip, int cport) implements ClusterAction {}

    /** Close a link. Do not report it back with linkClosed: the state machine already forgot it. */
    record CloseLink(long link) implements ClusterAction {}

    /** Replicate from this master (replicationSetMaster): REPLICAOF ip port, kept in cluster mode. */
    record SetMaster(String nodeName, String ip, int port) implements ClusterAction {}

    /** Stop replicating and become a master (replicationUnsetMaster), as after a failover. */
    record UnsetMaster() implements ClusterAction {}

    /** Empty the whole dataset (a replica's CLUSTER RESET). */
    record EmptyData() implements ClusterAction {}

    /**
     * Delete every key of a slot this master lost to another node while still serving others
     * (the slot may hold no key: then nothing is to be done).
     */
    record DeleteKeysInSlot(int slot) implements ClusterAction {}

    /**
     * A slot left this node's shard: unsubscribe the shard channels (SSUBSCRIBE) that hash to it,
     * as removeChannelsInSlot does.
     */
    record RemoveChannelsInSlot(int slot) implements ClusterAction {}

    /** Pause writes until the given time (ms) for a manual failover (PAUSE_DURING_FAILOVER, WRITE). */
    record PauseWrites(long untilMs) implements ClusterAction {}

    /** End the manual failover's pause of writes. */
    record UnpauseWrites() implements ClusterAction {}

    /** A PUBLISH (or, sharded, an SPUBLISH) from another node: deliver it to the local subscribers. */
    record DeliverPublish(byte[] channel, byte[] message, boolean sharded) implements ClusterAction {}

    /** A module message from another node (no module API here: informational). */
    record DeliverModuleMessage(String sender, long moduleId, int type, byte[] payload) implements ClusterAction {}
}
