package io.magpie.commands;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LatencyHistogramTest {
    private static List<String> buckets(LatencyHistogram h, boolean onlyGrowing) {
        List<String> out = new ArrayList<>();
        h.forEachBucket(onlyGrowing, (usec, cumulative) -> out.add(usec + "=" + cumulative));
        return out;
    }

    @Test
    void bucketBoundsAreRedisPowersOfTwoInMicroseconds() {
        // redis-server 7.0 reports these keys for calls of 0-1, 2, 3, 20 and 65 microseconds.
        LatencyHistogram h = new LatencyHistogram();
        h.record(0); // clamped to 1 ns, as a call under a microsecond is in Redis
        h.record(1000);
        h.record(2000);
        h.record(3000);
        h.record(20_000);
        h.record(65_000);
        assertThat(buckets(h, true)).containsExactly("1=2", "2=3", "4=4", "33=5", "66=6");
        assertThat(h.totalCount()).isEqualTo(6);
    }

    @Test
    void everyBucketIsListedForPrometheusUpToOneSecond() {
        LatencyHistogram h = new LatencyHistogram();
        h.record(5_000_000_000L); // over the range: clamped to 1 s
        List<String> all = buckets(h, false);
        assertThat(all).hasSize(21).startsWith("1=0", "2=0", "4=0", "8=0", "16=0", "33=0", "66=0");
        assertThat(all.get(all.size() - 1)).endsWith("=1");
    }

    @Test
    void percentilesRoundAsRedisDoes() {
        LatencyHistogram h = new LatencyHistogram();
        h.record(1);
        assertThat(h.valueAtPercentile(50)).isEqualTo(1); // INFO shows p50=0.001
        h.record(1000);
        h.record(1000);
        assertThat(h.valueAtPercentile(50)).isEqualTo(1003); // p50=1.003
        assertThat(h.valueAtPercentile(0)).isEqualTo(1);
        assertThat(h.valueAtPercentile(100)).isEqualTo(1003);
    }
}
