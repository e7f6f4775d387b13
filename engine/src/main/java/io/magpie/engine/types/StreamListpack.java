package io.magpie.engine.types;

import io.magpie.engine.util.Numbers;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A Redis listpack (listpack.c) kept in a growable byte[], the node format of a stream.
 * The array may be longer than the listpack (room to append); the header's total-bytes
 * field says where it ends. Elements are addressed by their offset; -1 means "none".
 * Encodings are chosen as lpAppend does, so a node is byte-identical to Redis's and can be
 * written to RDB as is.
 */
public final class StreamListpack {
    static final int HEADER = 6;
    private static final int EOF = 0xff;

    private StreamListpack() {}

    public static byte[] create(int capacity) {
        byte[] lp = new byte[Math.max(HEADER + 1, capacity)];
        setTotal(lp, HEADER + 1);
        lp[HEADER] = (byte) EOF;
        return lp;
    }

    /** Bytes the listpack uses (its header's total-bytes field). */
    public static int bytes(byte[] lp) {
        return (lp[0] & 0xff) | (lp[1] & 0xff) << 8 | (lp[2] & 0xff) << 16 | (lp[3] & 0xff) << 24;
    }

    private static void setTotal(byte[] lp, int n) {
        lp[0] = (byte) n;
        lp[1] = (byte) (n >>> 8);
        lp[2] = (byte) (n >>> 16);
        lp[3] = (byte) (n >>> 24);
    }

    /** The listpack alone, without spare room (lpShrinkToFit). */
    public static byte[] shrink(byte[] lp) {
        int n = bytes(lp);
        return lp.length == n ? lp : Arrays.copyOf(lp, n);
    }

    /** Checks a listpack read from outside (RDB): size, terminator and element bounds. */
    public static boolean validate(byte[] lp) {
        if (lp.length < HEADER + 1 || bytes(lp) != lp.length || (lp[lp.length - 1] & 0xff) != EOF) return false;
        int p = HEADER;
        try {
            while ((lp[p] & 0xff) != EOF) {
                int enc = encodedSize(lp, p);
                if (enc <= 0) return false;
                int l = enc + backlenSize(enc);
                if (p + l >= lp.length) return false;
                p += l;
            }
        } catch (ArrayIndexOutOfBoundsException e) {
            return false;
        }
        return p == lp.length - 1;
    }

    /* ---------------- navigation ---------------- */

    public static int first(byte[] lp) {
        return (lp[HEADER] & 0xff) == EOF ? -1 : HEADER;
    }

    public static int next(byte[] lp, int p) {
        int enc = encodedSize(lp, p);
        int q = p + enc + backlenSize(enc);
        return (lp[q] & 0xff) == EOF ? -1 : q;
    }

    public static int last(byte[] lp) {
        int end = bytes(lp) - 1;
        return end == HEADER ? -1 : prevFrom(lp, end);
    }

    public static int prev(byte[] lp, int p) {
        return p == HEADER ? -1 : prevFrom(lp, p);
    }

    /** The element ending just before offset end: its backlen is read right to left. */
    private static int prevFrom(byte[] lp, int end) {
        int q = end - 1;
        int len = 0, shift = 0;
        while (true) {
            int b = lp[q] & 0xff;
            len |= (b & 127) << shift;
            if ((b & 128) == 0) break;
            shift += 7;
            q--;
        }
        return q - len;
    }

    /** Bytes of the element's encoding and data, without its backlen. */
    private static int encodedSize(byte[] lp, int p) {
        int b = lp[p] & 0xff;
        if ((b & 0x80) == 0) return 1;
        if ((b & 0xc0) == 0x80) return 1 + (b & 0x3f);
        if ((b & 0xe0) == 0xc0) return 2;
        if ((b & 0xf0) == 0xe0) return 2 + ((b & 0x0f) << 8 | (lp[p + 1] & 0xff));
        switch (b) {
            case 0xf0: return 5 + (int) le(lp, p + 1, 4);
            case 0xf1: return 3;
            case 0xf2: return 4;
            case 0xf3: return 5;
            case 0xf4: return 9;
            default: return -1;
        }
    }

