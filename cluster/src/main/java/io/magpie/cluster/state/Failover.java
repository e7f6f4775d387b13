package io.magpie.cluster.state;

import io.magpie.cluster.bus.ClusterMsg;
import io.magpie.cluster.bus.MsgType;
import io.magpie.cluster.bus.NodeFlags;

/**
 * Failover in Redis Cluster (cluster.c's replica functions): a replica's election when its master
 * FAILs (rank by offset, delay, data age, votes, the new configEpoch), a master's vote, manual
 * failover (MFSTART, the paused master, FORCE, TAKEOVER) and replica migration. Part of
 * {@link ClusterState}, whose node table and messages it uses.
 */
final class Failover {
    private final ClusterState c;

    // Election state of a replica.
    long authTime;
    int authCount;
    boolean authSent;
    int authRank;
    long authEpoch;
    ClusterState.CantFailoverReason cantFailoverReason = ClusterState.CantFailoverReason.NONE;
    // Manual failover: mfEnd != 0 while one is in progress.
    long mfEnd;
    /** As a master: the replica performing the manual failover. */
    ClusterNode mfSlave;
    /** As a replica: the offset our paused master announced, -1 until it did. */
    long mfMasterOffset = -1;
    boolean mfCanStart;

    Failover(ClusterState cluster) {
        this.c = cluster;
    }

    /** CLUSTER FAILOVER, its checks passed. */
    void start(FailoverMode mode) {
        resetManualFailover();
        mfEnd = c.now + ClusterState.MF_TIMEOUT;
        switch (mode) {
            case TAKEOVER -> {
                // No agreement at all: a new configEpoch of our own, and the slots at once.
                c.bumpConfigEpochWithoutConsensus();
                replaceYourMaster();
            }
            case FORCE -> mfCanStart = true;
            case DEFAULT -> c.send(c.myself.slaveof.link, c.buildHeader(MsgType.MFSTART, new ClusterMsg.Empty()));
        }
    }

    /** MFSTART from one of our replicas: pause writes, and let the replica catch up. */
    void onMfStart(ClusterNode sender) {
        resetManualFailover();
        mfEnd = c.now + ClusterState.MF_TIMEOUT;
        mfSlave = sender;
        c.outActions.add(new ClusterAction.PauseWrites(c.now + ClusterState.MF_TIMEOUT * ClusterState.MF_PAUSE_MULT));
    }

    /** A header from our master: in a manual failover, the first one flagged PAUSED gives the offset to reach. */
    void onMasterOffset(ClusterNode sender, ClusterMsg hdr) {
        if (mfEnd != 0 && c.myself.isSlave() && c.myself.slaveof == sender
            && hdr.hasMflag0(ClusterMsg.FLAG0_PAUSED) && mfMasterOffset == -1) {
            mfMasterOffset = sender.replOffset;
            c.doBeforeSleep(ClusterState.TODO_HANDLE_MANUALFAILOVER);
        }
    }

    /** A vote: it counts from a master with slots whose epoch is at least the election's. */
    void onAuthAck(ClusterNode sender, long senderCurrentEpoch) {
        if (sender.isMaster() && sender.numslots > 0 && Long.compareUnsigned(senderCurrentEpoch, authEpoch) >= 0) {
            authCount++;
            c.doBeforeSleep(ClusterState.TODO_HANDLE_FAILOVER);
        }
    }

    /** clusterGetSlaveRank: how many replicas of our master have a greater offset than ours. */
    private int slaveRank() {
        ClusterNode master = c.myself.slaveof;
        if (master == null) return 0;
        int rank = 0;
        for (ClusterNode s : master.slaves) {
            if (s != c.myself && !s.hasFlag(NodeFlags.NOFAILOVER) && s.replOffset > c.replOffset) rank++;
        }
        return rank;
    }

