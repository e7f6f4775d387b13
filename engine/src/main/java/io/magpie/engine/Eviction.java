package io.magpie.engine;

import io.magpie.engine.EngineConfig.MaxmemoryPolicy;
import io.magpie.commands.RedisCommand;
import io.magpie.engine.keyspace.Database;
import io.magpie.engine.keyspace.Dict;

/**
 * maxmemory eviction (evict.c): the per-key LRU clock or LFU counter kept in each
 * dictionary entry (OBJECT IDLETIME / FREQ read it), and performEvictions, which deletes
 * keys chosen by the maxmemory-policy until used memory is under maxmemory.
 *
 * LRU, LFU and TTL are approximated as Redis does: each round samples maxmemory-samples
 * keys per db into a pool of the 16 best candidates seen so far (kept across calls, so
 * the approximation improves with every eviction), then evicts the best one still present.
 */
public final class Eviction {
    public static final int LRU_BITS = 24;
    public static final int LRU_CLOCK_MAX = (1 << LRU_BITS) - 1;
    /** Redis's LRU_CLOCK_RESOLUTION: the LRU clock ticks in seconds. */
    public static final int LRU_CLOCK_RESOLUTION = 1000;
    public static final int LFU_INIT_VAL = 5;

    /** Redis's EVPOOL_SIZE. */
    static final int EVPOOL_SIZE = 16;

    /** performEvictions' results. */
    public enum Result { OK, RUNNING, FAIL }

    /**
     * Where the keys eviction chooses go when a mode deletes them its own way: a Raft group's
     * leader proposes their deletion through the log, and its followers never evict on their own,
     * as a Redis replica leaves eviction to its master.
     */
    public interface Evictor {
        /** Whether this node may choose keys now (a Raft leader whose last batch has applied). */
        boolean mayEvict();

        /** One key chosen, of about this many bytes; false when it was chosen already. */
        boolean evict(Database db, byte[] key, long bytes);

        /** The keys chosen since mayEvict: have them deleted. */
        void chosen();
    }

    private Evictor evictor;

    public void setEvictor(Evictor e) {
        this.evictor = e;
    }

    private final Engine engine;
    /** Candidates sorted by ascending idle score (best to evict last); keys null when unused. */
    private final byte[][] poolKeys = new byte[EVPOOL_SIZE][];
    private final long[] poolIdle = new long[EVPOOL_SIZE];
    private final int[] poolDb = new int[EVPOOL_SIZE];
    private Dict.Entry[] samples = new Dict.Entry[5];
    /** Round-robin db for the random policies (Redis's static next_db). */
    private int nextDb;
    /** The db of the key bestFromPool returned. */
    private int bestDbId;

    Eviction(Engine engine) {
        this.engine = engine;
    }

    /* ---------------- the check before a command ---------------- */

    /**
     * processCommand's maxmemory step: evicts if over the limit and returns the OOM error
     * if the command must be refused (it may use more memory and nothing could be freed).
     * Like Redis, every command gives eviction a chance to run; only those flagged denyoom
     * (and anything queued inside MULTI, and EXEC of a transaction holding one) are refused.
     */
    public String beforeCommand(Client c, RedisCommand cmd) {
        if (engine.config.maxmemory.value() == 0) return null;
        if (c.obeyed) {
            // What the master or the log sends is applied, in memory or not; eviction still runs.
            performEvictions();
            return null;
        }
        boolean outOfMemory = performEvictions() == Result.FAIL;
        if (!outOfMemory) return null;
        boolean reject = engine.isDenyOomCommand(c, cmd);
        if (c.multi && !MULTI_ALWAYS_ALLOWED.contains(cmd.fullName)) reject = true;
        return reject ? Errors.OOM : null;
    }

    private static final java.util.Set<String> MULTI_ALWAYS_ALLOWED = java.util.Set.of("exec", "discard", "quit", "reset");

    /**
     * The limit the Java heap allows, in used_memory's units (set by the server from the heap
     * really in use after GC): with maxmemory set, eviction starts at the lower of the two, so
     * a maxmemory above what -Xmx can hold evicts before the JVM runs out of heap.
     */
    private long heapLimit = Long.MAX_VALUE;

    public void setHeapLimit(long limit) {
        heapLimit = limit;
    }

    public long heapLimit() {
        return heapLimit;
    }

    /** Used memory minus maxmemory, or 0 when under the limit (getMaxmemoryState). */
    public long memoryToFree() {
        long max = engine.config.maxmemory.value();
        if (max == 0) return 0;
        max = Math.min(max, heapLimit);
        long used = engine.usedMemory();
        return used > max ? used - max : 0;
    }

    /**
     * Replicas leave eviction to their master unless replica-ignore-maxmemory is no; paused
     * writes must not delete (isSafeToPerformEvictions).
     */
    private boolean safeToEvict() {
        return !(engine.isReplica() && replicaIgnoresMaxmemory()) && !engine.writesPaused() && !engine.loading();
    }

    private boolean replicaIgnoresMaxmemory() {
        var p = engine.registry.find("replica-ignore-maxmemory");
        return p == null || !"no".equals(p.get());
    }

