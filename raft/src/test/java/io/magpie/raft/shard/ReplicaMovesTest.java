package io.magpie.raft.shard;

import static org.assertj.core.api.Assertions.assertThat;

import io.magpie.raft.shard.ReplicaMoves.Conf;
import io.magpie.raft.shard.ReplicaMoves.Kind;
import io.magpie.raft.shard.ReplicaMoves.Progress;
import io.magpie.raft.shard.ReplicaMoves.Step;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The membership steps of a replica move, decided from what the group's leader sees and the
 * time: the whole move is played against a simulated group, and the slow learner, the retry
 * after a failure and the leader leaving are checked one by one.
 */
class ReplicaMovesTest {
    /** A group as its leader sees it; apply() plays a step the way Ratis would carry it out. */
    private static final class Group {
        String leader;
        List<String> voters, learners = List.of();
        String preferred;
        Map<String, Long> commits = new HashMap<>();
        long committed = 100;
        List<String> recorded;

        Group(String leader, List<String> voters) {
            this.leader = leader;
            this.voters = voters;
            this.preferred = voters.get(0);
            this.recorded = voters;
            for (String v : voters) commits.put(v, committed);
        }

        Conf conf() {
            return new Conf(leader, voters, learners, preferred, true, commits, committed);
        }

        void apply(Step s) {
            switch (s.kind()) {
                case ADD_LEARNER, PROMOTE, REMOVE, SET_PRIORITY -> {
                    voters = s.voters();
                    learners = s.learners();
                    preferred = s.preferred();
                }
                case TRANSFER_LEADER -> leader = s.node();
                case RECORD_MEMBERS -> recorded = s.voters();
                default -> throw new AssertionError(s);
            }
        }
    }

    @Test
    void aReplicaMovesByLearnerCatchUpPromotionThenRemovalAndTheMapRecordsItLast() {
        Group g = new Group("n1", List.of("n1", "n2", "n3"));
        List<String> target = List.of("n4", "n1", "n3");
        Progress p = new Progress();
        long now = 0;

        Step s = ReplicaMoves.next(g.conf(), target, g.recorded, p, now);
        assertThat(s.kind()).isEqualTo(Kind.ADD_LEARNER);
        assertThat(s.node()).isEqualTo("n4");
        assertThat(s.voters()).containsExactly("n1", "n2", "n3");
        assertThat(s.learners()).containsExactly("n4");
        g.apply(s);
        // Not caught up: wait, the quorum untouched.
        g.commits.put("n4", 3L);
        assertThat(ReplicaMoves.next(g.conf(), target, g.recorded, p, now += 1000).kind()).isEqualTo(Kind.WAIT);
        g.commits.put("n4", g.committed - ReplicaMoves.CATCH_UP_LAG);
        s = ReplicaMoves.next(g.conf(), target, g.recorded, p, now += 1000);
        assertThat(s.kind()).isEqualTo(Kind.PROMOTE);
        assertThat(s.voters()).containsExactlyInAnyOrder("n1", "n2", "n3", "n4");
        assertThat(s.learners()).isEmpty();
        g.apply(s);
        // Every target node a voter: the preferred leader's priority comes before any removal.
        s = ReplicaMoves.next(g.conf(), target, g.recorded, p, now);
        assertThat(s.kind()).isEqualTo(Kind.SET_PRIORITY);
        assertThat(s.preferred()).isEqualTo("n4");
        g.apply(s);
        s = ReplicaMoves.next(g.conf(), target, g.recorded, p, now);
        assertThat(s.kind()).isEqualTo(Kind.REMOVE);
        assertThat(s.node()).isEqualTo("n2");
        assertThat(s.voters()).containsExactlyInAnyOrder("n1", "n3", "n4");
        g.apply(s);
        assertThat(g.recorded).containsExactly("n1", "n2", "n3"); // the map still names the old members until now
        s = ReplicaMoves.next(g.conf(), target, g.recorded, p, now);
        assertThat(s.kind()).isEqualTo(Kind.RECORD_MEMBERS);
        g.apply(s);
        assertThat(g.recorded).isEqualTo(target);
        // Last, the preferred leader (caught up) is handed the leadership; then nothing is left to do.
        s = ReplicaMoves.next(g.conf(), target, g.recorded, p, now);
        assertThat(s.kind()).isEqualTo(Kind.TRANSFER_LEADER);
        assertThat(s.node()).isEqualTo("n4");
        g.apply(s);
        assertThat(ReplicaMoves.next(g.conf(), target, g.recorded, new Progress(), now).kind()).isEqualTo(Kind.NONE);
        // A preferred leader that lags is not handed leadership.
        Group lagging = new Group("n1", List.of("n4", "n1", "n3"));
        lagging.commits.put("n4", 3L);
        assertThat(ReplicaMoves.next(lagging.conf(), target, target, new Progress(), now).kind()).isEqualTo(Kind.NONE);
    }

