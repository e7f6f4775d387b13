package io.magpie.server;

import io.magpie.engine.Engine;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;

/**
 * Keeps maxmemory within what the Java heap can hold. used_memory is the engine's accounting,
 * which counts bytes as Redis would; the objects behind it take more heap than that. If
 * maxmemory is above what -Xmx allows, the JVM would fill its heap and spend its time in full
 * GCs before eviction ever started. So this warns at start and at CONFIG SET, and every cron
 * measures the live heap after the last GC against used_memory, and tells eviction the
 * used_memory at which the heap would reach {@link #HEAP_BUDGET} of -Xmx.
 */
public final class HeapGuard {
    /** Share of -Xmx the dataset may fill; the rest is for new objects, replies and buffers. */
    static final double HEAP_BUDGET = 0.75;
    /** Below this much accounted data the overhead ratio is noise (the server's own objects). */
    private static final long MIN_SAMPLE = 16L << 20;

    private HeapGuard() {}

    /** Checks maxmemory now and whenever CONFIG SET changes it. */
    public static void start(Engine engine) {
        Memory.recordStartupRss();
        warnIfAboveHeap(engine.config.maxmemory.value());
        engine.config.maxmemory.onChange(() -> warnIfAboveHeap(engine.config.maxmemory.value()));
    }

    static long heapBudget() {
        return (long) (Runtime.getRuntime().maxMemory() * HEAP_BUDGET);
    }

    private static void warnIfAboveHeap(long maxmemory) {
        long budget = heapBudget();
        if (maxmemory != 0 && maxmemory > budget) {
            Log.warning("WARNING: maxmemory (%s) is above what the Java heap can hold (max heap %s): eviction will start "
                    + "before maxmemory is reached, when the heap is %d%% full. Give the JVM more heap "
                    + "(-Xmx in MAGPIE_JAVA_OPTS) or lower maxmemory.",
                    Memory.human(maxmemory), Memory.human(Runtime.getRuntime().maxMemory()), (int) (HEAP_BUDGET * 100));
        }
    }

    /** Committed heap above which an emptied heap is handed back (below, the JVM's own size). */
    private static final long SHRINK_ABOVE = 128L << 20;
    private static final long SHRINK_EVERY_MS = 10_000;
    private static long lastShrinkMs;
    private static long committedAfterShrink;

    /**
     * Cron: gives the heap back to the OS after a spike (FLUSHALL, DEL of big keys, eviction):
     * when the committed heap is more than 8 times what the data needs, one explicit collection
     * lets the GC shrink the heap to -XX:MaxHeapFreeRatio. Its pause is short, as the live data is
     * small by that very test. Also tells eviction the used_memory at which the heap is full.
     */
    public static void cron(Engine engine) {
        long committed = Runtime.getRuntime().totalMemory();
        long now = System.currentTimeMillis();
        // Again only once the heap has doubled since: a heap the GC keeps (other users in the
        // same JVM, or a collector that does not shrink) is not collected over and over.
        if (committed > Math.max(SHRINK_ABOVE, 2 * committedAfterShrink) && engine.usedMemory() * 8 < committed
                && now - lastShrinkMs > SHRINK_EVERY_MS) {
            lastShrinkMs = now;
            System.gc();
            committedAfterShrink = Runtime.getRuntime().totalMemory();
        }
        if (engine.config.maxmemory.value() == 0) return;
        long accounted = engine.usedMemory();
        long live = liveHeapAfterGc();
        // Only a heap more than half full limits anything: below that the ratio is mostly the server's own objects.
        if (accounted < MIN_SAMPLE || live < Runtime.getRuntime().maxMemory() / 2) {
            engine.eviction().setHeapLimit(Long.MAX_VALUE);
            return;
        }
        double overhead = Math.max(1.0, (double) live / accounted);
        engine.eviction().setHeapLimit((long) (heapBudget() / overhead));
    }

    /** The heap in use right after the last collection of each pool: the live data. */
    static long liveHeapAfterGc() {
        long live = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() != MemoryType.HEAP) continue;
            MemoryUsage after = pool.getCollectionUsage();
            if (after != null) live += after.getUsed();
        }
        return live;
    }
}
