package io.magpie.persistence.rdb.encoding;

import static io.magpie.persistence.rdb.encoding.Listpack.ascii;
import static io.magpie.persistence.rdb.encoding.Listpack.le;
import static io.magpie.persistence.rdb.encoding.Listpack.slice;
import static io.magpie.persistence.rdb.encoding.Listpack.u8;

import java.util.ArrayList;
import java.util.List;

/**
 * Redis's ziplist (ziplist.c), read only: RDB files of Redis 6.2 and older (RDB 9 and
 * below) store small lists, hashes and sorted sets this way; Redis 7 converts them to
 * listpacks on load, and so do we.
 */
public final class Ziplist {
    private Ziplist() {}

    public static List<byte[]> read(byte[] zl) {
        if (zl.length < 11) throw new IllegalArgumentException("ziplist too short");
        if (le(zl, 0, 4) != zl.length) throw new IllegalArgumentException("ziplist size mismatch");
        int declared = (int) le(zl, 8, 2);
        List<byte[]> out = new ArrayList<>(declared == 65535 ? 16 : declared);
        int p = 10;
        while (true) {
            int b = u8(zl, p);
            if (b == 0xff) break;
            p += b < 254 ? 1 : 5; // prevlen
            int enc = u8(zl, p);
            switch (enc >> 6) {
                case 0: {
                    int len = enc & 0x3f;
                    out.add(slice(zl, p + 1, len));
                    p += 1 + len;
                    continue;
                }
                case 1: {
                    int len = ((enc & 0x3f) << 8) | u8(zl, p + 1);
                    out.add(slice(zl, p + 2, len));
                    p += 2 + len;
                    continue;
                }
                case 2: {
                    long len = ((long) u8(zl, p + 1) << 24) | (u8(zl, p + 2) << 16) | (u8(zl, p + 3) << 8) | u8(zl, p + 4);
                    if (len > zl.length) throw new IllegalArgumentException("ziplist string overflows");
                    out.add(slice(zl, p + 5, (int) len));
                    p += 5 + (int) len;
                    continue;
                }
                default:
                    break;
            }
            switch (enc) {
                case 0xc0 -> { out.add(ascii((short) le(zl, p + 1, 2))); p += 3; }
                case 0xd0 -> { out.add(ascii((int) le(zl, p + 1, 4))); p += 5; }
                case 0xe0 -> { out.add(ascii(le(zl, p + 1, 8))); p += 9; }
                case 0xf0 -> { out.add(ascii(((int) le(zl, p + 1, 3) << 8) >> 8)); p += 4; }
                case 0xfe -> { out.add(ascii((byte) u8(zl, p + 1))); p += 2; }
                default -> {
                    if (enc >= 0xf1 && enc <= 0xfd) {
                        out.add(ascii((enc & 0x0f) - 1));
                        p += 1;
                    } else {
                        throw new IllegalArgumentException("bad ziplist encoding " + enc);
                    }
                }
            }
        }
        if (p != zl.length - 1) throw new IllegalArgumentException("ziplist terminator before the end");
        if (declared != 65535 && declared != out.size()) throw new IllegalArgumentException("ziplist count mismatch");
        return out;
    }
}
