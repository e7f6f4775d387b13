package io.magpie.commands.placement;

/**
 * Points of a continuum packed in a long each so that one primitive sort orders them by their
 * unsigned 32-bit value, then by node index: the value's sign bit is flipped into the high word.
 */
final class Points {
    private Points() {}

    static long pack(int value, int owner) {
        return ((long) (value ^ Integer.MIN_VALUE) << 32) | owner;
    }

    static int[] values(long[] sorted) {
        int[] v = new int[sorted.length];
        for (int j = 0; j < v.length; j++) v[j] = (int) (sorted[j] >>> 32) ^ Integer.MIN_VALUE;
        return v;
    }

    static int[] owners(long[] sorted) {
        int[] o = new int[sorted.length];
        for (int j = 0; j < o.length; j++) o[j] = (int) sorted[j];
        return o;
    }

    /** Index of the owner of the first point at or after hash (unsigned), wrapping to the first. */
    static int successor(int[] values, int[] owners, int hash) {
        if (values.length == 0) return -1;
        int lo = 0, hi = values.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (Integer.compareUnsigned(values[mid], hash) < 0) lo = mid + 1;
            else hi = mid;
        }
        return owners[lo == values.length ? 0 : lo];
    }
}
