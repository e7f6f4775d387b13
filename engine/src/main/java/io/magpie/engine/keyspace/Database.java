package io.magpie.engine.keyspace;

import io.magpie.engine.Client;
import io.magpie.engine.Engine;
import io.magpie.engine.Notifications;
import java.util.ArrayList;
import java.util.List;

/**
 * One of the 16 numbered databases (Redis's redisDb): the key dictionary, the expires
 * dictionary, and the lookup/write primitives of db.c with their side effects — lazy
 * expiry, LRU/LFU touch, hit/miss stats, WATCH invalidation.
 */
public final class Database {
    public final int id;
    private final Engine engine;
    Dict dict = new Dict();
    Dict expires = new Dict();
    /** Keys WATCHed by clients: key -> List<Client>. */
    final Dict watched = new Dict();
    /** Where the active expire cycle resumes scanning this db's expires. */
    public long expiresCursor;
    public long avgTtl;
    /** The running snapshot's share of this db, or null (the common case: one branch per write). */
    KeyspaceSnapshot.Part snapshotPart;
    /** Keys by hash slot, kept only in cluster/raft modes (see enableSlotIndex); null otherwise. */
    SlotIndex slots;

    public Database(Engine engine, int id) {
        this.engine = engine;
        this.id = id;
    }

    public Dict dict() {
        return dict;
    }

    public Dict expires() {
        return expires;
    }

    public int size() {
        return dict.size();
    }

    /** Starts keeping the per-slot key index (cluster and raft modes), indexing the keys already here. */
    public void enableSlotIndex() {
        if (slots != null) return;
        SlotIndex index = new SlotIndex();
        dict.forEach(e -> index.add(e.key()));
        slots = index;
    }

    /** The per-slot key index, or null when this node does not keep one. */
    public SlotIndex slotIndex() {
        return slots;
    }

    /* ---------------- lookups ---------------- */

    /** Lookup for a read command: lazily expires, updates LRU/LFU and hit/miss stats (lookupKeyRead). */
    public Object lookupRead(byte[] key) {
        return lookup(key, true, true);
    }

    /**
     * Lookup for a write command: lazily expires and touches, no stats (lookupKeyWrite).
     * Code that edits a value in place must have obtained it here (or through rawEntry), so
     * that a running snapshot copies the key's bucket before the edit.
     */
    public Object lookupWrite(byte[] key) {
        beforeWrite(key);
        return lookup(key, false, true);
    }

    /** Lookup that does not touch the key's access time (OBJECT, TYPE-like introspection, NOTOUCH). */
    public Object lookupNoTouch(byte[] key) {
        return lookup(key, false, false);
    }

    private Object lookup(byte[] key, boolean countStats, boolean touch) {
        Dict.Entry e = dict.find(key);
        if (e != null && expireIfNeeded(key)) e = null;
        if (e == null) {
            if (countStats) {
                engine.stats.keyspaceMisses++;
                engine.notifyKeyspaceEvent(Notifications.KEY_MISS, "keymiss", key, id);
            }
            return null;
        }
        if (touch && !engine.noTouch()) engine.eviction().touch(e);
        engine.memory().accessed(e.value);
        if (countStats) engine.stats.keyspaceHits++;
        return e.value;
    }

    /** The raw entry, without expiry or side effects (for OBJECT FREQ/IDLETIME). */
    public Dict.Entry entry(byte[] key) {
        return dict.find(key);
    }

    /* ---------------- writes ---------------- */

    /**
     * Copy-on-write hook of a running snapshot: serializes key's bucket before it changes.
     * Public for commands that look a key up as a read (for Redis's stats) and then edit the
     * value in place (XACK, XREADGROUP, XCLAIM).
     */
    public void beforeWrite(byte[] key) {
        if (snapshotPart != null) snapshotPart.beforeWrite(key);
    }

    /** Adds a key that must not exist (dbAdd). Signals blocked clients waiting on the key. */
    public void add(byte[] key, Object value) {
        beforeWrite(key);
        Dict.Entry e = dict.addNew(key, value);
        if (slots != null) slots.add(key);
        engine.eviction().initEntry(e);
        engine.memory().keyAdded(key, value);
        engine.signalKeyAsReady(this, key, value);
        engine.notifyKeyspaceEvent(Notifications.NEW, "new", key, id);
    }

