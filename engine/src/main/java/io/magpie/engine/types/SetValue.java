package io.magpie.engine.types;

import io.magpie.engine.util.Numbers;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;

/**
 * A set (t_set.c). Small sets of integers are an "intset" (intset.c): the values sorted in
 * one byte[], each 2, 4 or 8 bytes wide as the widest value needs (upgraded, never
 * downgraded), searched by binary search, members printed back in ascending order as Redis
 * does. Anything else is a "hashtable" ({@link MemberTable} of byte[] members). Conversion
 * is one-way: a set that became a hashtable stays one, as in Redis 7.0 (which has no
 * listpack sets).
 */
public final class SetValue implements RedisValue {
    private static final byte[] NO_INTS = new byte[0];

    private byte[] ints; // intset encoding when non-null: intCount values, little-endian, exactly sized
    private int intWidth = 2; // bytes a value: 2, 4 or 8 (INTSET_ENC_INT16/32/64)
    private int intCount;
    private MemberTable table; // hashtable encoding when non-null

    private SetValue() {}

    /** An empty set with the encoding Redis's setTypeCreate picks for its first member. */
    public static SetValue createFor(byte[] firstMember, long maxIntsetEntries) {
        SetValue s = new SetValue();
        if (maxIntsetEntries > 0 && Numbers.isLong(firstMember)) s.ints = NO_INTS;
        else s.table = new MemberTable();
        return s;
    }

    /** An empty hashtable set. */
    public static SetValue hashtable() {
        SetValue s = new SetValue();
        s.table = new MemberTable();
        return s;
    }

    /** An empty intset (SINTERSTORE/SUNIONSTORE destinations start so and convert as members arrive). */
    public static SetValue intset() {
        SetValue s = new SetValue();
        s.ints = NO_INTS;
        return s;
    }

    public boolean isIntset() {
        return ints != null;
    }

    public int size() {
        return ints != null ? intCount : table.size();
    }

    @Override public ValueType type() {
        return ValueType.SET;
    }

    @Override public String encoding() {
        return ints != null ? "intset" : "hashtable";
    }

    /* ---------------- intset layout ---------------- */

    private static int widthFor(long v) {
        return v == (short) v ? 2 : v == (int) v ? 4 : 8;
    }

    private static long read(byte[] b, int i, int width) {
        int p = i * width;
        long v = 0;
        for (int k = width - 1; k >= 0; k--) v = (v << 8) | (b[p + k] & 0xff);
        int shift = 64 - 8 * width;
        return (v << shift) >> shift; // sign-extend
    }

    private static void write(byte[] b, int i, int width, long v) {
        int p = i * width;
        for (int k = 0; k < width; k++) b[p + k] = (byte) (v >>> (8 * k));
    }

    private long intAt(int i) {
        return read(ints, i, intWidth);
    }

