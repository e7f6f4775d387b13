package io.magpie.cluster.bus;

/** A cluster bus frame that is not a well formed Redis 7.0 message. */
public final class ClusterMsgException extends RuntimeException {
    public ClusterMsgException(String message) {
        super(message);
    }
}
