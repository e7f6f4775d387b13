package io.magpie.engine.types;

import java.util.Arrays;

/**
 * A list (t_list.c). Redis 7.0 always encodes lists as a "quicklist" (the listpack
 * encoding for small lists arrived in 7.2), so OBJECT ENCODING answers "quicklist" for
 * every list. Two layouts behind that name:
 * <ul>
 *   <li>packed: while at most {@link #PACKED_MAX_ENTRIES} elements and
 *       {@link #PACKED_MAX_BYTES} bytes (one quicklist node at the default
 *       list-max-listpack-size -2), all elements in one {@link Listpack} byte[], as
 *       a quicklist of one node holds them; reached by walking from the nearer end.</li>
 *   <li>a growable circular array of elements: O(1) push and pop at both ends, O(1)
 *       LINDEX/LSET, and inserts or removals in the middle move the shorter side.</li>
 * </ul>
 * A list leaves the packed layout once past either bound and returns only when emptied.
 */
public final class ListValue implements RedisValue {
    private static final int MIN_CAPACITY = 4;
    static final int PACKED_MAX_ENTRIES = 128;
    static final int PACKED_MAX_BYTES = 8192;

    private byte[] lp = Listpack.EMPTY; // the packed layout; null for the array
    private byte[][] elems;
    private int head; // index of the first element
    private int size;

    public ListValue() {}

    /** Whether the elements are packed in one byte[] (small lists). */
    public boolean isPacked() {
        return lp != null;
    }

    /** After growth: leaves the packed layout past its bounds. */
    private void checkPacked() {
        if (size <= PACKED_MAX_ENTRIES && lp.length <= PACKED_MAX_BYTES) return;
        int cap = MIN_CAPACITY;
        while (cap < size) cap <<= 1;
        byte[][] a = new byte[cap][];
        int i = 0;
        for (int off = 0; off < lp.length; off = Listpack.next(lp, off)) a[i++] = Listpack.get(lp, off);
        elems = a;
        head = 0;
        lp = null;
    }

    private int offsetOf(int index) {
        return Listpack.offsetOf(lp, size, index);
    }

    @Override public ValueType type() {
        return ValueType.LIST;
    }

    @Override public String encoding() {
        return "quicklist";
    }

    public int size() {
        return size;
    }

    private int slot(int index) {
        return (head + index) & (elems.length - 1);
    }

    public byte[] get(int index) {
        if (lp != null) return Listpack.get(lp, offsetOf(index));
        return elems[slot(index)];
    }

    public void set(int index, byte[] value) {
        if (lp != null) {
            lp = Listpack.replace(lp, offsetOf(index), value);
            checkPacked();
            return;
        }
        elems[slot(index)] = value;
    }

    private void ensureCapacity(int n) {
        if (n <= elems.length) return;
        int cap = elems.length;
        while (cap < n) cap <<= 1;
        relocate(cap);
    }

    private void relocate(int cap) {
        byte[][] a = new byte[cap][];
        int first = Math.min(size, elems.length - head);
        System.arraycopy(elems, head, a, 0, first);
        System.arraycopy(elems, 0, a, first, size - first);
        elems = a;
        head = 0;
    }

    private void maybeShrink() {
        if (elems.length > 64 && size < elems.length / 4) relocate(elems.length / 2);
    }

    public void addFirst(byte[] v) {
        if (lp != null) {
            insert(0, v);
            return;
        }
        ensureCapacity(size + 1);
        head = (head - 1) & (elems.length - 1);
        elems[head] = v;
        size++;
    }

    public void addLast(byte[] v) {
        if (lp != null) {
            insert(size, v);
            return;
        }
        ensureCapacity(size + 1);
        elems[slot(size)] = v;
        size++;
    }

    public void push(byte[] v, boolean head) {
        if (head) addFirst(v);
        else addLast(v);
    }

    public byte[] removeFirst() {
        if (lp != null) return removePacked(0);
        byte[] v = elems[head];
        elems[head] = null;
        head = (head + 1) & (elems.length - 1);
        size--;
        maybeShrink();
        return v;
    }

    public byte[] removeLast() {
        if (lp != null) return removePacked(size - 1);
        int i = slot(size - 1);
        byte[] v = elems[i];
        elems[i] = null;
        size--;
        maybeShrink();
        return v;
    }

    public byte[] pop(boolean head) {
        return head ? removeFirst() : removeLast();
    }

    /** Inserts v so that it ends up at index (0..size). */
    public void insert(int index, byte[] v) {
        if (lp != null) {
            lp = Listpack.insert(lp, offsetOf(index), v);
            size++;
            checkPacked();
            return;
        }
        if (index == 0) {
            addFirst(v);
            return;
        }
        if (index == size) {
            addLast(v);
            return;
        }
        ensureCapacity(size + 1);
        if (index < size / 2) {
            head = (head - 1) & (elems.length - 1);
            for (int i = 0; i < index; i++) elems[slot(i)] = elems[slot(i + 1)];
        } else {
            for (int i = size; i > index; i--) elems[slot(i)] = elems[slot(i - 1)];
        }
        elems[slot(index)] = v;
        size++;
    }

