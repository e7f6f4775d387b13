package io.magpie.server.metrics;

/**
 * The last minutes of throughput for the status page's graph: a ring of one sample a second
 * (commands per second over that second, and used memory), filled by the cron on the
 * keyspace thread.
 */
public final class OpsHistory {
    public static final int SAMPLES = 300;
    private static final long INTERVAL_MS = 1000;

    private final long[] timeMs = new long[SAMPLES];
    private final long[] opsPerSec = new long[SAMPLES];
    private final long[] usedMemory = new long[SAMPLES];
    private int next;
    private int size;
    private long lastMs;
    private long lastCommands;

    /** Called from cron: takes a sample when a second has passed since the last. */
    public void sample(long nowMs, long totalCommands, long used) {
        if (lastMs == 0) {
            lastMs = nowMs;
            lastCommands = totalCommands;
            return;
        }
        long elapsed = nowMs - lastMs;
        if (elapsed < INTERVAL_MS) return;
        // CONFIG RESETSTAT sets the command count back: count from zero then.
        long commands = totalCommands >= lastCommands ? totalCommands - lastCommands : totalCommands;
        timeMs[next] = nowMs;
        opsPerSec[next] = commands * 1000 / elapsed;
        usedMemory[next] = used;
        next = (next + 1) % SAMPLES;
        size = Math.min(size + 1, SAMPLES);
        lastMs = nowMs;
        lastCommands = totalCommands;
    }

    /** The samples oldest first, as {timeMs, opsPerSec, usedMemory}. */
    public long[][] samples() {
        long[][] out = new long[size][];
        for (int i = 0; i < size; i++) {
            int j = (next - size + i + SAMPLES) % SAMPLES;
            out[i] = new long[] {timeMs[j], opsPerSec[j], usedMemory[j]};
        }
        return out;
    }
}
