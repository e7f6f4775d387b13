package io.magpie.engine.util;

import java.nio.charset.StandardCharsets;

/** Redis's strict number parsing (util.c string2ll, string2ld, string2d) over bytes. */
public final class Numbers {
    private Numbers() {}

    /** Sentinel for "not a valid integer". */
    public static final long INVALID = Long.MIN_VALUE;

    /**
     * string2ll: optional '-', no '+', no leading zeros (except "0"), no spaces, fits in a
     * signed 64-bit integer. Returns false via {@link #isLong} when invalid; use
     * {@link #parseLong(byte[], long[])} to read the value.
     */
    public static boolean parseLong(byte[] s, long[] out) {
        int len = s.length;
        if (len == 0 || len > 20) return false;
        if (len == 1 && s[0] == '0') {
            out[0] = 0;
            return true;
        }
        int i = 0;
        boolean negative = false;
        if (s[0] == '-') {
            negative = true;
            i++;
            if (len == 1) return false;
        }
        if (s[i] < '1' || s[i] > '9') return false;
        long v = 0; // accumulate as negative to reach Long.MIN_VALUE
        for (; i < len; i++) {
            int d = s[i] - '0';
            if (d < 0 || d > 9) return false;
            if (v < (Long.MIN_VALUE + d) / 10) return false;
            v = v * 10 - d;
        }
        if (!negative) {
            if (v == Long.MIN_VALUE) return false;
            v = -v;
        }
        out[0] = v;
        return true;
    }

    /**
     * The strict form the compact encodings use (lpStringToInt64, rdbTryIntegerEncoding): the
     * value of s[off..off+len) if it is the canonical decimal text of a long of at most
     * maxLen characters (no leading zeros, no "+", no "-0"), else {@link #INVALID}. No
     * allocation: the listpack, RDB and stream writers call it for every element.
     */
    public static long canonicalLong(byte[] s, int off, int len, int maxLen) {
        if (len == 0 || len > maxLen) return INVALID;
        int i = off, end = off + len;
        boolean neg = s[i] == '-';
        if (neg && ++i == end) return INVALID;
        if (s[i] == '0') return len == 1 ? 0 : INVALID;
        long v = 0;
        for (; i < end; i++) {
            int d = s[i] - '0';
            if (d < 0 || d > 9) return INVALID;
            if (v > (Long.MAX_VALUE - d) / 10) return INVALID;
            v = v * 10 + d;
        }
        return neg ? -v : v;
    }

    public static long canonicalLong(byte[] s, int maxLen) {
        return canonicalLong(s, 0, s.length, maxLen);
    }

    public static boolean isLong(byte[] s) {
        return parseLong(s, new long[1]);
    }

    /** The value of s, or {@link #INVALID} (which is also MIN_VALUE: check with isLong when it matters). */
    public static long toLongOrInvalid(byte[] s) {
        long[] v = new long[1];
        return parseLong(s, v) ? v[0] : INVALID;
    }

    /**
     * string2d / strtod as Redis uses it for scores and floats: decimal or hex floats,
     * "inf"/"-inf"/"+inf" (any case), no surrounding spaces, no NaN. Null when invalid.
     */
    public static Double parseDouble(byte[] s) {
        if (s.length == 0 || s.length > 5000) return null;
        String str = new String(s, StandardCharsets.ISO_8859_1);
        char first = str.charAt(0), last = str.charAt(str.length() - 1);
        if (Character.isWhitespace(first) || Character.isWhitespace(last)) return null;
        String lower = str.toLowerCase(java.util.Locale.ROOT);
        switch (lower) {
            case "inf", "+inf", "infinity", "+infinity": return Double.POSITIVE_INFINITY;
            case "-inf", "-infinity": return Double.NEGATIVE_INFINITY;
            default: break;
        }
        if (lower.contains("nan")) return null;
        // Java accepts forms strtod refuses ("1d", "1f") and vice versa; screen them.
        char tail = lower.charAt(lower.length() - 1);
        if (tail == 'd' || tail == 'f') return null;
        try {
            double d = Double.parseDouble(str);
            return Double.isNaN(d) ? null : d;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    public static byte[] toBytes(long v) {
        return io.magpie.protocol.NumberFormat.toBytes(v);
    }

    public static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    public static String str(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
