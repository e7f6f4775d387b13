package io.magpie.raft;

import io.magpie.engine.Engine;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;

/**
 * A group's pipelined writes on their way into its log (group commit): the writes that arrive
 * in one turn of the keyspace thread become one BATCH entry, so one append, one replication
 * round and one fsync serve them all, instead of one each (Ratis's own batching still pays per
 * entry). At most {@link #IN_FLIGHT_MAX} BATCH entries are in flight; the writes that arrive
 * meanwhile go out together when one lands, so under load each round carries all that came
 * during the last (as etcd batches). One per group: the single group's, and each sharded data
 * group's. Keyspace thread only.
 */
public final class WriteBatcher {
    /** Most pipelined writes one BATCH entry carries. */
    private static final int BATCH_MAX = 256;
    /** Most BATCH entries in flight (proposed, not yet applied or failed). */
    private static final int IN_FLIGHT_MAX = 2;

    private final RaftDispatch.Target group;
    private final Engine engine;
    private final Executor mainLoop;
    /** The pipelined writes not proposed yet: those of this turn, and those held while the rounds are full. */
    private final List<LogEntry> batch = new ArrayList<>();
    private int inFlight;

    public WriteBatcher(RaftDispatch.Target group, Engine engine, Executor mainLoop) {
        this.group = group;
        this.engine = engine;
        this.mainLoop = mainLoop;
    }

    /** A pipelined write (its client already waits for it in its reply queue): proposed at the turn's end. */
    void add(LogEntry write) {
        batch.add(write);
        if (batch.size() == 1) mainLoop.execute(this::propose);
    }

    private void propose() {
        while (!batch.isEmpty() && inFlight < IN_FLIGHT_MAX) {
            List<LogEntry> writes = new ArrayList<>(batch.subList(0, Math.min(batch.size(), BATCH_MAX)));
            batch.subList(0, writes.size()).clear();
            LogEntry entry = writes.size() == 1 ? writes.get(0) : LogEntry.batch(writes);
            inFlight++;
            long term = group.term();
            group.propose(entry).whenComplete((reply, error) -> {
                for (LogEntry w : writes) RaftDispatch.settle(group, mainLoop, engine, w.seq(), term, reply, error);
                mainLoop.execute(() -> {
                    inFlight--;
                    propose();
                });
            });
        }
    }
}
