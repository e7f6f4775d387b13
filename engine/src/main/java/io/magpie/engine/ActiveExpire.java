package io.magpie.engine;

import io.magpie.engine.keyspace.Database;
import io.magpie.engine.keyspace.Dict;
import java.util.ArrayList;
import java.util.List;

/**
 * The active expire cycle (expire.c activeExpireCycle): keys with a TTL that nobody reads
 * must still go away. Each run walks the expires dictionaries a bucket range at a time
 * from a saved cursor, deletes what expired, and repeats on a db while more than ~10% of
 * the sampled keys were stale — all within a time budget so the server never pauses long.
 */
final class ActiveExpire {
    static final int SLOW = 0, FAST = 1;
    private static final int KEYS_PER_LOOP = 20;
    private static final int ACCEPTABLE_STALE = 10;
    private static final int SLOW_TIME_PERC = 25;
    private static final int FAST_DURATION_US = 1000;

    private ActiveExpire() {}

    static void cycle(Engine engine, int type) {
        int effort = (int) engine.config.activeExpireEffort.value() - 1;
        int keysPerLoop = KEYS_PER_LOOP + KEYS_PER_LOOP / 4 * effort;
        int acceptableStale = ACCEPTABLE_STALE - effort;
        long hz = Math.max(1, engine.config.hz.value());
        long budgetMicros = type == FAST ? FAST_DURATION_US + FAST_DURATION_US / 4 * effort
                : (SLOW_TIME_PERC + 2L * effort) * 1_000_000 / hz / 100;
        long start = engine.clock().nanos();
        List<byte[]> expired = new ArrayList<>();
        for (int dbi = 0; dbi < engine.dbCount(); dbi++) {
            Database db = engine.db(dbi);
            int repeats = 0;
            while (true) {
                Dict expires = db.expires();
                if (expires.isEmpty()) break;
                long now = engine.now();
                int sampled = 0;
                expired.clear();
                long[] ttlSum = {0, 0};
                int maxBuckets = keysPerLoop * 20;
                long cursor = db.expiresCursor;
                int buckets = 0;
                int[] seen = {0};
                do {
                    cursor = expires.scan(cursor, e -> {
                        seen[0]++;
                        long when = (Long) e.value();
                        if (when < now) {
                            expired.add(e.key());
                        } else {
                            ttlSum[0] += when - now;
                            ttlSum[1]++;
                        }
                    });
                    buckets++;
                } while (cursor != 0 && seen[0] < keysPerLoop && buckets < maxBuckets);
                db.expiresCursor = cursor;
                sampled = seen[0];
                for (byte[] key : expired) {
                    if (db.keyIsExpired(key)) db.deleteExpiredKeyAndPropagate(key);
                }
                engine.stats.expiredStaleChecks += sampled;
                if (ttlSum[1] > 0) {
                    long avg = ttlSum[0] / ttlSum[1];
                    db.avgTtl = db.avgTtl == 0 ? avg : (db.avgTtl / 50) * 49 + avg / 50;
                }
                if ((engine.clock().nanos() - start) / 1000 > budgetMicros) return;
                // As Redis: an empty sample (a run of empty buckets) says nothing, so look further.
                if (sampled > 0 && expired.size() * 100 / sampled <= acceptableStale) break;
                if (++repeats > 1000) break;
            }
        }
    }
}
