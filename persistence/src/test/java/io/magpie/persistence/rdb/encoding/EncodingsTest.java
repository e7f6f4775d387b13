package io.magpie.persistence.rdb.encoding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class EncodingsTest {
    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static List<String> strings(List<byte[]> l) {
        List<String> out = new ArrayList<>();
        for (byte[] x : l) out.add(new String(x, StandardCharsets.ISO_8859_1));
        return out;
    }

    @Test
    void listpackEncodesEachElementAsRedisDoes() {
        // "a" (6-bit string), 12 (7-bit uint), -1 (13-bit int), 1000 (13-bit), 40000 (int24)
        byte[] lp = Listpack.write(List.of(b("a"), b("12"), b("-1"), b("1000"), b("40000")));
        assertThat(HexFormat.of().formatHex(lp)).isEqualTo(
                "17000000" + "0500" + "816102" + "0c01" + "dfff02" + "c3e802" + "f2409c0004" + "ff");
        assertThat(strings(Listpack.read(lp))).containsExactly("a", "12", "-1", "1000", "40000");
    }

    @Test
    void listpackRoundTripsEveryWidthAndLongStrings() {
        Random r = new Random(3);
        List<byte[]> in = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            in.add(switch (i % 8) {
                case 0 -> b(String.valueOf(r.nextLong()));
                case 1 -> b(String.valueOf(r.nextInt()));
                case 2 -> b(String.valueOf(r.nextInt(70000) - 35000));
                case 3 -> b("x".repeat(r.nextInt(200)));
                case 4 -> b("y".repeat(4096 + r.nextInt(100)));
                case 5 -> b("-0");
                case 6 -> b(String.valueOf(Long.MIN_VALUE));
                default -> b("007");
            });
        }
        assertThat(strings(Listpack.read(Listpack.write(in)))).isEqualTo(strings(in));
    }

    @Test
    void ziplistOfRedis6IsRead() {
        // zlbytes=0x1a zltail zllen=4: "a", 12 (immediate), -2 (int8 0xfe), 300 (int16 0xc0), end
        byte[] zl = HexFormat.of().parseHex("1a000000" + "13000000" + "0400" + "000161" + "03fd" + "02fefe" + "03c02c01" + "ff");
        zl[0] = (byte) zl.length;
        assertThat(strings(Ziplist.read(zl))).containsExactly("a", "12", "-2", "300");
    }

    @Test
    void intsetPicksTheNarrowestWidth() {
        assertThat(HexFormat.of().formatHex(Intset.write(new long[] {-1, 5}))).isEqualTo("02000000" + "02000000" + "ffff" + "0500");
        long[] wide = {Long.MIN_VALUE, 0, 70000};
        assertThat(Intset.read(Intset.write(wide))).containsExactly(wide);
    }

    @Test
    void corruptBlobsAreRejectedWithIllegalArgument() {
        byte[] lp = Listpack.write(List.of(b("hello"), b("123456"), b("z".repeat(300))));
        Random r = new Random(9);
        for (int i = 0; i < 2000; i++) {
            byte[] bad = lp.clone();
            int n = 1 + r.nextInt(3);
            for (int k = 0; k < n; k++) bad[r.nextInt(bad.length)] ^= (byte) (1 + r.nextInt(255));
            try {
                Listpack.read(bad);
            } catch (IllegalArgumentException expected) {
                // detected
            }
        }
        assertThatThrownBy(() -> Listpack.read(java.util.Arrays.copyOf(lp, lp.length - 1))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Intset.read(HexFormat.of().parseHex("0200000002000000" + "0500ffff"))).isInstanceOf(IllegalArgumentException.class);
    }
}
