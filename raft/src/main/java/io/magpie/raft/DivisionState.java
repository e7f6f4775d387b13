package io.magpie.raft;

import java.util.Locale;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;

/**
 * What the module asks of one Ratis group on this server (a division): role, leader, term and
 * indexes. A null division (not started yet, or not a member) is a follower that knows nothing.
 */
public final class DivisionState {
    private DivisionState() {}

    public static boolean isLeader(RaftServer.Division d) {
        return d != null && d.getInfo().isLeader();
    }

    /** The leader's first entry of its term is committed: it may serve (RedisRaft's Jepsen bug #19). */
    public static boolean isLeaderReady(RaftServer.Division d) {
        return d != null && d.getInfo().isLeader() && d.getInfo().isLeaderReady();
    }

    public static String role(RaftServer.Division d) {
        if (d == null) return "follower";
        RaftPeerRole r = d.getInfo().getCurrentRole();
        if (r == RaftPeerRole.LISTENER) return "learner";
        return r == null ? "follower" : r.name().toLowerCase(Locale.ROOT);
    }

    /** The leader's id, or null when none is known. */
    public static String leaderId(RaftServer.Division d) {
        RaftPeerId id = d == null ? null : d.getInfo().getLeaderId();
        return id == null ? null : id.toString();
    }

    public static long term(RaftServer.Division d) {
        return d == null ? 0 : d.getInfo().getCurrentTerm();
    }

    public static long commitIndex(RaftServer.Division d) {
        return d == null ? -1 : d.getRaftLog().getLastCommittedIndex();
    }

    public static long appliedIndex(RaftServer.Division d) {
        return d == null ? -1 : d.getInfo().getLastAppliedIndex();
    }
}