    /** intsetSearch: the index of v, or -(insertion point) - 1. */
    private int intSearch(long v) {
        int lo = 0, hi = intCount - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            long m = intAt(mid);
            if (m < v) lo = mid + 1;
            else if (m > v) hi = mid - 1;
            else return mid;
        }
        return -lo - 1;
    }

    /** A new array with v at index ins, widened as v needs (intsetAdd/intsetUpgradeAndAdd). */
    private void intInsert(int ins, long v) {
        int width = Math.max(intWidth, widthFor(v));
        byte[] out = new byte[(intCount + 1) * width];
        if (width == intWidth) {
            System.arraycopy(ints, 0, out, 0, ins * width);
            System.arraycopy(ints, ins * width, out, (ins + 1) * width, (intCount - ins) * width);
        } else {
            for (int i = 0; i < intCount; i++) write(out, i < ins ? i : i + 1, width, intAt(i));
        }
        write(out, ins, width, v);
        ints = out;
        intWidth = width;
        intCount++;
    }

    /* ---------------- members ---------------- */

    /** Adds member; false if it was there. maxIntsetEntries is set-max-intset-entries. */
    public boolean add(byte[] member, long maxIntsetEntries) {
        if (ints != null) {
            long[] v = new long[1];
            if (Numbers.parseLong(member, v)) {
                int at = intSearch(v[0]);
                if (at >= 0) return false;
                if (intCount + 1 > maxIntsetEntries) {
                    convertToHashtable();
                    return table.putIfAbsent(member) == null;
                }
                intInsert(-at - 1, v[0]);
                return true;
            }
            convertToHashtable();
        }
        return table.putIfAbsent(member) == null;
    }

    public boolean remove(byte[] member) {
        if (ints != null) {
            long[] v = new long[1];
            if (!Numbers.parseLong(member, v)) return false;
            int at = intSearch(v[0]);
            if (at < 0) return false;
            byte[] out = new byte[(intCount - 1) * intWidth];
            System.arraycopy(ints, 0, out, 0, at * intWidth);
            System.arraycopy(ints, (at + 1) * intWidth, out, at * intWidth, (intCount - at - 1) * intWidth);
            ints = out;
            intCount--;
            return true;
        }
        return table.remove(member) != null;
    }

    public boolean contains(byte[] member) {
        if (ints != null) {
            long[] v = new long[1];
            return Numbers.parseLong(member, v) && intSearch(v[0]) >= 0;
        }
        return table.contains(member);
    }

    private void convertToHashtable() {
        MemberTable t = new MemberTable();
        t.ensureCapacity(intCount + 1);
        for (int i = 0; i < intCount; i++) t.putIfAbsent(Numbers.toBytes(intAt(i)));
        table = t;
        ints = null;
        intCount = 0;
    }

    /** A uniformly chosen member (the set must not be empty). */
    public byte[] random(RandomGenerator random) {
        if (ints != null) return Numbers.toBytes(intAt(random.nextInt(intCount)));
        return (byte[]) table.random(random);
    }

    /** Visits members: ascending for an intset, table order otherwise. */
    public void forEach(Consumer<byte[]> visitor) {
        if (ints != null) {
            for (int i = 0; i < intCount; i++) visitor.accept(Numbers.toBytes(intAt(i)));
        } else {
            table.forEach(e -> visitor.accept((byte[]) e));
        }
    }

    /** The members as an array (intset: ascending). */
    public byte[][] members() {
        byte[][] out = new byte[size()][];
        if (ints != null) {
            for (int i = 0; i < intCount; i++) out[i] = Numbers.toBytes(intAt(i));
        } else {
            Object[] a = table.toArray();
            for (int i = 0; i < a.length; i++) out[i] = (byte[]) a[i];
        }
        return out;
    }

    /** One SSCAN step over a hashtable set (intsets are returned whole by the caller). */
    public long scan(long cursor, Consumer<byte[]> visitor) {
        return table.scan(cursor, e -> visitor.accept((byte[]) e));
    }

    @Override public RedisValue duplicate() {
        SetValue s = new SetValue();
        if (ints != null) {
            s.ints = ints; // never written in place: changes make a new array
            s.intWidth = intWidth;
            s.intCount = intCount;
        } else {
            s.table = new MemberTable();
            s.table.ensureCapacity(table.size());
            table.forEach(s.table::putIfAbsent);
        }
        return s;
    }

    @Override public long memoryUsage() {
        if (ints != null) return 32 + 16 + ((ints.length + 7) & ~7);
        // O(1): sampled member sizes scaled to the size (accounting re-measures often).
        Object[] sample = new Object[MemorySampling.SAMPLES];
        int n = table.sample(sample);
        long sampled = 0;
        for (int i = 0; i < n; i++) sampled += 16 + ((((byte[]) sample[i]).length + 7) & ~7);
        return 32 + table.tableBytes() + MemorySampling.scale(sampled, n, table.size());
    }
}
