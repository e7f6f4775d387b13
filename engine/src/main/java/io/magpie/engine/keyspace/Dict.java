package io.magpie.engine.keyspace;

import java.util.Arrays;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;

/**
 * Redis's dict: a chained hash table keyed by byte[] with incremental rehashing and the
 * reverse-binary SCAN cursor.
 *
 * Written by hand rather than taken from a collections library because SCAN's guarantee is
 * part of the product: a key present for the whole scan is returned at least once even
 * while the table grows or shrinks. That needs power-of-two tables, Redis's cursor
 * arithmetic over both tables during a rehash, and rehashing a bucket at a time so a large
 * table never pauses the server to resize.
 */
public final class Dict {
    /** One key's slot. The value, its LRU/LFU clock and chain link live here (no per-key wrapper). */
    public static final class Entry {
        final byte[] key;
        final int hash;
        Object value;
        Entry next;
        /** LRU clock (seconds, 24 bits like Redis's) or LFU counter and decrement time. */
        public int lru;

        Entry(byte[] key, int hash, Object value, Entry next) {
            this.key = key;
            this.hash = hash;
            this.value = value;
            this.next = next;
        }

        public byte[] key() {
            return key;
        }

        public Object value() {
            return value;
        }

        public void value(Object v) {
            this.value = v;
        }
    }

    private static final int INITIAL_SIZE = 4;
    /** Redis's HASHTABLE_MIN_FILL: shrink when under 10% full. */
    private static final int MIN_FILL_PERCENT = 10;

    /* Package-private for KeyspaceSnapshot, which walks the buckets while rehashing is paused. */
    Entry[] table0 = null;
    Entry[] table1 = null; // non-null only while rehashing
    private int used0, used1;
    private int rehashIndex = -1;
    private int pauseRehash;

    public static int hash(byte[] key) {
        int h = 0x9747b28c;
        for (byte b : key) h = 31 * h + b;
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        h ^= h >>> 13;
        return h;
    }

    public int size() {
        return used0 + used1;
    }

    public boolean isEmpty() {
        return size() == 0;
    }

    /** Buckets of the main table (for INFO's keyspace stats and tests). */
    public int buckets() {
        return (table0 == null ? 0 : table0.length) + (table1 == null ? 0 : table1.length);
    }

    public boolean isRehashing() {
        return table1 != null;
    }

    public Object get(byte[] key) {
        Entry e = find(key);
        return e == null ? null : e.value;
    }

    public boolean containsKey(byte[] key) {
        return find(key) != null;
    }

    public Entry find(byte[] key) {
        if (size() == 0) return null;
        if (isRehashing()) rehashStep();
        int h = hash(key);
        Entry e = lookup(table0, key, h);
        if (e == null && table1 != null) e = lookup(table1, key, h);
        return e;
    }

    private static Entry lookup(Entry[] table, byte[] key, int h) {
        for (Entry e = table[h & (table.length - 1)]; e != null; e = e.next) {
            if (e.hash == h && Arrays.equals(e.key, key)) return e;
        }
        return null;
    }

    /** Inserts or replaces; returns the entry holding the key. */
    public Entry put(byte[] key, Object value) {
        Entry e = find(key);
        if (e != null) {
            e.value = value;
            return e;
        }
        return addNew(key, value);
    }

    /** Adds a key known to be absent (callers checked with find). */
    public Entry addNew(byte[] key, Object value) {
        if (isRehashing()) rehashStep();
        expandIfNeeded();
        int h = hash(key);
        if (table1 != null) {
            int i = h & (table1.length - 1);
            Entry e = new Entry(key, h, value, table1[i]);
            table1[i] = e;
            used1++;
            return e;
        }
        int i = h & (table0.length - 1);
        Entry e = new Entry(key, h, value, table0[i]);
        table0[i] = e;
        used0++;
        return e;
    }

    /** Removes the key; returns its entry (value still readable) or null. */
    public Entry remove(byte[] key) {
        if (size() == 0) return null;
        if (isRehashing()) rehashStep();
        int h = hash(key);
        Entry e = unlink(table0, key, h);
        if (e != null) {
            used0--;
        } else if (table1 != null) {
            e = unlink(table1, key, h);
            if (e != null) used1--;
        }
        return e;
    }

