package io.magpie.server;

import io.magpie.engine.Engine;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Memory figures for INFO memory and MEMORY STATS. The JVM has no allocator that counts
 * bytes per object, so used_memory is the engine's own accounting (MemoryAccounting), the
 * figure maxmemory eviction also uses; RSS is read from the kernel.
 */
public final class Memory {
    private static final long PAGE_SIZE = 4096;

    private Memory() {}

    /** Redis's used_memory: the engine's deterministic accounting, the same figure maxmemory uses. */
    public static long usedMemory(Engine engine) {
        return engine.usedMemory();
    }

    /** Highest used_memory seen. */
    public static long peak(Engine engine) {
        return engine.memory().peakMemory();
    }

    /** used_memory of an empty server (Redis's used_memory_startup). */
    public static long startup(Engine engine) {
        return io.magpie.engine.MemoryAccounting.STARTUP_BYTES;
    }

    /** RSS of the JVM itself once started (code, metaspace, GC structures, thread stacks), with no data. */
    private static long startupRss;

    /** Called once the server is up: what the JVM holds before any data. */
    static void recordStartupRss() {
        startupRss = rss();
    }

    /**
     * mem_fragmentation_ratio's RSS: the process RSS less what the JVM itself held at start
     * beyond used_memory_startup, so that the ratio compares the data's memory with the data
     * (about 1 for a fresh or full node, high only while freed heap is not yet given back),
     * as Redis's does for a C process whose own footprint is a few MB.
     */
    public static long rssForFragmentation(long rss) {
        long jvmOwn = Math.max(0, startupRss - io.magpie.engine.MemoryAccounting.STARTUP_BYTES);
        return Math.max(rss - jvmOwn, 0);
    }

    /** Resident set size from /proc/self/statm, or the committed heap where /proc is absent. */
    public static long rss() {
        try {
            String[] f = Files.readString(Path.of("/proc/self/statm")).trim().split("\\s+");
            return Long.parseLong(f[1]) * PAGE_SIZE;
        } catch (IOException | RuntimeException e) {
            return Runtime.getRuntime().totalMemory();
        }
    }

    /** Physical memory of the machine (total_system_memory), 0 when unknown. */
    public static long totalSystemMemory() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        } catch (IOException | RuntimeException e) {
            // fall through
        }
        return 0;
    }

    /** bytesToHuman: 919.23K, 6.52M, 0B. */
    public static String human(long n) {
        double d = n;
        if (n < 1024) return n + "B";
        if (n < 1024L * 1024) return String.format(java.util.Locale.ROOT, "%.2fK", d / 1024);
        if (n < 1024L * 1024 * 1024) return String.format(java.util.Locale.ROOT, "%.2fM", d / (1024 * 1024));
        if (n < 1024L * 1024 * 1024 * 1024) return String.format(java.util.Locale.ROOT, "%.2fG", d / (1024L * 1024 * 1024));
        if (n < 1024L * 1024 * 1024 * 1024 * 1024) return String.format(java.util.Locale.ROOT, "%.2fT", d / (1024L * 1024 * 1024 * 1024));
        return String.format(java.util.Locale.ROOT, "%.2fP", d / (1024L * 1024 * 1024 * 1024 * 1024));
    }
}
