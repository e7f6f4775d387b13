package io.magpie.engine.types;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class StreamValueTest {
    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[][] fields(String... kv) {
        byte[][] a = new byte[kv.length][];
        for (int i = 0; i < kv.length; i++) a[i] = b(kv[i]);
        return a;
    }

    private static void add(StreamValue s, long ms, long maxBytes, long maxEntries, String... kv) {
        s.append(new StreamID(ms, 0), fields(kv), 0, kv.length / 2, maxBytes, maxEntries);
    }

    /** Every entry as "id f=v f=v", in the iterator's direction. */
    private static List<String> read(StreamValue s, StreamID from, StreamID to, boolean rev) {
        List<String> out = new ArrayList<>();
        StreamValue.Iter it = s.iterator(from, to, rev);
        while (it.next()) {
            StringBuilder sb = new StringBuilder(it.id().toString());
            for (int i = 0; i < it.numFields; i++) {
                sb.append(' ').append(new String(it.field(i), StandardCharsets.US_ASCII)).append('=')
                        .append(new String(it.value(i), StandardCharsets.US_ASCII));
            }
            out.add(sb.toString());
        }
        return out;
    }

    @Test
    void entriesSplitIntoNodesByEntryCountAndReadBackBothWays() {
        StreamValue s = new StreamValue();
        List<String> expected = new ArrayList<>();
        for (int i = 1; i <= 25; i++) {
            // Every third entry has other fields than its node's master entry: stored with names.
            if (i % 3 == 0) add(s, i, 4096, 4, "other", "x" + i);
            else add(s, i, 4096, 4, "a", String.valueOf(i * 1000), "b", "v" + i);
            expected.add(i % 3 == 0 ? i + "-0 other=x" + i : i + "-0 a=" + i * 1000 + " b=v" + i);
        }
        assertThat(s.nodeCount()).isEqualTo(7);
        assertThat(s.length).isEqualTo(25);
        assertThat(read(s, null, null, false)).isEqualTo(expected);
        List<String> reversed = new ArrayList<>(expected);
        java.util.Collections.reverse(reversed);
        assertThat(read(s, null, null, true)).isEqualTo(reversed);
        assertThat(read(s, new StreamID(6, 0), new StreamID(9, 0), false)).isEqualTo(expected.subList(5, 9));
        assertThat(read(s, new StreamID(6, 0), new StreamID(9, 0), true)).containsExactly(expected.get(8), expected.get(7), expected.get(6), expected.get(5));
    }

    @Test
    void aNodeClosesWhenItsListpackWouldReachTheByteLimit() {
        StreamValue s = new StreamValue();
        for (int i = 1; i <= 10; i++) add(s, i, 200, 0, "f", "x".repeat(60));
        // Each entry adds about 65 listpack bytes: two fit under 200, so five nodes.
        assertThat(s.nodeCount()).isEqualTo(5);
        assertThat(read(s, null, null, false)).hasSize(10);
    }

    @Test
    void deletedEntriesAreSkippedAndANodeWithoutLiveEntriesGoes() {
        StreamValue s = new StreamValue();
        for (int i = 1; i <= 8; i++) add(s, i, 4096, 4, "f", String.valueOf(i));
        assertThat(s.delete(new StreamID(2, 0))).isTrue();
        assertThat(s.delete(new StreamID(2, 0))).isFalse();
        assertThat(s.delete(new StreamID(99, 0))).isFalse();
        assertThat(read(s, null, null, false)).extracting(e -> e.split(" ")[0]).containsExactly("1-0", "3-0", "4-0", "5-0", "6-0", "7-0", "8-0");
        assertThat(s.edgeId(true, false)).isEqualTo(new StreamID(1, 0));
        for (int i = 5; i <= 8; i++) assertThat(s.delete(new StreamID(i, 0))).isTrue();
        assertThat(s.nodeCount()).isEqualTo(1);
        assertThat(s.length).isEqualTo(3);
        assertThat(s.lastValidId()).isEqualTo(new StreamID(4, 0));
        assertThat(read(s, null, null, true)).extracting(e -> e.split(" ")[0]).containsExactly("4-0", "3-0", "1-0");
    }

    @Test
    void trimmingRemovesWholeNodesThenEntriesUnlessApproximate() {
        StreamValue s = new StreamValue();
        for (int i = 1; i <= 20; i++) add(s, i, 4096, 5, "f", String.valueOf(i));
        assertThat(s.trim(StreamValue.Trim.MAXLEN, 13, null, true, 0)).isEqualTo(5); // only whole nodes
        assertThat(s.length).isEqualTo(15);
        assertThat(s.trim(StreamValue.Trim.MAXLEN, 13, null, false, 0)).isEqualTo(2); // then inside the first node
        assertThat(s.firstId).isEqualTo(new StreamID(8, 0));
        assertThat(s.trim(StreamValue.Trim.MINID, 0, new StreamID(12, 0), false, 0)).isEqualTo(4);
        assertThat(read(s, null, null, false).get(0)).startsWith("12-0");
        assertThat(s.trim(StreamValue.Trim.MINID, 0, new StreamID(19, 0), true, 3)).isZero(); // LIMIT below the first node's count
        assertThat(s.trim(StreamValue.Trim.MAXLEN, 0, null, false, 0)).isEqualTo(9);
        assertThat(s.length).isZero();
        assertThat(s.firstId).isEqualTo(StreamID.ZERO);
    }

    @Test
    void nodesFromOutsideAreValidatedBeforeUse() {
        StreamValue s = new StreamValue();
        for (int i = 1; i <= 3; i++) add(s, i, 4096, 100, "a", "1", "b", "two");
        List<byte[]> nodes = new ArrayList<>();
        s.forEachNode((k, lp) -> nodes.add(lp));
        byte[] good = nodes.get(0);
        assertThat(StreamValue.validNode(good)).isTrue();
        assertThat(StreamValue.validNode(Arrays.copyOf(good, good.length - 3))).isFalse();
        byte[] badCount = good.clone();
        badCount[StreamListpack.HEADER] = 9; // master says 9 live entries, there are 3
        assertThat(StreamValue.validNode(badCount)).isFalse();
        byte[] garbage = good.clone();
        for (int i = StreamListpack.HEADER; i < garbage.length - 1; i++) garbage[i] = (byte) 0xf4;
        assertThat(StreamValue.validNode(garbage)).isFalse();
    }

    @Test
    void memoryUsageFollowsTheNodesAndTheGroups() {
        StreamValue s = new StreamValue();
        long empty = s.memoryUsage();
        for (int i = 1; i <= 1000; i++) add(s, i, 4096, 100, "user", "u" + i, "amount", String.valueOf(i), "event", "e");
        long full = s.memoryUsage();
        // Listpack entries of about 15 bytes, as Redis's; well under 60 bytes with every overhead.
        assertThat((full - empty) / 1000).isBetween(10L, 60L);
        StreamGroup g = s.createGroup(b("g"), StreamID.ZERO, 0);
        StreamGroup.Consumer c = g.createConsumer(b("c"), 0);
        for (int i = 1; i <= 100; i++) {
            StreamGroup.Nack n = new StreamGroup.Nack(c, 0, 1);
            g.pel.put(new StreamID(i, 0), n);
            c.pel.put(new StreamID(i, 0), n);
        }
        assertThat(s.memoryUsage()).isGreaterThan(full + 100 * 100);
        StreamValue copy = (StreamValue) s.duplicate();
        assertThat(read(copy, null, null, false)).isEqualTo(read(s, null, null, false));
        assertThat(copy.group(b("g")).consumer(b("c")).pel.size()).isEqualTo(100);
    }

    @Test
    void idsPrintAsUnsignedDecimalsAndRaxShapesMatchRedis() {
        assertThat(new String(new StreamID(-1L, -1L).toBytes(), StandardCharsets.US_ASCII))
                .isEqualTo("18446744073709551615-18446744073709551615");
        assertThat(new String(new StreamID(0, 7).toBytes(), StandardCharsets.US_ASCII)).isEqualTo("0-7");
        assertThat(RaxShape.countNodes(new byte[0][])).isEqualTo(1);
        assertThat(RaxShape.countNodes(new byte[][] {new StreamID(5, 0).encode()})).isEqualTo(2);
        // Two keys differing in the last byte: a compressed prefix, a branch, two leaves.
        assertThat(RaxShape.countNodes(new byte[][] {new StreamID(5, 0).encode(), new StreamID(5, 1).encode()})).isEqualTo(4);
    }
}
