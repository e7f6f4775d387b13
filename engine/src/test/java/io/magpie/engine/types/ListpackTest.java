package io.magpie.engine.types;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ListpackTest {
    @Test
    void entries_of_every_header_size_walk_forward_and_backward_and_survive_inserts_and_deletes() {
        Random rnd = new Random(7);
        List<byte[]> ref = new ArrayList<>();
        byte[] lp = Listpack.EMPTY;
        int[] sizes = {0, 1, 100, 127, 128, 129, 16_381, 16_383, 16_384, 70_000};
        for (int op = 0; op < 400; op++) {
            if (ref.isEmpty() || rnd.nextInt(3) > 0) {
                byte[] p = new byte[sizes[rnd.nextInt(sizes.length)]];
                rnd.nextBytes(p);
                int at = rnd.nextInt(ref.size() + 1);
                lp = Listpack.insert(lp, Listpack.offsetOf(lp, ref.size(), at), p);
                ref.add(at, p);
            } else {
                int at = rnd.nextInt(ref.size());
                int off = Listpack.offsetOf(lp, ref.size(), at);
                lp = Listpack.delete(lp, off, Listpack.next(lp, off));
                ref.remove(at);
            }
        }
        int i = 0;
        for (int off = 0; off < lp.length; off = Listpack.next(lp, off), i++) {
            assertThat(Listpack.get(lp, off)).isEqualTo(ref.get(i));
            assertThat(Listpack.payloadEquals(lp, off, ref.get(i))).isTrue();
        }
        assertThat(i).isEqualTo(ref.size());
        for (int off = Listpack.last(lp); off >= 0; off = Listpack.prev(lp, off)) assertThat(Listpack.get(lp, off)).isEqualTo(ref.get(--i));
        assertThat(i).isZero();
    }

    @Test
    void scores_round_trip_exactly_and_small_integers_take_few_bytes() {
        double[] values = {0, 1, -1, 127, 128, -128, -129, 32767, 1e6, -1e6, (1L << 53) - 1, -(1L << 53) + 1, 1L << 53, 1e300, 0.1, 1.5,
                Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.MIN_VALUE, Long.MAX_VALUE, Long.MIN_VALUE};
        for (double d : values) {
            byte[] lp = Listpack.insert(Listpack.EMPTY, 0, Listpack.encodeDouble(d));
            double back = Listpack.decodeDouble(lp, 0);
            assertThat(Double.doubleToRawLongBits(back)).as("%s", d).isEqualTo(Double.doubleToRawLongBits(d));
        }
        assertThat(Listpack.encodeDouble(0)).isEmpty();
        assertThat(Listpack.encodeDouble(100)).hasSize(1);
        assertThat(Listpack.encodeDouble(1_000_000)).hasSize(3);
        assertThat(Listpack.encodeDouble(-0.0)).isEmpty(); // 0, as Redis's listpack stores "-0"
        assertThat(Listpack.encodeDouble(0.5)).hasSize(8);
    }

    @Test
    void an_entry_costs_its_payload_plus_two_bytes_while_short() {
        byte[] lp = Listpack.insert(Listpack.EMPTY, 0, "field1".getBytes(), "value".getBytes());
        assertThat(lp).hasSize(6 + 2 + 5 + 2);
        assertThat(Listpack.find(lp, "value".getBytes(), 1)).isEqualTo(8);
        assertThat(Listpack.find(lp, "value".getBytes(), 2)).isEqualTo(-1);
        assertThat(Arrays.equals(Listpack.replace(lp, 8, "v".getBytes()), Listpack.insert(Listpack.EMPTY, 0, "field1".getBytes(), "v".getBytes()))).isTrue();
    }
}