    @Test
    void aLeaderThatMustGoHandsLeadershipToThePreferredTargetFirst() {
        Group g = new Group("n2", List.of("n2", "n3", "n4"));
        List<String> target = List.of("n3", "n4", "n1");
        Progress p = new Progress();
        for (int i = 0; i < 20 && !g.recorded.equals(target); i++) {
            Step s = ReplicaMoves.next(g.conf(), target, g.recorded, p, i);
            if (s.kind() == Kind.ADD_LEARNER) g.commits.put(s.node(), g.committed);
            if (s.kind() == Kind.REMOVE) assertThat(s.node()).isNotEqualTo(g.leader); // the leader never removes itself
            g.apply(s);
        }
        assertThat(g.leader).isEqualTo("n3");
        assertThat(g.voters).containsExactlyInAnyOrder("n1", "n3", "n4");
        assertThat(g.recorded).isEqualTo(target);
    }

    @Test
    void aLeaderThatMustGoHandsOverToACaughtUpTargetWhenThePreferredOneLags() {
        Group g = new Group("n2", List.of("n4", "n1", "n2"));
        g.preferred = "n4";
        g.commits.put("n4", 3L); // restarted behind the leader's compacted log
        Step s = ReplicaMoves.next(g.conf(), List.of("n4", "n1", "n3"), g.recorded, new Progress(), 0);
        assertThat(s.kind()).isEqualTo(Kind.ADD_LEARNER);
        g.apply(s);
        g.commits.put("n3", g.committed);
        g.apply(ReplicaMoves.next(g.conf(), List.of("n4", "n1", "n3"), g.recorded, new Progress(), 0)); // PROMOTE n3
        // Ratis refuses a transfer to a voter without the highest priority: n4's goes first.
        s = ReplicaMoves.next(g.conf(), List.of("n4", "n1", "n3"), g.recorded, new Progress(), 0);
        assertThat(s.kind()).isEqualTo(Kind.SET_PRIORITY);
        assertThat(s.preferred()).isNull();
        g.apply(s);
        s = ReplicaMoves.next(g.conf(), List.of("n4", "n1", "n3"), g.recorded, new Progress(), 0);
        assertThat(s.kind()).isEqualTo(Kind.TRANSFER_LEADER);
        assertThat(s.node()).isEqualTo("n1");
    }

    @Test
    void aLearnerThatDoesNotCatchUpInTimeIsRemovedAndTheMoveTriedAgainAfterAPause() {
        Group g = new Group("n1", List.of("n1", "n2", "n3"));
        List<String> target = List.of("n1", "n3", "n4");
        Progress p = new Progress();
        g.apply(ReplicaMoves.next(g.conf(), target, g.recorded, p, 0));
        assertThat(g.learners).containsExactly("n4");
        assertThat(ReplicaMoves.next(g.conf(), target, g.recorded, p, 10).kind()).isEqualTo(Kind.WAIT);
        assertThat(ReplicaMoves.next(g.conf(), target, g.recorded, p, 10 + ReplicaMoves.CATCH_UP_MS).kind()).isEqualTo(Kind.WAIT);
        long late = 11 + ReplicaMoves.CATCH_UP_MS;
        Step s = ReplicaMoves.next(g.conf(), target, g.recorded, p, late);
        assertThat(s.kind()).isEqualTo(Kind.REMOVE);
        assertThat(s.node()).isEqualTo("n4");
        g.apply(s);
        assertThat(g.voters).containsExactly("n1", "n2", "n3"); // back where it started
        assertThat(ReplicaMoves.next(g.conf(), target, g.recorded, p, late + 1).kind()).isEqualTo(Kind.WAIT);
        assertThat(ReplicaMoves.next(g.conf(), target, g.recorded, p, late + ReplicaMoves.RETRY_MS).kind()).isEqualTo(Kind.ADD_LEARNER);
    }