    /** Replaces the value of an existing key, keeping its TTL (dbOverwrite). */
    public void overwrite(byte[] key, Object value) {
        beforeWrite(key);
        Dict.Entry e = dict.find(key);
        Object old = e.value;
        e.value = value;
        engine.memory().valueReplaced(old, value);
        signalIfStream(key, old);
    }

    /** A stream replaced or deleted: clients blocked in XREADGROUP on it must be told (Redis 7.0). */
    private void signalIfStream(byte[] key, Object old) {
        if (old instanceof io.magpie.engine.types.StreamValue) engine.signalKeyAsReady(this, key, old);
    }

    /**
     * High-level set (setKey): add or overwrite, drop the TTL unless keepTtl, and signal the
     * modification to WATCH.
     */
    public void setKey(Client c, byte[] key, Object value, boolean keepTtl) {
        beforeWrite(key);
        Dict.Entry e = dict.find(key);
        if (e == null) {
            add(key, value);
        } else {
            Object old = e.value;
            e.value = value;
            engine.memory().valueReplaced(old, value);
            engine.eviction().touch(e);
            signalIfStream(key, old);
        }
        if (!keepTtl && expires.remove(key) != null) engine.memory().expireRemoved();
        signalModifiedKey(key);
    }

    /** Deletes a key and its TTL; true if it existed (dbDelete). */
    public boolean delete(byte[] key) {
        beforeWrite(key);
        Dict.Entry e = dict.remove(key);
        if (e == null) return false;
        if (slots != null) slots.remove(e.key());
        engine.memory().keyRemoved(e.key(), e.value);
        if (expires.remove(key) != null) engine.memory().expireRemoved();
        signalIfStream(key, e.value);
        return true;
    }

    public boolean exists(byte[] key) {
        return lookupNoTouch(key) != null;
    }

    /* ---------------- expiry ---------------- */

    /** Sets the absolute expiry in ms (setExpire); the key must exist. */
    public void setExpire(byte[] key, long whenMs) {
        beforeWrite(key);
        Dict.Entry k = dict.find(key);
        // Share the key bytes between the two dictionaries, as Redis does.
        Dict.Entry e = expires.find(k.key);
        if (e != null) e.value = whenMs;
        else {
            expires.addNew(k.key, whenMs);
            engine.memory().expireAdded();
        }
    }

    /** Absolute expiry in ms, or -1 (getExpire). */
    public long getExpire(byte[] key) {
        if (expires.isEmpty()) return -1;
        Object v = expires.get(key);
        return v == null ? -1 : (Long) v;
    }

    public boolean removeExpire(byte[] key) {
        beforeWrite(key);
        if (expires.remove(key) == null) return false;
        engine.memory().expireRemoved();
        return true;
    }

    public boolean keyIsExpired(byte[] key) {
        long when = getExpire(key);
        if (when < 0) return false;
        if (engine.loading()) return false;
        return engine.now() > when;
    }

    /**
     * Redis's expireIfNeeded: true if the key is logically expired. A master deletes it
     * (propagating DEL); a replica keeps it until its master's DEL arrives but reports it
     * as gone, except to the master link itself.
     */
    public boolean expireIfNeeded(byte[] key) {
        if (!keyIsExpired(key)) return false;
        if (engine.isReplica()) {
            Client cur = engine.currentClient();
            return cur == null || !cur.master;
        }
        if (engine.writesPaused() || !engine.mayDeleteExpired()) return true;
        deleteExpiredKeyAndPropagate(key);
        return true;
    }

    public void deleteExpiredKeyAndPropagate(byte[] key) {
        delete(key);
        engine.stats.expiredKeys++;
        engine.notifyKeyspaceEvent(Notifications.EXPIRED, "expired", key, id);
        signalModifiedKey(key);
        engine.propagateDeletion(this, key, engine.lazyfreeLazyExpire());
    }

    /* ---------------- WATCH ---------------- */

    /**
     * A key was modified: every client WATCHing it fails its EXEC (touchWatchedKey). A
     * watcher that saw the key already expired is not disturbed by the deletion of that
     * expired key, which changes nothing logically.
     */
    public void signalModifiedKey(byte[] key) {
        engine.tracking.invalidateKey(key);
        if (watched.isEmpty()) return;
        @SuppressWarnings("unchecked")
        List<WatchedKey> watchers = (List<WatchedKey>) watched.get(key);
        if (watchers == null) return;
        for (WatchedKey wk : watchers.toArray(new WatchedKey[0])) {
            if (wk.expired) {
                if (!dict.containsKey(key)) wk.expired = false;
                continue;
            }
            markDirty(wk.client);
        }
    }

