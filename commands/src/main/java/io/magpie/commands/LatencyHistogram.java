package io.magpie.commands;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;

/**
 * A command's latency distribution (Redis 7's latency-tracking, latency.c): an HDR histogram
 * of the same shape as Redis's (1 ns to 1 s, 2 significant digits), fed durations in
 * nanoseconds. Read by INFO latencystats (percentiles), LATENCY HISTOGRAM (a cumulative
 * distribution by powers of two) and the metrics endpoint.
 */
public final class LatencyHistogram {
    /** LATENCY_HISTOGRAM_MIN_VALUE / MAX_VALUE / PRECISION of server.h. */
    public static final long MIN_VALUE = 1;
    public static final long MAX_VALUE = 1_000_000_000L;
    private static final int PRECISION = 2;
    /** LATENCY HISTOGRAM reports buckets from 1024 ns, each twice the previous one. */
    private static final long FIRST_BUCKET = 1024;

    private final Histogram histogram = new Histogram(MIN_VALUE, MAX_VALUE, PRECISION);

    /** updateCommandLatencyHistogram: out-of-range durations are clamped into the range. */
    public void record(long nanos) {
        histogram.recordValue(Math.max(MIN_VALUE, Math.min(MAX_VALUE, nanos)));
    }

    public long totalCount() {
        return histogram.getTotalCount();
    }

    /**
     * hdr_value_at_percentile as Redis's C histogram computes it (the count rounded half up,
     * where the Java library takes the ceiling; at least the first call), in nanoseconds.
     */
    public long valueAtPercentile(double percentile) {
        double p = Math.min(percentile, 100.0);
        long countAtPercentile = Math.max(1, (long) ((p / 100) * histogram.getTotalCount() + 0.5));
        long seen = 0;
        long value = 0;
        for (HistogramIterationValue v : histogram.recordedValues()) {
            seen += v.getCountAtValueIteratedTo();
            value = v.getValueIteratedTo();
            if (seen >= countAtPercentile) break;
        }
        return percentile == 0.0 ? histogram.lowestEquivalentValue(value) : histogram.highestEquivalentValue(value);
    }

    /** Receives one bucket of the cumulative distribution. */
    public interface BucketConsumer {
        void accept(long usec, long cumulativeCount);
    }

    /**
     * The cumulative distribution as LATENCY HISTOGRAM reports it (fillCommandCDF over
     * hdr_iter_log from 1024 ns by powers of 2): for each bucket, its bound in microseconds
     * (the highest value equivalent to 1024·2^i ns, over 1000) and how many calls took at
     * most that. With {@code onlyGrowing}, buckets that add no call are left out, as the
     * command does; without, every bucket up to the range's end is given (for Prometheus,
     * whose histogram buckets must not come and go).
     */
    public void forEachBucket(boolean onlyGrowing, BucketConsumer out) {
        long total = histogram.getTotalCount();
        long previous = 0;
        for (long level = FIRST_BUCKET; level <= MAX_VALUE * 2; level *= 2) {
            long cumulative = histogram.getCountBetweenValues(0, level);
            if (!onlyGrowing || cumulative > previous) out.accept(histogram.highestEquivalentValue(level) / 1000, cumulative);
            previous = cumulative;
            if (onlyGrowing && cumulative == total) return;
        }
    }
}
