package io.magpie.commands.placement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class DistributionTest {
    private static final List<Distribution.Node> THREE = List.of(
            new Distribution.Node("127.0.0.1:7001", 1), new Distribution.Node("127.0.0.1:7002", 1), new Distribution.Node("127.0.0.1:7003", 1));

    private static int[] counts(Distribution d, int nodes, int keys) {
        int[] c = new int[nodes];
        for (int i = 0; i < keys; i++) c[d.node(HashFunction.FNV1A_64.hash(("key:" + i).getBytes(StandardCharsets.US_ASCII)))]++;
        return c;
    }

    @Test
    void ketamaGives160PointsPerServerOfEqualWeight() {
        assertThat(Ketama.of(THREE, null).points()).isEqualTo(480);
    }

    @Test
    void ketamaPointsFollowWeights() {
        List<Distribution.Node> nodes = List.of(new Distribution.Node("a:1", 1), new Distribution.Node("b:1", 3));
        // 1/4 × 160/4 × 2 = 20 hashes → 80 points; 3/4 × 40 × 2 = 60 → 240.
        assertThat(Ketama.of(nodes, null).points()).isEqualTo(320);
        int[] c = counts(Ketama.of(nodes, null), 2, 20000);
        assertThat(c[1]).isBetween(c[0] * 2, c[0] * 4);
    }

    @Test
    void ketamaHashOnAPointGoesToThatPointAndPastTheLastWraps() {
        Ketama k = Ketama.of(THREE, null);
        assertThat(k.node(-1)).isEqualTo(k.node(0)); // 0xffffffff is past every point but the top one, or it wraps
        for (int i = 0; i < 3; i++) assertThat(k.node(i * 1000)).isBetween(0, 2);
    }

    @Test
    void ejectingAServerMovesOnlyItsKeysUnderKetamaAndRing() {
        for (Distribution.Kind kind : List.of(Distribution.Kind.KETAMA, Distribution.Kind.RING)) {
            Distribution all = Distribution.build(kind, THREE, null);
            Distribution without1 = Distribution.build(kind, THREE, new boolean[] {true, false, true});
            int moved = 0;
            for (int i = 0; i < 10000; i++) {
                int h = HashFunction.MURMUR.hash(("k" + i).getBytes(StandardCharsets.US_ASCII));
                int before = all.node(h), after = without1.node(h);
                assertThat(after).isNotEqualTo(1);
                if (before != 1) assertThat(after).as(kind + " key k" + i).isEqualTo(before);
                else moved++;
            }
            assertThat(moved).as(kind.configName()).isBetween(2000, 4700);
        }
    }

    @Test
    void ringSpreadsKeysEvenlyAndANewNodeTakesAboutItsShare() {
        int[] c = counts(Distribution.build(Distribution.Kind.RING, THREE, null), 3, 30000);
        for (int n : c) assertThat(n).isBetween(8000, 12000);
        List<Distribution.Node> four = new java.util.ArrayList<>(THREE);
        four.add(new Distribution.Node("127.0.0.1:7004", 1));
        Distribution before = Distribution.build(Distribution.Kind.RING, THREE, null);
        Distribution after = Distribution.build(Distribution.Kind.RING, four, null);
        int moved = 0;
        for (int i = 0; i < 20000; i++) {
            int h = HashFunction.FNV1A_64.hash(("key:" + i).getBytes(StandardCharsets.US_ASCII));
            if (before.node(h) != after.node(h)) {
                assertThat(after.node(h)).isEqualTo(3); // keys only move to the new node
                moved++;
            }
        }
        assertThat(moved).isBetween(3500, 6500);
    }

    @Test
    void modulaTakesHashModuloTheTotalWeightInListOrder() {
        List<Distribution.Node> nodes = List.of(new Distribution.Node("a:1", 2), new Distribution.Node("b:1", 1));
        Distribution m = Distribution.build(Distribution.Kind.MODULA, nodes, null);
        assertThat(m.node(0)).isEqualTo(0);
        assertThat(m.node(1)).isEqualTo(0);
        assertThat(m.node(2)).isEqualTo(1);
        assertThat(m.node(-1)).isEqualTo((int) (0xffffffffL % 3) < 2 ? 0 : 1); // unsigned
        assertThat(Distribution.build(Distribution.Kind.MODULA, nodes, new boolean[] {false, true}).node(0)).isEqualTo(1);
    }

    @Test
    void hashTagHashesTheTaggedPart() {
        HashTag tag = HashTag.parse("{}");
        byte[] a = "{user1}.a".getBytes(StandardCharsets.US_ASCII);
        byte[] b = "{user1}.b".getBytes(StandardCharsets.US_ASCII);
        assertThat(HashTag.hash(HashFunction.FNV1A_64, tag, a)).isEqualTo(HashFunction.FNV1A_64.hash("user1".getBytes(StandardCharsets.US_ASCII)));
        assertThat(HashTag.hash(HashFunction.FNV1A_64, tag, b)).isEqualTo(HashTag.hash(HashFunction.FNV1A_64, tag, a));
        byte[] empty = "{}.x".getBytes(StandardCharsets.US_ASCII);
        assertThat(HashTag.hash(HashFunction.FNV1A_64, tag, empty)).isEqualTo(HashFunction.FNV1A_64.hash(empty));
        assertThat(HashTag.hash(HashFunction.FNV1A_64, null, a)).isEqualTo(HashFunction.FNV1A_64.hash(a));
        assertThatThrownBy(() -> HashTag.parse("{")).isInstanceOf(IllegalArgumentException.class);
    }
}
