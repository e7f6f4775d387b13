package io.magpie.raft;

import io.magpie.engine.Engine;
import io.magpie.engine.Eviction;
import io.magpie.engine.keyspace.Database;
import io.magpie.engine.util.ByteKey;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.function.BooleanSupplier;
import java.util.function.Function;

/**
 * maxmemory in a Raft group. Only the leader evicts, and not by deleting: the keys its
 * eviction policy chooses are proposed as one EVICT entry, and every member deletes them when
 * it applies the entry (as eviction does: evicted_keys, the "evicted" event), so the members'
 * keyspaces stay identical. A follower never evicts on its own, as a Redis replica. One batch
 * is in flight at a time; meanwhile commands run as while Redis's eviction is under way. On a
 * sharded node, where one keyspace holds the keys of several groups, a key is evicted only
 * through its group's log, and only where this node leads that group; an entry names keys of
 * one group.
 */
public final class RaftEviction implements Eviction.Evictor {
    private static final int KEYS_PER_ENTRY = 64;

    private final Engine engine;
    /** The group a key's eviction goes through: one this member leads, ready; null when it may not evict the key. */
    private final Function<byte[], RaftDispatch.Target> leaderOf;
    /** This member leads some group, ready: it may choose keys. */
    private final BooleanSupplier leadsAny;
    private final Executor mainLoop;
    private int db = -1;
    private RaftDispatch.Target group;
    private final Set<ByteKey> batch = new LinkedHashSet<>();
    private boolean inFlight;

    public RaftEviction(Engine engine, Function<byte[], RaftDispatch.Target> leaderOf, BooleanSupplier leadsAny, Executor mainLoop) {
        this.engine = engine;
        this.leaderOf = leaderOf;
        this.leadsAny = leadsAny;
        this.mainLoop = mainLoop;
    }

    @Override
    public boolean mayEvict() {
        return !inFlight && leadsAny.getAsBoolean();
    }

    @Override
    public boolean evict(Database from, byte[] key, long bytes) {
        // An entry names the keys of one db and one group; a key of another waits for the next batch.
        if (batch.size() >= KEYS_PER_ENTRY || (db != -1 && db != from.id)) return false;
        RaftDispatch.Target owner = leaderOf.apply(key);
        if (owner == null || (group != null && owner != group)) return false;
        db = from.id;
        group = owner;
        return batch.add(new ByteKey(key));
    }

    @Override
    public void chosen() {
        if (batch.isEmpty()) return;
        List<byte[]> keys = new ArrayList<>(batch.size());
        for (ByteKey k : batch) keys.add(k.bytes);
        LogEntry entry = LogEntry.evict(db, engine.now(), keys.toArray(new byte[0][]));
        RaftDispatch.Target to = group;
        batch.clear();
        db = -1;
        group = null;
        inFlight = true;
        to.propose(entry).whenComplete((r, t) -> mainLoop.execute(() -> inFlight = false));
    }

    /** Every member evicts the entry's keys that still exist. */
    static void apply(Engine engine, LogEntry e) {
        Database db = engine.db(e.db());
        for (byte[] key : e.commands().get(0)) {
            if (db.dict().find(key) != null) engine.eviction().evict(db, key);
        }
    }
}
