package io.magpie.raft;

import org.apache.ratis.conf.Parameters;
import org.apache.ratis.grpc.GrpcFactory;
import org.apache.ratis.grpc.server.GrpcLogAppender;
import org.apache.ratis.rpc.RpcFactory;
import org.apache.ratis.rpc.RpcType;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.leader.FollowerInfo;
import org.apache.ratis.server.leader.LeaderState;
import org.apache.ratis.server.leader.LogAppender;
import org.apache.ratis.server.raftlog.RaftLog;
import org.apache.ratis.statemachine.SnapshotInfo;

/**
 * Ratis's gRPC transport with one change, in the leader's log appender: a follower stuck at the
 * purge boundary is sent the snapshot.
 *
 * <p>Ratis 3.2.2 ({@code LogAppender.shouldInstallSnapshot}) sends a snapshot only to a follower
 * whose next index is before the leader's first log entry. A follower whose next index is exactly
 * that first entry needs the term of the entry before it, which the purge removed; unless that
 * entry is the snapshot's last one, Ratis cannot name it ("Previous TermIndex not found for
 * firstIndex"), sends nothing, and tries again forever: the follower never catches up. The purge
 * cuts whole closed segments up to the snapshot, so the log's first entry seldom follows the
 * snapshot's last, and a member restarted with its log ending just there hits it
 * (ShardedRaftJoinTest, a killed and restarted node). No Ratis setting avoids it, hence this
 * class; it is plugged in by name ({@code raft.rpc.type}, {@link RaftSettings}).
 */
public final class MagpieRpcType implements RpcType {
    @Override
    public String name() {
        return MagpieRpcType.class.getName();
    }

    @Override
    public RpcFactory newFactory(Parameters parameters) {
        return new Factory(parameters);
    }

    /**
     * Whether a follower must be sent the snapshot because the leader cannot send it entries:
     * it needs entries (its next index is before the leader's next), and the entry before its
     * next index is gone from the log (purged) and is not the snapshot's last.
     */
    static boolean stuckAtPurgeBoundary(long followerNext, long leaderNext, boolean previousInLog, long snapshotIndex) {
        return followerNext > RaftLog.LEAST_VALID_LOG_INDEX && followerNext < leaderNext && !previousInLog
                && snapshotIndex >= followerNext; // the snapshot covers what the follower lacks, and its last entry is not the previous
    }

    static final class Factory extends GrpcFactory {
        Factory(Parameters parameters) {
            super(parameters);
        }

        @Override
        public LogAppender newLogAppender(RaftServer.Division server, LeaderState state, FollowerInfo f) {
            return new Appender(server, state, f);
        }
    }

    static final class Appender extends GrpcLogAppender {
        Appender(RaftServer.Division server, LeaderState leaderState, FollowerInfo f) {
            super(server, leaderState, f);
        }

        @Override
        public SnapshotInfo shouldInstallSnapshot() {
            SnapshotInfo s = super.shouldInstallSnapshot();
            if (s != null) return s;
            SnapshotInfo snapshot = getServer().getStateMachine().getLatestSnapshot();
            if (snapshot == null) return null;
            long next = getFollower().getNextIndex();
            RaftLog log = getRaftLog();
            boolean previousInLog = next <= RaftLog.LEAST_VALID_LOG_INDEX || log.getTermIndex(next - 1) != null;
            return stuckAtPurgeBoundary(next, log.getNextIndex(), previousInLog, snapshot.getIndex()) ? snapshot : null;
        }
    }
}
