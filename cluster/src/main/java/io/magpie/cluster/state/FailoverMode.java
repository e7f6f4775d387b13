package io.magpie.cluster.state;

/** CLUSTER FAILOVER's options. */
public enum FailoverMode {
    /** Coordinated with the master: MFSTART, the master pauses writes, the replica catches up. */
    DEFAULT,
    /** Without the master's agreement, but with the masters' votes. */
    FORCE,
    /** Without any agreement: a new configEpoch and the slots, at once. */
    TAKEOVER
}
