package io.magpie.engine.types;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** False-positive rates at capacity, and memory per item, for several error rates. */
class ScalableBloomFilterTest {
    private static byte[] item(String prefix, int i) {
        return (prefix + i).getBytes(StandardCharsets.US_ASCII);
    }

    /** Fills a filter to capacity, then measures the false-positive rate on as many unseen items. */
    private static double measuredFpRate(ScalableBloomFilter f, int capacity) {
        for (int i = 0; i < capacity; i++) f.add(item("in:", i));
        for (int i = 0; i < capacity; i++) assertThat(f.exists(item("in:", i))).isTrue();
        int fp = 0;
        for (int i = 0; i < capacity; i++) if (f.exists(item("out:", i))) fp++;
        return fp / (double) capacity;
    }

    @ParameterizedTest(name = "error rate {0}, nonscaling {1}: measured rate at capacity stays below it")
    @CsvSource({"0.1,true", "0.05,true", "0.01,true", "0.001,true", "0.1,false", "0.01,false", "0.001,false"})
    void falsePositiveRateAtCapacityStaysWithinTheRequestedRate(double error, boolean nonScaling) {
        int capacity = 200_000;
        ScalableBloomFilter f = new ScalableBloomFilter(capacity, error, 2, nonScaling);
        double rate = measuredFpRate(f, capacity);
        assertThat(rate).isLessThanOrEqualTo(error);
        assertThat(f.filterCount()).isEqualTo(1);
    }

    @ParameterizedTest(name = "error rate {0}: a scaled chain past capacity stays within the rate")
    @CsvSource({"0.1", "0.01", "0.001"})
    void aScaledChainStaysWithinTheRequestedRate(double error) {
        ScalableBloomFilter f = new ScalableBloomFilter(10_000, error, 2, false);
        double rate = measuredFpRate(f, 150_000);
        assertThat(f.filterCount()).isGreaterThan(1);
        assertThat(rate).isLessThanOrEqualTo(error);
    }

    @ParameterizedTest(name = "error rate {0}, nonscaling {1}: memory per item within 10% of the optimum for its hash count")
    @CsvSource({"0.1,true", "0.01,true", "0.001,true", "0.0001,true", "0.1,false", "0.01,false", "0.001,false"})
    void memoryPerItemIsWithinTenPercentOfTheOptimumForTheHashCount(double error, boolean nonScaling) {
        int capacity = 1_000_000;
        ScalableBloomFilter f = new ScalableBloomFilter(capacity, error, 2, nonScaling);
        ScalableBloomFilter.Link l = f.filter(0);
        // The sub-filter's own target rate (a scaling chain's first filter takes half the rate).
        double optimumBits = ScalableBloomFilter.bitsPerEntryFor(l.hashes(), l.error()) * capacity;
        assertThat(l.bits() / optimumBits).isBetween(0.97, 1.10);
        assertThat(f.memoryUsage() * 8.0 / optimumBits).isLessThan(1.10);
    }

    @ParameterizedTest(name = "capacity {0}: a non-scaling filter refuses items once full")
    @CsvSource({"1", "10", "1000"})
    void aNonScalingFilterRefusesItemsOnceFull(int capacity) {
        ScalableBloomFilter f = new ScalableBloomFilter(capacity, 0.01, 2, true);
        int added = 0;
        for (int i = 0; i < capacity * 3 && added < capacity; i++) if (f.add(item("x", i)) == 1) added++;
        assertThat(f.items()).isEqualTo(capacity);
        int rv = 0;
        for (int i = 0; i < 1000 && rv != -2; i++) rv = f.add(item("more", i));
        assertThat(rv).isEqualTo(-2);
    }
}
