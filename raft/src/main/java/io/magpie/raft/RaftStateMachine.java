package io.magpie.raft;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
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
 * The group's state machine as Ratis sees it: the node's keyspace. Ratis calls it on its own
 * threads; every apply, snapshot and load is handed to the keyspace thread in log order, and an
 * apply's future completes once the keyspace thread ran it, so Ratis's ReadIndex waits (a read
 * runs after every entry up to its read index applied) and its snapshots (taken once every
 * applied future completed) see the keyspace exactly at the snapshot's index.
 */
public final class RaftStateMachine extends PausableStateMachine {
    /** The keyspace side, run on the keyspace thread. */
    public interface Keyspace {
        /** Applies one committed entry at log index. */
        void apply(LogEntry entry, long index);

        /** An entry (or a configuration/no-op entry) of this term applied. */
        void termApplied(long term);

        /** Empties the keyspace and loads the snapshot's RDB. */
        void load(Path rdb);

        /** Starts a fork-free RDB snapshot to target; null, or why it could not start. */
        String snapshot(Path target, Consumer<Boolean> done);

        /** Runs a task on the keyspace thread and waits for its result. */
        <T> T onKeyspaceThread(Callable<T> task) throws Exception;

        /** Runs a task on the keyspace thread, after what is queued there. */
        void execute(Runnable task);

        /**
         * What the entry must wait for before it (and every entry after it) applies, or null to
         * apply it now; asked on Ratis's apply thread, in log order. A sharded group's copy of
         * moved slots waits for this node's replica of their source to have applied the fence.
         */
        default CompletableFuture<Void> gate(LogEntry entry) {
            return null;
        }

        /** What the entries after a snapshot just loaded must wait for (as {@link #gate}), or null. */
        default CompletableFuture<Void> gateAfterLoad() {
            return null;
        }
    }

    private final SimpleStateMachineStorage storage = new SimpleStateMachineStorage();
    private final Keyspace keyspace;
    private volatile long snapshotIndex = -1;
    /**
     * Applies waiting on a gate, in log order (Ratis's apply thread); null while none waits, the
     * common case, in which entries go to the keyspace thread at once.
     */
    private volatile CompletableFuture<Void> gated;
    /**
     * The index of the snapshot last loaded (at start, or installed from the leader), set on the
     * keyspace thread with the load: an entry at or below it, still waiting on a gate when the
     * snapshot came, is in the snapshot and must not apply after it. (It did: a member that
     * installed a snapshot while its ACCEPT waited on a gate applied the ACCEPT's copy and the
     * writes after it a second time, on the snapshot's keys; counters jumped by the writes'
     * count in a sharded soak, seed 16010105.)
     */
    private volatile long loadedIndex = -1;

    public RaftStateMachine(Keyspace keyspace) {
        this.keyspace = keyspace;
    }

    public long snapshotIndex() {
        return snapshotIndex;
    }