    /** A master's vote for a replica asking to fail over (clusterSendFailoverAuthIfNeeded). */
    void sendAuthIfNeeded(ClusterNode node, ClusterMsg request) {
        ClusterNode master = node.slaveof;
        long requestCurrentEpoch = request.currentEpoch();
        long requestConfigEpoch = request.configEpoch();
        boolean forceAck = request.hasMflag0(ClusterMsg.FLAG0_FORCEACK);
        // Only masters with c.slots vote: they make the cluster c.size the quorum is counted on.
        if (c.myself.isSlave() || c.myself.numslots == 0) return;
        if (Long.compareUnsigned(requestCurrentEpoch, c.currentEpoch) < 0) return;
        if (c.lastVoteEpoch == c.currentEpoch) return;
        if (node.isMaster() || master == null || (!master.failed() && !forceAck)) return;
        // One vote per master's failover per 2 × node-timeout.
        if (c.now - master.votedTime < c.config.nodeTimeout * 2) return;
        byte[] claimed = request.myslots();
        for (int j = 0; j < ClusterState.SLOTS; j++) {
            if (!SlotBitmap.test(claimed, j)) continue;
            if (c.isSlotUnclaimed(j) || Long.compareUnsigned(c.slots[j].configEpoch, requestConfigEpoch) <= 0) continue;
            return;
        }
        c.lastVoteEpoch = c.currentEpoch;
        master.votedTime = c.now;
        c.doBeforeSleep(ClusterState.TODO_SAVE_CONFIG | ClusterState.TODO_FSYNC_CONFIG);
        c.send(node.link, c.buildHeader(MsgType.FAILOVER_AUTH_ACK, new ClusterMsg.Empty()));
    }

    private void requestAuth() {
        ClusterMsg msg = c.buildHeader(MsgType.FAILOVER_AUTH_REQUEST, new ClusterMsg.Empty());
        if (mfEnd != 0) msg.mflags()[0] |= ClusterMsg.FLAG0_FORCEACK;
        c.broadcast(msg);
    }

    /** The end of a failover: become master, take the old master's c.slots, tell everybody. */
    void replaceYourMaster() {
        ClusterNode oldmaster = c.myself.slaveof;
        if (c.myself.isMaster() || oldmaster == null) return;
        c.setNodeAsMaster(c.myself);
        c.replicating = false;
        c.outActions.add(new ClusterAction.UnsetMaster());
        for (int j = 0; j < ClusterState.SLOTS; j++) {
            if (SlotBitmap.test(oldmaster.slots, j)) {
                c.delSlot(j);
                c.addSlot(c.myself, j);
            }
        }
        c.updateState();
        c.doBeforeSleep(ClusterState.TODO_SAVE_CONFIG | ClusterState.TODO_FSYNC_CONFIG);
        c.broadcastPong(false);
        resetManualFailover();
    }

    /** clusterHandleSlaveFailover: schedule, run and conclude an election for our failed master. */
    void handleSlaveFailover() {
        long authAge = c.now - authTime;
        int neededQuorum = c.size / 2 + 1;
        boolean manualFailover = mfEnd != 0 && mfCanStart;
        c.todo &= ~ClusterState.TODO_HANDLE_FAILOVER;
        long authTimeout = Math.max(c.config.nodeTimeout * 2, 2000);
        long authRetryTime = authTimeout * 2;

        if (c.myself.isMaster() || c.myself.slaveof == null || (!c.myself.slaveof.failed() && !manualFailover)
            || (c.config.replicaNoFailover && !manualFailover) || c.myself.slaveof.numslots == 0) {
            cantFailoverReason = ClusterState.CantFailoverReason.NONE;
            return;
        }

        long dataAge = c.now - c.masterLinkTime;
        // Being cut off for the node timeout is what it takes to flag the master FAIL: not counted.
        if (dataAge > c.config.nodeTimeout) dataAge -= c.config.nodeTimeout;
        if (c.config.replicaValidityFactor != 0
            && dataAge > c.config.replPingReplicaPeriod * 1000L + c.config.nodeTimeout * c.config.replicaValidityFactor) {
            if (!manualFailover) {
                cantFailoverReason = ClusterState.CantFailoverReason.DATA_AGE;
                return;
            }
        }

        if (authAge > authRetryTime) {
            // 500 ms for the FAIL to spread, up to 500 more so replicas do not collide, and a
            // second per rank so the replica with the most data tends to win.
            authTime = c.now + 500 + c.random.nextInt(500);
            authCount = 0;
            authSent = false;
            authRank = slaveRank();
            authTime += authRank * 1000L;
            if (mfEnd != 0) {
                authTime = c.now;
                authRank = 0;
                c.doBeforeSleep(ClusterState.TODO_HANDLE_FAILOVER);
            }
            // Tell the other replicas our offset, so they rank themselves behind us if it is better.
            c.broadcastPong(true);
            return;
        }

        if (!authSent && mfEnd == 0) {
            int newrank = slaveRank();
            if (newrank > authRank) {
                authTime += (newrank - authRank) * 1000L;
                authRank = newrank;
            }
        }

        if (c.now < authTime) {
            cantFailoverReason = ClusterState.CantFailoverReason.WAITING_DELAY;
            return;
        }
        if (authAge > authTimeout) {
            cantFailoverReason = ClusterState.CantFailoverReason.EXPIRED;
            return;
        }
        if (!authSent) {
            c.currentEpoch++;
            authEpoch = c.currentEpoch;
            requestAuth();
            authSent = true;
            c.doBeforeSleep(ClusterState.TODO_SAVE_CONFIG | ClusterState.TODO_UPDATE_STATE | ClusterState.TODO_FSYNC_CONFIG);
            return;
        }
        if (authCount >= neededQuorum) {
            if (Long.compareUnsigned(c.myself.configEpoch, authEpoch) < 0) c.myself.configEpoch = authEpoch;
            replaceYourMaster();
        } else {
            cantFailoverReason = ClusterState.CantFailoverReason.WAITING_VOTES;
        }
    }

