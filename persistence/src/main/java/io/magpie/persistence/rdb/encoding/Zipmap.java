package io.magpie.persistence.rdb.encoding;

import static io.magpie.persistence.rdb.encoding.Listpack.le;
import static io.magpie.persistence.rdb.encoding.Listpack.slice;
import static io.magpie.persistence.rdb.encoding.Listpack.u8;

import java.util.ArrayList;
import java.util.List;

/** Redis's zipmap (zipmap.c, Redis 2.x small hashes), read only: field, value, field, value... */
public final class Zipmap {
    private Zipmap() {}

    public static List<byte[]> read(byte[] zm) {
        List<byte[]> out = new ArrayList<>();
        int p = 1; // zmlen
        while (true) {
            int b = u8(zm, p);
            if (b == 0xff) break;
            int[] lenAt = len(zm, p);
            out.add(slice(zm, lenAt[1], lenAt[0]));
            p = lenAt[1] + lenAt[0];
            lenAt = len(zm, p);
            int free = u8(zm, lenAt[1]);
            out.add(slice(zm, lenAt[1] + 1, lenAt[0]));
            p = lenAt[1] + 1 + lenAt[0] + free;
        }
        if (out.size() % 2 != 0) throw new IllegalArgumentException("zipmap with a field and no value");
        return out;
    }

    /** {length, offset of data} of the length-prefixed item at p. */
    private static int[] len(byte[] zm, int p) {
        int b = u8(zm, p);
        if (b < 254) return new int[] {b, p + 1};
        if (b == 254) return new int[] {(int) le(zm, p + 1, 4), p + 5};
        throw new IllegalArgumentException("bad zipmap length");
    }
}
