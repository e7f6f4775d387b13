package io.magpie.engine.types;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Redis's HLL representation: the empty value, sparse editing, promotion to dense, the estimator. */
class HyperLogLogTest {
    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void anEmptyHllIsAnXzeroOpcodeCoveringEveryRegister() {
        RawString h = HyperLogLog.create();
        assertThat(h.toBytes()).containsExactly('H', 'Y', 'L', 'L', 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x7f, (byte) 0xff);
        assertThat(HyperLogLog.decodeSparse(h.array(), h.length())).isEqualTo("Z:16384");
        assertThat(HyperLogLog.count(h.array(), h.length())).isZero();
    }

    @Test
    void addingSplitsTheRunAndInvalidatesTheCachedCardinality() {
        RawString h = HyperLogLog.create();
        assertThat(HyperLogLog.add(h, b("a"), 3000)).isEqualTo(1);
        assertThat(HyperLogLog.add(h, b("a"), 3000)).isEqualTo(0);
        assertThat(HyperLogLog.validCache(h.array())).isFalse();
        String decoded = HyperLogLog.decodeSparse(h.array(), h.length());
        assertThat(decoded).matches("Z:\\d+ v:\\d+,1 Z:\\d+");
        assertThat(HyperLogLog.count(h.array(), h.length())).isEqualTo(1);
    }

    @Test
    void aSparseHllBecomesDenseBeyondTheSparseMaxBytes() {
        RawString h = HyperLogLog.create();
        int i = 0;
        while (HyperLogLog.encoding(h.array()) == HyperLogLog.SPARSE && i < 100_000) HyperLogLog.add(h, b("e" + i++), 300);
        assertThat(HyperLogLog.encoding(h.array())).isEqualTo(HyperLogLog.DENSE);
        assertThat(h.length()).isEqualTo(HyperLogLog.DENSE_SIZE);
        assertThat(i).isLessThan(1000);
    }

    @Test
    void theEstimateStaysWithinTheStandardErrorForManyElements() {
        RawString h = HyperLogLog.create();
        int n = 200_000;
        for (int i = 0; i < n; i++) HyperLogLog.add(h, b("item:" + i), 3000);
        long est = HyperLogLog.count(h.array(), h.length());
        // 1.04 / sqrt(16384) = 0.81%; allow 4 sigma.
        assertThat(Math.abs(est - n) / (double) n).isLessThan(0.0325);
    }

    @Test
    void mergingIntoRawRegistersCountsTheUnion() {
        RawString a = HyperLogLog.create(), c = HyperLogLog.create();
        for (int i = 0; i < 5000; i++) HyperLogLog.add(a, b("x" + i), 3000);
        for (int i = 2500; i < 7500; i++) HyperLogLog.add(c, b("x" + i), 3000);
        byte[] max = new byte[HyperLogLog.REGISTERS];
        assertThat(HyperLogLog.merge(max, a.array(), a.length())).isTrue();
        assertThat(HyperLogLog.merge(max, c.array(), c.length())).isTrue();
        assertThat(Math.abs(HyperLogLog.countRaw(max) - 7500) / 7500.0).isLessThan(0.04);
    }

    @Test
    void corruptedSparseDataIsDetected() {
        RawString h = new RawString(new byte[] {'H', 'Y', 'L', 'L', 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0x80, 0x7f, (byte) 0xfe});
        assertThat(HyperLogLog.count(h.array(), h.length())).isEqualTo(-1);
        assertThat(HyperLogLog.sparseToDense(h)).isFalse();
    }
}
