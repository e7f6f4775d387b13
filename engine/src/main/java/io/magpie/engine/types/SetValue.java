package io.magpie.engine.types;

import io.magpie.engine.util.Numbers;
import java.util.Arrays;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;

/**
 * A set (t_set.c). Small sets of integers are an "intset": a sorted long[] searched by
 * binary search, members printed back in ascending order as Redis does. Anything else is a
 * "hashtable" ({@link MemberTable} of byte[] members). Conversion is one-way: a set that
 * became a hashtable stays one, as in Redis 7.0 (which has no listpack sets).
 */
public final class SetValue implements RedisValue {
    private long[] ints; // intset encoding when non-null
    private int intCount;
    private MemberTable table; // hashtable encoding when non-null

    private SetValue() {}

    /** An empty set with the encoding Redis's setTypeCreate picks for its first member. */
    public static SetValue createFor(byte[] firstMember, long maxIntsetEntries) {
        SetValue s = new SetValue();
        if (maxIntsetEntries > 0 && Numbers.isLong(firstMember)) s.ints = new long[4];
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
        s.ints = new long[4];
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

    /** Adds member; false if it was there. maxIntsetEntries is set-max-intset-entries. */
    public boolean add(byte[] member, long maxIntsetEntries) {
        if (ints != null) {
            long[] v = new long[1];
            if (Numbers.parseLong(member, v)) {
                int at = Arrays.binarySearch(ints, 0, intCount, v[0]);
                if (at >= 0) return false;
                if (intCount + 1 > maxIntsetEntries) {
                    convertToHashtable();
                    return table.putIfAbsent(member) == null;
                }
                int ins = -at - 1;
                if (intCount == ints.length) ints = Arrays.copyOf(ints, ints.length * 2);
                System.arraycopy(ints, ins, ints, ins + 1, intCount - ins);
                ints[ins] = v[0];
                intCount++;
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
            int at = Arrays.binarySearch(ints, 0, intCount, v[0]);
            if (at < 0) return false;
            System.arraycopy(ints, at + 1, ints, at, intCount - at - 1);
            intCount--;
            return true;
        }
        return table.remove(member) != null;
    }

    public boolean contains(byte[] member) {
        if (ints != null) {
            long[] v = new long[1];
            return Numbers.parseLong(member, v) && Arrays.binarySearch(ints, 0, intCount, v[0]) >= 0;
        }
        return table.contains(member);
    }

    private void convertToHashtable() {
        MemberTable t = new MemberTable();
        t.ensureCapacity(intCount + 1);
        for (int i = 0; i < intCount; i++) t.putIfAbsent(Numbers.toBytes(ints[i]));
        table = t;
        ints = null;
        intCount = 0;
    }

    /** A uniformly chosen member (the set must not be empty). */
    public byte[] random(RandomGenerator random) {
        if (ints != null) return Numbers.toBytes(ints[random.nextInt(intCount)]);
        return (byte[]) table.random(random);
    }

    /** Visits members: ascending for an intset, table order otherwise. */
    public void forEach(Consumer<byte[]> visitor) {
        if (ints != null) {
            for (int i = 0; i < intCount; i++) visitor.accept(Numbers.toBytes(ints[i]));
        } else {
            table.forEach(e -> visitor.accept((byte[]) e));
        }
    }

    /** The members as an array (intset: ascending). */
    public byte[][] members() {
        byte[][] out = new byte[size()][];
        if (ints != null) {
            for (int i = 0; i < intCount; i++) out[i] = Numbers.toBytes(ints[i]);
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
            s.ints = Arrays.copyOf(ints, Math.max(4, intCount));
            s.intCount = intCount;
        } else {
            s.table = new MemberTable();
            s.table.ensureCapacity(table.size());
            table.forEach(s.table::putIfAbsent);
        }
        return s;
    }

    @Override public long memoryUsage() {
        if (ints != null) return 32 + 8L * ints.length;
        // O(1): sampled member sizes scaled to the size (accounting re-measures often).
        Object[] sample = new Object[MemorySampling.SAMPLES];
        int n = table.sample(sample);
        long sampled = 0;
        for (int i = 0; i < n; i++) sampled += 16 + ((((byte[]) sample[i]).length + 7) & ~7);
        return 32 + table.tableBytes() + MemorySampling.scale(sampled, n, table.size());
    }
}
