package io.magpie.raft.shard;

import io.magpie.commands.HashSlot;
import io.magpie.engine.Engine;
import io.magpie.engine.keyspace.Database;
import io.magpie.engine.keyspace.SlotIndex;
import io.magpie.persistence.rdb.RdbLoader;
import io.magpie.persistence.rdb.RdbReader;
import io.magpie.raft.DivisionState;
import io.magpie.raft.LogEntry;
import io.magpie.raft.RaftApply;
import io.magpie.raft.RaftDispatch;
import io.magpie.raft.RaftStateMachine;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.IntPredicate;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.server.RaftServer;

/**
 * One data group (a shard) as this node, one of its replicas, sees it. Its state is the keys
 * of the slots it owns, held in the node's one keyspace beside the keys of the other groups
 * this node replicates (their slots are disjoint, so they never touch). Entries apply through
 * the single group's {@link RaftApply} (parked clients, time and seed of the entry). A
 * snapshot is the node's fork-free RDB; installing one replaces only this group's slots: its
 * keys are deleted and the file's keys of its slots loaded, the others skipped.
 */
final class DataGroup implements RaftDispatch.Target {
    final int index;
    final RaftGroupId id;
    final RaftApply apply;
    final RaftStateMachine stateMachine;
    private final java.util.function.Supplier<MultiRaft> raft;
    /** A proposal of this group's active expiry is in flight. */
    boolean expiryInFlight;
    /** Slots this group applies no more writes to: they are moving away ({@link SlotMove}); keyspace thread. */
    final java.util.BitSet fenced;

    DataGroup(int index, java.util.function.Supplier<MultiRaft> raft, RaftApply apply, java.util.BitSet fenced,
            RaftStateMachine.Keyspace keyspace) {
        this.index = index;
        this.fenced = fenced;
        this.id = MultiRaft.dataGroupId(index);
        this.raft = raft;
        this.apply = apply;
        this.stateMachine = new RaftStateMachine(keyspace);
    }

    private RaftServer.Division division() {
        MultiRaft r = raft.get();
        return r == null ? null : r.division(id);
    }

    boolean isLeader() {
        return DivisionState.isLeader(division());
    }

    /** Leader and its term's first entry committed: it may serve. */
    @Override
    public boolean isLeaderReady() {
        return DivisionState.isLeaderReady(division());
    }

    String leaderId() {
        return DivisionState.leaderId(division());
    }

    /** The role here, "none" while the group is not started on this node. */
    String role() {
        RaftServer.Division d = division();
        return d == null ? "none" : DivisionState.role(d);
    }

    @Override
    public RaftApply apply() {
        return apply;
    }

    @Override
    public long term() {
        return DivisionState.term(division());
    }

    long commitIndex() {
        return DivisionState.commitIndex(division());
    }

    long appliedIndex() {
        return DivisionState.appliedIndex(division());
    }

    @Override
    public CompletableFuture<RaftClientReply> propose(LogEntry entry) {
        return raft.get().propose(id, entry.encode());
    }

    @Override
    public CompletableFuture<RaftClientReply> confirmRead() {
        return raft.get().confirmRead(id);
    }

    /**
     * Replaces this group's slots with the snapshot's keys of those slots (on the keyspace
     * thread). The RDB holds the whole keyspace of the node that wrote it; keys of other
     * slots belong to other groups and are skipped.
     */
    static void loadSlots(Engine engine, Path rdb, IntPredicate owned) {
        for (int i = 0; i < engine.dbCount(); i++) {
            Database db = engine.db(i);
            SlotIndex index = db.slotIndex();
            List<byte[]> keys = new ArrayList<>();
            for (int s = 0; s < HashSlot.SLOTS; s++) if (owned.test(s)) index.forEachKeyInSlot(s, keys::add);
            for (byte[] k : keys) db.delete(k);
        }
        try (InputStream in = new BufferedInputStream(Files.newInputStream(rdb), 1 << 16)) {
            new RdbLoader(engine, false, true).target((db, key, value, expireMs, lruIdle, lfuFreq, offset) -> {
                if (owned.test(HashSlot.keyHashSlot(key))) RdbLoader.addKey(engine, db, key, value, expireMs, lruIdle, lfuFreq, offset);
            }).load(new RdbReader(in));
        } catch (IOException e) {
            throw new UncheckedIOException("loading raft shard snapshot " + rdb, e);
        }
    }
}
