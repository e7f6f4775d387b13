package io.magpie.engine.types;

import io.magpie.engine.keyspace.Dict;
import java.util.Arrays;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;

/**
 * The hash table behind big sets and sorted sets: open addressing with linear probing over
 * one Object[] of elements, so a member costs one array slot plus the element itself (no
 * per-entry node as in a chained dict). An element is a byte[] (sets) or an object whose
 * key {@link #keyOf} extracts (sorted-set nodes).
 *
 * Deletions leave tombstones instead of shifting later elements back: elements never move
 * except when the table is rebuilt, which keeps SSCAN/ZSCAN's guarantee. The scan cursor
 * walks home buckets (hash & mask) in Redis's reverse-binary order, so growing or shrinking
 * between calls neither skips nor repeats a home bucket, exactly as with Redis's dict.
 */
public class MemberTable {
    private static final Object TOMBSTONE = new Object();
    private static final int MIN_CAPACITY = 8;

    private Object[] slots = new Object[MIN_CAPACITY];
    private int size;
    private int tombstones;

    /**
     * Linear probing needs well-spread low bits: Dict's hash leaves runs of similar keys
     * ("member:1", "member:2"...) in neighbouring buckets, so finish it with murmur3's fmix32.
     */
    static int hash(byte[] key) {
        int h = Dict.hash(key);
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        h ^= h >>> 13;
        h *= 0xc2b2ae35;
        h ^= h >>> 16;
        return h;
    }

    /** Up to out.length elements from the start of the table, for size estimates (never a full walk). */
    public final int sample(Object[] out) {
        int n = 0;
        for (int i = 0; i < slots.length && n < out.length && i < MemorySampling.MAX_PROBES; i++) {
            Object e = slots[i];
            if (e != null && e != TOMBSTONE) out[n++] = e;
        }
        return n;
    }

    /** The member bytes of an element; sorted sets override this for their nodes. */
    protected byte[] keyOf(Object element) {
        return (byte[]) element;
    }

    public final int size() {
        return size;
    }

    /** The element whose key equals key, or null. */
    public final Object get(byte[] key) {
        Object[] t = slots;
        int mask = t.length - 1;
        for (int i = hash(key) & mask; ; i = (i + 1) & mask) {
            Object e = t[i];
            if (e == null) return null;
            if (e != TOMBSTONE && Arrays.equals(keyOf(e), key)) return e;
        }
    }

    public final boolean contains(byte[] key) {
        return get(key) != null;
    }

    /** Adds element unless an element with the same key exists; returns the existing one, or null if added. */
    public final Object putIfAbsent(Object element) {
        byte[] key = keyOf(element);
        Object[] t = slots;
        int mask = t.length - 1;
        int firstTomb = -1;
        int i = hash(key) & mask;
        for (; ; i = (i + 1) & mask) {
            Object e = t[i];
            if (e == null) break;
            if (e == TOMBSTONE) {
                if (firstTomb < 0) firstTomb = i;
            } else if (Arrays.equals(keyOf(e), key)) {
                return e;
            }
        }
        if (firstTomb >= 0) {
            t[firstTomb] = element;
            tombstones--;
        } else {
            t[i] = element;
        }
        size++;
        if ((size + tombstones) * 4L > t.length * 3L) rebuild(capacityFor(size));
        return null;
    }

    /** Replaces the element with the same key (which must exist) by element. */
    public final void replace(Object element) {
        byte[] key = keyOf(element);
        Object[] t = slots;
        int mask = t.length - 1;
        for (int i = hash(key) & mask; ; i = (i + 1) & mask) {
            Object e = t[i];
            if (e == null) throw new IllegalStateException("replace of a missing element");
            if (e != TOMBSTONE && Arrays.equals(keyOf(e), key)) {
                t[i] = element;
                return;
            }
        }
    }

    /** Removes the element with this key; returns it, or null if absent. */
    public final Object remove(byte[] key) {
        Object[] t = slots;
        int mask = t.length - 1;
        for (int i = hash(key) & mask; ; i = (i + 1) & mask) {
            Object e = t[i];
            if (e == null) return null;
            if (e != TOMBSTONE && Arrays.equals(keyOf(e), key)) {
                // A slot followed by an empty one ends no probe chain: free it for real.
                if (t[(i + 1) & mask] == null) {
                    t[i] = null;
                } else {
                    t[i] = TOMBSTONE;
                    tombstones++;
                }
                size--;
                if (size * 8L < t.length && t.length > MIN_CAPACITY) rebuild(capacityFor(size));
                return e;
            }
        }
    }

    public final void clear() {
        slots = new Object[MIN_CAPACITY];
        size = tombstones = 0;
    }

    private static int capacityFor(int n) {
        int cap = MIN_CAPACITY;
        while (cap * 3L < n * 4L + 4 && cap < (1 << 30)) cap <<= 1;
        return cap;
    }

    private void rebuild(int capacity) {
        Object[] old = slots;
        Object[] t = new Object[capacity];
        int mask = capacity - 1;
        for (Object e : old) {
            if (e == null || e == TOMBSTONE) continue;
            int i = hash(keyOf(e)) & mask;
            while (t[i] != null) i = (i + 1) & mask;
            t[i] = e;
        }
        slots = t;
        tombstones = 0;
    }

    /** Makes room for n elements in one step (SUNIONSTORE and friends building big sets). */
    public final void ensureCapacity(int n) {
        int cap = capacityFor(n);
        if (cap > slots.length) rebuild(cap);
    }

    /** A uniformly chosen element, or null when empty. */
    public final Object random(RandomGenerator random) {
        if (size == 0) return null;
        Object[] t = slots;
        // The table is kept at least 1/8 full, so this takes a handful of draws on average.
        while (true) {
            Object e = t[random.nextInt(t.length)];
            if (e != null && e != TOMBSTONE) return e;
        }
    }

    public final void forEach(Consumer<Object> visitor) {
        for (Object e : slots) {
            if (e != null && e != TOMBSTONE) visitor.accept(e);
        }
    }

    /** Copies the elements into an array (for iteration while the table changes). */
    public final Object[] toArray() {
        Object[] out = new Object[size];
        int n = 0;
        for (Object e : slots) {
            if (e != null && e != TOMBSTONE) out[n++] = e;
        }
        return out;
    }

    /**
     * One SCAN step: visits the elements whose home bucket is the cursor's, returns the next
     * cursor (0 when done). The cursor is masked to the current table, so a cursor from a
     * bigger or smaller table resumes at the right place (reverse-binary increment).
     */
    public final long scan(long cursor, Consumer<Object> visitor) {
        if (size == 0) return 0;
        Object[] t = slots;
        int mask = t.length - 1;
        int home = (int) (cursor & mask);
        for (int i = home; ; i = (i + 1) & mask) {
            Object e = t[i];
            if (e == null) break;
            if (e != TOMBSTONE && (hash(keyOf(e)) & mask) == home) visitor.accept(e);
        }
        long v = cursor | ~(long) mask;
        return Long.reverse(Long.reverse(v) + 1);
    }

    /** Approximate bytes of the table itself (not the elements). */
    public final long tableBytes() {
        return 16 + 4L * slots.length;
    }
}
