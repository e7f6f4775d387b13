package io.magpie.engine;

import io.magpie.engine.keyspace.Database;
import io.magpie.engine.keyspace.Dict;
import io.magpie.engine.types.RedisValue;
import java.util.Arrays;

/**
 * The dataset's memory as maxmemory, INFO used_memory and MEMORY USAGE see it.
 *
 * Redis asks its allocator (zmalloc_used_memory). A JVM cannot: heap occupancy includes
 * garbage and moves with every collection, so eviction driven by it would be erratic and
 * untestable. Instead we keep a deterministic running estimate of the objects that hold
 * the data, in JVM terms (compressed oops: 12-byte headers, 8-byte alignment):
 *
 * - per key: its Dict.Entry (32 bytes), the key byte[], the value, and for a key with a
 *   TTL its expires entry and boxed Long; bucket arrays are read from the dicts on demand;
 * - plain string values are immutable byte[]: their size is exact, so adding, replacing
 *   and deleting them keeps the counter exact;
 * - other values (RedisValue: collections, RawString) are edited in place by their
 *   commands, after the keyspace has handed them out. We therefore remember, per such
 *   value, the size we last accounted for it (an identity table, so strings pay nothing),
 *   and re-measure it after it is accessed: every lookup queues the value, and the queue is
 *   drained before the next maxmemory check, when INFO asks, and in cron. A value changed
 *   by a command is thus re-measured before the next command can be refused or trigger
 *   eviction. Edits that bypass lookups are caught by a round-robin re-measure in cron.
 *   Because a value always leaves the counter with exactly the size it was accounted
 *   with, the estimate never drifts, however stale one value's figure may be.
 *
 * RedisValue.memoryUsage() is called on every re-measure, so it should be O(1) or sampled
 * (as Redis's objectComputeSize samples) rather than walk a large collection.
 */
public final class MemoryAccounting {
    /**
     * Fixed overhead reported on top of the dataset, modelled on redis-server 7.0's
     * used_memory_startup (about 860KB): a maxmemory tuned for Redis then leaves a similar
     * room for data.
     */
    public static final long STARTUP_BYTES = 860 * 1024;
    /** Dict.Entry: header 12 + key, value, next refs + hash, lru ints = 32 (aligned). */
    public static final int ENTRY_BYTES = 32;
    /** An expires entry plus its boxed Long. */
    public static final int EXPIRE_BYTES = ENTRY_BYTES + 16;
    private static final int REF_BYTES = 4;
    /** Values re-measured per cron call by the safety-net sweep. */
    private static final int SWEEP_PER_CRON = 64;

    private final Engine engine;
    /** Entries, keys, values and expires of all dbs, in bytes. */
    private long dataset;
    private final SizeTable mutable = new SizeTable();
    private Object[] pending = new Object[16];
    private int pendingCount;
    private long peak;

    MemoryAccounting(Engine engine) {
        this.engine = engine;
    }

    /** byte[] as the JVM lays it out: 16-byte header (with length), padded to 8. */
    public static long byteArrayBytes(int length) {
        return (16L + length + 7) & ~7L;
    }

    /* ---------------- what the keyspace reports ---------------- */

    public void keyAdded(byte[] key, Object value) {
        dataset += ENTRY_BYTES + byteArrayBytes(key.length) + accountValue(value);
        // A collection is added empty and filled by the same command (ZADD, HSET, RPUSH...),
        // with no lookup after: re-measure it as if it had been looked up.
        accessed(value);
    }

    public void keyRemoved(byte[] key, Object value) {
        dataset -= ENTRY_BYTES + byteArrayBytes(key.length) + unaccountValue(value);
    }

    public void valueReplaced(Object old, Object value) {
        if (old == value) {
            accessed(value);
            return;
        }
        dataset += accountValue(value) - unaccountValue(old);
    }

    public void expireAdded() {
        dataset += EXPIRE_BYTES;
    }

    public void expireRemoved() {
        dataset -= EXPIRE_BYTES;
    }

    /** A db is about to be emptied (FLUSHDB/FLUSHALL): forget what its keys accounted for. */
    public void dbEmptied(Database db) {
        db.dict().forEach(e -> keyRemoved(e.key(), e.value()));
        dataset -= (long) db.expires().size() * EXPIRE_BYTES;
    }

    /** A value handed out by a lookup may be edited in place: re-measure it soon. */
    public void accessed(Object value) {
        if (value instanceof byte[]) return;
        // A hot key is looked up many times in a row: don't queue it twice in a row.
        if (pendingCount > 0 && pending[pendingCount - 1] == value) return;
        if (pendingCount == pending.length) {
            if (pendingCount >= 1024) {
                flushPending();
            } else {
                pending = Arrays.copyOf(pending, pendingCount * 2);
            }
        }
        pending[pendingCount++] = value;
    }

    /** Re-measures the values accessed since the last call. */
    public void flushPending() {
        for (int i = 0; i < pendingCount; i++) {
            remeasure(pending[i]);
            pending[i] = null;
        }
        pendingCount = 0;
    }

    private void remeasure(Object value) {
        int slot = mutable.find(value);
        if (slot < 0) return; // deleted or replaced since it was queued
        long now = measure(value);
        dataset += now - mutable.sizeAt(slot);
        mutable.setSizeAt(slot, now);
    }

