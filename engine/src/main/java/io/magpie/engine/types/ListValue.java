package io.magpie.engine.types;

import java.util.Arrays;

/**
 * A list (t_list.c). Redis 7.0 always encodes lists as a "quicklist" (the listpack
 * encoding for small lists arrived in 7.2), so OBJECT ENCODING answers "quicklist" for
 * every list. The layout here is a growable circular array of elements: O(1) push and pop
 * at both ends, O(1) LINDEX/LSET, and inserts or removals in the middle move the shorter
 * side.
 */
public final class ListValue implements RedisValue {
    private static final int MIN_CAPACITY = 4;

    private byte[][] elems;
    private int head; // index of the first element
    private int size;

    public ListValue() {
        elems = new byte[MIN_CAPACITY][];
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
        return elems[slot(index)];
    }

    public void set(int index, byte[] value) {
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
        ensureCapacity(size + 1);
        head = (head - 1) & (elems.length - 1);
        elems[head] = v;
        size++;
    }

    public void addLast(byte[] v) {
        ensureCapacity(size + 1);
        elems[slot(size)] = v;
        size++;
    }

    public void push(byte[] v, boolean head) {
        if (head) addFirst(v);
        else addLast(v);
    }

    public byte[] removeFirst() {
        byte[] v = elems[head];
        elems[head] = null;
        head = (head + 1) & (elems.length - 1);
        size--;
        maybeShrink();
        return v;
    }

    public byte[] removeLast() {
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

    /** Keeps only [start, end] (inclusive, already clamped; start > end empties the list). */
    public void trim(int start, int end) {
        if (start > end || start >= size) {
            clear();
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
        elems = new byte[MIN_CAPACITY][];
        head = 0;
        size = 0;
    }

    @Override public RedisValue duplicate() {
        ListValue l = new ListValue();
        l.elems = elems.clone(); // elements are immutable byte[]
        l.head = head;
        l.size = size;
        return l;
    }

    @Override public long memoryUsage() {
        // O(1): sampled element sizes scaled to the length (accounting re-measures often).
        long sampled = 0;
        int n = Math.min(size, MemorySampling.SAMPLES);
        for (int i = 0; i < n; i++) sampled += 16 + ((get(i).length + 7) & ~7);
        return 32 + 16 + 4L * elems.length + MemorySampling.scale(sampled, n, size);
    }
}
