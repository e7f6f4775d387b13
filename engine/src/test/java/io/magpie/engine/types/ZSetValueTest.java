package io.magpie.engine.types;

import static org.assertj.core.api.Assertions.assertThat;

import io.magpie.engine.types.ZSetValue.Node;
import io.magpie.engine.types.ZSetValue.ScoreRange;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class ZSetValueTest {
    private record Entry(double score, String member) implements Comparable<Entry> {
        @Override public int compareTo(Entry o) {
            int c = Double.compare(score, o.score);
            return c != 0 ? c : Arrays.compareUnsigned(member.getBytes(StandardCharsets.UTF_8), o.member.getBytes(StandardCharsets.UTF_8));
        }
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void ranks_and_order_match_a_sorted_reference_under_random_inserts_updates_and_removes() {
        Random rnd = new Random(42);
        ZSetValue z = new ZSetValue(false);
        TreeSet<Entry> ref = new TreeSet<>();
        Map<String, Double> scores = new HashMap<>();
        for (int op = 0; op < 20_000; op++) {
            String m = "m" + rnd.nextInt(2000);
            double s = rnd.nextInt(100);
            int kind = rnd.nextInt(3);
            Node n = z.node(b(m));
            if (kind == 0 && n == null) {
                z.insert(b(m), s, Long.MAX_VALUE, Long.MAX_VALUE);
                ref.add(new Entry(s, m));
                scores.put(m, s);
            } else if (kind == 1 && n != null) {
                ref.remove(new Entry(scores.get(m), m));
                z.updateScore(n, s);
                ref.add(new Entry(s, m));
                scores.put(m, s);
            } else if (kind == 2 && n != null) {
                assertThat(z.remove(b(m))).isSameAs(n);
                ref.remove(new Entry(scores.remove(m), m));
            }
        }
        assertThat(z.length()).isEqualTo(ref.size());
        List<Entry> expected = new ArrayList<>(ref);
        int rank = 1;
        for (Node n = z.first(); n != null; n = n.next(), rank++) {
            Entry e = expected.get(rank - 1);
            assertThat(new String(n.ele, StandardCharsets.UTF_8)).isEqualTo(e.member());
            assertThat(n.score()).isEqualTo(e.score());
            assertThat(z.rank(n)).isEqualTo(rank);
            assertThat(z.byRank(rank)).isSameAs(n);
        }
        // Backward links mirror forward ones.
        int count = 0;
        for (Node n = z.last(); n != null; n = n.prev()) count++;
        assertThat(count).isEqualTo(ref.size());
    }

    @Test
    void score_ranges_find_first_and_last_nodes_with_exclusive_bounds() {
        ZSetValue z = new ZSetValue(true);
        for (int i = 1; i <= 10; i++) z.insert(b("m" + i), i, 128, 64);
        ZSetValue.ScoreRange r = new ZSetValue.ScoreRange(3, true, 7, false);
        assertThat(z.firstInRange(r).score()).isEqualTo(4);
        assertThat(z.lastInRange(r).score()).isEqualTo(7);
        assertThat(z.firstInRange(new ZSetValue.ScoreRange(11, false, 20, false))).isNull();
        assertThat(z.firstInRange(new ZSetValue.ScoreRange(5, true, 5, false))).isNull();
    }

    @Test
    void lex_ranges_treat_minus_and_plus_as_unbounded() {
        ZSetValue z = new ZSetValue(true);
        for (String m : new String[] {"a", "b", "c", "d"}) z.insert(b(m), 0, 128, 64);
        ZSetValue.LexRange all = new ZSetValue.LexRange(ZSetValue.MINSTRING, true, ZSetValue.MAXSTRING, true);
        assertThat(new String(z.firstInRange(all).ele)).isEqualTo("a");
        assertThat(new String(z.lastInRange(all).ele)).isEqualTo("d");
        ZSetValue.LexRange bc = new ZSetValue.LexRange(b("a"), true, b("c"), false);
        assertThat(new String(z.firstInRange(bc).ele)).isEqualTo("b");
        assertThat(new String(z.lastInRange(bc).ele)).isEqualTo("c");
        assertThat(z.firstInRange(new ZSetValue.LexRange(ZSetValue.MAXSTRING, true, ZSetValue.MINSTRING, true))).isNull();
    }

    @Test
    void encoding_is_listpack_until_an_entry_or_length_threshold_is_crossed_and_never_goes_back() {
        ZSetValue z = ZSetValue.createFor(1, 3, 5);
        assertThat(z.encoding()).isEqualTo("listpack");
        z.insert(b("a"), 1, 3, 5);
        z.insert(b("b"), 2, 3, 5);
        z.insert(b("c"), 3, 3, 5);
        assertThat(z.encoding()).isEqualTo("listpack");
        z.insert(b("d"), 4, 3, 5);
        assertThat(z.encoding()).isEqualTo("skiplist");
        z.remove(b("d"));
        z.remove(b("c"));
        assertThat(z.encoding()).isEqualTo("skiplist");

        ZSetValue longMember = ZSetValue.createFor(1, 3, 5);
        longMember.insert(b("123456"), 1, 3, 5);
        assertThat(longMember.encoding()).isEqualTo("skiplist");
        assertThat(ZSetValue.createFor(6, 128, 5).encoding()).isEqualTo("skiplist");
        assertThat(ZSetValue.createFor(1, 0, 64).encoding()).isEqualTo("skiplist");
    }

    @Test
    void a_built_destination_converts_back_to_listpack_when_small_enough() {
        ZSetValue z = new ZSetValue(false);
        z.insert(b("a"), 1, Long.MAX_VALUE, Long.MAX_VALUE);
        z.convertToListpackIfNeeded(128, 64);
        assertThat(z.encoding()).isEqualTo("listpack");
        ZSetValue big = new ZSetValue(false);
        big.insert(b("x".repeat(65)), 1, Long.MAX_VALUE, Long.MAX_VALUE);
        big.convertToListpackIfNeeded(128, 64);
        assertThat(big.encoding()).isEqualTo("skiplist");
    }

    @Test
    void a_listpack_set_answers_every_query_as_a_skiplist_set_does_under_random_changes() {
        Random rnd = new Random(11);
        double[] scores = {0, 1, 2, 2.5, -3, 1e300, Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY, 1L << 40, 0.1};
        for (int round = 0; round < 30; round++) {
            ZSetValue packed = new ZSetValue(true);
            ZSetValue skip = new ZSetValue(false);
            for (int op = 0; op < 200; op++) {
                byte[] m = b("m" + rnd.nextInt(40) + "x".repeat(rnd.nextInt(3) * 100));
                double s = scores[rnd.nextInt(scores.length)];
                Node p = packed.node(m), k = skip.node(m);
                assertThat(p == null).isEqualTo(k == null);
                if (p == null) {
                    packed.insert(m, s, Long.MAX_VALUE, Long.MAX_VALUE);
                    skip.insert(m, s, Long.MAX_VALUE, Long.MAX_VALUE);
                } else if (rnd.nextBoolean()) {
                    assertThat(p.score()).isEqualTo(k.score());
                    packed.updateScore(p, s);
                    skip.updateScore(k, s);
                } else {
                    assertThat(packed.remove(m).score()).isEqualTo(skip.remove(m).score());
                }
                assertSameSet(packed, skip, rnd);
            }
            assertThat(packed.encoding()).isEqualTo("listpack");
            ZSetValue dup = (ZSetValue) packed.duplicate();
            packed.convertToSkiplist();
            assertThat(packed.encoding()).isEqualTo("skiplist");
            assertSameSet(packed, skip, rnd);
            assertSameSet(dup, skip, rnd);
            skip.convertToListpackIfNeeded(1000, 1000);
            assertThat(skip.encoding()).isEqualTo("listpack");
            assertSameSet(skip, packed, rnd);
        }
    }

    @Test
    void negative_zero_is_kept_by_a_skiplist_and_stored_as_zero_in_a_listpack_as_redis_does() {
        ZSetValue packed = new ZSetValue(true);
        ZSetValue skip = new ZSetValue(false);
        packed.insert(b("v"), -0.0, 128, 64);
        skip.insert(b("v"), -0.0, 128, 64);
        assertThat(Double.doubleToRawLongBits(packed.node(b("v")).score())).isZero();
        assertThat(Double.doubleToRawLongBits(skip.node(b("v")).score())).isEqualTo(Double.doubleToRawLongBits(-0.0));
        skip.convertToListpackIfNeeded(128, 64);
        assertThat(Double.doubleToRawLongBits(skip.node(b("v")).score())).isZero();
    }

    private static void assertSameSet(ZSetValue a, ZSetValue b, Random rnd) {
        assertThat(a.length()).isEqualTo(b.length());
        Node x = a.first(), y = b.first();
        for (int rank = 1; y != null; rank++, x = x.next(), y = y.next()) {
            assertThat(x.ele).isEqualTo(y.ele);
            assertThat(Double.doubleToRawLongBits(x.score())).isEqualTo(Double.doubleToRawLongBits(y.score()));
            assertThat(a.rank(x)).isEqualTo(rank);
            assertThat(a.byRank(rank).ele).isEqualTo(y.ele);
        }
        assertThat(x).isNull();
        x = a.last();
        for (y = b.last(); y != null; x = x.prev(), y = y.prev()) assertThat(x.ele).isEqualTo(y.ele);
        assertThat(x).isNull();
        double lo = rnd.nextInt(5) - 2, hi = lo + rnd.nextInt(4);
        ScoreRange r = new ScoreRange(lo, rnd.nextBoolean(), hi, rnd.nextBoolean());
        assertThat(ele(a.firstInRange(r))).isEqualTo(ele(b.firstInRange(r)));
        assertThat(ele(a.lastInRange(r))).isEqualTo(ele(b.lastInRange(r)));
    }

    private static byte[] ele(Node n) {
        return n == null ? null : n.ele;
    }
}
