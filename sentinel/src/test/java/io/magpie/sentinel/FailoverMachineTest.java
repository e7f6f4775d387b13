package io.magpie.sentinel;

import static org.assertj.core.api.Assertions.assertThat;

import io.magpie.sentinel.FailoverMachine.Ready;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Sentinel's failure detection, election and failover fed times and replies, with no socket
 * and no clock: each test is one interleaving, replayed in milliseconds.
 */
class FailoverMachineTest {
    private static final String ME = "0000000000000000000000000000000000000000";
    private static final String PEER_A = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    private static final String PEER_B = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

    private final Sentinel s = new Sentinel();
    private final FailoverMachine machine = new FailoverMachine(s, new Random(7));
    private final long t0 = Sentinel.now();
    private Instance master;

    /** A master watched with quorum 2 by us and two other Sentinels, with connected replicas at the given ports. */
    private Instance setUp(int... replicaPorts) throws Exception {
        s.myid = ME;
        master = s.createInstance("m", Instance.MASTER, "127.0.0.1", 7000, 2, null);
        master.downAfterPeriod = 5000;
        master.failoverTimeout = 60000;
        for (String id : new String[] {PEER_A, PEER_B}) {
            Instance peer = s.createInstance(id, Instance.SENTINEL, "127.0.0.1", id == PEER_A ? 8001 : 8002, 2, master);
            peer.runid = id;
            peer.link.disconnected = false;
            peer.lastMasterDownReplyTime = t0;
        }
        for (int port : replicaPorts) {
            Instance r = s.createInstance(null, Instance.SLAVE, "127.0.0.1", port, 2, master);
            r.runid = "r" + port;
            r.slaveReplOffset = port; // the highest port has the most data
            r.link.disconnected = false;
            r.link.lastAvailTime = t0;
            r.infoRefresh = t0;
        }
        master.link.actPingTime = t0; // a ping was sent at t0 and never answered
        return master;
    }

    private Ready tick(long at) {
        Ready ready = new Ready();
        machine.checkSubjectivelyDown(master, at, ready);
        machine.tick(master, at, ready);
        return ready;
    }

    private void peersSay(boolean down, String leader, long epoch, long at) {
        for (Instance peer : master.sentinels.values()) machine.stepMasterDownReply(peer, down, leader, epoch, at);
    }

    private static List<Ready.SlaveOf> slaveOfs(Ready r) {
        List<Ready.SlaveOf> l = new ArrayList<>();
        for (Ready.Action a : r.actions) if (a instanceof Ready.SlaveOf so) l.add(so);
        return l;
    }

    private static List<Ready.AskMasterState> asks(Ready r) {
        List<Ready.AskMasterState> l = new ArrayList<>();
        for (Ready.Action a : r.actions) if (a instanceof Ready.AskMasterState q) l.add(q);
        return l;
    }

    @Test
    void aMasterSilentLongerThanDownAfterIsSdownAndComesBackWhenItAnswers() throws Exception {
        setUp();
        assertThat(tick(t0 + 5000).eventTypes()).isEmpty(); // not longer than down-after yet
        assertThat(tick(t0 + 5001).eventTypes()).containsExactly("+sdown");
        assertThat(master.is(Instance.S_DOWN)).isTrue();
        // Once SDOWN, the other Sentinels are asked for their view, without a vote request.
        assertThat(asks(tick(t0 + 7000))).extracting(Ready.AskMasterState::runid).containsExactly("*", "*");
        master.link.actPingTime = 0; // the pong arrived
        master.link.disconnected = false;
        assertThat(tick(t0 + 7100).eventTypes()).containsExactly("-sdown");
    }

    @Test
    void sdownBecomesOdownOnlyWithQuorumAndEndsWhenThePeersStopAgreeing() throws Exception {
        setUp();
        tick(t0 + 6000);
        // Our own SDOWN is one vote of the quorum 2: one peer agreeing makes it ODOWN.
        assertThat(master.is(Instance.O_DOWN)).isFalse();
        machine.stepMasterDownReply(master.sentinels.get(PEER_A), true, "*", 0, t0 + 6000);
        Ready r = tick(t0 + 6001);
        assertThat(r.eventTypes()).startsWith("+odown");
        assertThat(master.is(Instance.O_DOWN)).isTrue();
        // A peer answer older than five ask periods no longer counts.
        master.flags &= ~Instance.FAILOVER_IN_PROGRESS;
        master.failoverState = Instance.FAILOVER_STATE_NONE;
        master.failoverStartTime = t0 + 6001; // no new attempt in this test
        tick(t0 + 6000 + s.askPeriod * 5 + 1);
        assertThat(tick(t0 + 6000 + s.askPeriod * 5 + 2).eventTypes()).containsExactly("-odown");
    }