    /** clusterHandleSlaveMigration: move to an orphaned master if we are the designated replica. */
    void handleSlaveMigration(int maxSlaves) {
        if (!c.stateOk) return;
        ClusterNode mymaster = c.myself.slaveof;
        if (mymaster == null) return;
        int okslaves = 0;
        for (ClusterNode s : mymaster.slaves) {
            if (!s.failed() && !s.timedOut()) okslaves++;
        }
        if (okslaves <= c.config.migrationBarrier) return;
        ClusterNode target = null;
        ClusterNode candidate = c.myself;
        for (ClusterNode node : c.nodes.values()) {
            int ok = 0;
            boolean orphaned = !(node.isSlave() || node.failed()) && node.hasFlag(NodeFlags.MIGRATE_TO);
            if (node.isMaster()) ok = ClusterState.countNonFailingSlaves(node);
            if (ok > 0) orphaned = false;
            if (orphaned) {
                if (target == null && node.numslots > 0) target = node;
                if (node.orphanedTime == 0) node.orphanedTime = c.now;
            } else {
                node.orphanedTime = 0;
            }
            // The candidate: the replica with the smallest name among the masters with the most replicas.
            if (ok == maxSlaves) {
                for (ClusterNode s : node.slaves) {
                    if (s.name.compareTo(candidate.name) < 0) candidate = s;
                }
            }
        }
        if (target != null && candidate == c.myself && c.now - target.orphanedTime > ClusterState.SLAVE_MIGRATION_DELAY) {
            c.setMaster(target);
            c.doBeforeSleep(ClusterState.TODO_SAVE_CONFIG | ClusterState.TODO_UPDATE_STATE);
        }
    }

    void resetManualFailover() {
        if (mfSlave != null) c.outActions.add(new ClusterAction.UnpauseWrites());
        mfEnd = 0;
        mfCanStart = false;
        mfSlave = null;
        mfMasterOffset = -1;
    }

    void manualFailoverCheckTimeout() {
        if (mfEnd != 0 && mfEnd < c.now) resetManualFailover();
    }

    void handleManualFailover() {
        if (mfEnd == 0) return;
        if (mfCanStart) return;
        if (mfMasterOffset == -1) return;
        if (mfMasterOffset == c.replOffset) {
            // We processed everything the paused master had: the election may start.
            mfCanStart = true;
            c.doBeforeSleep(ClusterState.TODO_HANDLE_FAILOVER);
            return;
        }
        c.doBeforeSleep(ClusterState.TODO_HANDLE_MANUALFAILOVER);
    }
}
