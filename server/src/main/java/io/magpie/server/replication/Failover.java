package io.magpie.server.replication;

import io.magpie.engine.Client;
import io.magpie.server.Log;

/**
 * FAILOVER (Redis 6.2's coordinated failover, replication.c's failover half): pause writes,
 * wait until the target replica acknowledged the whole stream, then become its replica with
 * PSYNC ... FAILOVER, which makes it take over as master and answer +CONTINUE.
 */
final class Failover {
    private final Replication repl;

    private enum FailoverState {
        NO_FAILOVER("no-failover"), WAIT_FOR_SYNC("waiting-for-sync"), IN_PROGRESS("failover-in-progress");

        final String text;

        FailoverState(String text) {
            this.text = text;
        }
    }

    private FailoverState state = FailoverState.NO_FAILOVER;
    private long failoverEndMs;
    private boolean forceFailover;
    private String failoverHost;
    private int failoverPort;

    Failover(Replication repl) {
        this.repl = repl;
    }

    boolean inProgress() {
        return state != FailoverState.NO_FAILOVER;
    }

    boolean waitingForSync() {
        return state == FailoverState.WAIT_FOR_SYNC;
    }

    /** Past waiting: this node is becoming the target's replica (its PSYNC carries FAILOVER). */
    boolean handingOver() {
        return state == FailoverState.IN_PROGRESS;
    }

    /** INFO's master_failover_state. */
    String stateName() {
        return state.text;
    }

    /** FAILOVER [TO host port [FORCE]] [ABORT] [TIMEOUT ms] (failoverCommand). */
    void command(Client c) {
        if (c.argc == 2 && c.argIs(1, "abort")) {
            if (state == FailoverState.NO_FAILOVER) {
                c.addReplyError("ERR No failover in progress.");
                return;
            }
            abort("Failover manually aborted");
            c.addReplyOk();
            return;
        }
        long timeoutMs = 0;
        boolean force = false;
        String host = null;
        long port = 0;
        for (int j = 1; j < c.argc; j++) {
            if (c.argIs(j, "timeout") && j + 1 < c.argc && timeoutMs == 0) {
                timeoutMs = io.magpie.engine.Args.parseLong(c.argv[j + 1]);
                if (timeoutMs <= 0) {
                    c.addReplyError("ERR FAILOVER timeout must be greater than 0");
                    return;
                }
                j++;
            } else if (c.argIs(j, "to") && j + 2 < c.argc && host == null) {
                port = io.magpie.engine.Args.parseLong(c.argv[j + 2]);
                host = c.argString(j + 1);
                j += 2;
            } else if (c.argIs(j, "force") && !force) {
                force = true;
            } else {
                c.addReplyError("ERR syntax error");
                return;
            }
        }
        if (state != FailoverState.NO_FAILOVER) {
            c.addReplyError("ERR FAILOVER already in progress.");
            return;
        }
        if (repl.link != null) {
            c.addReplyError("ERR FAILOVER is not valid when server is a replica.");
            return;
        }
        if (repl.replicas.isEmpty()) {
            c.addReplyError("ERR FAILOVER requires connected replicas.");
            return;
        }
        if (force && (timeoutMs == 0 || host == null)) {
            c.addReplyError("ERR FAILOVER with force option requires both a timeout and target HOST and IP.");
            return;
        }
        if (host != null) {
            ReplicaConnection r = findReplica(host, port);
            if (r == null) {
                c.addReplyError("ERR FAILOVER target HOST and PORT is not a replica.");
                return;
            }
            if (r.state != ReplicaConnection.State.ONLINE) {
                c.addReplyError("ERR FAILOVER target replica is not online.");
                return;
            }
            failoverHost = host;
            failoverPort = (int) port;
            Log.notice("FAILOVER requested to %s:%d.", host, port);
        } else {
            Log.notice("FAILOVER requested to any replica.");
        }
        failoverEndMs = timeoutMs == 0 ? 0 : repl.engine.now() + timeoutMs;
        forceFailover = force;
        state = FailoverState.WAIT_FOR_SYNC;
        repl.server.pause(Long.MAX_VALUE, false);
        c.addReplyOk();
    }

    private ReplicaConnection findReplica(String host, long port) {
        for (ReplicaConnection r : repl.replicas) if (r.ip().equalsIgnoreCase(host) && r.listeningPort == port) return r;
        return null;
    }

    /** updateFailoverStatus: hand over once the target acknowledged everything, or time out. */
    void update() {
        if (state != FailoverState.WAIT_FOR_SYNC) return;
        long now = repl.engine.now();
        if (failoverEndMs != 0 && failoverEndMs <= now) {
            if (forceFailover) {
                Log.notice("FAILOVER to %s:%d time out exceeded, failing over.", failoverHost, failoverPort);
                state = FailoverState.IN_PROGRESS;
                repl.becomeReplicaOf(failoverHost, failoverPort, true);
            } else {
                abort("Replica never caught up before timeout");
            }
            return;
        }
        repl.flushOutgoing();
        ReplicaConnection target = null;
        if (failoverHost != null) {
            target = findReplica(failoverHost, failoverPort);
        } else {
            for (ReplicaConnection r : repl.replicas) {
                if (r.ackOffset == repl.id.offset()) {
                    failoverHost = r.ip();
                    failoverPort = r.listeningPort;
                    target = r;
                    break;
                }
            }
        }
        if (target != null && target.ackOffset == repl.id.offset()) {
            state = FailoverState.IN_PROGRESS;
            Log.notice("Failover target %s:%d is synced, failing over.", failoverHost, failoverPort);
            repl.becomeReplicaOf(failoverHost, failoverPort, true);
        }
    }

    /** The target answered our PSYNC FAILOVER: it is the master now, we its replica. */
    void succeeded() {
        if (state == FailoverState.IN_PROGRESS) clear();
    }

    void abort(String why) {
        if (state == FailoverState.NO_FAILOVER) return;
        if (failoverHost != null) Log.notice("FAILOVER to %s:%d aborted: %s", failoverHost, failoverPort, why);
        else Log.notice("FAILOVER to any replica aborted: %s", why);
        if (state == FailoverState.IN_PROGRESS) repl.becomeMaster();
        clear();
    }

    private void clear() {
        failoverEndMs = 0;
        forceFailover = false;
        failoverHost = null;
        failoverPort = 0;
        state = FailoverState.NO_FAILOVER;
        repl.server.unpause();
    }
}
