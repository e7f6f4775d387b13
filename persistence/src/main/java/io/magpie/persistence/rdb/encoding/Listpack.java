package io.magpie.persistence.rdb.encoding;

import io.magpie.engine.util.Numbers;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Redis's listpack (listpack.c) as a byte format: the RDB payload of small hashes, sorted
 * sets and quicklist nodes in Redis 7. Reading yields the elements (integers as their
 * decimal text, as Redis returns them); writing chooses each element's encoding exactly as
 * lpInsert does, so a Magpie listpack is byte-identical to Redis's for the same elements.
 */
public final class Listpack {
    private static final int HEADER = 6;
    private static final int EOF = 0xff;

    private Listpack() {}

    /** The elements of a listpack blob; throws IllegalArgumentException if it is malformed. */
    public static List<byte[]> read(byte[] lp) {
        if (lp.length < HEADER + 1) throw new IllegalArgumentException("listpack too short");
        long total = le(lp, 0, 4);
        if (total != lp.length) throw new IllegalArgumentException("listpack size mismatch");
        int declared = (int) le(lp, 4, 2);
        List<byte[]> out = new ArrayList<>(declared == 65535 ? 16 : declared);
        int p = HEADER;
        while (true) {
            if (p >= lp.length) throw new IllegalArgumentException("listpack without terminator");
            int b = lp[p] & 0xff;
            if (b == EOF) break;
            int start = p;
            byte[] value;
            if ((b & 0x80) == 0) { // 7-bit unsigned
                value = ascii(b);
                p += 1;
            } else if ((b & 0xc0) == 0x80) { // 6-bit string length
                int len = b & 0x3f;
                value = slice(lp, p + 1, len);
                p += 1 + len;
            } else if ((b & 0xe0) == 0xc0) { // 13-bit signed
                int v = ((b & 0x1f) << 8) | u8(lp, p + 1);
                if (v >= 1 << 12) v -= 1 << 13;
                value = ascii(v);
                p += 2;
            } else if ((b & 0xf0) == 0xe0) { // 12-bit string length
                int len = ((b & 0x0f) << 8) | u8(lp, p + 1);
                value = slice(lp, p + 2, len);
                p += 2 + len;
            } else {
                switch (b) {
                    case 0xf0: {
                        long len = le(lp, p + 1, 4);
                        if (len > lp.length) throw new IllegalArgumentException("listpack string overflows");
                        value = slice(lp, p + 5, (int) len);
                        p += 5 + (int) len;
                        break;
                    }
                    case 0xf1:
                        value = ascii((short) le(lp, p + 1, 2));
                        p += 3;
                        break;
                    case 0xf2:
                        value = ascii(((int) le(lp, p + 1, 3) << 8) >> 8);
                        p += 4;
                        break;
                    case 0xf3:
                        value = ascii((int) le(lp, p + 1, 4));
                        p += 5;
                        break;
                    case 0xf4:
                        value = ascii(le(lp, p + 1, 8));
                        p += 9;
                        break;
                    default:
                        throw new IllegalArgumentException("bad listpack encoding " + b);
                }
            }
            int entryLen = p - start;
            p += backlenSize(entryLen);
            if (p > lp.length) throw new IllegalArgumentException("listpack entry overflows");
            out.add(value);
        }
        if (p != lp.length - 1) throw new IllegalArgumentException("listpack terminator before the end");
        if (declared != 65535 && declared != out.size()) throw new IllegalArgumentException("listpack count mismatch");
        return out;
    }

    /** A listpack holding elements in order, encoded as Redis would. */
    public static byte[] write(List<byte[]> elements) {
        Out o = new Out(HEADER + elements.size() * 4 + 1);
        o.pos = HEADER;
        for (byte[] e : elements) append(o, e);
        o.put(EOF);
        byte[] lp = Arrays.copyOf(o.buf, o.pos);
        putLE(lp, 0, lp.length, 4);
        putLE(lp, 4, Math.min(elements.size(), 65535), 2);
        return lp;
    }