    @Override
    public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage) throws IOException {
        super.initialize(server, groupId, raftStorage);
        storage.init(raftStorage);
        loadLatest();
        started();
    }

    /** After a snapshot was installed from the leader: the keyspace starts again from it. */
    @Override
    public void reinitialize() throws IOException {
        try {
            loadLatest();
        } catch (IOException | RuntimeException e) {
            io.magpie.server.Log.warning("Raft: loading the installed snapshot failed: %s", e);
            throw e;
        }
        resumed();
        io.magpie.server.Log.notice("Raft: loaded the snapshot at index %d sent by the leader", snapshotIndex);
    }

    private void loadLatest() throws IOException {
        SingleFileSnapshotInfo s = storage.loadLatestSnapshot();
        if (s == null) return;
        Path rdb = s.getFile().getPath();
        try {
            keyspace.onKeyspaceThread(() -> {
                keyspace.load(rdb);
                loaded(s.getIndex());
                return null;
            });
        } catch (Exception e) {
            throw new IOException("loading raft snapshot " + rdb + ": " + e.getMessage(), e);
        }
        setLastAppliedTermIndex(s.getTermIndex());
        snapshotIndex = s.getIndex();
        CompletableFuture<Void> gate = keyspace.gateAfterLoad();
        gated = gate == null || gate.isDone() ? null : gate;
    }

    /** A snapshot at index was just loaded (keyspace thread). */
    void loaded(long index) {
        loadedIndex = index;
    }

    /**
     * Runs the task on the keyspace thread after what gates this group's entries (in log order).
     * Synchronized: Ratis's apply thread and its read path (a query) both chain here.
     */
    private synchronized void inOrder(CompletableFuture<Void> gate, Runnable task) {
        if (gated != null && gated.isDone()) gated = null;
        if (gated == null && (gate == null || gate.isDone())) {
            keyspace.execute(task);
            return;
        }
        CompletableFuture<Void> before = gated == null ? CompletableFuture.completedFuture(null) : gated;
        gated = (gate == null ? before : before.thenCompose(v -> gate)).thenRun(() -> keyspace.execute(task));
    }

    @Override
    public StateMachineStorage getStateMachineStorage() {
        return storage;
    }

    @Override
    public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
        LogEntryProto proto = trx.getLogEntry();
        TermIndex ti = TermIndex.valueOf(proto);
        LogEntry entry = LogEntry.decode(proto.getStateMachineLogEntry().getLogData().toByteArray());
        CompletableFuture<Message> applied = new CompletableFuture<>();
        inOrder(keyspace.gate(entry), () -> {
            if (ti.getIndex() <= loadedIndex) { // in the snapshot loaded while it waited
                applied.complete(Message.EMPTY);
                return;
            }
            try {
                keyspace.apply(entry, ti.getIndex());
            } finally {
                updateLastAppliedTermIndex(ti);
                keyspace.termApplied(ti.getTerm());
                applied.complete(Message.EMPTY);
            }
        });
        return applied;
    }

    /**
     * The last step of a ReadIndex read, once Ratis counts the read index applied: completes once
     * the keyspace has applied every entry Ratis handed over so far. Ratis counts a
     * configuration or metadata entry applied as soon as it hands it over, though entries before
     * it may still wait on a gate here (a sharded group's copy waiting for this node's replica of
     * its source); the read answered then would miss them. It did: reads on a group leader whose
     * entries waited 13 s on a gate answered values that old (sharded soak seed 16040408). So the
     * query goes through the same order as the applies. With no gate waiting (the common case)
     * every entry handed over is queued on the keyspace thread already, ahead of the read's own
     * task there, and the query completes at once.
     */
    @Override
    public synchronized CompletableFuture<Message> query(Message request) {
        if (gated == null || gated.isDone()) return CompletableFuture.completedFuture(Message.EMPTY);
        CompletableFuture<Message> caughtUp = new CompletableFuture<>();
        inOrder(null, () -> caughtUp.complete(Message.EMPTY));
        return caughtUp;
    }

    /** A configuration or no-op entry: it moves the applied index, in order with the applies. */
    @Override
    public void notifyTermIndexUpdated(long term, long index) {
        inOrder(null, () -> {
            if (index <= loadedIndex) return;
            updateLastAppliedTermIndex(term, index);
            keyspace.termApplied(term);
        });
    }

    @Override
    public long takeSnapshot() throws IOException {
        CompletableFuture<Boolean> written = new CompletableFuture<>();
        TermIndex last;
        File file;
        try {
            // On the keyspace thread, the applied index and the start of the snapshot are one
            // point in time: nothing applies between them.
            Object[] started = keyspace.onKeyspaceThread(() -> {
                TermIndex ti = getLastAppliedTermIndex();
                if (ti == null || ti.getIndex() <= 0) return null;
                File f = storage.getSnapshotFile(ti.getTerm(), ti.getIndex());
                String error = keyspace.snapshot(f.toPath(), written::complete);
                if (error != null) throw new IOException(error);
                return new Object[] {ti, f};
            });
            if (started == null) return RaftLog.INVALID_LOG_INDEX;
            last = (TermIndex) started[0];
            file = (File) started[1];
            if (!written.get(10, TimeUnit.MINUTES)) throw new IOException("writing raft snapshot " + file + " failed");
        } catch (IOException e) {
            throw e;
        } catch (ExecutionException | TimeoutException e) {
            throw new IOException("raft snapshot: " + e, e);
        } catch (Exception e) {
            throw new IOException("raft snapshot: " + e.getMessage(), e);
        }
        var md5 = MD5FileUtil.computeAndSaveMd5ForFile(file);
        storage.updateLatestSnapshot(new SingleFileSnapshotInfo(new FileInfo(file.toPath(), md5), last.getTerm(), last.getIndex()));
        snapshotIndex = last.getIndex();
        return last.getIndex();
    }
}