    static int backlenSize(int l) {
        if (l <= 127) return 1;
        if (l < 16383) return 2;
        if (l < 2097151) return 3;
        if (l < 268435455) return 4;
        return 5;
    }

    /* ---------------- reading elements ---------------- */

    public static boolean isInt(byte[] lp, int p) {
        int b = lp[p] & 0xff;
        return (b & 0x80) == 0 || (b & 0xe0) == 0xc0 || (b >= 0xf1 && b <= 0xf4);
    }

    /** The value of an integer element (the stream's counters, flags and ID deltas always are). */
    public static long getInt(byte[] lp, int p) {
        int b = lp[p] & 0xff;
        if ((b & 0x80) == 0) return b;
        if ((b & 0xe0) == 0xc0) {
            int v = (b & 0x1f) << 8 | (lp[p + 1] & 0xff);
            return v >= 1 << 12 ? v - (1 << 13) : v;
        }
        switch (b) {
            case 0xf1: return (short) le(lp, p + 1, 2);
            case 0xf2: return ((int) le(lp, p + 1, 3) << 8) >> 8;
            case 0xf3: return (int) le(lp, p + 1, 4);
            case 0xf4: return le(lp, p + 1, 8);
            default: return parseLong(get(lp, p)); // a string holding a number (never written so, accepted on load)
        }
    }

