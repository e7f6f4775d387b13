package io.magpie.cluster.state;

/**
 * A CLUSTER subcommand refused: the message is Redis's whole error reply without the leading
 * '-' (for example "ERR Slot 5 is already busy"), ready to be sent as it is.
 */
public final class ClusterException extends RuntimeException {
    public ClusterException(String message) {
        super(message, null, false, false);
    }
}
