package io.magpie.raft;

import io.magpie.engine.Engine;
import io.magpie.engine.Eviction;
import io.magpie.engine.keyspace.Database;
import io.magpie.engine.util.ByteKey;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * maxmemory in a Raft group. Only the leader evicts, and not by deleting: the keys its
 * eviction policy chooses are proposed as one EVICT entry, and every member deletes them when
 * it applies the entry (as eviction does: evicted_keys, the "evicted" event), so the members'
 * keyspaces stay identical. A follower never evicts on its own, as a Redis replica. One batch
 * is in flight at a time; meanwhile commands run as while Redis's eviction is under way.
 */
final class RaftEviction implements Eviction.Evictor {
    private static final int KEYS_PER_ENTRY = 64;

    private final RaftModule module;
    private final Engine engine;
    private int db = -1;
    private final Set<ByteKey> batch = new LinkedHashSet<>();
    private boolean inFlight;

    RaftEviction(RaftModule module, Engine engine) {
        this.module = module;
        this.engine = engine;
    }

    @Override
    public boolean mayEvict() {
        RaftNode n = module.node();
        return !inFlight && n != null && n.isLeaderReady();
    }

    @Override
    public boolean evict(Database from, byte[] key, long bytes) {
        // An entry names the keys of one db; a key of another waits for the next batch.
        if (batch.size() >= KEYS_PER_ENTRY || (db != -1 && db != from.id)) return false;
        db = from.id;
        return batch.add(new ByteKey(key));
    }

    @Override
    public void chosen() {
        if (batch.isEmpty()) return;
        List<byte[]> keys = new ArrayList<>(batch.size());
        for (ByteKey k : batch) keys.add(k.bytes);
        LogEntry entry = LogEntry.evict(db, engine.now(), keys.toArray(new byte[0][]));
        batch.clear();
        db = -1;
        inFlight = true;
        module.node().propose(entry).whenComplete((r, t) -> module.mainLoopExecute(() -> inFlight = false));
    }

    /** Every member evicts the entry's keys that still exist. */
    static void apply(Engine engine, LogEntry e) {
        Database db = engine.db(e.db());
        for (byte[] key : e.commands().get(0)) {
            if (db.dict().find(key) != null) engine.eviction().evict(db, key);
        }
    }
}
