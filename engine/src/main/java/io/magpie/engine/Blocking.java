package io.magpie.engine;

import io.magpie.engine.keyspace.Database;
import io.magpie.engine.util.ByteKey;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Clients blocked on keys (blocked.c): BLPOP, BLMOVE, BZPOPMIN and friends. A command that
 * finds nothing to pop registers a {@link Waiter} on its keys; writes that may feed a
 * waiter signal the key as ready; after each command the engine serves ready keys to their
 * waiters in arrival order. Timeouts are checked from the engine's cron and before
 * serving.
 */
public final class Blocking {
    /** What a blocked command does when one of its keys may be served, or when it times out. */
    public interface Waiter {
        /**
         * The key may hold data for this client: try to serve it (write the reply, propagate
         * the non-blocking form). Return true if served; the client is then unblocked.
         */
        boolean tryServe(Client c, Database db, byte[] key);

        /** The timeout elapsed: write the timeout reply (usually a null array). */
        void timeout(Client c);

        /**
         * Whether a waiter that could not be served means none after it can be (a pop found
         * the key empty). Stream reads consume nothing, so each waiter is tried.
         */
        default boolean stopOnUnserved() {
            return true;
        }
    }

    private record DbKey(int db, ByteKey key) {}

    private static final class State {
        final Database db;
        final List<DbKey> keys = new ArrayList<>();
        final long timeoutAt; // absolute ms, 0: forever
        final Waiter waiter;

        State(Database db, long timeoutAt, Waiter waiter) {
            this.db = db;
            this.timeoutAt = timeoutAt;
            this.waiter = waiter;
        }
    }

    private final Engine engine;
    private final Map<DbKey, ArrayDeque<Client>> waiting = new HashMap<>();
    private final Set<DbKey> ready = new LinkedHashSet<>();
    private final Set<Client> blocked = new LinkedHashSet<>();

    Blocking(Engine engine) {
        this.engine = engine;
    }

    /**
     * May a blocking command block this client now? Not while EXEC runs its queue (the
     * transaction must complete atomically): the command then answers as on a timeout.
     * Scripts will deny blocking the same way.
     */
    public static boolean mayBlock(Client c) {
        if (c.denyBlocking) {
            c.blockDenied = true;
            return false;
        }
        return !c.inExec;
    }

    /**
     * A mode that serves blocked clients its own way: a Raft leader serves a pop through its
     * log (the pop is an entry every member applies), not by popping here.
     */
    public interface Gate {
        /** A key of c's may serve it: true when the mode takes it (the waiter is not tried). */
        boolean serveElsewhere(Client c);

        /** c's deadline passed or CLIENT UNBLOCK names it: true to keep it blocked (its serving is under way). */
        boolean holdTimeout(Client c);
    }

    private Gate gate;

    public void setGate(Gate g) {
        this.gate = g;
    }

    /** Number of clients blocked on keys (INFO blocked_clients). */
    public int blockedClients() {
        return blocked.size();
    }

    public int keysWithWaiters() {
        return waiting.size();
    }

    /** Blocks c on keys of db until served or until timeoutAtMs (0 waits forever). */
    public void block(Client c, Database db, byte[][] keys, long timeoutAtMs, Waiter waiter) {
        State s = new State(db, timeoutAtMs, waiter);
        for (byte[] k : keys) {
            DbKey dk = new DbKey(db.id, new ByteKey(k));
            if (s.keys.contains(dk)) continue;
            s.keys.add(dk);
            waiting.computeIfAbsent(dk, x -> new ArrayDeque<>()).add(c);
        }
        c.blockingState = s;
        c.blocked = true;
        blocked.add(c);
    }

    /** Removes c from every wait queue; it may process further commands. */
    public void unblock(Client c) {
        if (!(c.blockingState instanceof State s)) return;
        for (DbKey dk : s.keys) {
            ArrayDeque<Client> q = waiting.get(dk);
            if (q == null) continue;
            q.remove(c);
            if (q.isEmpty()) waiting.remove(dk);
        }
        c.blockingState = null;
        c.blocked = false;
        blocked.remove(c);
        if (c.conn != null) {
            c.requestFlush();
            engine.clientUnblocked(c);
        }
    }