    private static long parseLong(byte[] s) {
        try {
            return Long.parseLong(new String(s, StandardCharsets.US_ASCII));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** Offset of a string element's data. */
    public static int strOffset(byte[] lp, int p) {
        int b = lp[p] & 0xff;
        if ((b & 0xc0) == 0x80) return p + 1;
        if ((b & 0xf0) == 0xe0) return p + 2;
        return p + 5;
    }

    public static int strLength(byte[] lp, int p) {
        return encodedSize(lp, p) - (strOffset(lp, p) - p);
    }

    /** The element as bytes (an integer as its decimal text, as lpGet returns it). */
    public static byte[] get(byte[] lp, int p) {
        if (isInt(lp, p)) return Long.toString(getInt(lp, p)).getBytes(StandardCharsets.US_ASCII);
        int off = strOffset(lp, p);
        return Arrays.copyOfRange(lp, off, off + strLength(lp, p));
    }

    /** Does the element equal s (compared as lpGet's bytes)? */
    public static boolean equalsBytes(byte[] lp, int p, byte[] s) {
        if (isInt(lp, p)) {
            long v = Numbers.canonicalLong(s, 20); // an integer element equals only the canonical text of its value
            return v != Numbers.INVALID ? v == getInt(lp, p) : Arrays.equals(get(lp, p), s);
        }
        int off = strOffset(lp, p), len = strLength(lp, p);
        return len == s.length && Arrays.equals(lp, off, off + len, s, 0, len);
    }

    /* ---------------- writing ---------------- */

    /** Appends an integer element; returns the listpack (reallocated if it had to grow). */
    public static byte[] appendInt(byte[] lp, long v) {
        int n = intEncodedSize(v);
        int at = bytes(lp) - 1;
        lp = ensure(lp, n + backlenSize(n));
        writeInt(lp, at, v, n);
        return finishAppend(lp, at, n);
    }

    /** Appends a string element, stored as an integer when it is one (lpAppend). */
    public static byte[] appendString(byte[] lp, byte[] s) {
        long v = Numbers.canonicalLong(s, 20);
        if (v != Numbers.INVALID) return appendInt(lp, v);
        int n = stringEncodedSize(s.length);
        int at = bytes(lp) - 1;
        lp = ensure(lp, n + backlenSize(n));
        int q = at;
        if (s.length < 64) {
            lp[q++] = (byte) (0x80 | s.length);
        } else if (s.length < 4096) {
            lp[q++] = (byte) (0xe0 | s.length >> 8);
            lp[q++] = (byte) s.length;
        } else {
            lp[q++] = (byte) 0xf0;
            putLE(lp, q, s.length, 4);
            q += 4;
        }
        System.arraycopy(s, 0, lp, q, s.length);
        return finishAppend(lp, at, n);
    }

    /** Replaces the integer element at p with v (lpReplaceInteger); p stays valid. */
    public static byte[] replaceInt(byte[] lp, int p, long v) {
        int oldEnc = encodedSize(lp, p);
        int oldLen = oldEnc + backlenSize(oldEnc);
        int n = intEncodedSize(v);
        int newLen = n + backlenSize(n);
        int total = bytes(lp);
        if (newLen != oldLen) {
            if (newLen > oldLen) lp = ensure(lp, newLen - oldLen);
            System.arraycopy(lp, p + oldLen, lp, p + newLen, total - (p + oldLen));
            setTotal(lp, total + newLen - oldLen);
        }
        writeInt(lp, p, v, n);
        writeBacklen(lp, p + n, n);
        return lp;
    }

    /** Bytes a string element takes once appended (encoding, data, backlen), as Redis sizes it. */
    public static int elementSize(byte[] s) {
        long v = Numbers.canonicalLong(s, 20);
        int n = v != Numbers.INVALID ? intEncodedSize(v) : stringEncodedSize(s.length);
        return n + backlenSize(n);
    }

    public static int intElementSize(long v) {
        int n = intEncodedSize(v);
        return n + backlenSize(n);
    }

    private static byte[] finishAppend(byte[] lp, int at, int n) {
        int end = writeBacklen(lp, at + n, n);
        lp[end] = (byte) EOF;
        setTotal(lp, end + 1);
        int count = (lp[4] & 0xff) | (lp[5] & 0xff) << 8;
        if (count < 65535) {
            count++;
            lp[4] = (byte) count;
            lp[5] = (byte) (count >>> 8);
        }
        return lp;
    }

    /** Room for extra more bytes; grows by doubling as listpack.c's allocations do in steps. */
    private static byte[] ensure(byte[] lp, int extra) {
        int need = bytes(lp) + extra;
        if (need <= lp.length) return lp;
        return Arrays.copyOf(lp, Math.max(need, Math.min(lp.length * 2, need + 4096)));
    }

    private static int intEncodedSize(long v) {
        if (v >= 0 && v <= 127) return 1;
        if (v >= -4096 && v <= 4095) return 2;
        if (v >= Short.MIN_VALUE && v <= Short.MAX_VALUE) return 3;
        if (v >= -(1 << 23) && v <= (1 << 23) - 1) return 4;
        if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) return 5;
        return 9;
    }

    private static int stringEncodedSize(int len) {
        if (len < 64) return 1 + len;
        if (len < 4096) return 2 + len;
        return 5 + len;
    }

    private static void writeInt(byte[] lp, int q, long v, int n) {
        switch (n) {
            case 1 -> lp[q] = (byte) v;
            case 2 -> {
                int u = (int) (v < 0 ? (1 << 13) + v : v);
                lp[q] = (byte) (u >> 8 | 0xc0);
                lp[q + 1] = (byte) u;
            }
            case 3 -> { lp[q] = (byte) 0xf1; putLE(lp, q + 1, v, 2); }
            case 4 -> { lp[q] = (byte) 0xf2; putLE(lp, q + 1, v, 3); }
            case 5 -> { lp[q] = (byte) 0xf3; putLE(lp, q + 1, v, 4); }
            default -> { lp[q] = (byte) 0xf4; putLE(lp, q + 1, v, 8); }
        }
    }

    /** lpEncodeBacklen at q for an element of l bytes; returns the offset after it. */
    private static int writeBacklen(byte[] lp, int q, int l) {
        int n = backlenSize(l);
        for (int i = n - 1; i >= 0; i--) {
            int bits = (l >>> (7 * i)) & 127;
            lp[q++] = (byte) (i == n - 1 ? bits : bits | 128);
        }
        return q;
    }

    private static long le(byte[] b, int off, int n) {
        long v = 0;
        for (int i = 0; i < n; i++) v |= (long) (b[off + i] & 0xff) << (8 * i);
        return v;
    }

    private static void putLE(byte[] b, int off, long v, int n) {
        for (int i = 0; i < n; i++) b[off + i] = (byte) (v >>> (8 * i));
    }

}
