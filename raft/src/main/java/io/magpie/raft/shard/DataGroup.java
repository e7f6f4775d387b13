package io.magpie.raft.shard;

import io.magpie.commands.HashSlot;
import io.magpie.engine.Engine;
import io.magpie.engine.keyspace.Database;
import io.magpie.engine.keyspace.SlotIndex;
import io.magpie.persistence.rdb.RdbLoader;
import io.magpie.persistence.rdb.RdbReader;
import io.magpie.raft.DivisionState;
import io.magpie.raft.LogEntry;
import io.magpie.engine.dispatch.CommandPipeline;
import io.magpie.raft.RaftApply;
import io.magpie.raft.RaftBlocking;
import io.magpie.raft.RaftDispatch;
import io.magpie.raft.RaftStateMachine;
import io.magpie.raft.WriteBatcher;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.server.RaftServer;

/**
 * One data group (a shard) as this node, one of its replicas, sees it. Its state is the keys
 * of the slots it owns, held in the node's one keyspace beside the keys of the other groups
 * this node replicates (their slots are disjoint, so they never touch). Entries apply through
 * the single group's {@link RaftApply} (parked clients, time and seed of the entry), its
 * pipelined writes go out in BATCH entries through its own {@link WriteBatcher} and its
 * blocking commands wait through its own {@link RaftBlocking}, as the single group's do. A
 * snapshot is the node's fork-free RDB; installing one replaces only this group's slots: its
 * keys are deleted and the file's keys of its slots loaded, the others skipped.
 */
final class DataGroup implements RaftDispatch.Target {
    final int index;
    final RaftGroupId id;
    final RaftApply apply;
    final RaftStateMachine stateMachine;
    /** This group's pipelined writes on their way into its log. */
    private final WriteBatcher batcher;
    /** This group's blocking commands: clients blocked here on keys of its slots. */
    final RaftBlocking blocking;
    private final java.util.function.Supplier<MultiRaft> raft;
    /** A proposal of this group's active expiry is in flight. */
    boolean expiryInFlight;
    /** Slots moving away from this group or into it ({@link SlotMove.GroupSlots}); keyspace thread. */
    final SlotMove.GroupSlots moves;

    DataGroup(int index, java.util.function.Supplier<MultiRaft> raft, RaftApply apply, SlotMove.GroupSlots moves,
            RaftStateMachine.Keyspace keyspace, Engine engine, CommandPipeline pipeline, String memberId, Executor mainLoop) {
        this.index = index;
        this.moves = moves;
        this.id = MultiRaft.dataGroupId(index);
        this.raft = raft;
        this.apply = apply;
        this.stateMachine = new RaftStateMachine(keyspace);
        this.batcher = new WriteBatcher(this, engine, mainLoop);
        this.blocking = new RaftBlocking(engine, pipeline, this, this::isLeaderReady, memberId, mainLoop);
        apply.setBlocking(blocking);
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

    /**
     * Whether this replica's own log leaves it out of the group's configuration: it was removed
     * from the group (its replica moved away) and not dropped here yet, or it is a learner still
     * catching up on entries from before it was added. See ShardedRaftModule#dropStale.
     */
    boolean outsideItsConf(String me) {
        RaftServer.Division d = division();
        return d != null && d.getRaftConf().getPeer(org.apache.ratis.protocol.RaftPeerId.valueOf(me),
                org.apache.ratis.proto.RaftProtos.RaftPeerRole.FOLLOWER, org.apache.ratis.proto.RaftProtos.RaftPeerRole.LISTENER) == null;
    }

    /**
     * Whether Ratis shut this replica down: it does when an election finds the replica outside
     * the group's configuration, or a voter tells it it was removed. The division stays
     * registered, closed, and answers nothing (not even group info) until removed.
     */
    boolean shutDown() {
        RaftServer.Division d = division();
        return d != null && !d.getInfo().isAlive();
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

    @Override
    public WriteBatcher batcher() {
        return batcher;
    }

    /**
     * Replaces slots with the snapshot's keys of those slots (on the keyspace thread). The RDB
     * holds the whole keyspace of the node that wrote it; keys of other slots belong to other
     * groups and are skipped. Which slots is decided from the file's {@link GroupSnapshot#AUX}
     * field (null when it has none), read before any key, so the slots' keys here are deleted
     * before the file's are added.
     */
    static void loadSlots(Engine engine, Path rdb, java.util.function.Function<String, java.util.BitSet> decide) {
        java.util.BitSet[] replace = new java.util.BitSet[1];
        java.util.function.Consumer<String> decideOnce = aux -> {
            if (replace[0] != null) return;
            replace[0] = decide.apply(aux);
            deleteSlots(engine, replace[0]);
        };
        try (InputStream in = new BufferedInputStream(Files.newInputStream(rdb), 1 << 16)) {
            new RdbLoader(engine, false, true).target(new RdbLoader.KeyTarget() {
                @Override public void add(Database db, byte[] key, Object value, long expireMs, long lruIdle, long lfuFreq, long offset)
                        throws IOException {
                    decideOnce.accept(null);
                    if (replace[0].get(HashSlot.keyHashSlot(key))) RdbLoader.addKey(engine, db, key, value, expireMs, lruIdle, lfuFreq, offset);
                }

                @Override public void aux(String key, String value) {
                    if (key.equals(GroupSnapshot.AUX)) decideOnce.accept(value);
                }
            }).load(new RdbReader(in));
        } catch (IOException e) {
            throw new UncheckedIOException("loading raft shard snapshot " + rdb, e);
        }
        decideOnce.accept(null); // a file without keys
    }

    /**
     * A data group's FLUSHALL (db -1) or FLUSHDB (db): deletes the keys of these slots, each a
     * modified key (WATCH, client-side caching), as Redis's FLUSHALL touches every watched key.
     * Returns how many went.
     */
    static long flushSlots(Engine engine, java.util.BitSet slots, int onlyDb) {
        long removed = removeKeys(engine, slots, onlyDb, true);
        engine.dirty += removed;
        return removed;
    }

    /** Deletes the keys of these slots here, in every db (keys no group's log writes here any more: no client saw them change). */
    static void deleteSlots(Engine engine, java.util.BitSet slots) {
        removeKeys(engine, slots, -1, false);
    }

    private static long removeKeys(Engine engine, java.util.BitSet slots, int onlyDb, boolean signal) {
        if (slots.isEmpty()) return 0;
        long removed = 0;
        for (int i = 0; i < engine.dbCount(); i++) {
            if (onlyDb >= 0 && i != onlyDb) continue;
            Database db = engine.db(i);
            SlotIndex index = db.slotIndex();
            List<byte[]> keys = new ArrayList<>();
            for (int s = slots.nextSetBit(0); s >= 0; s = slots.nextSetBit(s + 1)) index.forEachKeyInSlot(s, keys::add);
            for (byte[] k : keys) {
                if (!db.delete(k)) continue;
                if (signal) db.signalModifiedKey(k);
                removed++;
            }
        }
        return removed;
    }
}
