package io.magpie.raft;

import io.magpie.engine.Engine;
import io.magpie.engine.keyspace.Database;
import io.magpie.engine.keyspace.Dict;
import java.util.ArrayList;
import java.util.List;

/**
 * The leader's active expiry: instead of deleting due keys itself, the leader proposes an
 * EXPIRE entry naming them, and every member expires them when it applies the entry, at the
 * entry's time (a key written again meanwhile is no longer due and stays).
 */
public final class RaftExpiry {
    private static final int KEYS_PER_ENTRY = 64;

    private RaftExpiry() {}

    /** An EXPIRE entry for keys of one db that are due now, or null when none is found. */
    static LogEntry collect(Engine engine) {
        return collect(engine, key -> true);
    }

    /** The same for the keys that keep accepts only (the keys of one shard's slots). */
    public static LogEntry collect(Engine engine, java.util.function.Predicate<byte[]> keep) {
        engine.updateCachedTime();
        long now = engine.now();
        for (int i = 0; i < engine.dbCount(); i++) {
            Database db = engine.db(i);
            Dict expires = db.expires();
            if (expires.isEmpty()) continue;
            List<byte[]> due = new ArrayList<>();
            long cursor = db.expiresCursor;
            int buckets = 0;
            do {
                cursor = expires.scan(cursor, e -> {
                    if ((Long) e.value() < now && due.size() < KEYS_PER_ENTRY && keep.test(e.key())) due.add(e.key());
                });
            } while (cursor != 0 && due.size() < KEYS_PER_ENTRY && ++buckets < 400);
            db.expiresCursor = cursor;
            if (!due.isEmpty()) return LogEntry.expire(i, now, due.toArray(new byte[0][]));
        }
        return null;
    }
}
