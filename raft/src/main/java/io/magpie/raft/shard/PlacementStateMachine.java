package io.magpie.raft.shard;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.concurrent.CompletableFuture;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.raftlog.RaftLog;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.util.MD5FileUtil;

/**
 * The placement group's state machine (TiKV's PD in small): the {@link ClusterMap}. Its
 * entries are BOOTSTRAP (the first map, proposed by the first placement leader; later ones
 * are ignored), NODE (where a node serves clients), LEADER (a data group's leader, reported
 * by the leader itself with its term), RESHARD (RAFT SHARDS: more groups and the table to
 * reach), SWITCH (a move's slots now belong to its target group), JOIN (a node started with
 * --raft-join), DRAIN (RAFT REMOVENODE), MEMBERS (a group's Ratis voters after its replicas
 * moved) and FORGET (a drained node leaves the map). Applied on Ratis's thread: the map is immutable and
 * published through a volatile field. A snapshot is the encoded map.
 */
final class PlacementStateMachine extends io.magpie.raft.PausableStateMachine {
    static final byte BOOTSTRAP = 1, NODE = 2, LEADER = 3, RESHARD = 4, SWITCH = 5, JOIN = 6, DRAIN = 7, MEMBERS = 8, FORGET = 9;

    private final SimpleStateMachineStorage storage = new SimpleStateMachineStorage();
    private volatile ClusterMap map = ClusterMap.EMPTY;

    ClusterMap map() {
        return map;
    }

    static byte[] bootstrap(ClusterMap m) {
        return entry(BOOTSTRAP, out -> out.write(m.encode()));
    }

    static byte[] node(String id, String clientAddress) {
        return entry(NODE, out -> {
            out.writeUTF(id);
            out.writeUTF(clientAddress);
        });
    }

    static byte[] leader(int group, String id, long term) {
        return entry(LEADER, out -> {
            out.writeInt(group);
            out.writeUTF(id);
            out.writeLong(term);
        });
    }

    static byte[] reshard(int groups) {
        return entry(RESHARD, out -> out.writeInt(groups));
    }

    /** The switch of a move of the reshard that started at map version reshard ({@link ClusterMap#reshardVersion}). */
    static byte[] switchSlots(int source, int target, long reshard) {
        return entry(SWITCH, out -> {
            out.writeInt(source);
            out.writeInt(target);
            out.writeLong(reshard);
        });
    }

    static byte[] join(String id, String raftAddress, String clientAddress) {
        return entry(JOIN, out -> {
            out.writeUTF(id);
            out.writeUTF(raftAddress);
            out.writeUTF(clientAddress);
        });
    }

    static byte[] drain(String id) {
        return entry(DRAIN, out -> out.writeUTF(id));
    }

    static byte[] members(int group, java.util.List<String> members) {
        return entry(MEMBERS, out -> {
            out.writeInt(group);
            out.writeInt(members.size());
            for (String m : members) out.writeUTF(m);
        });
    }

    static byte[] forget(String id) {
        return entry(FORGET, out -> out.writeUTF(id));
    }

    private interface Body {
        void write(DataOutputStream out) throws IOException;
    }

    private static byte[] entry(byte type, Body body) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeByte(type);
            body.write(out);
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Why the map refuses an entry, sent back to its proposer, or null: a JOIN under an id in use;
     * a RESHARD while one is in flight or to the count there is (the proposing node checked its own
     * copy of the map, which may lag the log: two RAFT SHARDS in a row on a follower both said OK).
     */
    static String refusal(ClusterMap m, byte[] data) {
        if (data.length == 0 || m.isEmpty() || (data[0] != JOIN && data[0] != RESHARD)) return null;
        try {
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(data, 1, data.length - 1));
            if (data[0] == RESHARD) {
                int n = in.readInt();
                if (m.resharding()) return "ERR a reshard is already in progress";
                return n == m.shards() ? "ERR there are " + n + " raft shards already" : null;
            }
            return m.joinRefusal(in.readUTF(), in.readUTF());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The map after one entry. */
    static ClusterMap apply(ClusterMap m, byte[] data) {
        try {
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(data));
            byte type = in.readByte();
            return switch (type) {
                case BOOTSTRAP -> m.isEmpty() ? ClusterMap.decode(in.readAllBytes()) : m;
                case NODE -> m.isEmpty() ? m : m.withClientAddress(in.readUTF(), in.readUTF());
                case LEADER -> m.isEmpty() ? m : m.withLeader(in.readInt(), in.readUTF(), in.readLong());
                case RESHARD -> m.withReshard(in.readInt());
                case SWITCH -> m.isEmpty() ? m : m.withSwitch(in.readInt(), in.readInt(), in.available() >= Long.BYTES ? in.readLong() : -1);
                case JOIN -> m.withJoin(in.readUTF(), in.readUTF(), in.readUTF());
                case DRAIN -> m.withDrain(in.readUTF());
                case MEMBERS -> {
                    int g = in.readInt();
                    java.util.List<String> members = new java.util.ArrayList<>();
                    for (int i = in.readInt(); i > 0; i--) members.add(in.readUTF());
                    yield m.isEmpty() ? m : m.withMembers(g, members);
                }
                case FORGET -> m.without(in.readUTF());
                default -> throw new IllegalArgumentException("unknown placement entry type " + type);
            };
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage) throws IOException {
        super.initialize(server, groupId, raftStorage);
        storage.init(raftStorage);
        loadLatest();
        started();
    }

    /** After a snapshot was installed from the leader (a node joining after the log was compacted): the map is the snapshot's. */
    @Override
    public void reinitialize() throws IOException {
        loadLatest();
        resumed();
    }

    private void loadLatest() throws IOException {
        SingleFileSnapshotInfo s = storage.loadLatestSnapshot();
        if (s == null) return;
        map = ClusterMap.decode(Files.readAllBytes(s.getFile().getPath()));
        setLastAppliedTermIndex(s.getTermIndex());
    }

    @Override
    public StateMachineStorage getStateMachineStorage() {
        return storage;
    }

    @Override
    public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
        var proto = trx.getLogEntry();
        byte[] data = proto.getStateMachineLogEntry().getLogData().toByteArray();
        String refusal = refusal(map, data);
        map = apply(map, data);
        updateLastAppliedTermIndex(proto.getTerm(), proto.getIndex());
        return CompletableFuture.completedFuture(refusal == null ? Message.EMPTY : Message.valueOf(refusal));
    }

    @Override
    public long takeSnapshot() throws IOException {
        ClusterMap m = map;
        TermIndex last = getLastAppliedTermIndex();
        if (last == null || last.getIndex() <= 0) return RaftLog.INVALID_LOG_INDEX;
        File file = storage.getSnapshotFile(last.getTerm(), last.getIndex());
        File tmp = new File(file.getPath() + ".tmp");
        Files.write(tmp.toPath(), m.encode());
        Files.move(tmp.toPath(), file.toPath(), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        var md5 = MD5FileUtil.computeAndSaveMd5ForFile(file);
        storage.updateLatestSnapshot(new SingleFileSnapshotInfo(new FileInfo(file.toPath(), md5), last.getTerm(), last.getIndex()));
        return last.getIndex();
    }
}