    /**
     * Cron: keeps evicting while over the limit without waiting for a command, which covers
     * an eviction stopped by its time limit and a CONFIG SET lowering maxmemory (both
     * Redis's evictionTimeProc).
     */
    void cron() {
        if (engine.config.maxmemory.value() != 0) performEvictions();
    }

    /**
     * Evicts keys until used memory is under maxmemory (performEvictions). OK when under the
     * limit (or eviction is not allowed now), RUNNING when the time limit stopped it with
     * keys freed (cron continues), FAIL when nothing more can be evicted.
     */
    public Result performEvictions() {
        if (!safeToEvict()) return Result.OK;
        long toFree = memoryToFree();
        if (toFree == 0) return Result.OK;
        MaxmemoryPolicy policy = engine.config.maxmemoryPolicy.value();
        if (policy == MaxmemoryPolicy.NOEVICTION) return Result.FAIL;
        if (evictor != null) {
            // Until the keys chosen are deleted (their entry applied), commands go on as while Redis's eviction runs.
            if (!evictor.mayEvict()) return Result.RUNNING;
            try {
                return chooseKeys(policy, toFree);
            } finally {
                evictor.chosen();
            }
        }
        return chooseKeys(policy, toFree);
    }

    /** performEvictions' loop: the best key by the policy, evicted (or handed to the evictor) until enough is freed. */
    private Result chooseKeys(MaxmemoryPolicy policy, long toFree) {
        long timeLimitNanos = timeLimitMicros() * 1000L;
        long start = engine.clock().nanos();
        long freed = 0;
        int keysFreed = 0;
        while (freed < toFree) {
            byte[] bestKey;
            Database bestDb;
            if (policy == MaxmemoryPolicy.ALLKEYS_RANDOM || policy == MaxmemoryPolicy.VOLATILE_RANDOM) {
                Dict.Entry e = null;
                bestDb = null;
                for (int i = 0; i < engine.dbCount() && e == null; i++) {
                    nextDb = (nextDb + 1) % engine.dbCount();
                    bestDb = engine.db(nextDb);
                    Dict d = policy.allKeys() ? bestDb.dict() : bestDb.expires();
                    if (d.size() > 0) e = d.randomEntry(engine.random);
                }
                bestKey = e == null ? null : e.key();
            } else {
                bestKey = bestFromPool(policy);
                bestDb = bestKey == null ? null : engine.db(bestDbId);
            }
            if (bestKey == null) return evictor != null && keysFreed > 0 ? Result.RUNNING : Result.FAIL;
            if (evictor != null) {
                Dict.Entry e = bestDb.dict().find(bestKey);
                if (e != null && evictor.evict(bestDb, bestKey, engine.memory().keyUsage(bestDb, e))) {
                    freed += engine.memory().keyUsage(bestDb, e);
                }
            } else {
                long before = engine.usedMemory();
                evict(bestDb, bestKey);
                freed += before - engine.usedMemory();
            }
            keysFreed++;
            // Checking the clock is not free: do it every 16 keys, as Redis.
            if (keysFreed % 16 == 0 && engine.clock().nanos() - start > timeLimitNanos) {
                return memoryToFree() > 0 ? Result.RUNNING : Result.OK;
            }
        }
        return Result.OK;
    }

    /** evictionTimeLimitUs: 50us per tenacity step up to 10, then growing 15% a step; 100 = unlimited. */
    private long timeLimitMicros() {
        long tenacity = engine.config.maxmemoryEvictionTenacity.value();
        if (tenacity <= 10) return 50L * tenacity;
        if (tenacity < 100) return (long) (500.0 * Math.pow(1.15, tenacity - 10.0));
        return Long.MAX_VALUE / 1000;
    }

    /** Deletes a key as eviction does (evicted_keys, the "evicted" event, a DEL on the write stream). */
    public void evict(Database db, byte[] key) {
        db.delete(key);
        engine.stats.evictedKeys++;
        db.signalModifiedKey(key);
        engine.notifyKeyspaceEvent(Notifications.EVICTED, "evicted", key, db.id);
        engine.propagateDeletion(db, key, engine.config.lazyfreeLazyEviction.value());
    }

    /**
     * The LRU/LFU/TTL choice: refill the pool from every db, then take the best candidate
     * that still exists (a pooled key may have been deleted since: a "ghost").
     */
    private byte[] bestFromPool(MaxmemoryPolicy policy) {
        boolean allKeys = policy.allKeys();
        for (int attempt = 0; attempt < 16; attempt++) {
            long keys = 0;
            for (int i = 0; i < engine.dbCount(); i++) {
                Database db = engine.db(i);
                Dict d = allKeys ? db.dict() : db.expires();
                if (d.size() > 0) {
                    populatePool(policy, db, d);
                    keys += d.size();
                }
            }
            if (keys == 0) return null;
            for (int k = EVPOOL_SIZE - 1; k >= 0; k--) {
                byte[] key = poolKeys[k];
                if (key == null) continue;
                Database db = engine.db(poolDb[k]);
                removeFromPool(k);
                Dict d = allKeys ? db.dict() : db.expires();
                if (d.find(key) != null) {
                    bestDbId = db.id;
                    return key;
                }
            }
            // Every pooled key was a ghost: sample again.
        }
        return null;
    }