    @Test
    void electedByAMajorityTheLeaderPromotesTheBestReplicaAndReconfiguresTheOthers() throws Exception {
        setUp(7001, 7002, 7003);
        master.parallelSyncs = 1;
        tick(t0 + 6000);
        peersSay(true, "*", 0, t0 + 6000);
        Ready start = tick(t0 + 6001);
        // The candidate votes for itself in the new epoch at once, and persists the vote.
        assertThat(start.eventTypes()).containsSequence("+odown", "+new-epoch", "+try-failover", "+vote-for-leader");
        assertThat(start.actions).anyMatch(a -> a instanceof Ready.FlushConfig);
        assertThat(start.eventTypes()).doesNotContain("+elected-leader"); // one vote of three is no majority
        assertThat(master.failoverEpoch).isEqualTo(1);
        // The vote request goes to every peer at once, with our run id.
        assertThat(asks(start)).extracting(Ready.AskMasterState::runid).contains(ME, ME);
        assertThat(asks(start)).extracting(Ready.AskMasterState::epoch).contains(1L);

        // One peer votes for us: with our own vote, 2 of 3 voters and the quorum.
        machine.stepMasterDownReply(master.sentinels.get(PEER_A), true, ME, 1, t0 + 6100);
        Ready elected = tick(t0 + 6100);
        assertThat(elected.eventTypes()).containsSequence("+elected-leader", "+failover-state-select-slave");

        // Replicas are fit only with fresh INFO and pongs (every second while the master is down).
        for (Instance r : master.slaves.values()) {
            r.infoRefresh = t0 + 6150;
            r.link.lastAvailTime = t0 + 6150;
        }
        Ready select = tick(t0 + 6200);
        assertThat(select.eventTypes()).containsSequence("+selected-slave", "+failover-state-send-slaveof-noone");
        assertThat(master.promotedSlave.addr.port).isEqualTo(7003); // the largest offset

        Ready noone = tick(t0 + 6300);
        assertThat(slaveOfs(noone)).singleElement().satisfies(so -> {
            assertThat(so.ri().addr.port).isEqualTo(7003);
            assertThat(so.addr()).isNull();
        });
        assertThat(master.failoverState).isEqualTo(Instance.FAILOVER_STATE_WAIT_PROMOTION);

        // Until the replica's INFO says role:master, nothing moves; a replica we did not promote does not count.
        Instance other = master.slaves.get("127.0.0.1:7001");
        assertThat(machine.stepPromoted(other, t0 + 6900, new Ready())).isFalse();
        Ready promoted = new Ready();
        assertThat(machine.stepPromoted(master.promotedSlave, t0 + 7000, promoted)).isTrue();
        assertThat(promoted.eventTypes()).containsExactly("+promoted-slave", "+failover-state-reconf-slaves");
        assertThat(master.configEpoch).isEqualTo(1);
        // Then the other replicas, one at a time (parallel-syncs 1).
        Ready reconf = tick(t0 + 7000);
        assertThat(slaveOfs(reconf)).singleElement().satisfies(so -> assertThat(so.addr().port).isEqualTo(7003));
        assertThat(tick(t0 + 7100).actions).noneMatch(a -> a instanceof Ready.SlaveOf); // parallel-syncs 1
        for (Instance r : master.slaves.values()) {
            if (r.is(Instance.RECONF_SENT)) r.flags = (r.flags & ~Instance.RECONF_SENT) | Instance.RECONF_DONE;
        }
        Ready next = tick(t0 + 7200);
        assertThat(slaveOfs(next)).hasSize(1);
        for (Instance r : master.slaves.values()) {
            if (r.is(Instance.RECONF_SENT)) r.flags = (r.flags & ~Instance.RECONF_SENT) | Instance.RECONF_DONE;
        }
        assertThat(tick(t0 + 7300).eventTypes()).contains("+failover-end");
        assertThat(master.failoverState).isEqualTo(Instance.FAILOVER_STATE_UPDATE_CONFIG);
    }

