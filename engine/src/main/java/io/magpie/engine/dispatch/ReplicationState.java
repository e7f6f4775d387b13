package io.magpie.engine.dispatch;

/**
 * What the replication stages of the pipeline read (NOREPLICAS, READONLY, MASTERDOWN),
 * supplied by the server's replication; a node without it is a master with no
 * min-replicas rule.
 */
public interface ReplicationState {
    /** This node follows a master (Redis's server.masterhost != NULL). */
    boolean isReplica();

    /** replica-read-only. */
    boolean replicaReadOnly();

    /** The link to the master is up and synced (repl_state == REPL_STATE_CONNECTED). */
    boolean masterLinkUp();

    /** replica-serve-stale-data. */
    boolean serveStaleData();

    /** checkGoodReplicasStatus: min-replicas-to-write is off or met (always true on a replica). */
    boolean enoughGoodReplicas();

    ReplicationState MASTER = new ReplicationState() {
        @Override public boolean isReplica() {
            return false;
        }

        @Override public boolean replicaReadOnly() {
            return false;
        }

        @Override public boolean masterLinkUp() {
            return false;
        }

        @Override public boolean serveStaleData() {
            return true;
        }

        @Override public boolean enoughGoodReplicas() {
            return true;
        }
    };
}
