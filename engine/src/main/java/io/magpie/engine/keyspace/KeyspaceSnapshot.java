package io.magpie.engine.keyspace;

import io.magpie.engine.Engine;
import java.util.BitSet;

/**
 * A point-in-time view of every database, serialized a few buckets at a time on the thread
 * that owns the keyspace: Magpie's replacement for Redis's fork() in BGSAVE, BGREWRITEAOF,
 * replica full sync and DUMP-like streaming.
 *
 * <p>Copy-on-write at bucket granularity. When the snapshot starts, each non-empty db's
 * dictionaries stop rehashing, so every existing key stays in the bucket it is in. The
 * snapshot then walks the buckets in order. Before any write touches a key (lookupWrite,
 * add, overwrite, delete, expire changes: see {@link Database}), the bucket the key hashes
 * to is serialized first if the walk has not reached it yet. So each key is emitted once,
 * with the value and expiry it had when the snapshot started; keys added later are never
 * emitted because their bucket was serialized before they were inserted, or they went into
 * a table created after the start. Values removed or replaced meanwhile are still
 * reachable from the snapshot's captured tables until it ends: in Java "freed" values stay
 * valid as long as the snapshot references them.
 *
 * <p>Whole-database operations need no copying: FLUSHDB/FLUSHALL replace a db's
 * dictionaries with new ones (the snapshot keeps the old ones, untouched from then on) and
 * SWAPDB moves the snapshot's part along with the dictionaries it belongs to.
 *
 * <p>The serialized form is the sink's business (RDB in magpie-persistence): the engine
 * knows nothing of files.
 */
public final class KeyspaceSnapshot {
    /** Receives the snapshot's contents, all calls on the owner thread. */
    public interface Sink {
        /**
         * The walk reached db dbIndex (only dbs non-empty at the start are reported, in
         * increasing order). keys and expires are the sizes at the start (RESIZEDB hints).
         */
        void beginDb(int dbIndex, long keys, long expires);

        /**
         * One key as it was at the start. dbIndex may be a db the walk has not begun yet,
         * when a write forced its bucket out early; the sink must keep such entries until
         * beginDb of that db. expireMs is -1 without a TTL.
         */
        void entry(int dbIndex, byte[] key, Object value, long expireMs);

        /**
         * The same with the key's LRU clock or LFU counter as it is when serialized (what
         * RDB's IDLE/FREQ opcodes record under an LRU or LFU maxmemory-policy).
         */
        default void entry(int dbIndex, byte[] key, Object value, long expireMs, int lru) {
            entry(dbIndex, key, value, expireMs);
        }

        /** Every db has been walked. */
        void end();
    }

    /** The snapshot's share of one db: its dictionaries as captured, and what is done. */
    static final class Part {
        final int dbIndex;
        final Dict dict, expires;
        final Dict.Entry[] t0, t1;
        final BitSet done0, done1;
        final long keys, expiresCount;
        /** Next bucket of the walk: [0, t0.length) then t1. */
        int cursor;
        /** The db whose dict this is now (moves with SWAPDB, null after FLUSHDB). */
        Database owner;
        final KeyspaceSnapshot snapshot;

        Part(KeyspaceSnapshot snapshot, Database db) {
            this.snapshot = snapshot;
            this.dbIndex = db.id;
            this.dict = db.dict;
            this.expires = db.expires;
            this.t0 = dict.table0;
            this.t1 = dict.table1;
            this.done0 = new BitSet(t0 == null ? 0 : t0.length);
            this.done1 = new BitSet(t1 == null ? 0 : t1.length);
            this.keys = dict.size();
            this.expiresCount = expires.size();
            this.owner = db;
        }

        /** The write hook: serialize the buckets key may live in, unless already done. */
        void beforeWrite(byte[] key) {
            int h = Dict.hash(key);
            if (t0 != null) {
                int i = h & (t0.length - 1);
                if (!done0.get(i)) serializeBucket(t0, done0, i);
            }
            if (t1 != null) {
                int i = h & (t1.length - 1);
                if (!done1.get(i)) serializeBucket(t1, done1, i);
            }
        }

