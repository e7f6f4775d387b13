package io.magpie.raft;

import io.magpie.server.metrics.MetricsEndpoint;
import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;

/**
 * The Ratis server settings of a Magpie node, in Raft mode and in sharded Raft mode alike,
 * stated here because Ratis's defaults are not those of a consistent store: linearizable reads
 * (the default reads the local state machine), the log forced to disk before an entry counts
 * as appended (no unsafe flush), snapshots taken automatically and the log purged up to them.
 */
public final class RaftSettings {
    private RaftSettings() {}

    public static RaftProperties properties(File storageDir, String host, int port, boolean readLease, long snapshotThreshold,
            long segmentSize) {
        RaftProperties properties = new RaftProperties();
        RaftServerConfigKeys.setStorageDir(properties, List.of(storageDir));
        if (host != null) GrpcConfigKeys.Server.setHost(properties, host);
        GrpcConfigKeys.Server.setPort(properties, port);
        RaftServerConfigKeys.Read.setOption(properties, RaftServerConfigKeys.Read.Option.LINEARIZABLE);
        RaftServerConfigKeys.Read.setLeaderLeaseEnabled(properties, readLease);
        RaftServerConfigKeys.Log.setUnsafeFlushEnabled(properties, false);
        RaftServerConfigKeys.Log.setAsyncFlushEnabled(properties, false);
        RaftServerConfigKeys.Log.setSegmentSizeMax(properties, SizeInBytes.valueOf(segmentSize));
        long writeBuffer = Math.min(segmentSize, 8L << 20);
        RaftServerConfigKeys.Log.setWriteBufferSize(properties, SizeInBytes.valueOf(writeBuffer));
        // Ratis requires an append batch to fit the write buffer.
        RaftServerConfigKeys.Log.Appender.setBufferByteLimit(properties, SizeInBytes.valueOf(Math.min(4L << 20, writeBuffer - 8)));
        RaftServerConfigKeys.Log.setPreallocatedSize(properties, SizeInBytes.valueOf(Math.min(segmentSize, 4L << 20)));
        // Compaction: every snapshot purges the closed segments it covers; a member that lags
        // behind the purged log is sent the snapshot.
        RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(properties, true);
        RaftServerConfigKeys.Log.setPurgeGap(properties, 1);
        // gRPC, with the leader sending the snapshot also to a follower stuck at the purge boundary.
        org.apache.ratis.RaftConfigKeys.Rpc.setType(properties, new MagpieRpcType());
        RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(properties, true);
        RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(properties, snapshotThreshold);
        // A snapshot at stop would need the keyspace thread, which is stopping: the log is durable anyway.
        RaftServerConfigKeys.Snapshot.setTriggerWhenStopEnabled(properties, false);
        RaftServerConfigKeys.Snapshot.setTriggerWhenRemoveEnabled(properties, false);
        // Elections: wide enough that a loaded machine's pauses do not depose a healthy leader,
        // short enough that a dead leader is replaced within about a second.
        RaftServerConfigKeys.Rpc.setTimeoutMin(properties, TimeDuration.valueOf(400, TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Rpc.setTimeoutMax(properties, TimeDuration.valueOf(800, TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Rpc.setRequestTimeout(properties, TimeDuration.valueOf(5, TimeUnit.SECONDS));
        return properties;
    }

    /**
     * The address the Raft port listens on: the node's first {@code bind} address, as Redis's
     * cluster bus listens where the node does; null (every address, Ratis's default) for "*".
     */
    public static String listenHost(List<String> bind) {
        try {
            InetAddress address = MetricsEndpoint.listenAddress(bind);
            return address == null ? null : address.getHostAddress();
        } catch (IOException e) {
            throw new IllegalArgumentException("bind address: " + e.getMessage(), e);
        }
    }
}