    /** Cron: drain the queue and re-measure a few values round-robin (edits that bypassed lookups). */
    void cron() {
        usedMemory(); // drains the queue, samples the peak
        // At most once per value per tick: with few mutable values the round-robin would
        // otherwise re-measure the same big collection SWEEP_PER_CRON times.
        int sweep = Math.min(SWEEP_PER_CRON, mutable.size());
        for (int i = 0; i < sweep; i++) {
            Object v = mutable.nextForSweep();
            if (v != null) remeasure(v);
        }
    }

    /* ---------------- what others read ---------------- */

    /**
     * Used memory as maxmemory and INFO's used_memory see it: the startup overhead, the
     * dataset and the dicts' bucket arrays.
     */
    public long usedMemory() {
        flushPending();
        long used = STARTUP_BYTES + datasetBytes() + tableBytes();
        if (used > peak) peak = used;
        return used;
    }

    /** INFO's used_memory_peak: the highest usedMemory() seen (sampled in cron and at each read). */
    public long peakMemory() {
        return Math.max(peak, usedMemory());
    }

    /** INFO's used_memory_dataset share: keys, values and expires. */
    public long datasetBytes() {
        return Math.max(0, dataset);
    }

    /** Bucket arrays of all dicts (the dict overhead Redis counts in used_memory_overhead). */
    public long tableBytes() {
        long n = 0;
        for (int i = 0; i < engine.dbCount(); i++) {
            Database db = engine.db(i);
            n += (long) (db.dict().buckets() + db.expires().buckets()) * REF_BYTES;
        }
        return n;
    }

    /** MEMORY USAGE: the key's entry, key bytes, value and expire. */
    public long keyUsage(Database db, Dict.Entry e) {
        long n = ENTRY_BYTES + REF_BYTES + byteArrayBytes(e.key().length) + measure(e.value());
        if (db.getExpire(e.key()) >= 0) n += EXPIRE_BYTES;
        return n;
    }

    /** The process's resident set from /proc/self/statm (Linux), or 0 (INFO used_memory_rss). */
    public static long processRss() {
        try {
            String statm = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/self/statm"));
            String[] f = statm.trim().split(" ");
            return Long.parseLong(f[1]) * 4096L;
        } catch (Exception e) {
            return 0;
        }
    }

    public static long measure(Object value) {
        if (value instanceof byte[] b) return byteArrayBytes(b.length);
        return ((RedisValue) value).memoryUsage();
    }

    private long accountValue(Object value) {
        if (value instanceof byte[] b) return byteArrayBytes(b.length);
        long size = measure(value);
        mutable.put(value, size);
        return size;
    }

    private long unaccountValue(Object value) {
        if (value instanceof byte[] b) return byteArrayBytes(b.length);
        int slot = mutable.find(value);
        if (slot < 0) return measure(value);
        long size = mutable.sizeAt(slot);
        mutable.removeAt(slot);
        return size;
    }

    /**
     * value identity -> accounted size: open addressing with linear probing, so a tracked
     * collection costs 12 bytes of arrays (at most half full) and no per-entry object.
     */
    static final class SizeTable {
        private Object[] keys = new Object[16];
        private long[] sizes = new long[16];
        private int size;
        private int sweep;

        int size() {
            return size;
        }

        private int mask() {
            return keys.length - 1;
        }

        private static int hash(Object o) {
            int h = System.identityHashCode(o);
            return h ^ (h >>> 16);
        }

        int find(Object o) {
            for (int i = hash(o) & mask(); keys[i] != null; i = (i + 1) & mask()) {
                if (keys[i] == o) return i;
            }
            return -1;
        }

        long sizeAt(int slot) {
            return sizes[slot];
        }

        void setSizeAt(int slot, long s) {
            sizes[slot] = s;
        }

        void put(Object o, long s) {
            int i = hash(o) & mask();
            for (; keys[i] != null; i = (i + 1) & mask()) {
                if (keys[i] == o) {
                    sizes[i] = s;
                    return;
                }
            }
            keys[i] = o;
            sizes[i] = s;
            if (++size * 2 > keys.length) resize(keys.length * 2);
        }

        /** Backward-shift deletion keeps probe chains intact without tombstones. */
        void removeAt(int slot) {
            int m = mask();
            int hole = slot;
            for (int i = (slot + 1) & m; keys[i] != null; i = (i + 1) & m) {
                int home = hash(keys[i]) & m;
                // Move i into the hole unless its home lies cyclically in (hole, i].
                boolean stays = hole <= i ? (home > hole && home <= i) : (home > hole || home <= i);
                if (!stays) {
                    keys[hole] = keys[i];
                    sizes[hole] = sizes[i];
                    hole = i;
                }
            }
            keys[hole] = null;
            sizes[hole] = 0;
            size--;
            if (keys.length > 16 && size * 8 < keys.length) resize(keys.length / 2);
        }

        Object nextForSweep() {
            for (int n = 0; n < keys.length; n++) {
                sweep = (sweep + 1) & mask();
                if (keys[sweep] != null) return keys[sweep];
            }
            return null;
        }

        private void resize(int capacity) {
            Object[] oldKeys = keys;
            long[] oldSizes = sizes;
            keys = new Object[capacity];
            sizes = new long[capacity];
            int m = capacity - 1;
            for (int j = 0; j < oldKeys.length; j++) {
                Object o = oldKeys[j];
                if (o == null) continue;
                int i = hash(o) & m;
                while (keys[i] != null) i = (i + 1) & m;
                keys[i] = o;
                sizes[i] = oldSizes[j];
            }
        }
    }
}