    /** The client's EXEC will fail; its watches are dropped as they can change nothing more. */
    private static void markDirty(Client c) {
        c.dirtyCas = true;
        c.engine.unwatchAll(c);
    }

    /** Adds a watcher of key in this db (the client's own list is the engine's business). */
    public void watch(WatchedKey wk) {
        @SuppressWarnings("unchecked")
        List<WatchedKey> watchers = (List<WatchedKey>) watched.get(wk.key);
        if (watchers == null) {
            watchers = new ArrayList<>(2);
            watched.put(wk.key, watchers);
        }
        watchers.add(wk);
    }

    public void unwatch(WatchedKey wk) {
        @SuppressWarnings("unchecked")
        List<WatchedKey> watchers = (List<WatchedKey>) watched.get(wk.key);
        if (watchers == null) return;
        watchers.remove(wk);
        if (watchers.isEmpty()) watched.remove(wk.key);
    }

    /**
     * This db is emptied (FLUSHDB, FLUSHALL) or its contents replaced by {@code other}'s
     * (SWAPDB): every watcher of a key that exists here, or in the db swapped in, fails its
     * EXEC (touchAllWatchedKeysInDb). Call it before the contents change.
     */
    public void touchAllWatchedKeys(Database other) {
        if (watched.isEmpty()) return;
        List<WatchedKey> dirty = new ArrayList<>();
        watched.forEach(e -> {
            boolean existsHere = dict.containsKey(e.key);
            boolean existsThere = other != null && other.dict.containsKey(e.key);
            if (!existsHere && !existsThere) return;
            @SuppressWarnings("unchecked")
            List<WatchedKey> watchers = (List<WatchedKey>) e.value;
            for (WatchedKey wk : watchers) {
                if (wk.expired) {
                    if (!existsThere) {
                        wk.expired = false; // the expired key is now really gone: no change
                        continue;
                    } else if (other.keyIsExpired(e.key)) {
                        continue; // replaced by a key that is expired too
                    }
                } else if (!existsHere && other.keyIsExpired(e.key)) {
                    wk.expired = true; // a missing key replaced by an expired one
                    continue;
                }
                dirty.add(wk);
            }
        });
        // Marking unwatches, which edits the index being iterated: do it afterwards.
        for (WatchedKey wk : dirty) markDirty(wk.client);
    }

    /* ---------------- whole-db operations ---------------- */

    /** Empties the db; returns the number of keys removed. */
    public long empty() {
        long removed = dict.size();
        engine.memory().dbEmptied(this);
        // Clients blocked in XREADGROUP on a stream that goes are told so (scanDatabaseForDeletedStreams).
        engine.blocking.signalAllKeysOf(this);
        // A running snapshot keeps the old dictionaries, which nothing touches from now on.
        if (snapshotPart != null) {
            snapshotPart.owner = null;
            snapshotPart = null;
        }
        dict = new Dict();
        expires = new Dict();
        if (slots != null) slots = new SlotIndex();
        expiresCursor = 0;
        avgTtl = 0;
        return removed;
    }

    /** SWAPDB: exchanges contents (not watchers) with another db. */
    public void swapWith(Database other) {
        Dict d = dict, x = expires;
        long cur = expiresCursor, ttl = avgTtl;
        SlotIndex s = slots;
        slots = other.slots;
        other.slots = s;
        KeyspaceSnapshot.Part part = snapshotPart;
        snapshotPart = other.snapshotPart;
        other.snapshotPart = part;
        if (snapshotPart != null) snapshotPart.owner = this;
        if (other.snapshotPart != null) other.snapshotPart.owner = other;
        dict = other.dict;
        expires = other.expires;
        expiresCursor = other.expiresCursor;
        avgTtl = other.avgTtl;
        other.dict = d;
        other.expires = x;
        other.expiresCursor = cur;
        other.avgTtl = ttl;
    }

    /** Moves the entry of key (value, TTL) into another db where it must not exist (MOVE, COPY helpers). */
    public Dict.Entry rawEntry(byte[] key) {
        beforeWrite(key);
        return dict.find(key);
    }
}
