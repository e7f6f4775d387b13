package io.magpie.server;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.TreeMap;

/**
 * The latency monitor (latency.c): for each event class ("command", "fast-command"...) the
 * last 160 samples at or above latency-monitor-threshold milliseconds, one per second.
 */
public final class LatencyMonitor {
    private static final int HISTORY_LEN = 160;

    public record Sample(long timeSeconds, long millis) {}

    public static final class Series {
        private final Deque<Sample> samples = new ArrayDeque<>();
        private long max;

        public Deque<Sample> samples() {
            return samples;
        }

        public Sample latest() {
            return samples.peekLast();
        }

        public long max() {
            return max;
        }

        void add(long timeSeconds, long millis) {
            Sample last = samples.peekLast();
            if (last != null && last.timeSeconds() == timeSeconds) {
                // Several spikes in one second keep the worst, as Redis does.
                if (millis <= last.millis()) return;
                samples.removeLast();
            }
            samples.addLast(new Sample(timeSeconds, millis));
            if (samples.size() > HISTORY_LEN) samples.removeFirst();
            max = Math.max(max, millis);
        }
    }

    private final Map<String, Series> events = new TreeMap<>();

    /** latencyAddSampleIfNeeded: records the event when the threshold is set and reached. */
    public void addSampleIfNeeded(long threshold, String event, long millis, long nowMs) {
        if (threshold > 0 && millis >= threshold) events.computeIfAbsent(event, k -> new Series()).add(nowMs / 1000, millis);
    }

    public Map<String, Series> events() {
        return events;
    }

    /** Resets one event (or all with null); returns how many event series were reset. */
    public int reset(String event) {
        if (event == null) {
            int n = events.size();
            events.clear();
            return n;
        }
        return events.remove(event) == null ? 0 : 1;
    }

    public String doctor(long threshold) {
        if (threshold == 0) {
            return "I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis instance. You may use "
                    + "\"CONFIG SET latency-monitor-threshold <milliseconds>.\" in order to enable it. If we weren't in a deep space "
                    + "mission I'd suggest to take a look at https://redis.io/topics/latency-monitor.\n";
        }
        if (events.isEmpty()) {
            return "Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest bit. "
                    + "I honestly think you ought to sleep tonight.\n";
        }
        StringBuilder sb = new StringBuilder("Dave, I have observed latency spikes in this Redis instance. "
                + "You don't mind talking about it, do you Dave?\n\n");
        int i = 1;
        for (Map.Entry<String, Series> e : events.entrySet()) {
            Series s = e.getValue();
            long sum = 0;
            for (Sample x : s.samples) sum += x.millis();
            sb.append(i++).append(". ").append(e.getKey()).append(": ").append(s.samples.size())
                    .append(" latency spikes (average ").append(sum / s.samples.size()).append("ms, worst ")
                    .append(s.max).append("ms).\n");
        }
        return sb.toString();
    }

    /** A plain-text chart of the samples, newest last (the shape of LATENCY GRAPH, not its art). */
    public String graph(String event, Series s) {
        StringBuilder sb = new StringBuilder();
        sb.append(event).append(" - high ").append(s.max).append(" ms, low ");
        long low = Long.MAX_VALUE;
        for (Sample x : s.samples) low = Math.min(low, x.millis());
        sb.append(low).append(" ms (all time high ").append(s.max).append(" ms)\n");
        sb.append("-".repeat(80)).append('\n');
        for (Sample x : s.samples) {
            long bar = s.max == 0 ? 0 : Math.max(1, x.millis() * 60 / s.max);
            sb.append(String.format("%10d %6d ms |", x.timeSeconds(), x.millis())).append("#".repeat((int) bar)).append('\n');
        }
        return sb.toString();
    }
}
