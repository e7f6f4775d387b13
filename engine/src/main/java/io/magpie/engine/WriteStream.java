package io.magpie.engine;

import java.util.ArrayList;
import java.util.List;

/**
 * The write stream: every change to the keyspace described as the command Redis would
 * propagate (INCRBYFLOAT as SET, EXPIRE as PEXPIREAT, an expired key as DEL). AOF,
 * replication and Raft consume it; nothing else describes a write.
 *
 * Effects of one execution unit (a command, an EXEC, a script, an active-expire deletion)
 * are collected and delivered together as one {@link WriteUnit} when the unit ends, as
 * Redis 7.0's propagatePendingCommands; {@link StreamEncoder} turns it into RESP.
 */
public final class WriteStream {
    /** A consumer of the stream: AOF, replication. */
    public interface UnitListener {
        void onUnit(WriteUnit unit);
    }

    /**
     * A consumer that reads the stream command by command, as it appears in RESP: a unit of
     * several atomic commands is spelled out between MULTI and EXEC (tests, simple observers).
     */
    public interface Listener {
        void onWrite(int db, byte[][] argv);
    }

    private static final byte[][] MULTI = {"MULTI".getBytes()};
    private static final byte[][] EXEC = {"EXEC".getBytes()};

    private final List<UnitListener> listeners = new ArrayList<>();
    private final WriteUnit pending = new WriteUnit();

    public void addListener(UnitListener l) {
        listeners.add(l);
    }

    public void removeListener(UnitListener l) {
        listeners.remove(l);
    }

    public void addListener(Listener l) {
        listeners.add(u -> {
            boolean wrap = u.atomic() && u.size() > 1;
            if (wrap) l.onWrite(u.db(0), MULTI);
            for (int i = 0; i < u.size(); i++) l.onWrite(u.db(i), u.argv(i));
            if (wrap) l.onWrite(u.db(u.size() - 1), EXEC);
        });
    }

    public boolean hasListeners() {
        return !listeners.isEmpty();
    }

    /** Queues a write of the current unit (Redis's alsoPropagate). */
    public void propagate(int db, byte[][] argv) {
        if (listeners.isEmpty()) return;
        pending.add(db, argv);
    }

    /** The unit touches arbitrary keys (FLUSHALL, active expiry): its writes are not one transaction. */
    public void noWrapThisUnit() {
        pending.notAtomic();
    }

    /** Ends the unit: delivers its writes. */
    public void flush() {
        if (pending.size() > 0) {
            for (UnitListener l : listeners) l.onUnit(pending);
        }
        pending.clear();
    }
}
