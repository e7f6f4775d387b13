package io.magpie.engine;

import io.magpie.engine.keyspace.Dict;

/**
 * Access tracking for maxmemory eviction (evict.c): the per-key LRU clock or LFU counter
 * kept in each dictionary entry, and OBJECT IDLETIME / FREQ on top of it.
 */
public final class Eviction {
    public static final int LRU_BITS = 24;
    public static final int LRU_CLOCK_MAX = (1 << LRU_BITS) - 1;
    /** Redis's LRU_CLOCK_RESOLUTION: the LRU clock ticks in seconds. */
    public static final int LRU_CLOCK_RESOLUTION = 1000;
    public static final int LFU_INIT_VAL = 5;

    private final Engine engine;

    Eviction(Engine engine) {
        this.engine = engine;
    }

    private boolean lfu() {
        return engine.config.maxmemoryPolicy.value().isLfu();
    }

    public int lruClock() {
        return (int) ((engine.now() / LRU_CLOCK_RESOLUTION) & LRU_CLOCK_MAX);
    }

    /** A new key's clock: now for LRU, LFU_INIT_VAL for LFU (createObject). */
    public void initEntry(Dict.Entry e) {
        e.lru = lfu() ? (lfuTimeInMinutes() << 8) | LFU_INIT_VAL : lruClock();
    }

    /** The key was accessed (lookupKey's updateLFU / LRU_CLOCK()). */
    public void touch(Dict.Entry e) {
        if (lfu()) {
            int counter = lfuDecrAndReturn(e.lru);
            counter = lfuLogIncr(counter);
            e.lru = (lfuTimeInMinutes() << 8) | counter;
        } else {
            e.lru = lruClock();
        }
    }

    /** Milliseconds since the key was last accessed (estimateObjectIdleTime). */
    public long idleMillis(Dict.Entry e) {
        int now = lruClock();
        if (now >= e.lru) return (long) (now - e.lru) * LRU_CLOCK_RESOLUTION;
        return (long) (now + (LRU_CLOCK_MAX - e.lru)) * LRU_CLOCK_RESOLUTION;
    }

    /** The logarithmic access counter after decay (OBJECT FREQ). */
    public int frequency(Dict.Entry e) {
        return lfuDecrAndReturn(e.lru);
    }

    int lfuTimeInMinutes() {
        return (int) ((engine.now() / 1000 / 60) & 65535);
    }

    private int lfuTimeElapsed(int ldt) {
        int now = lfuTimeInMinutes();
        if (now >= ldt) return now - ldt;
        return 65535 - ldt + now;
    }

    int lfuDecrAndReturn(int lru) {
        int ldt = lru >>> 8;
        int counter = lru & 255;
        long decay = engine.config.lfuDecayTime.value();
        long periods = decay > 0 ? lfuTimeElapsed(ldt) / decay : 0;
        if (periods > 0) counter = periods > counter ? 0 : counter - (int) periods;
        return counter;
    }

    int lfuLogIncr(int counter) {
        if (counter == 255) return 255;
        double r = engine.random.nextDouble();
        double baseval = Math.max(0, counter - LFU_INIT_VAL);
        double p = 1.0 / (baseval * engine.config.lfuLogFactor.value() + 1);
        if (r < p) counter++;
        return counter;
    }
}