    private static Entry unlink(Entry[] table, byte[] key, int h) {
        int i = h & (table.length - 1);
        Entry prev = null;
        for (Entry e = table[i]; e != null; prev = e, e = e.next) {
            if (e.hash == h && Arrays.equals(e.key, key)) {
                if (prev == null) table[i] = e.next;
                else prev.next = e.next;
                e.next = null;
                return e;
            }
        }
        return null;
    }

    public void clear() {
        table0 = null;
        table1 = null;
        used0 = used1 = 0;
        rehashIndex = -1;
    }

    /* ---------------- resizing ---------------- */

    private void expandIfNeeded() {
        if (isRehashing()) return;
        if (table0 == null) {
            table0 = new Entry[INITIAL_SIZE];
            return;
        }
        // Grow at load factor 1 (Redis's dict_can_resize case; we never fork, so never defer).
        if (used0 >= table0.length) startRehash(nextPower((long) used0 + 1));
    }

    /**
     * dictExpand: room for size keys at once, instead of doubling (and rehashing) its way
     * there. RDB loading does this with the sizes RESIZEDB announces.
     */
    public void expand(long size) {
        if (isRehashing() || size <= (table0 == null ? 0 : table0.length)) return;
        if (table0 == null) table0 = new Entry[nextPower(size)];
        else startRehash(nextPower(size));
    }

    /** Shrinks a sparse table (Redis does this from serverCron's tryResizeHashTables). */
    public void shrinkIfNeeded() {
        if (isRehashing() || table0 == null || table0.length <= INITIAL_SIZE) return;
        if ((long) used0 * 100 / table0.length < MIN_FILL_PERCENT) {
            startRehash(nextPower(Math.max(used0, INITIAL_SIZE)));
        }
    }

    private static int nextPower(long n) {
        int size = INITIAL_SIZE;
        while (size < n && size < (1 << 30)) size <<= 1;
        return size;
    }

    private void startRehash(int size) {
        if (size == table0.length) return;
        table1 = new Entry[size];
        used1 = 0;
        rehashIndex = 0;
    }

    private void rehashStep() {
        if (pauseRehash == 0) rehash(1);
    }

    /** Moves up to n buckets from the old table to the new one; true if more remain. */
    public boolean rehash(int n) {
        if (!isRehashing() || pauseRehash > 0) return false;
        int emptyVisits = n * 10;
        while (n-- > 0 && used0 != 0) {
            while (table0[rehashIndex] == null) {
                rehashIndex++;
                if (--emptyVisits == 0) return true;
            }
            Entry e = table0[rehashIndex];
            while (e != null) {
                Entry next = e.next;
                int i = e.hash & (table1.length - 1);
                e.next = table1[i];
                table1[i] = e;
                used0--;
                used1++;
                e = next;
            }
            table0[rehashIndex] = null;
            rehashIndex++;
        }
        if (used0 == 0) {
            table0 = table1;
            used0 = used1;
            table1 = null;
            used1 = 0;
            rehashIndex = -1;
            return false;
        }
        return true;
    }

    /**
     * Freezes the bucket layout: no entry moves between buckets until resumeRehash (a
     * snapshot walks the buckets meanwhile). New keys may still start a resize; they then
     * land in the new table while the old one keeps its entries.
     */
    void pauseRehash() {
        pauseRehash++;
    }

    void resumeRehash() {
        pauseRehash--;
    }

    /** Rehashes for about ms milliseconds (Redis's incrementallyRehash from serverCron). */
    public void rehashMilliseconds(long nanosBudget, java.util.function.LongSupplier nanoClock) {
        long start = nanoClock.getAsLong();
        while (rehash(100)) {
            if (nanoClock.getAsLong() - start > nanosBudget) break;
        }
    }

    /* ---------------- iteration, sampling, scan ---------------- */