    @Test
    void nothingIsChangedWhileAConfigurationIsUnsettledOrAfterAFailureUntilTheRetryTime() {
        Group g = new Group("n1", List.of("n1", "n2", "n3"));
        List<String> target = List.of("n1", "n2", "n4");
        Progress p = new Progress();
        Conf unsettled = new Conf("n1", g.voters, g.learners, g.preferred, false, g.commits, g.committed);
        assertThat(ReplicaMoves.next(unsettled, target, g.recorded, p, 0).kind()).isEqualTo(Kind.WAIT);
        p.failed(50);
        assertThat(ReplicaMoves.next(g.conf(), target, g.recorded, p, 50 + ReplicaMoves.RETRY_MS - 1).kind()).isEqualTo(Kind.WAIT);
        assertThat(ReplicaMoves.next(g.conf(), target, g.recorded, p, 50 + ReplicaMoves.RETRY_MS).kind()).isEqualTo(Kind.ADD_LEARNER);
        // A learner the target does not name (a move rolled back elsewhere) goes first.
        g.learners = List.of("n9");
        Step s = ReplicaMoves.next(g.conf(), target, g.recorded, p, 10_000);
        assertThat(s.kind()).isEqualTo(Kind.REMOVE);
        assertThat(s.node()).isEqualTo("n9");
    }

    @Test
    void aVoterIsRemovedOnlyOnceItCommittedAnEntryOfTheLeadersTermOrStoppedAnsweringOrTheWaitRanOut() {
        // n1 handed leadership to n2 to be removed: its writes proposed before stay undecided until
        // an entry of n2's term (from its configuration entry, index 100, on) applies there.
        List<String> voters = List.of("n1", "n2", "n3", "n4"), target = List.of("n2", "n3", "n4");
        Map<String, Long> behind = Map.of("n1", 99L, "n2", 120L, "n3", 120L, "n4", 120L);
        Conf c = new Conf("n2", voters, List.of(), "n2", true, behind, 120, 100);
        Progress p = new Progress();
        assertThat(ReplicaMoves.next(c, target, target, p, 0).kind()).isEqualTo(Kind.WAIT);
        assertThat(ReplicaMoves.next(c, target, target, p, ReplicaMoves.LEAVER_CATCH_UP_MS - 1).kind()).isEqualTo(Kind.WAIT);
        Step s = ReplicaMoves.next(c, target, target, p, ReplicaMoves.LEAVER_CATCH_UP_MS);
        assertThat(s.kind()).isEqualTo(Kind.REMOVE);
        assertThat(s.node()).isEqualTo("n1");

        Conf caughtUp = new Conf("n2", voters, List.of(), "n2", true, Map.of("n1", 100L, "n2", 120L, "n3", 120L, "n4", 120L), 120, 100);
        assertThat(ReplicaMoves.next(caughtUp, target, target, p, 0).kind()).isEqualTo(Kind.REMOVE);
        // The wait ended: removing n1 again later (after it rejoined) waits its full time again.
        assertThat(ReplicaMoves.next(c, target, target, p, 5 * ReplicaMoves.LEAVER_CATCH_UP_MS).kind()).isEqualTo(Kind.WAIT);
        Conf silent = new Conf("n2", voters, List.of(), "n2", true, Map.of("n2", 120L, "n3", 120L, "n4", 120L), 120, 100);
        assertThat(ReplicaMoves.next(silent, target, target, new Progress(), 0).kind()).isEqualTo(Kind.REMOVE);
    }

