package io.magpie.server.metrics;

import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot.HistogramDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.InfoSnapshot;
import io.prometheus.metrics.model.snapshots.InfoSnapshot.InfoDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds metric families for a scrape out of figures already read, with the Prometheus
 * client's snapshot model (the library writes the exposition formats). Names are given as
 * exposed, so a reader can grep for them: a counter's "_total" and an info's "_info" are
 * taken off for the model, which puts them back.
 */
public final class Families {
    private final Map<String, Object> builders = new LinkedHashMap<>();
    private final Map<String, String> help = new LinkedHashMap<>();

    /** Adds one sample of a gauge; labels as name, value, name, value… */
    public Families gauge(String name, String helpText, double value, String... labels) {
        GaugeSnapshot.Builder b = (GaugeSnapshot.Builder) builders.computeIfAbsent(name, n -> GaugeSnapshot.builder().name(n));
        help.putIfAbsent(name, helpText);
        b.dataPoint(GaugeDataPointSnapshot.builder().value(value).labels(Labels.of(labels)).build());
        return this;
    }

    /** Adds one sample of a counter named "…_total". */
    public Families counter(String name, String helpText, double value, String... labels) {
        String base = strip(name, "_total");
        CounterSnapshot.Builder b = (CounterSnapshot.Builder) builders.computeIfAbsent(base, n -> CounterSnapshot.builder().name(n));
        help.putIfAbsent(base, helpText);
        b.dataPoint(CounterDataPointSnapshot.builder().value(value).labels(Labels.of(labels)).build());
        return this;
    }

    /** Adds an info sample named "…_info" (a gauge of 1 whose labels are the information). */
    public Families info(String name, String helpText, String... labels) {
        String base = strip(name, "_info");
        InfoSnapshot.Builder b = (InfoSnapshot.Builder) builders.computeIfAbsent(base, n -> InfoSnapshot.builder().name(n));
        help.putIfAbsent(base, helpText);
        b.dataPoint(InfoDataPointSnapshot.builder().labels(Labels.of(labels)).build());
        return this;
    }

    /**
     * Adds one histogram sample from cumulative counts at the given upper bounds (the last
     * bucket, +Inf, holds the rest up to count).
     */
    public Families histogram(String name, String helpText, double[] bounds, long[] cumulative, long count, double sum,
                              String... labels) {
        HistogramSnapshot.Builder b = (HistogramSnapshot.Builder) builders.computeIfAbsent(name, n -> HistogramSnapshot.builder().name(n));
        help.putIfAbsent(name, helpText);
        ClassicHistogramBuckets.Builder buckets = ClassicHistogramBuckets.builder();
        long previous = 0;
        for (int i = 0; i < bounds.length; i++) {
            buckets.bucket(bounds[i], cumulative[i] - previous); // the model counts per bucket, not cumulatively
            previous = cumulative[i];
        }
        buckets.bucket(Double.POSITIVE_INFINITY, Math.max(0, count - previous));
        b.dataPoint(HistogramDataPointSnapshot.builder().classicHistogramBuckets(buckets.build()).sum(sum)
                .labels(Labels.of(labels)).build());
        return this;
    }

    public List<MetricSnapshot> build() {
        List<MetricSnapshot> out = new ArrayList<>();
        for (Map.Entry<String, Object> e : builders.entrySet()) {
            String h = help.get(e.getKey());
            Object b = e.getValue();
            if (b instanceof GaugeSnapshot.Builder g) out.add(g.help(h).build());
            else if (b instanceof CounterSnapshot.Builder c) out.add(c.help(h).build());
            else if (b instanceof InfoSnapshot.Builder i) out.add(i.help(h).build());
            else if (b instanceof HistogramSnapshot.Builder hb) out.add(hb.help(h).build());
        }
        return out;
    }

    private static String strip(String name, String suffix) {
        if (!name.endsWith(suffix)) throw new IllegalArgumentException(name + " should end in " + suffix);
        return name.substring(0, name.length() - suffix.length());
    }
}