    @Test
    void aCandidateNotElectedWithinTheElectionTimeoutAbortsAndWaitsTwiceTheFailoverTimeout() throws Exception {
        setUp(7001);
        tick(t0 + 6000);
        peersSay(true, "*", 0, t0 + 6000);
        tick(t0 + 6001);
        long started = master.failoverStartTime;
        // The peers vote for each other: nobody reaches two votes... except that we then vote for the leader they name.
        machine.stepMasterDownReply(master.sentinels.get(PEER_A), true, PEER_B, 1, t0 + 6100);
        machine.stepMasterDownReply(master.sentinels.get(PEER_B), true, PEER_A, 1, t0 + 6100);
        Ready waiting = tick(t0 + 6100);
        assertThat(waiting.eventTypes()).doesNotContain("+elected-leader");
        long timeout = Math.min(s.electionTimeout, master.failoverTimeout);
        peersSay(true, "*", 0, started + timeout);
        assertThat(tick(started + timeout + 1).eventTypes()).contains("-failover-abort-not-elected");
        assertThat(master.is(Instance.FAILOVER_IN_PROGRESS)).isFalse();
        // Still ODOWN, but no new attempt before twice the failover timeout since the last one.
        peersSay(true, "*", 0, started + master.failoverTimeout * 2 - 1);
        assertThat(tick(started + master.failoverTimeout * 2 - 1).eventTypes()).doesNotContain("+try-failover");
        peersSay(true, "*", 0, started + master.failoverTimeout * 2 + 1);
        assertThat(tick(started + master.failoverTimeout * 2 + 1).eventTypes()).contains("+try-failover");
        assertThat(master.failoverEpoch).isEqualTo(2);
    }

    @Test
    void aVoteIsGivenOncePerEpochAndDelaysOurOwnAttempt() throws Exception {
        setUp();
        Ready r = new Ready();
        long[] epoch = new long[1];
        assertThat(machine.voteLeader(master, 5, PEER_A, epoch, t0, r)).isEqualTo(PEER_A);
        assertThat(r.eventTypes()).containsExactly("+new-epoch", "+vote-for-leader");
        assertThat(s.currentEpoch).isEqualTo(5);
        assertThat(master.failoverStartTime).isBetween(t0, t0 + Sentinel.MAX_DESYNC);
        Ready again = new Ready();
        assertThat(machine.voteLeader(master, 5, PEER_B, epoch, t0, again)).isEqualTo(PEER_A);
        assertThat(again.actions).isEmpty();
    }

    @Test
    void withNoReplicaToPromoteTheFailoverAbortsAndAPromotionThatNeverComesTimesOut() throws Exception {
        setUp(7001);
        master.slaves.values().iterator().next().slavePriority = 0; // never promoted
        master.flags |= Instance.S_DOWN | Instance.O_DOWN | Instance.FORCE_FAILOVER;
        machine.startFailover(master, t0, new Ready());
        master.failoverStartTime = t0;
        assertThat(tick(t0 + 1).eventTypes()).contains("+elected-leader"); // forced: no election
        assertThat(tick(t0 + 2).eventTypes()).contains("-failover-abort-no-good-slave");
        assertThat(master.failoverState).isEqualTo(Instance.FAILOVER_STATE_NONE);

        master.slaves.values().iterator().next().slavePriority = 100;
        master.slaves.values().iterator().next().infoRefresh = t0 + 11;
        master.flags |= Instance.FORCE_FAILOVER;
        machine.startFailover(master, t0 + 10, new Ready());
        master.failoverStartTime = t0;
        tick(t0 + 11);
        tick(t0 + 12);
        tick(t0 + 13);
        assertThat(master.failoverState).isEqualTo(Instance.FAILOVER_STATE_WAIT_PROMOTION);
        assertThat(tick(t0 + 13 + master.failoverTimeout).eventTypes()).doesNotContain("-failover-abort-slave-timeout");
        assertThat(tick(t0 + 14 + master.failoverTimeout).eventTypes()).contains("-failover-abort-slave-timeout");
        assertThat(master.promotedSlave).isNull();
    }
}
