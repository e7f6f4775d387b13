package io.magpie.engine;

import java.util.ArrayList;
import java.util.List;

/**
 * The write stream: every change to the keyspace described as the command Redis would
 * propagate (INCRBYFLOAT as SET, EXPIRE as PEXPIREAT, an expired key as DEL). AOF,
 * replication and Raft consume it; nothing else describes a write.
 *
 * Effects of one execution unit (a command, an EXEC, an active-expire deletion) are
 * collected and delivered together when the unit ends; more than one is wrapped in
 * MULTI/EXEC so consumers apply them atomically, as Redis 7.0's propagatePendingCommands.
 */
public final class WriteStream {
    /** A consumer of propagated writes. SELECT is the consumer's business (it tracks its own db). */
    public interface Listener {
        void onWrite(int db, byte[][] argv);
    }

    private static final byte[][] MULTI = {"MULTI".getBytes()};
    private static final byte[][] EXEC = {"EXEC".getBytes()};

    private final List<Listener> listeners = new ArrayList<>();
    private final List<Object[]> pending = new ArrayList<>();
    private boolean noWrap;

    public void addListener(Listener l) {
        listeners.add(l);
    }

    public void removeListener(Listener l) {
        listeners.remove(l);
    }

    public boolean hasListeners() {
        return !listeners.isEmpty();
    }

    /** Queues a write of the current unit (Redis's alsoPropagate). */
    public void propagate(int db, byte[][] argv) {
        if (listeners.isEmpty()) return;
        pending.add(new Object[] {db, argv});
    }

    /** The unit touches arbitrary keys (FLUSHALL, active expiry): deliver its writes unwrapped. */
    public void noWrapThisUnit() {
        noWrap = true;
    }

    /** Ends the unit: delivers its writes. */
    public void flush() {
        if (pending.isEmpty()) {
            noWrap = false;
            return;
        }
        boolean wrap = pending.size() > 1 && !noWrap;
        int firstDb = (int) pending.get(0)[0];
        if (wrap) emit(firstDb, MULTI);
        for (Object[] op : pending) emit((int) op[0], (byte[][]) op[1]);
        if (wrap) emit((int) pending.get(pending.size() - 1)[0], EXEC);
        pending.clear();
        noWrap = false;
    }

    private void emit(int db, byte[][] argv) {
        for (Listener l : listeners) l.onWrite(db, argv);
    }
}