    @Test
    void aLeaderThatMustGoWhileThePreferredNodeLagsClearsThePrioritiesAndHandsLeadershipToACaughtUpNode() {
        // n2 drains and leads; the target's first node, n3, has the priority but lags (a loaded
        // machine): Ratis refuses a transfer to n4 while n3 has the higher priority.
        List<String> voters = List.of("n1", "n2", "n3", "n4"), target = List.of("n3", "n4", "n1");
        Map<String, Long> commits = Map.of("n1", 900L, "n2", 1000L, "n3", 500L, "n4", 1000L);
        Step s = ReplicaMoves.next(new Conf("n2", voters, List.of(), "n3", true, commits, 1000, 900), target, target, new Progress(), 0);
        assertThat(s.kind()).isEqualTo(Kind.SET_PRIORITY);
        assertThat(s.preferred()).isNull();
        assertThat(s.voters()).isEqualTo(voters);
        // With no priorities left, the first caught-up target node is handed leadership; the lagging one is not given it back first.
        s = ReplicaMoves.next(new Conf("n2", voters, List.of(), null, true, commits, 1000, 900), target, target, new Progress(), 0);
        assertThat(s.kind()).isEqualTo(Kind.TRANSFER_LEADER);
        assertThat(s.node()).isEqualTo("n4");
        // Once n3 caught up it is the successor, and keeps its priority.
        Map<String, Long> caughtUp = Map.of("n1", 900L, "n2", 1000L, "n3", 990L, "n4", 1000L);
        s = ReplicaMoves.next(new Conf("n2", voters, List.of(), "n3", true, caughtUp, 1000, 900), target, target, new Progress(), 0);
        assertThat(s.kind()).isEqualTo(Kind.TRANSFER_LEADER);
        assertThat(s.node()).isEqualTo("n3");
    }

    @Test
    void aDrainedNodeLeavesThePlacementGroupThenTheMap() {
        Conf led = new Conf("n1", List.of("n1", "n2", "n3"), List.of(), null, true, Map.of(), 10);
        Step s = ReplicaMoves.leave(led, "n2");
        assertThat(s.kind()).isEqualTo(Kind.REMOVE);
        assertThat(s.voters()).containsExactly("n1", "n3");
        assertThat(ReplicaMoves.leave(led, "n1").kind()).isEqualTo(Kind.TRANSFER_LEADER);
        Conf after = new Conf("n1", List.of("n1", "n3"), List.of(), null, true, Map.of(), 11);
        assertThat(ReplicaMoves.leave(after, "n2").kind()).isEqualTo(Kind.RECORD_MEMBERS);
        assertThat(ReplicaMoves.leave(new Conf("n1", List.of("n1", "n2"), List.of(), null, false, Map.of(), 11), "n2").kind()).isEqualTo(Kind.WAIT);
    }

    @Test
    void aPreferredLeaderThatStoppedAnsweringIsNotHandedLeadershipThoughItsLastCommitIndexIsUpToDate() {
        Group g = new Group("n2", List.of("n1", "n2", "n3"));
        List<String> target = List.of("n1", "n2", "n3");
        Progress p = new Progress();
        // n1, the preferred leader, was killed: n2 leads, and the commit index it last heard from n1 is the latest.
        Map<String, Long> elapsed = Map.of("n1", 5_000L, "n3", 20L);
        Conf seen = new Conf("n2", g.voters, g.learners, g.preferred, true, ReplicaMoves.responsive(g.commits, elapsed, "n2", 800), g.committed);
        assertThat(ReplicaMoves.next(seen, target, target, p, 0).kind()).isEqualTo(Kind.NONE);
        // n1 is back and answers: it is given leadership again.
        Conf back = new Conf("n2", g.voters, g.learners, g.preferred, true,
                ReplicaMoves.responsive(g.commits, Map.of("n1", 30L, "n3", 20L), "n2", 800), g.committed);
        Step s = ReplicaMoves.next(back, target, target, p, 0);
        assertThat(s.kind()).isEqualTo(Kind.TRANSFER_LEADER);
        assertThat(s.node()).isEqualTo("n1");
    }

    @Test
    void aLearnerThatStoppedAnsweringIsNotPromoted() {
        Map<String, Long> commits = Map.of("n1", 100L, "n2", 100L, "n4", 100L);
        assertThat(ReplicaMoves.responsive(commits, Map.of("n2", 10L, "n4", 900L), "n1", 800)).containsOnlyKeys("n1", "n2");
    }

    @Test
    void aFailedTransferToThePreferredLeaderIsTriedAgainLaterAndLaterAsItKeepsFailing() {
        Progress p = new Progress();
        p.transferFailed(0);
        assertThat(p.retryAt).isEqualTo(ReplicaMoves.TRANSFER_PAUSE_MS);
        p.transferFailed(0);
        assertThat(p.retryAt).isEqualTo(2 * ReplicaMoves.TRANSFER_PAUSE_MS);
        for (int i = 0; i < 10; i++) p.transferFailed(0);
        assertThat(p.retryAt).isEqualTo(32 * ReplicaMoves.TRANSFER_PAUSE_MS);
    }
}
