package io.magpie.raft.shard;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The next membership change a data group's leader makes to bring its Ratis configuration to
 * the replicas the cluster map wants for it (target): a pure decision over what the leader sees
 * (voters, learners, commit indexes) and the time, so that every path, the slow learner and the
 * retry after a failure included, is tested without a cluster. The order keeps the group
 * available and never below its replica count:
 * <ol>
 *   <li>a learner the target does not name goes (left by a move rolled back);</li>
 *   <li>a target node missing from the group joins as a learner (a Ratis listener: it is sent
 *       the log or a snapshot but does not vote, so the quorum is not changed by a slow node);</li>
 *   <li>a learner that caught up is promoted to voter; one that did not within
 *       {@link #CATCH_UP_MS} is removed, and the move tried again later;</li>
 *   <li>the target's first node gets the priority that makes Ratis hand it leadership, so that
 *       preferred leaders, spread over the nodes by the map, become the leaders;</li>
 *   <li>only then a voter the target does not name is removed, after the leadership moved off
 *       it when it is the leader itself;</li>
 *   <li>the map records the voters reached as the group's members;</li>
 *   <li>last, a leader that is not the preferred one hands it leadership once it is caught up.</li>
 * </ol>
 */
final class ReplicaMoves {
    /** A learner whose commit index is within this many entries of the leader's counts as caught up. */
    static final long CATCH_UP_LAG = 64;
    /** A learner not caught up after this long is removed and the move tried again. */
    static final long CATCH_UP_MS = 120_000;
    /** The pause after a failed change before the next try. */
    static final long RETRY_MS = 1_000;
    /** The pause after handing leadership to the preferred leader (a transfer that did not happen is tried again after it). */
    static final long TRANSFER_PAUSE_MS = 10_000;

    enum Kind { NONE, WAIT, ADD_LEARNER, PROMOTE, REMOVE, TRANSFER_LEADER, SET_PRIORITY, RECORD_MEMBERS }

    /**
     * One step: for ADD_LEARNER, PROMOTE, REMOVE and SET_PRIORITY the configuration to set
     * (voters, learners, and the voter given leader priority, or null); node is the one the step
     * is about; for RECORD_MEMBERS voters is the list to record.
     */
    record Step(Kind kind, String node, List<String> voters, List<String> learners, String preferred) {
        static final Step NONE = new Step(Kind.NONE, null, List.of(), List.of(), null);
        static final Step WAIT = new Step(Kind.WAIT, null, List.of(), List.of(), null);
    }

    /**
     * What the group's leader (self) sees: its voters and learners, the voter holding leader
     * priority (null when none), whether its last configuration is committed and stable, each
     * member's commit index and its own.
     */
    record Conf(String self, List<String> voters, List<String> learners, String preferred, boolean settled, Map<String, Long> commitIndex,
            long leaderCommit, long confIndex) {
        /** confIndex: the index of the current configuration's entry, at or after the leader's first entry of its term. */
        Conf(String self, List<String> voters, List<String> learners, String preferred, boolean settled, Map<String, Long> commitIndex,
                long leaderCommit) {
            this(self, voters, learners, preferred, settled, commitIndex, leaderCommit, 0);
        }
    }

    /** What one group's moves remember between decisions: the learner being caught up since when, and when to try again. */
    static final class Progress {
        String learner;
        long learnerSince;
        long retryAt;

        /** The voter waited for to commit an entry of this term before it is removed, and since when. */
        String leaver;
        long leaverSince;

        /** Handing leadership to the preferred leader failed this many times in a row. */
        int transferFailures;

        void failed(long now) {
            retryAt = now + RETRY_MS;
        }

        /**
         * Handing leadership to the preferred leader (not a must: this leader is in the target)
         * failed: Ratis refused the group's writes during the try, so the next waits
         * {@link #TRANSFER_PAUSE_MS}, doubled at each failure in a row up to 32 times that.
         */
        void transferFailed(long now) {
            transferFailures++;
            retryAt = now + (TRANSFER_PAUSE_MS << Math.min(transferFailures - 1, 5));
        }
    }

    private ReplicaMoves() {}

    /**
     * The commit indexes of the members that count as caught up: the leader's own and those of
     * the followers that answered it within responsiveMs (rpcElapsedMs: per follower, ms since
     * its last reply). The commit index a leader knows of a follower that went down is the last
     * it heard, up to date for a while: a preferred leader killed, or a learner, looked caught
     * up, and the leader handed leadership to a dead node again and again, Ratis refusing the
     * group's writes during each try (10 s).
     */
    static Map<String, Long> responsive(Map<String, Long> commits, Map<String, Long> rpcElapsedMs, String self, long responsiveMs) {
        Map<String, Long> out = new java.util.HashMap<>();
        for (var e : commits.entrySet()) {
            Long elapsed = rpcElapsedMs.get(e.getKey());
            if (e.getKey().equals(self) || (elapsed != null && elapsed < responsiveMs)) out.put(e.getKey(), e.getValue());
        }
        return out;
    }

    static Step next(Conf c, List<String> target, List<String> recorded, Progress p, long now) {
        if (target.isEmpty() || now < p.retryAt || !c.settled()) return target.isEmpty() ? Step.NONE : Step.WAIT;
        String preferred = c.voters().contains(target.get(0)) ? target.get(0) : c.preferred();
        for (String l : c.learners()) {
            if (!target.contains(l)) return change(Kind.REMOVE, l, c.voters(), without(c.learners(), l), preferred);
        }
        for (String l : c.learners()) {
            if (caughtUp(c, l)) {
                p.learner = null;
                return change(Kind.PROMOTE, l, with(c.voters(), l), without(c.learners(), l), preferred);
            }
            if (!l.equals(p.learner)) {
                p.learner = l;
                p.learnerSince = now;
            } else if (now - p.learnerSince > CATCH_UP_MS) {
                p.learner = null;
                p.retryAt = now + RETRY_MS;
                return change(Kind.REMOVE, l, c.voters(), without(c.learners(), l), preferred);
            }
            return Step.WAIT;
        }
        for (String t : target) {
            if (!c.voters().contains(t)) return change(Kind.ADD_LEARNER, t, c.voters(), with(c.learners(), t), preferred);
        }
        // Priority first: Ratis would hand leadership back to a voter of higher priority. Not while this
        // leader must go and the first target node lags: it goes to another node, which needs the priority cleared.
        boolean leaving = !target.contains(c.self());
        if (!target.get(0).equals(c.preferred()) && !(leaving && !caughtUp(c, target.get(0)))) {
            return change(Kind.SET_PRIORITY, target.get(0), c.voters(), c.learners(), target.get(0));
        }
        for (String v : c.voters()) {
            if (target.contains(v)) continue;
            if (v.equals(c.self())) {
                String successor = successor(c, target);
                // Ratis hands leadership only to a voter of the highest priority: to any other, all priorities go first
                // (a drain whose preferred node lagged under load asked for a refused transfer again and again).
                if (c.preferred() != null && !c.preferred().equals(successor)) return change(Kind.SET_PRIORITY, successor, c.voters(), c.learners(), null);
                return new Step(Kind.TRANSFER_LEADER, successor, c.voters(), c.learners(), preferred);
            }
            if (awaitLeaver(c, v, p, now)) return Step.WAIT;
            return change(Kind.REMOVE, v, without(c.voters(), v), c.learners(), preferred);
        }
        if (!recorded.equals(target)) return new Step(Kind.RECORD_MEMBERS, null, target, List.of(), target.get(0));
        // Ratis hands leadership to the priority voter only when it finds it fully up to date, which a
        // steady write load can postpone for ever: a caught-up preferred leader is given it explicitly.
        String first = target.get(0);
        if (!first.equals(c.self()) && caughtUp(c, first)) {
            p.retryAt = now + TRANSFER_PAUSE_MS;
            return new Step(Kind.TRANSFER_LEADER, first, c.voters(), c.learners(), first);
        }
        return Step.NONE;
    }

    /**
     * Whether to wait before removing voter v: it answers this leader but has not committed an
     * entry of this term yet (the configuration entry, at or after the leader's first). A leader
     * that handed leadership over to be removed keeps the writes it had proposed undecided until
     * an entry of a later term applies there (it may not tell its client "not applied" before);
     * removed before that, it could never learn their fate. Not longer than
     * {@link #LEAVER_CATCH_UP_MS}: a replica that cannot catch up is removed all the same, its
     * waiting clients told the outcome is unknown.
     */
    private static boolean awaitLeaver(Conf c, String v, Progress p, long now) {
        Long committed = c.commitIndex().get(v);
        if (committed == null || committed >= c.confIndex()) {
            p.leaver = null; // a later removal of the same node waits afresh
            return false;
        }
        if (!v.equals(p.leaver)) {
            p.leaver = v;
            p.leaverSince = now;
        }
        return now - p.leaverSince < LEAVER_CATCH_UP_MS;
    }

    /** The longest a removal waits for the leaving voter to commit an entry of the leader's term. */
    static final long LEAVER_CATCH_UP_MS = 10_000;

    /**
     * A drained node leaving the placement group (seen by its leader, self): off its voters
     * (after the leadership moved when it leads), then out of the map (RECORD_MEMBERS: the FORGET
     * entry).
     */
    static Step leave(Conf c, String node) {
        if (!c.settled()) return Step.WAIT;
        if (c.voters().contains(node)) {
            if (node.equals(c.self())) {
                for (String v : c.voters()) if (!v.equals(node)) return new Step(Kind.TRANSFER_LEADER, v, c.voters(), c.learners(), null);
                return Step.WAIT; // the last voter never leaves
            }
            return new Step(Kind.REMOVE, node, without(c.voters(), node), without(c.learners(), node), null);
        }
        if (c.learners().contains(node)) return new Step(Kind.REMOVE, node, c.voters(), without(c.learners(), node), null);
        return new Step(Kind.RECORD_MEMBERS, node, c.voters(), c.learners(), null);
    }

    /**
     * Who takes over from a leader that must go: the first target node that is caught up (Ratis
     * hands leadership only to an up-to-date voter; one that lags, a replica restarted behind a
     * compacted log, say, would make the transfer fail again and again), else the preferred one.
     */
    private static String successor(Conf c, List<String> target) {
        for (String t : target) if (caughtUp(c, t)) return t;
        return target.get(0);
    }

    private static boolean caughtUp(Conf c, String id) {
        return c.commitIndex().getOrDefault(id, -1L) >= c.leaderCommit() - CATCH_UP_LAG;
    }

    private static Step change(Kind kind, String node, List<String> voters, List<String> learners, String preferred) {
        return new Step(kind, node, voters, learners, preferred != null && voters.contains(preferred) ? preferred : null);
    }

    private static List<String> with(List<String> list, String id) {
        List<String> out = new ArrayList<>(list);
        out.add(id);
        return List.copyOf(out);
    }

    private static List<String> without(List<String> list, String id) {
        List<String> out = new ArrayList<>(list);
        out.remove(id);
        return List.copyOf(out);
    }
}