    /** Removes the element at index. */
    public void remove(int index) {
        if (lp != null) {
            removePacked(index);
            return;
        }
        if (index < size / 2) {
            for (int i = index; i > 0; i--) elems[slot(i)] = elems[slot(i - 1)];
            elems[head] = null;
            head = (head + 1) & (elems.length - 1);
        } else {
            for (int i = index; i < size - 1; i++) elems[slot(i)] = elems[slot(i + 1)];
            elems[slot(size - 1)] = null;
        }
        size--;
        maybeShrink();
    }

    private byte[] removePacked(int index) {
        int off = offsetOf(index);
        byte[] v = Listpack.get(lp, off);
        lp = Listpack.delete(lp, off, Listpack.next(lp, off));
        size--;
        return v;
    }

    /** Keeps only [start, end] (inclusive, already clamped; start > end empties the list). */
    public void trim(int start, int end) {
        if (start > end || start >= size) {
            clear();
            return;
        }
        if (lp != null) {
            int from = offsetOf(start);
            int to = offsetOf(end + 1);
            lp = Arrays.copyOfRange(lp, from, to);
            size = end - start + 1;
            return;
        }
        for (int i = 0; i < start; i++) elems[slot(i)] = null;
        for (int i = end + 1; i < size; i++) elems[slot(i)] = null;
        head = slot(start);
        size = end - start + 1;
        maybeShrink();
    }

    /**
     * Removes elements equal to v (LREM): count &gt; 0 from the head, &lt; 0 from the tail,
     * 0 all; returns how many were removed. Compacts in one pass.
     */
    public int removeMatching(byte[] v, long count) {
        int removed = 0;
        long limit = count == 0 ? Long.MAX_VALUE : Math.abs(count);
        if (lp != null) {
            // Mark the doomed entries from the chosen end, then copy the others in one pass.
            boolean[] doomed = new boolean[size];
            if (count >= 0) {
                int i = 0;
                for (int off = 0; off < lp.length && removed < limit; off = Listpack.next(lp, off), i++) {
                    if (Listpack.payloadEquals(lp, off, v)) doomed[i] = true;
                    if (doomed[i]) removed++;
                }
            } else {
                int i = size - 1;
                for (int off = Listpack.last(lp); off >= 0 && removed < limit; off = Listpack.prev(lp, off), i--) {
                    if (Listpack.payloadEquals(lp, off, v)) doomed[i] = true;
                    if (doomed[i]) removed++;
                }
            }
            if (removed == 0) return 0;
            java.io.ByteArrayOutputStream kept = new java.io.ByteArrayOutputStream(lp.length);
            int i = 0;
            for (int off = 0; off < lp.length; i++) {
                int next = Listpack.next(lp, off);
                if (!doomed[i]) kept.write(lp, off, next - off);
                off = next;
            }
            lp = kept.toByteArray();
            size -= removed;
            return removed;
        }
        if (count >= 0) {
            int w = 0;
            for (int r = 0; r < size; r++) {
                byte[] e = elems[slot(r)];
                if (removed < limit && Arrays.equals(e, v)) {
                    removed++;
                    continue;
                }
                elems[slot(w++)] = e;
            }
            for (int i = w; i < size; i++) elems[slot(i)] = null;
            size = w;
        } else {
            int w = size - 1;
            for (int r = size - 1; r >= 0; r--) {
                byte[] e = elems[slot(r)];
                if (removed < limit && Arrays.equals(e, v)) {
                    removed++;
                    continue;
                }
                elems[slot(w--)] = e;
            }
            for (int i = 0; i <= w; i++) elems[slot(i)] = null;
            head = slot(w + 1);
            size -= removed;
        }
        maybeShrink();
        return removed;
    }

    public void clear() {
        lp = Listpack.EMPTY;
        elems = null;
        head = 0;
        size = 0;
    }

    @Override public RedisValue duplicate() {
        ListValue l = new ListValue();
        l.lp = lp; // never written in place: changes make a new array
        l.elems = elems == null ? null : elems.clone(); // elements are immutable byte[]
        l.head = head;
        l.size = size;
        return l;
    }

    @Override public long memoryUsage() {
        if (lp != null) return 32 + 16 + ((lp.length + 7) & ~7);
        // O(1): sampled element sizes scaled to the length (accounting re-measures often).
        long sampled = 0;
        int n = Math.min(size, MemorySampling.SAMPLES);
        for (int i = 0; i < n; i++) sampled += 16 + ((get(i).length + 7) & ~7);
        return 32 + 16 + 4L * elems.length + MemorySampling.scale(sampled, n, size);
    }
}