    /** Visits every entry. The visitor must not add or remove keys (rehash is paused). */
    public void forEach(Consumer<Entry> visitor) {
        pauseRehash++;
        try {
            visitTable(table0, visitor);
            visitTable(table1, visitor);
        } finally {
            pauseRehash--;
        }
    }

    private static void visitTable(Entry[] t, Consumer<Entry> visitor) {
        if (t == null) return;
        for (Entry head : t) {
            for (Entry e = head; e != null; ) {
                Entry next = e.next;
                visitor.accept(e);
                e = next;
            }
        }
    }

    /** A uniformly chosen non-empty bucket, then a uniformly chosen entry of its chain (Redis's dictGetRandomKey). */
    public Entry randomEntry(RandomGenerator random) {
        if (size() == 0) return null;
        if (isRehashing()) rehashStep();
        Entry head;
        if (isRehashing()) {
            int s0 = table0.length, total = s0 + table1.length;
            do {
                // Buckets below rehashIndex in table0 are empty: skip them.
                int i = rehashIndex + random.nextInt(total - rehashIndex);
                head = i >= s0 ? table1[i - s0] : table0[i];
            } while (head == null);
        } else {
            do {
                head = table0[random.nextInt(table0.length)];
            } while (head == null);
        }
        int len = 0;
        for (Entry e = head; e != null; e = e.next) len++;
        int pick = random.nextInt(len);
        Entry e = head;
        while (pick-- > 0) e = e.next;
        return e;
    }

    /**
     * Up to count entries from a random position onwards (Redis's dictGetSomeKeys): cheaper
     * than count random picks, and good enough for eviction and expiry sampling.
     */
    public int sample(RandomGenerator random, Entry[] out, int count) {
        int n = Math.min(count, size());
        if (n == 0) return 0;
        Entry[][] tables = table1 == null ? new Entry[][] {table0} : new Entry[][] {table0, table1};
        int maxSize = table1 == null ? table0.length : Math.max(table0.length, table1.length);
        int index = random.nextInt(maxSize);
        int stored = 0, maxSteps = n * 10, emptyRun = 0;
        while (stored < n && maxSteps-- > 0) {
            for (Entry[] t : tables) {
                if (index >= t.length) continue;
                Entry e = t[index & (t.length - 1)];
                if (e == null) {
                    if (++emptyRun >= 5 && emptyRun > n) {
                        index = random.nextInt(maxSize);
                        emptyRun = 0;
                    }
                    continue;
                }
                emptyRun = 0;
                for (; e != null && stored < n; e = e.next) out[stored++] = e;
            }
            index = (index + 1) & (maxSize - 1);
        }
        return stored;
    }

    /**
     * One step of SCAN from cursor: visits the entries of one bucket (and, while rehashing,
     * of every bucket of the larger table that expands it) and returns the next cursor, 0
     * when the scan is complete. The cursor is unsigned; increments happen on the reversed
     * bits so that growing or shrinking between calls neither skips nor repeats buckets.
     */
    public long scan(long cursor, Consumer<Entry> visitor) {
        if (size() == 0) return 0;
        pauseRehash++;
        try {
            long v = cursor;
            if (!isRehashing()) {
                long m0 = table0.length - 1;
                visitBucket(table0[(int) (v & m0)], visitor);
                v |= ~m0;
                v = Long.reverse(Long.reverse(v) + 1);
            } else {
                Entry[] small = table0, large = table1;
                if (small.length > large.length) {
                    small = table1;
                    large = table0;
                }
                long m0 = small.length - 1, m1 = large.length - 1;
                visitBucket(small[(int) (v & m0)], visitor);
                do {
                    visitBucket(large[(int) (v & m1)], visitor);
                    v |= ~m1;
                    v = Long.reverse(Long.reverse(v) + 1);
                } while ((v & (m0 ^ m1)) != 0);
            }
            return v;
        } finally {
            pauseRehash--;
        }
    }

    private static void visitBucket(Entry head, Consumer<Entry> visitor) {
        for (Entry e = head; e != null; ) {
            Entry next = e.next;
            visitor.accept(e);
            e = next;
        }
    }
}
