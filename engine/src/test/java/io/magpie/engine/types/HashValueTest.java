package io.magpie.engine.types;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class HashValueTest {
    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String s(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    @Test
    void smallHashIsListpackAndKeepsInsertionOrder() {
        HashValue h = new HashValue();
        h.set(b("b"), b("1"), 512, 64);
        h.set(b("a"), b("2"), 512, 64);
        h.set(b("b"), b("3"), 512, 64);
        assertThat(h.encoding()).isEqualTo("listpack");
        assertThat(java.util.Arrays.stream(h.toArray()).map(kv -> s(HashValue.field(kv)) + "=" + s(HashValue.value(kv))).toList()).containsExactly("b=3", "a=2");
    }

    @Test
    void moreThanMaxEntriesConvertsToHashtableOneWay() {
        HashValue h = new HashValue();
        for (int i = 0; i < 512; i++) h.set(b("f" + i), b("v"), 512, 64);
        assertThat(h.encoding()).isEqualTo("listpack");
        h.set(b("f512"), b("v"), 512, 64);
        assertThat(h.encoding()).isEqualTo("hashtable");
        for (int i = 0; i < 510; i++) h.delete(b("f" + i));
        assertThat(h.size()).isEqualTo(3);
        assertThat(h.encoding()).isEqualTo("hashtable");
    }

    @Test
    void aLongFieldOrValueConvertsToHashtable() {
        HashValue h = new HashValue();
        h.set(b("f"), b("x".repeat(64)), 512, 64);
        assertThat(h.encoding()).isEqualTo("listpack");
        h.set(b("g"), b("x".repeat(65)), 512, 64);
        assertThat(h.encoding()).isEqualTo("hashtable");
        HashValue h2 = new HashValue();
        h2.set(b("y".repeat(200)), b("v"), 512, 64);
        assertThat(h2.encoding()).isEqualTo("hashtable");
        assertThat(s(h2.get(b("y".repeat(200))))).isEqualTo("v");
    }

    @Test
    void randomOperationsMatchAHashMapInBothEncodings() {
        for (long max : new long[] {512, 8}) {
            SplittableRandom rnd = new SplittableRandom(42);
            HashValue h = new HashValue();
            Map<String, String> model = new HashMap<>();
            for (int op = 0; op < 20_000; op++) {
                String f = "f" + rnd.nextInt(300);
                if (rnd.nextInt(3) == 0) {
                    assertThat(h.delete(b(f))).isEqualTo(model.remove(f) != null);
                } else {
                    String v = "v" + op;
                    assertThat(h.set(b(f), b(v), max, 64)).isEqualTo(model.put(f, v) == null);
                }
                assertThat(h.size()).isEqualTo(model.size());
            }
            for (Map.Entry<String, String> e : model.entrySet()) assertThat(s(h.get(b(e.getKey())))).isEqualTo(e.getValue());
            assertThat(h.get(b("absent"))).isNull();
        }
    }

    @Test
    void scanReturnsEveryFieldPresentThroughoutEvenWhileTheTableGrowsAndShrinks() {
        HashValue h = new HashValue();
        for (int i = 0; i < 1000; i++) h.set(b("keep" + i), b("v"), 0, 64);
        Set<String> seen = new HashSet<>();
        long cursor = 0;
        int steps = 0, extra = 0;
        do {
            cursor = h.scan(cursor, kv -> seen.add(s(HashValue.field(kv))));
            // Grow during the first half of the scan, then shrink by deleting the extras.
            if (steps < 300) for (int j = 0; j < 20; j++) h.set(b("extra" + extra++), b("v"), 0, 64);
            else if (extra > 0) for (int j = 0; j < 50 && extra > 0; j++) h.delete(b("extra" + --extra));
            steps++;
        } while (cursor != 0 && steps < 1_000_000);
        for (int i = 0; i < 1000; i++) assertThat(seen).contains("keep" + i);
    }

    @Test
    void longFieldsUseTheWideHeader() {
        HashValue h = new HashValue();
        byte[] f = b("z".repeat(70_000));
        h.set(f, b("value"), 512, 100_000);
        byte[] kv = h.getKv(f);
        assertThat(HashValue.fieldLength(kv)).isEqualTo(70_000);
        assertThat(s(HashValue.value(kv))).isEqualTo("value");
    }
}
