package io.magpie.commands;

import java.nio.charset.StandardCharsets;

/** Case-insensitive ASCII comparisons and number parsing on raw arguments, without allocation. */
public final class Ascii {
    private Ascii() {}

    public static byte[] bytes(String lower) {
        return lower.getBytes(StandardCharsets.US_ASCII);
    }

    static int lower(int b) {
        return b >= 'A' && b <= 'Z' ? b + 32 : b;
    }

    /** strcasecmp(arg, lower) == 0, with lower already in lower case. */
    public static boolean equalsIgnoreCase(byte[] arg, byte[] lower) {
        if (arg.length != lower.length) return false;
        for (int i = 0; i < arg.length; i++) {
            if (lower(arg[i] & 0xff) != lower[i]) return false;
        }
        return true;
    }

    /**
     * Redis's string2ll: the whole argument is a decimal long without '+', spaces or leading
     * zeros. Returns Long.MIN_VALUE when it is not (MIN_VALUE itself is never a key count).
     */
    static long strictLong(byte[] s) {
        int n = s.length;
        if (n == 0 || n > 20) return Long.MIN_VALUE;
        if (n == 1 && s[0] == '0') return 0;
        int i = 0;
        boolean negative = s[0] == '-';
        if (negative) i++;
        if (i >= n || s[i] < '1' || s[i] > '9') return Long.MIN_VALUE;
        long v = 0;
        for (; i < n; i++) {
            int d = s[i] - '0';
            if (d < 0 || d > 9) return Long.MIN_VALUE;
            if (v > (Long.MAX_VALUE - d) / 10) return Long.MIN_VALUE;
            v = v * 10 + d;
        }
        return negative ? -v : v;
    }

    /**
     * C's atoi as Redis's getkeys procs use it (glibc: (int) strtol): leading spaces, a sign,
     * digits up to the first non-digit, saturated to a long, then cut to its low 32 bits.
     */
    static int atoi(byte[] s) {
        int i = 0, n = s.length;
        while (i < n && (s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r'))) i++;
        boolean negative = false;
        if (i < n && (s[i] == '+' || s[i] == '-')) negative = s[i++] == '-';
        long v = 0;
        boolean overflow = false;
        for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
            int d = s[i] - '0';
            if (v > (Long.MAX_VALUE - d) / 10) overflow = true;
            else v = v * 10 + d;
        }
        long l = overflow ? (negative ? Long.MIN_VALUE : Long.MAX_VALUE) : (negative ? -v : v);
        return (int) l;
    }
}