        void serializeBucket(Dict.Entry[] table, BitSet done, int i) {
            done.set(i);
            for (Dict.Entry e = table[i]; e != null; e = e.next) {
                long when = -1;
                if (expiresCount > 0) {
                    Object w = expires.get(e.key);
                    if (w != null) when = (Long) w;
                }
                snapshot.sink.entry(dbIndex, e.key, e.value, when, e.lru);
                snapshot.keysWritten++;
            }
        }

        int totalBuckets() {
            return (t0 == null ? 0 : t0.length) + (t1 == null ? 0 : t1.length);
        }

        /** Walks up to budget buckets; true when the whole part is done. */
        boolean walk(int budget) {
            int n0 = t0 == null ? 0 : t0.length, total = totalBuckets();
            while (cursor < total && budget-- > 0) {
                if (cursor < n0) {
                    if (!done0.get(cursor)) serializeBucket(t0, done0, cursor);
                } else {
                    int i = cursor - n0;
                    if (!done1.get(i)) serializeBucket(t1, done1, i);
                }
                cursor++;
            }
            return cursor >= total;
        }

        private boolean detached;

        void detach() {
            if (detached) return;
            detached = true;
            if (owner != null && owner.snapshotPart == this) owner.snapshotPart = null;
            owner = null;
            dict.resumeRehash();
            expires.resumeRehash();
        }
    }

    private final Part[] parts;
    private final Sink sink;
    private int current = -1;
    private boolean finished;
    private long keysWritten;
    private long totalKeys;

    private KeyspaceSnapshot(Engine engine, Sink sink) {
        this.sink = sink;
        int n = engine.dbCount(), count = 0;
        for (int i = 0; i < n; i++) if (engine.db(i).size() > 0) count++;
        parts = new Part[count];
        int p = 0;
        for (int i = 0; i < n; i++) {
            Database db = engine.db(i);
            if (db.size() == 0) continue;
            if (db.snapshotPart != null) throw new IllegalStateException("a snapshot is already running");
            db.dict.pauseRehash();
            db.expires.pauseRehash();
            Part part = new Part(this, db);
            db.snapshotPart = part;
            parts[p++] = part;
            totalKeys += part.keys;
        }
    }

    /** Starts a snapshot of the engine's keyspace now; feed it with {@link #step} until it returns true. */
    public static KeyspaceSnapshot start(Engine engine, Sink sink) {
        return new KeyspaceSnapshot(engine, sink);
    }

    /**
     * Serializes up to about budget buckets (empty ones included) and returns true when
     * the snapshot is complete (the sink then got end()). Call on the owner thread, between
     * commands.
     */
    public boolean step(int budget) {
        if (finished) return true;
        while (budget > 0) {
            if (current < 0 || current >= parts.length || parts[current].cursor >= parts[current].totalBuckets()) {
                if (current >= 0 && current < parts.length) parts[current].detach();
                current++;
                if (current >= parts.length) {
                    finished = true;
                    sink.end();
                    return true;
                }
                Part part = parts[current];
                sink.beginDb(part.dbIndex, part.keys, part.expiresCount);
            }
            Part part = parts[current];
            int before = part.cursor;
            part.walk(budget);
            budget -= Math.max(1, part.cursor - before);
        }
        return false;
    }

    /** Runs the snapshot to completion (SAVE, DEBUG RELOAD, tests). */
    public void finish() {
        while (!step(1 << 16)) {
            // each step serializes a slice; loop until done
        }
    }

    /** Abandons the snapshot (a failed BGSAVE): writes proceed without copying again. */
    public void abort() {
        if (finished) return;
        finished = true;
        for (int i = Math.max(0, current); i < parts.length; i++) parts[i].detach();
    }

    public boolean isFinished() {
        return finished;
    }

    /** Keys serialized so far (for progress logs). */
    public long keysWritten() {
        return keysWritten;
    }

    /** Keys in the keyspace when the snapshot started. */
    public long totalKeys() {
        return totalKeys;
    }
}
