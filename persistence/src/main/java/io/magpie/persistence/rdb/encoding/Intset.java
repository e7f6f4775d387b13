package io.magpie.persistence.rdb.encoding;

import static io.magpie.persistence.rdb.encoding.Listpack.le;

import java.util.List;

/** Redis's intset (intset.c): sorted integers of 2, 4 or 8 bytes, little-endian. */
public final class Intset {
    private Intset() {}

    public static long[] read(byte[] is) {
        if (is.length < 8) throw new IllegalArgumentException("intset too short");
        int width = (int) le(is, 0, 4);
        if (width != 2 && width != 4 && width != 8) throw new IllegalArgumentException("bad intset encoding " + width);
        long n = le(is, 4, 4);
        if (8 + n * width != is.length) throw new IllegalArgumentException("intset size mismatch");
        long[] out = new long[(int) n];
        for (int i = 0; i < n; i++) {
            long v = le(is, 8 + i * width, width);
            out[i] = width == 2 ? (short) v : width == 4 ? (int) v : v;
            if (i > 0 && out[i] <= out[i - 1]) throw new IllegalArgumentException("intset not sorted");
        }
        return out;
    }

    /** An intset of sorted distinct values, with the narrowest width that holds them all (as Redis). */
    public static byte[] write(long[] sorted) {
        int width = 2;
        for (long v : sorted) {
            if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) width = 8;
            else if ((v < Short.MIN_VALUE || v > Short.MAX_VALUE) && width < 4) width = 4;
        }
        byte[] b = new byte[8 + sorted.length * width];
        Listpack.putLE(b, 0, width, 4);
        Listpack.putLE(b, 4, sorted.length, 4);
        for (int i = 0; i < sorted.length; i++) Listpack.putLE(b, 8 + i * width, sorted[i], width);
        return b;
    }

    static List<byte[]> asStrings(long[] values) {
        java.util.ArrayList<byte[]> l = new java.util.ArrayList<>(values.length);
        for (long v : values) l.add(Listpack.ascii(v));
        return l;
    }
}
