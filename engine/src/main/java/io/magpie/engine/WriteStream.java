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
    /** Each listener's targets ({@link WriteUnit#AOF}, {@link WriteUnit#REPLICA}), by its index. */
    private final List<Integer> listenerTargets = new ArrayList<>();
    private final WriteUnit pending = new WriteUnit();
    /** What one consumer reads of a unit that is partly for the others. */
    private final WriteUnit filtered = new WriteUnit();

    /** A consumer of every write (tests, observers, the Raft log). */
    public void addListener(UnitListener l) {
        addListener(l, WriteUnit.ALL);
    }

    /** A consumer of the writes for target: the AOF or the replicas (redis.set_repl chooses). */
    public void addListener(UnitListener l, int target) {
        listeners.add(l);
        listenerTargets.add(target);
    }

    public void removeListener(UnitListener l) {
        int i = listeners.indexOf(l);
        if (i < 0) return;
        listeners.remove(i);
        listenerTargets.remove(i);
    }

    public void addListener(Listener l) {
        addListener(u -> {
            boolean wrap = u.wrap();
            if (wrap) l.onWrite(u.multiDb(), MULTI);
            for (int i = 0; i < u.size(); i++) l.onWrite(u.db(i), u.argv(i));
            if (wrap) l.onWrite(u.execDb(), EXEC);
        }, WriteUnit.ALL);
    }

    public boolean hasListeners() {
        return !listeners.isEmpty();
    }

    /** Queues a write of the current unit (Redis's alsoPropagate). */
    public void propagate(int db, byte[][] argv) {
        propagate(db, argv, WriteUnit.ALL);
    }

    /** Queues a write for some consumers only (a script's redis.set_repl); none: nothing is queued. */
    public void propagate(int db, byte[][] argv, int target) {
        if (listeners.isEmpty() || target == 0) return;
        pending.add(db, argv, target);
    }

    /** The unit touches arbitrary keys (FLUSHALL, active expiry): its writes are not one transaction. */
    public void noWrapThisUnit() {
        pending.notAtomic();
    }

    /** Ends the unit: delivers its writes. */
    public void flush() {
        if (pending.size() > 0) {
            for (int i = 0; i < listeners.size(); i++) {
                int target = listenerTargets.get(i);
                listeners.get(i).onUnit(pending.partial() && target != WriteUnit.ALL ? pending.filter(target, filtered) : pending);
            }
        }
        pending.clear();
    }
}