    private void removeFromPool(int k) {
        // Entries after k shift left so the used slots stay contiguous from 0.
        System.arraycopy(poolKeys, k + 1, poolKeys, k, EVPOOL_SIZE - k - 1);
        System.arraycopy(poolIdle, k + 1, poolIdle, k, EVPOOL_SIZE - k - 1);
        System.arraycopy(poolDb, k + 1, poolDb, k, EVPOOL_SIZE - k - 1);
        poolKeys[EVPOOL_SIZE - 1] = null;
    }

    /**
     * evictionPoolPopulate: samples keys of sampleDict and inserts each into the pool,
     * sorted by ascending score (idle time, 255 - LFU counter, or time to expire inverted).
     */
    private void populatePool(MaxmemoryPolicy policy, Database db, Dict sampleDict) {
        int want = (int) Math.min(engine.config.maxmemorySamples.value(), 1 << 16);
        if (samples.length < want) samples = new Dict.Entry[want];
        int count = sampleDict.sample(engine.random, samples, want);
        boolean fromExpires = sampleDict == db.expires();
        for (int j = 0; j < count; j++) {
            Dict.Entry sampled = samples[j];
            samples[j] = null;
            byte[] key = sampled.key();
            long idle;
            if (policy == MaxmemoryPolicy.VOLATILE_TTL) {
                idle = Long.MAX_VALUE - (Long) sampled.value();
            } else {
                Dict.Entry e = fromExpires ? db.dict().find(key) : sampled;
                if (e == null) continue;
                idle = policy.isLfu() ? 255 - frequency(e) : idleMillis(e);
            }
            insertIntoPool(key, idle, db.id);
        }
    }

    private void insertIntoPool(byte[] key, long idle, int dbid) {
        int k = 0;
        while (k < EVPOOL_SIZE && poolKeys[k] != null && poolIdle[k] < idle) k++;
        if (k == 0 && poolKeys[EVPOOL_SIZE - 1] != null) return; // worse than everything in a full pool
        if (k < EVPOOL_SIZE && poolKeys[k] == null) {
            // Free slot: insert here.
        } else if (poolKeys[EVPOOL_SIZE - 1] == null) {
            // Room at the end: shift right to make a hole at k.
            System.arraycopy(poolKeys, k, poolKeys, k + 1, EVPOOL_SIZE - k - 1);
            System.arraycopy(poolIdle, k, poolIdle, k + 1, EVPOOL_SIZE - k - 1);
            System.arraycopy(poolDb, k, poolDb, k + 1, EVPOOL_SIZE - k - 1);
        } else {
            // Full: drop the worst candidate (index 0) and insert at k-1.
            k--;
            System.arraycopy(poolKeys, 1, poolKeys, 0, k);
            System.arraycopy(poolIdle, 1, poolIdle, 0, k);
            System.arraycopy(poolDb, 1, poolDb, 0, k);
        }
        poolKeys[k] = key;
        poolIdle[k] = idle;
        poolDb[k] = dbid;
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
        return idleMillis(e.lru);
    }

    /** estimateObjectIdleTime of an entry's lru field (RDB's IDLE opcode is this in seconds). */
    public long idleMillis(int lru) {
        int now = lruClock();
        if (now >= lru) return (long) (now - lru) * LRU_CLOCK_RESOLUTION;
        return (long) (now + (LRU_CLOCK_MAX - lru)) * LRU_CLOCK_RESOLUTION;
    }

    /** The logarithmic access counter after decay (OBJECT FREQ). */
    public int frequency(Dict.Entry e) {
        return lfuDecrAndReturn(e.lru);
    }

    /** LFUDecrAndReturn of an entry's lru field (RDB's FREQ opcode). */
    public int frequency(int lru) {
        return lfuDecrAndReturn(lru);
    }

    /**
     * objectSetLRUOrLFU: gives a restored key the access history it was saved with (RESTORE
     * IDLETIME/FREQ, RDB's IDLE/FREQ opcodes); -1 means not given. Under an LFU policy only
     * the frequency counts, under any other only the idle time, as in Redis.
     */
    public void restoreAccessHistory(Dict.Entry e, long lfuFreq, long lruIdleSeconds) {
        if (lfu()) {
            if (lfuFreq >= 0) e.lru = (lfuTimeInMinutes() << 8) | (int) Math.min(lfuFreq, 255);
        } else if (lruIdleSeconds >= 0) {
            long abs = lruClock() - lruIdleSeconds * 1000 / LRU_CLOCK_RESOLUTION;
            // The clock wraps: an idle time reaching back past 0 lands near LRU_CLOCK_MAX
            // (Redis adds LRU_CLOCK_MAX, then its 24-bit field keeps the low bits).
            if (abs < 0) abs += LRU_CLOCK_MAX;
            e.lru = (int) (abs & LRU_CLOCK_MAX);
        }
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
