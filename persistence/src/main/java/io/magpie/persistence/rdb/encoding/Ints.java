package io.magpie.persistence.rdb.encoding;

/** string2ll for the compact encodings: the value of a canonical decimal integer. */
final class Ints {
    static final long NOT_A_LONG = Long.MIN_VALUE;

    private Ints() {}

    /**
     * The value of s if it is a canonical decimal long of at most maxLen characters (no
     * leading zeros, no "+", no "-0"), else NOT_A_LONG. Long.MIN_VALUE itself is reported as
     * NOT_A_LONG (callers then store it as a string, which reads back the same).
     */
    static long parseCanonical(byte[] s, int maxLen) {
        int n = s.length;
        if (n == 0 || n > maxLen) return NOT_A_LONG;
        int i = 0;
        boolean neg = s[0] == '-';
        if (neg && ++i == n) return NOT_A_LONG;
        if (s[i] == '0') return n == 1 ? 0 : NOT_A_LONG;
        long v = 0;
        for (; i < n; i++) {
            int d = s[i] - '0';
            if (d < 0 || d > 9) return NOT_A_LONG;
            if (v > (Long.MAX_VALUE - d) / 10) return NOT_A_LONG;
            v = v * 10 + d;
        }
        return neg ? -v : v;
    }
}
