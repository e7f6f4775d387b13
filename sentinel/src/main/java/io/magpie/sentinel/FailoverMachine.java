package io.magpie.sentinel;

import io.magpie.server.Log;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * sentinel.c's failure detection, leader election and failover as a pure state machine, in
 * etcd/raft's shape: {@link #tick} (the timer's turn for one master) and the steps for
 * messages from other Sentinels ({@link #stepMasterDownReply}, {@link #voteLeader}) take the
 * time and change only the Sentinel's model (its masters, replicas, Sentinels and epoch);
 * what must happen outside — events, SLAVEOF, questions to the other Sentinels, a config
 * flush — comes back in a {@link Ready} for the shell ({@link Sentinel}) to carry out. So
 * SDOWN/ODOWN, votes, elections, each failover state and every timeout are tested by feeding
 * times and replies, without a socket or a clock.
 *
 * A link counts as usable when it is not {@code disconnected}: the shell marks a link
 * connected only when its command connection is open.
 */
final class FailoverMachine {
    /** What a step asks the outside world to do, in order. */
    static final class Ready {
        sealed interface Action permits Event, SlaveOf, AskMasterState, FlushConfig, Crash {}

        /** sentinelEvent: log, publish, maybe run the notification script. */
        record Event(Log.Level level, String type, Instance ri, String fmt, Object[] args) implements Action {}

        /** sentinelSendSlaveOf: make ri a replica of addr, or a master when addr is null. */
        record SlaveOf(Instance ri, Addr addr) implements Action {}

        /** SENTINEL is-master-down-by-addr to another Sentinel, asking for its vote when runid is ours. */
        record AskMasterState(Instance sentinel, Instance master, long epoch, String runid) implements Action {}

        /** sentinelFlushConfig: the epoch or a vote changed and must survive a restart. */
        record FlushConfig() implements Action {}

        /** SENTINEL SIMULATE-FAILURE: stop the process here. */
        record Crash() implements Action {}

        final List<Action> actions = new ArrayList<>();

        void event(Log.Level level, String type, Instance ri, String fmt, Object... args) {
            actions.add(new Event(level, type, ri, fmt, args));
        }

        /** The event types, in order (for tests and logs). */
        List<String> eventTypes() {
            List<String> l = new ArrayList<>();
            for (Action a : actions) if (a instanceof Event e) l.add(e.type());
            return l;
        }
    }

    static final int ASK_FORCED = 1;

    private final Sentinel s;
    private final RandomGenerator random;

    FailoverMachine(Sentinel s, RandomGenerator random) {
        this.s = s;
        this.random = random;
    }

    // ------------------------------------------------------------------ the timer's turn

    /** One timer turn for a master (the failure-detection half of sentinelHandleRedisInstance). */
    void tick(Instance master, long now, Ready ready) {
        checkObjectivelyDown(master, now, ready);
        if (startFailoverIfNeeded(master, now, ready)) askMasterStateToOtherSentinels(master, ASK_FORCED, now, ready);
        failoverStateMachine(master, now, ready);
        askMasterStateToOtherSentinels(master, 0, now, ready);
    }

    // ------------------------------------------------------------------ failure detection

    /** sentinelCheckSubjectivelyDown, without the link resets (the shell's). */
    void checkSubjectivelyDown(Instance ri, long now, Ready ready) {
        long elapsed = 0;
        Instance.Link link = ri.link;
        if (link.actPingTime != 0) elapsed = now - link.actPingTime;
        else if (link.disconnected) elapsed = now - link.lastAvailTime;
        if (elapsed > ri.downAfterPeriod
                || (ri.is(Instance.MASTER) && ri.roleReported == Instance.SLAVE && now - ri.roleReportedTime > ri.downAfterPeriod + s.infoPeriod * 2)
                || (ri.is(Instance.MASTER_REBOOT) && now - ri.masterRebootSinceTime > ri.masterRebootDownAfterPeriod)) {
            if (!ri.is(Instance.S_DOWN)) {
                ready.event(Log.Level.WARNING, "+sdown", ri, "%@");
                ri.sDownSinceTime = now;
                ri.flags |= Instance.S_DOWN;
            }
        } else if (ri.is(Instance.S_DOWN)) {
            ready.event(Log.Level.WARNING, "-sdown", ri, "%@");
            ri.flags &= ~(Instance.S_DOWN | Instance.SCRIPT_KILL_SENT);
        }
    }

    void checkObjectivelyDown(Instance master, long now, Ready ready) {
        int quorum = 0;
        boolean odown = false;
        if (master.is(Instance.S_DOWN)) {
            quorum = 1;
            for (Instance ri : master.sentinels.values()) if (ri.is(Instance.MASTER_DOWN)) quorum++;
            if (quorum >= master.quorum) odown = true;
        }
        if (odown) {
            if (!master.is(Instance.O_DOWN)) {
                ready.event(Log.Level.WARNING, "+odown", master, "%@ #quorum %d/%d", quorum, master.quorum);
                master.flags |= Instance.O_DOWN;
                master.oDownSinceTime = now;
            }
        } else if (master.is(Instance.O_DOWN)) {
            ready.event(Log.Level.WARNING, "-odown", master, "%@");
            master.flags &= ~Instance.O_DOWN;
        }
    }

    /** sentinelReceiveIsMasterDownReply: another Sentinel's view of the master, and its vote. */
    void stepMasterDownReply(Instance ri, boolean down, String leader, long leaderEpoch, long now) {
        ri.lastMasterDownReplyTime = now;
        if (down) ri.flags |= Instance.MASTER_DOWN;
        else ri.flags &= ~Instance.MASTER_DOWN;
        if (!leader.equals("*")) {
            if (ri.leaderEpoch != leaderEpoch) Log.warning("%s voted for %s %s", ri.name, leader, Long.toUnsignedString(leaderEpoch));
            ri.leader = leader;
            ri.leaderEpoch = leaderEpoch;
        }
    }

    /** sentinelAskMasterStateToOtherSentinels: forget stale answers, ask again (for a vote while failing over). */
    void askMasterStateToOtherSentinels(Instance master, int flags, long now, Ready ready) {
        for (Instance ri : master.sentinels.values()) {
            long elapsed = now - ri.lastMasterDownReplyTime;
            if (elapsed > s.askPeriod * 5) {
                ri.flags &= ~Instance.MASTER_DOWN;
                ri.leader = null;
            }
            if (!master.is(Instance.S_DOWN)) continue;
            if (ri.link.disconnected) continue;
            if ((flags & ASK_FORCED) == 0 && now - ri.lastMasterDownReplyTime < s.askPeriod) continue;
            ready.actions.add(new Ready.AskMasterState(ri, master, s.currentEpoch,
                    master.failoverState > Instance.FAILOVER_STATE_NONE ? s.myid : "*"));
        }
    }

    // ------------------------------------------------------------------ leader election

    /** sentinelVoteLeader: one vote per epoch; returns the leader voted for in leaderEpoch[0]'s epoch. */
    String voteLeader(Instance master, long reqEpoch, String reqRunid, long[] leaderEpoch, long now, Ready ready) {
        if (Long.compareUnsigned(reqEpoch, s.currentEpoch) > 0) {
            s.currentEpoch = reqEpoch;
            ready.actions.add(new Ready.FlushConfig());
            ready.event(Log.Level.WARNING, "+new-epoch", master, "%s", Long.toUnsignedString(s.currentEpoch));
        }
        if (Long.compareUnsigned(master.leaderEpoch, reqEpoch) < 0 && Long.compareUnsigned(s.currentEpoch, reqEpoch) <= 0) {
            master.leader = reqRunid;
            master.leaderEpoch = s.currentEpoch;
            ready.actions.add(new Ready.FlushConfig());
            ready.event(Log.Level.WARNING, "+vote-for-leader", master, "%s %s", master.leader, Long.toUnsignedString(master.leaderEpoch));
            // Voting for another delays our own failover, so that the one we voted for goes first.
            if (!master.leader.equalsIgnoreCase(s.myid)) master.failoverStartTime = now + random.nextInt(Sentinel.MAX_DESYNC);
        }
        leaderEpoch[0] = master.leaderEpoch;
        return master.leader;
    }

    /** sentinelGetLeader: the runid with a majority of the known Sentinels (and at least quorum) for the epoch. */
    String getLeader(Instance master, long epoch, long now, Ready ready) {
        Map<String, Integer> counters = new HashMap<>();
        int voters = master.sentinels.size() + 1;
        for (Instance ri : master.sentinels.values()) {
            if (ri.leader != null && ri.leaderEpoch == s.currentEpoch) counters.merge(ri.leader, 1, Integer::sum);
        }
        String winner = null;
        int maxVotes = 0;
        for (Map.Entry<String, Integer> e : counters.entrySet()) {
            if (e.getValue() > maxVotes) {
                maxVotes = e.getValue();
                winner = e.getKey();
            }
        }
        long[] le = new long[1];
        String myvote = voteLeader(master, epoch, winner != null ? winner : s.myid, le, now, ready);
        if (myvote != null && le[0] == epoch) {
            int votes = counters.merge(myvote, 1, Integer::sum);
            if (votes > maxVotes) {
                maxVotes = votes;
                winner = myvote;
            }
        }
        int votersQuorum = voters / 2 + 1;
        if (winner != null && (maxVotes < votersQuorum || maxVotes < master.quorum)) winner = null;
        return winner;
    }

    // ------------------------------------------------------------------ failover

    void startFailover(Instance master, long now, Ready ready) {
        master.failoverState = Instance.FAILOVER_STATE_WAIT_START;
        master.flags |= Instance.FAILOVER_IN_PROGRESS;
        master.failoverEpoch = ++s.currentEpoch;
        ready.event(Log.Level.WARNING, "+new-epoch", master, "%s", Long.toUnsignedString(s.currentEpoch));
        ready.event(Log.Level.WARNING, "+try-failover", master, "%@");
        master.failoverStartTime = now + random.nextInt(Sentinel.MAX_DESYNC);
        master.failoverStateChangeTime = now;
    }

    private static final DateTimeFormatter CTIME = DateTimeFormatter.ofPattern("EEE MMM ppd HH:mm:ss yyyy", Locale.ROOT);

    boolean startFailoverIfNeeded(Instance master, long now, Ready ready) {
        if (!master.is(Instance.O_DOWN)) return false;
        if (master.is(Instance.FAILOVER_IN_PROGRESS)) return false;
        if (now - master.failoverStartTime < master.failoverTimeout * 2) {
            if (master.failoverDelayLogged != master.failoverStartTime) {
                long clock = (master.failoverStartTime + master.failoverTimeout * 2) / 1000;
                master.failoverDelayLogged = master.failoverStartTime;
                Log.warning("Next failover delay: I will not start a failover before %s",
                        CTIME.format(Instant.ofEpochSecond(clock).atZone(ZoneId.systemDefault())));
            }
            return false;
        }
        startFailover(master, now, ready);
        return true;
    }

    /** sentinelSelectSlave: the best promotable replica, or null. */
    Instance selectSlave(Instance master, long now) {
        long maxMasterDownTime = 0;
        if (master.is(Instance.S_DOWN)) maxMasterDownTime += now - master.sDownSinceTime;
        maxMasterDownTime += master.downAfterPeriod * 10;
        List<Instance> candidates = new ArrayList<>();
        for (Instance slave : master.slaves.values()) {
            if ((slave.flags & (Instance.S_DOWN | Instance.O_DOWN)) != 0) continue;
            if (slave.link.disconnected) continue;
            if (now - slave.link.lastAvailTime > s.pingPeriod * 5) continue;
            if (slave.slavePriority == 0) continue;
            long infoValidity = master.is(Instance.S_DOWN) ? s.pingPeriod * 5 : s.infoPeriod * 3;
            if (now - slave.infoRefresh > infoValidity) continue;
            if (slave.masterLinkDownTime > maxMasterDownTime) continue;
            candidates.add(slave);
        }
        candidates.sort(FailoverMachine::compareSlavesForPromotion);
        return candidates.isEmpty() ? null : candidates.get(0);
    }

    /** Lower priority first, then the larger replication offset, then the smaller run id (null last). */
    static int compareSlavesForPromotion(Instance a, Instance b) {
        if (a.slavePriority != b.slavePriority) return Integer.compare(a.slavePriority, b.slavePriority);
        if (a.slaveReplOffset != b.slaveReplOffset) return Long.compareUnsigned(b.slaveReplOffset, a.slaveReplOffset);
        if (a.runid == null && b.runid == null) return 0;
        if (a.runid == null) return 1;
        if (b.runid == null) return -1;
        return a.runid.compareToIgnoreCase(b.runid);
    }

    private void failoverWaitStart(Instance ri, long now, Ready ready) {
        String leader = getLeader(ri, ri.failoverEpoch, now, ready);
        boolean isLeader = leader != null && leader.equalsIgnoreCase(s.myid);
        if (!isLeader && !ri.is(Instance.FORCE_FAILOVER)) {
            long timeout = Math.min(s.electionTimeout, ri.failoverTimeout);
            if (now - ri.failoverStartTime > timeout) {
                ready.event(Log.Level.WARNING, "-failover-abort-not-elected", ri, "%@");
                abortFailover(ri, now);
            }
            return;
        }
        ready.event(Log.Level.WARNING, "+elected-leader", ri, "%@");
        if ((s.simFailureFlags & Sentinel.SIMFAILURE_CRASH_AFTER_ELECTION) != 0) ready.actions.add(new Ready.Crash());
        ri.failoverState = Instance.FAILOVER_STATE_SELECT_SLAVE;
        ri.failoverStateChangeTime = now;
        ready.event(Log.Level.WARNING, "+failover-state-select-slave", ri, "%@");
    }

    private void failoverSelectSlave(Instance ri, long now, Ready ready) {
        Instance slave = selectSlave(ri, now);
        if (slave == null) {
            ready.event(Log.Level.WARNING, "-failover-abort-no-good-slave", ri, "%@");
            abortFailover(ri, now);
            return;
        }
        ready.event(Log.Level.WARNING, "+selected-slave", slave, "%@");
        slave.flags |= Instance.PROMOTED;
        ri.promotedSlave = slave;
        ri.failoverState = Instance.FAILOVER_STATE_SEND_SLAVEOF_NOONE;
        ri.failoverStateChangeTime = now;
        ready.event(Log.Level.NOTICE, "+failover-state-send-slaveof-noone", slave, "%@");
    }

    private void failoverSendSlaveOfNoOne(Instance ri, long now, Ready ready) {
        if (ri.promotedSlave.link.disconnected) {
            if (now - ri.failoverStateChangeTime > ri.failoverTimeout) {
                ready.event(Log.Level.WARNING, "-failover-abort-slave-timeout", ri, "%@");
                abortFailover(ri, now);
            }
            return;
        }
        ready.actions.add(new Ready.SlaveOf(ri.promotedSlave, null));
        ready.event(Log.Level.NOTICE, "+failover-state-wait-promotion", ri.promotedSlave, "%@");
        ri.failoverState = Instance.FAILOVER_STATE_WAIT_PROMOTION;
        ri.failoverStateChangeTime = now;
    }

    private void failoverWaitPromotion(Instance ri, long now, Ready ready) {
        if (now - ri.failoverStateChangeTime > ri.failoverTimeout) {
            ready.event(Log.Level.WARNING, "-failover-abort-slave-timeout", ri, "%@");
            abortFailover(ri, now);
        }
    }

    private void failoverDetectEnd(Instance master, long now, Ready ready) {
        long elapsed = now - master.failoverStateChangeTime;
        if (master.promotedSlave == null || master.promotedSlave.is(Instance.S_DOWN)) return;
        int notReconfigured = 0;
        boolean timeout = false;
        for (Instance slave : master.slaves.values()) {
            if ((slave.flags & (Instance.PROMOTED | Instance.RECONF_DONE)) != 0) continue;
            if (slave.is(Instance.S_DOWN)) continue;
            notReconfigured++;
        }
        if (elapsed > master.failoverTimeout) {
            notReconfigured = 0;
            timeout = true;
            ready.event(Log.Level.WARNING, "+failover-end-for-timeout", master, "%@");
        }
        if (notReconfigured == 0) {
            ready.event(Log.Level.WARNING, "+failover-end", master, "%@");
            master.failoverState = Instance.FAILOVER_STATE_UPDATE_CONFIG;
            master.failoverStateChangeTime = now;
        }
        if (timeout) {
            for (Instance slave : master.slaves.values()) {
                if ((slave.flags & (Instance.PROMOTED | Instance.RECONF_DONE | Instance.RECONF_SENT)) != 0) continue;
                if (slave.link.disconnected) continue;
                ready.actions.add(new Ready.SlaveOf(slave, master.promotedSlave.addr));
                ready.event(Log.Level.NOTICE, "+slave-reconf-sent-be", slave, "%@");
                slave.flags |= Instance.RECONF_SENT;
            }
        }
    }

    /**
     * The replica we promoted reports role:master in its INFO: the failover moves on to the
     * other replicas. False when this was not the promotion being waited for.
     */
    boolean stepPromoted(Instance ri, long now, Ready ready) {
        Instance m = ri.master;
        if (!ri.is(Instance.PROMOTED) || !m.is(Instance.FAILOVER_IN_PROGRESS) || m.failoverState != Instance.FAILOVER_STATE_WAIT_PROMOTION) {
            return false;
        }
        m.configEpoch = m.failoverEpoch;
        m.failoverState = Instance.FAILOVER_STATE_RECONF_SLAVES;
        m.failoverStateChangeTime = now;
        ready.actions.add(new Ready.FlushConfig());
        ready.event(Log.Level.WARNING, "+promoted-slave", ri, "%@");
        if ((s.simFailureFlags & Sentinel.SIMFAILURE_CRASH_AFTER_PROMOTION) != 0) ready.actions.add(new Ready.Crash());
        ready.event(Log.Level.WARNING, "+failover-state-reconf-slaves", m, "%@");
        return true;
    }

    /** sentinelFailoverReconfNextSlave: point replicas at the new master, parallel-syncs at a time. */
    private void failoverReconfNextSlave(Instance master, long now, Ready ready) {
        int inProgress = 0;
        for (Instance slave : master.slaves.values()) {
            if ((slave.flags & (Instance.RECONF_SENT | Instance.RECONF_INPROG)) != 0) inProgress++;
        }
        for (Instance slave : master.slaves.values()) {
            if (inProgress >= master.parallelSyncs) break;
            if ((slave.flags & (Instance.PROMOTED | Instance.RECONF_DONE)) != 0) continue;
            if (slave.is(Instance.RECONF_SENT) && now - slave.slaveReconfSentTime > s.slaveReconfTimeout) {
                ready.event(Log.Level.NOTICE, "-slave-reconf-sent-timeout", slave, "%@");
                slave.flags &= ~Instance.RECONF_SENT;
                slave.flags |= Instance.RECONF_DONE;
            }
            if ((slave.flags & (Instance.RECONF_SENT | Instance.RECONF_INPROG)) != 0) continue;
            if (slave.link.disconnected) continue;
            ready.actions.add(new Ready.SlaveOf(slave, master.promotedSlave.addr));
            slave.flags |= Instance.RECONF_SENT;
            slave.slaveReconfSentTime = now;
            ready.event(Log.Level.NOTICE, "+slave-reconf-sent", slave, "%@");
            inProgress++;
        }
        failoverDetectEnd(master, now, ready);
    }

    private void failoverStateMachine(Instance ri, long now, Ready ready) {
        if (!ri.is(Instance.FAILOVER_IN_PROGRESS)) return;
        switch (ri.failoverState) {
            case Instance.FAILOVER_STATE_WAIT_START -> failoverWaitStart(ri, now, ready);
            case Instance.FAILOVER_STATE_SELECT_SLAVE -> failoverSelectSlave(ri, now, ready);
            case Instance.FAILOVER_STATE_SEND_SLAVEOF_NOONE -> failoverSendSlaveOfNoOne(ri, now, ready);
            case Instance.FAILOVER_STATE_WAIT_PROMOTION -> failoverWaitPromotion(ri, now, ready);
            case Instance.FAILOVER_STATE_RECONF_SLAVES -> failoverReconfNextSlave(ri, now, ready);
            default -> { }
        }
    }

    void abortFailover(Instance ri, long now) {
        ri.flags &= ~(Instance.FAILOVER_IN_PROGRESS | Instance.FORCE_FAILOVER);
        ri.failoverState = Instance.FAILOVER_STATE_NONE;
        ri.failoverStateChangeTime = now;
        if (ri.promotedSlave != null) {
            ri.promotedSlave.flags &= ~Instance.PROMOTED;
            ri.promotedSlave = null;
        }
    }
}