    /** Bytes one element takes in a listpack (encoding, data and backlen), as {@link #write} encodes it. */
    public static int entrySize(byte[] e) {
        long v = Numbers.canonicalLong(e, 20);
        int n;
        if (v != Numbers.INVALID || (e.length == 1 && e[0] == '0')) {
            if (v >= 0 && v <= 127) n = 1;
            else if (v >= -4096 && v <= 4095) n = 2;
            else if (v >= Short.MIN_VALUE && v <= Short.MAX_VALUE) n = 3;
            else if (v >= -(1 << 23) && v <= (1 << 23) - 1) n = 4;
            else if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) n = 5;
            else n = 9;
        } else if (e.length < 64) {
            n = 1 + e.length;
        } else if (e.length < 4096) {
            n = 2 + e.length;
        } else {
            n = 5 + e.length;
        }
        return n + backlenSize(n);
    }

    /** Bytes of an empty listpack: header and end marker. */
    public static final int EMPTY_SIZE = HEADER + 1;

    private static void append(Out o, byte[] e) {
        int start = o.pos;
        long v = Numbers.canonicalLong(e, 20);
        if (v != Numbers.INVALID || (e.length == 1 && e[0] == '0')) {
            if (v >= 0 && v <= 127) {
                o.put((int) v);
            } else if (v >= -4096 && v <= 4095) {
                int u = (int) (v < 0 ? (1 << 13) + v : v);
                o.put((u >> 8) | 0xc0);
                o.put(u & 0xff);
            } else if (v >= Short.MIN_VALUE && v <= Short.MAX_VALUE) {
                o.put(0xf1);
                o.putLE(v, 2);
            } else if (v >= -(1 << 23) && v <= (1 << 23) - 1) {
                o.put(0xf2);
                o.putLE(v, 3);
            } else if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) {
                o.put(0xf3);
                o.putLE(v, 4);
            } else {
                o.put(0xf4);
                o.putLE(v, 8);
            }
        } else if (e.length < 64) {
            o.put(0x80 | e.length);
            o.put(e);
        } else if (e.length < 4096) {
            o.put(0xe0 | (e.length >> 8));
            o.put(e.length & 0xff);
            o.put(e);
        } else {
            o.put(0xf0);
            o.putLE(e.length, 4);
            o.put(e);
        }
        putBacklen(o, o.pos - start);
    }

    /** lpEncodeBacklen: the entry length, 7 bits a byte, readable from its last byte backwards. */
    private static void putBacklen(Out o, int l) {
        int n = backlenSize(l);
        for (int i = n - 1; i >= 0; i--) {
            int bits = (l >>> (7 * i)) & 127;
            o.put(i == n - 1 ? bits : bits | 128);
        }
    }

    private static int backlenSize(int l) {
        if (l <= 127) return 1;
        if (l < 16383) return 2;
        if (l < 2097151) return 3;
        if (l < 268435455) return 4;
        return 5;
    }

    /* ---------------- small byte helpers shared by the encodings ---------------- */

    static int u8(byte[] b, int i) {
        if (i >= b.length) throw new IllegalArgumentException("truncated encoding");
        return b[i] & 0xff;
    }

    static long le(byte[] b, int off, int n) {
        if (off + n > b.length) throw new IllegalArgumentException("truncated encoding");
        long v = 0;
        for (int i = 0; i < n; i++) v |= (long) (b[off + i] & 0xff) << (8 * i);
        return v;
    }

    static void putLE(byte[] b, int off, long v, int n) {
        for (int i = 0; i < n; i++) b[off + i] = (byte) (v >>> (8 * i));
    }

    static byte[] slice(byte[] b, int off, int len) {
        if (len < 0 || off + len > b.length) throw new IllegalArgumentException("truncated encoding");
        return Arrays.copyOfRange(b, off, off + len);
    }

    static byte[] ascii(long v) {
        return Long.toString(v).getBytes(StandardCharsets.US_ASCII);
    }

    /** A growable output buffer. */
    static final class Out {
        byte[] buf;
        int pos;

        Out(int cap) {
            buf = new byte[Math.max(16, cap)];
        }

        void ensure(int n) {
            if (pos + n > buf.length) buf = Arrays.copyOf(buf, Math.max(buf.length * 2, pos + n));
        }

        void put(int b) {
            ensure(1);
            buf[pos++] = (byte) b;
        }

        void put(byte[] b) {
            ensure(b.length);
            System.arraycopy(b, 0, buf, pos, b.length);
            pos += b.length;
        }

        void putLE(long v, int n) {
            ensure(n);
            Listpack.putLE(buf, pos, v, n);
            pos += n;
        }
    }
}