    /** CLIENT UNBLOCK: time the client out now (TIMEOUT) or fail it with an error. */
    public boolean unblockByRequest(Client c, boolean withError) {
        if (!(c.blockingState instanceof State s)) return false;
        if (gate != null && gate.holdTimeout(c)) return false;
        if (withError) c.addReplyError("UNBLOCKED client unblocked via CLIENT UNBLOCK");
        else s.waiter.timeout(c);
        unblock(c);
        return true;
    }

    /** A write may have made key servable (Redis's signalKeyAsReady). */
    public void signalKeyAsReady(Database db, byte[] key) {
        if (waiting.isEmpty()) return;
        DbKey dk = new DbKey(db.id, new ByteKey(key));
        if (waiting.containsKey(dk)) ready.add(dk);
    }

    public boolean hasReadyKeys() {
        return !ready.isEmpty();
    }

    /**
     * Serves waiters of ready keys (handleClientsBlockedOnKeys). Serving can make other keys
     * ready (BLMOVE pushes), so this loops until no key is ready.
     */
    public void handleClientsBlockedOnKeys() {
        // Each served client's write is its own unit on the stream (as Redis propagates the
        // pusher's command and then each pop separately, not wrapped in MULTI/EXEC).
        engine.writes.flush();
        while (!ready.isEmpty()) {
            List<DbKey> batch = new ArrayList<>(ready);
            ready.clear();
            for (DbKey dk : batch) {
                ArrayDeque<Client> q = waiting.get(dk);
                if (q == null) continue;
                Database db = engine.db(dk.db());
                for (Client c : new ArrayList<>(q)) {
                    if (!(c.blockingState instanceof State s)) continue;
                    if (s.timeoutAt != 0 && s.timeoutAt < engine.now()) continue; // cron times it out
                    if (gate != null && gate.serveElsewhere(c)) continue;
                    long start = engine.clock().nanos();
                    boolean served = engine.runAsCurrent(c, () -> s.waiter.tryServe(c, db, dk.key().bytes));
                    engine.writes.flush();
                    // latency-tracking, as Redis 7.0: a served call counts its serving, not its wait (a timeout nothing).
                    if (served && c.lastCmd != null && engine.config.latencyTracking.value()) {
                        c.lastCmd.recordLatency((engine.clock().nanos() - start) / 1000 * 1000);
                    }
                    if (served) unblock(c);
                    else if (s.waiter.stopOnUnserved()) break; // nothing left to serve on this key
                }
            }
        }
    }

    /** Times out clients whose deadline passed (called from the engine's cron). */
    public void handleTimeouts(long now) {
        if (blocked.isEmpty()) return;
        for (Iterator<Client> it = new ArrayList<>(blocked).iterator(); it.hasNext(); ) {
            Client c = it.next();
            if (c.blockingState instanceof State s && s.timeoutAt != 0 && s.timeoutAt <= now && (gate == null || !gate.holdTimeout(c))) {
                s.waiter.timeout(c);
                unblock(c);
            }
        }
    }

    /** Earliest pending timeout, or 0 (lets the server sleep exactly as long as needed). */
    public long nextTimeout() {
        long next = 0;
        for (Client c : blocked) {
            if (c.blockingState instanceof State s && s.timeoutAt != 0 && (next == 0 || s.timeoutAt < next)) next = s.timeoutAt;
        }
        return next;
    }

    /** A client disconnected while blocked. */
    public void removeClient(Client c) {
        if (c.blocked) {
            c.conn = null;
            unblock(c);
        }
    }

    /** SWAPDB and FLUSH* may feed or starve waiters: re-check every key of the affected dbs. */
    public void signalAllKeysOf(Database db) {
        for (DbKey dk : waiting.keySet()) if (dk.db() == db.id) ready.add(dk);
    }
}
