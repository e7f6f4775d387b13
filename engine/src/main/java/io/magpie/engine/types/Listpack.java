package io.magpie.engine.types;

import java.util.Arrays;

/**
 * Redis's listpack idea (listpack.c) for small collections: all elements in ONE byte[],
 * so a small hash, sorted set or list costs one array header instead of an object (and a
 * 16-byte array header) per element. Not Redis's byte format, which RDB encodes on its own.
 *
 * An entry is a varint payload length (7 bits a byte, low bits first), the payload, then a
 * "backlen": the length of header plus payload written backwards (the byte nearest the
 * entry's end holds the low 7 bits; a set high bit means another byte precedes), so the
 * list can be walked from its tail as listpack's lpPrev does.
 *
 * The array is always exactly as long as its entries: every change returns a new array
 * (as Redis reallocs), so an array once stored is never written again and copies of a
 * value can share it.
 */
public final class Listpack {
    public static final byte[] EMPTY = new byte[0];

    private Listpack() {}

    private static int varintSize(int v) {
        return v < (1 << 7) ? 1 : v < (1 << 14) ? 2 : v < (1 << 21) ? 3 : v < (1 << 28) ? 4 : 5;
    }

    /** Bytes an entry with a payload of len bytes takes. */
    public static int entrySize(int len) {
        int h = varintSize(len) + len;
        return h + varintSize(h);
    }

    public static int payloadLength(byte[] lp, int off) {
        int v = 0;
        for (int shift = 0; ; shift += 7) {
            byte b = lp[off++];
            v |= (b & 0x7f) << shift;
            if (b >= 0) return v;
        }
    }

    public static int payloadOffset(byte[] lp, int off) {
        return off + varintSize(payloadLength(lp, off));
    }

    /** The offset of the entry after the one at off; lp.length past the last. */
    public static int next(byte[] lp, int off) {
        int len = payloadLength(lp, off);
        int h = varintSize(len) + len;
        return off + h + varintSize(h);
    }

    /** The offset of the entry before the one at off (which may be lp.length); -1 before the first. */
    public static int prev(byte[] lp, int off) {
        if (off == 0) return -1;
        int i = off - 1;
        int h = lp[i] & 0x7f;
        for (int shift = 7; (lp[i] & 0x80) != 0; shift += 7) h |= (lp[--i] & 0x7f) << shift;
        return off - varintSize(h) - h;
    }

    /** The offset of the last entry, or -1 when empty. */
    public static int last(byte[] lp) {
        return prev(lp, lp.length);
    }

    private static int writeEntry(byte[] dst, int at, byte[] src, int from, int len) {
        int start = at;
        int v = len;
        while (v >= 0x80) {
            dst[at++] = (byte) (v | 0x80);
            v >>>= 7;
        }
        dst[at++] = (byte) v;
        System.arraycopy(src, from, dst, at, len);
        at += len;
        int h = at - start;
        int k = varintSize(h);
        for (int i = 0; i < k; i++) dst[at + k - 1 - i] = (byte) (((h >>> (7 * i)) & 0x7f) | (i < k - 1 ? 0x80 : 0));
        return at + k;
    }

    /** A copy of lp with entries holding payloads inserted at offset at (in that order). */
    public static byte[] insert(byte[] lp, int at, byte[]... payloads) {
        int add = 0;
        for (byte[] p : payloads) add += entrySize(p.length);
        byte[] out = new byte[lp.length + add];
        System.arraycopy(lp, 0, out, 0, at);
        int w = at;
        for (byte[] p : payloads) w = writeEntry(out, w, p, 0, p.length);
        System.arraycopy(lp, at, out, w, lp.length - at);
        return out;
    }

    /** A copy of lp without the bytes [from, to) (whole entries). */
    public static byte[] delete(byte[] lp, int from, int to) {
        if (from == 0 && to == lp.length) return EMPTY;
        byte[] out = new byte[lp.length - (to - from)];
        System.arraycopy(lp, 0, out, 0, from);
        System.arraycopy(lp, to, out, from, lp.length - to);
        return out;
    }

    /** A copy of lp with the entry at off replaced by one holding payload. */
    public static byte[] replace(byte[] lp, int off, byte[] payload) {
        int end = next(lp, off);
        byte[] out = new byte[lp.length - (end - off) + entrySize(payload.length)];
        System.arraycopy(lp, 0, out, 0, off);
        int w = writeEntry(out, off, payload, 0, payload.length);
        System.arraycopy(lp, end, out, w, lp.length - end);
        return out;
    }

    /** The payload of the entry at off, copied. */
    public static byte[] get(byte[] lp, int off) {
        int len = payloadLength(lp, off);
        int p = off + varintSize(len);
        return Arrays.copyOfRange(lp, p, p + len);
    }

    public static boolean payloadEquals(byte[] lp, int off, byte[] x) {
        int len = payloadLength(lp, off);
        if (len != x.length) return false;
        int p = off + varintSize(len);
        return Arrays.equals(lp, p, p + len, x, 0, len);
    }

    /** Unsigned comparison of the payload at off with x (memcmp order, as sdscmp). */
    public static int compare(byte[] lp, int off, byte[] x) {
        int len = payloadLength(lp, off);
        int p = off + varintSize(len);
        return Arrays.compareUnsigned(lp, p, p + len, x, 0, x.length);
    }

    /** The offset of the index-th entry (0-based; count is the number of entries), walking from the nearer end. */
    public static int offsetOf(byte[] lp, int count, int index) {
        if (index < count / 2) {
            int off = 0;
            for (int i = 0; i < index; i++) off = next(lp, off);
            return off;
        }
        int off = lp.length;
        for (int i = count; i > index; i--) off = prev(lp, off);
        return off;
    }

    /** The offset of the first entry whose payload equals x, stepping `stride` entries at a time; -1 if none. */
    public static int find(byte[] lp, byte[] x, int stride) {
        for (int off = 0; off < lp.length; ) {
            if (payloadEquals(lp, off, x)) return off;
            for (int i = 0; i < stride; i++) off = next(lp, off);
        }
        return -1;
    }

    /* ---------------- numbers (sorted-set scores) ---------------- */

    /**
     * A score as a payload: an integral value below 2^53 in magnitude as its shortest
     * big-endian two's complement (0 to 7 bytes), anything else as the 8 bytes of the
     * double. Most scores are small integers (ranks, timestamps), as listpack stores them;
     * -0 becomes 0 here as in Redis's listpack (a skiplist keeps it).
     */
    public static byte[] encodeDouble(double d) {
        long l = (long) d;
        if (l == d && l > -(1L << 53) && l < (1L << 53)) {
            int n = 0;
            while (l != 0 && (n == 0 || l < -(1L << (8 * n - 1)) || l >= (1L << (8 * n - 1)))) n++;
            byte[] out = new byte[n];
            for (int i = 0; i < n; i++) out[n - 1 - i] = (byte) (l >> (8 * i));
            return out;
        }
        long bits = Double.doubleToRawLongBits(d);
        byte[] out = new byte[8];
        for (int i = 0; i < 8; i++) out[7 - i] = (byte) (bits >>> (8 * i));
        return out;
    }

    /** The number written by {@link #encodeDouble} at the entry at off. */
    public static double decodeDouble(byte[] lp, int off) {
        int len = payloadLength(lp, off);
        int p = off + varintSize(len);
        if (len == 0) return 0;
        long v = lp[p]; // sign-extended
        for (int i = 1; i < len; i++) v = (v << 8) | (lp[p + i] & 0xff);
        return len == 8 ? Double.longBitsToDouble(v) : (double) v;
    }
}
