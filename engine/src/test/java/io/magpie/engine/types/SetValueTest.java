package io.magpie.engine.types;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SetValueTest {
    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void integers_stay_an_intset_sorted_until_the_entry_limit() {
        SetValue s = SetValue.createFor(b("3"), 4);
        assertThat(s.encoding()).isEqualTo("intset");
        for (String m : new String[] {"3", "-1", "2", "10"}) s.add(b(m), 4);
        assertThat(s.encoding()).isEqualTo("intset");
        assertThat(java.util.Arrays.stream(s.members()).map(String::new).toList()).containsExactly("-1", "2", "3", "10");
        s.add(b("11"), 4);
        assertThat(s.encoding()).isEqualTo("hashtable");
        s.remove(b("11"));
        assertThat(s.encoding()).isEqualTo("hashtable");
    }

    @Test
    void an_intset_widens_from_16_to_64_bit_values_and_keeps_every_member_sorted() {
        Random rnd = new Random(3);
        SetValue s = SetValue.intset();
        java.util.TreeSet<Long> ref = new java.util.TreeSet<>();
        long[] magnitudes = {100, 40_000, 3_000_000_000L, Long.MAX_VALUE};
        for (int op = 0; op < 2000; op++) {
            long m = magnitudes[Math.min(op / 400, 3)];
            long v = rnd.nextLong() % m;
            if (op % 500 == 0) v = op % 1000 == 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
            byte[] member = b(Long.toString(v));
            if (ref.size() >= 400) assertThat(s.remove(b(Long.toString(ref.pollFirst())))).isTrue();
            if (rnd.nextInt(4) == 0) assertThat(s.remove(member)).isEqualTo(ref.remove(v));
            else assertThat(s.add(member, 512)).isEqualTo(ref.add(v));
            assertThat(s.size()).isEqualTo(ref.size());
            assertThat(s.contains(b(Long.toString(v)))).isEqualTo(ref.contains(v));
        }
        assertThat(s.encoding()).isEqualTo("intset");
        assertThat(java.util.Arrays.stream(s.members()).map(m -> Long.parseLong(new String(m))).toList()).isEqualTo(java.util.List.copyOf(ref));
    }

    @Test
    void a_non_canonical_integer_converts_an_intset_to_hashtable() {
        SetValue s = SetValue.createFor(b("1"), 512);
        s.add(b("1"), 512);
        s.add(b("01"), 512);
        assertThat(s.encoding()).isEqualTo("hashtable");
        assertThat(s.contains(b("01"))).isTrue();
        assertThat(s.contains(b("1"))).isTrue();
        assertThat(SetValue.createFor(b("a"), 512).encoding()).isEqualTo("hashtable");
        assertThat(SetValue.createFor(b("99999999999999999999"), 512).encoding()).isEqualTo("hashtable");
    }

    @Test
    void hashtable_membership_matches_a_reference_under_random_adds_and_removes() {
        Random rnd = new Random(7);
        SetValue s = SetValue.hashtable();
        Set<String> ref = new HashSet<>();
        for (int i = 0; i < 50_000; i++) {
            String m = "k" + rnd.nextInt(5000);
            if (rnd.nextBoolean()) assertThat(s.add(b(m), 512)).isEqualTo(ref.add(m));
            else assertThat(s.remove(b(m))).isEqualTo(ref.remove(m));
        }
        assertThat(s.size()).isEqualTo(ref.size());
        Set<String> seen = new HashSet<>();
        s.forEach(m -> seen.add(new String(m, StandardCharsets.UTF_8)));
        assertThat(seen).isEqualTo(ref);
        SplittableRandom r = new SplittableRandom(1);
        for (int i = 0; i < 100; i++) assertThat(ref).contains(new String(s.random(r), StandardCharsets.UTF_8));
    }

    @Test
    void scan_returns_every_member_present_throughout_even_while_the_table_grows_and_shrinks() {
        SetValue s = SetValue.hashtable();
        for (int i = 0; i < 1000; i++) s.add(b("stay" + i), 512);
        Set<String> seen = new HashSet<>();
        long cursor = 0;
        int steps = 0;
        do {
            cursor = s.scan(cursor, m -> seen.add(new String(m, StandardCharsets.UTF_8)));
            // Grow the table mid-scan, then shrink it back.
            if (steps == 50) for (int i = 0; i < 5000; i++) s.add(b("tmp" + i), 512);
            if (steps == 300) for (int i = 0; i < 5000; i++) s.remove(b("tmp" + i));
            steps++;
        } while (cursor != 0 && steps < 100_000);
        for (int i = 0; i < 1000; i++) assertThat(seen).contains("stay" + i);
    }
}
