package io.magpie.engine;

import io.magpie.commands.CommandTable;
import io.magpie.engine.command.CommandHandler;
import io.magpie.commands.RedisCommand;
import io.magpie.engine.config.Config;
import io.magpie.engine.dispatch.CommandPipeline;
import io.magpie.engine.keyspace.Database;
import io.magpie.engine.keyspace.Dict;
import io.magpie.engine.keyspace.WatchedKey;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.BooleanSupplier;
import java.util.random.RandomGenerator;

/**
 * The engine: a deterministic state machine over the keyspace. It takes parsed commands
 * from clients, runs them (Redis's processCommand and call), writes replies into each
 * client's buffer and hands every write to the {@link WriteStream}. It owns no sockets,
 * files or threads; time and randomness come in through {@link Clock} and the random
 * generator. Everything here runs on the one thread that owns the keyspace.
 */
public final class Engine {
    public final Config registry;
    public final EngineConfig config;
    public final CommandTable<CommandHandler> commands;
    /** EXEC, looked up once: call() treats it apart. */
    private final RedisCommand execCommand;
    public final Stats stats = new Stats();
    public final WriteStream writes = new WriteStream();
    public final PubSub pubsub = new PubSub();
    public final Blocking blocking = new Blocking(this);
    public final SlowLog slowlog = new SlowLog(this);
    public final Tracking tracking = new Tracking(this);
    /** Reseeded by {@link #reseed} before each Raft log entry applies, so every replica draws the same. */
    public RandomGenerator random;
    private final Eviction eviction = new Eviction(this);
    private final MemoryAccounting memory = new MemoryAccounting(this);
    /** EVAL scripts and FUNCTION libraries (io.magpie.engine.scripting). */
    public final io.magpie.engine.scripting.Scripting scripting;
    private final Clock clock;
    private final CommandPipeline pipeline;
    private Database[] dbs;
    private final Map<Long, Client> clients = new LinkedHashMap<>();
    private final List<Client> monitors = new ArrayList<>();
    private final List<java.util.function.Consumer<Client>> unblockListeners = new ArrayList<>();

    private long now;
    /** The time commands run at instead of the clock's (a Raft entry's leader time); -1 for the clock. */
    private long pinnedTime = -1;
    private long nextClientId = 1;
    private Client currentClient;
    private int callDepth;
    /** Changes since the last save (Redis's server.dirty). */
    public long dirty;
    private boolean loading;
    private boolean replica;
    private boolean writesPaused;
    private boolean noTouch;
    /** DEBUG SET-ACTIVE-EXPIRE: tests turn the expire cycle off to observe lazy expiry alone. */
    public boolean activeExpireEnabled = true;
    private String requirePass;
    /** ACL users; the default user's password is requirepass. */
    public final io.magpie.engine.acl.Acl acl;

    public Engine(Config registry, Clock clock, long seed) {
        this.registry = registry;
        this.config = new EngineConfig(registry);
        this.clock = clock;
        this.random = new SplittableRandom(seed);
        this.commands = CommandTable.load();
        io.magpie.engine.commands.Commands.registerAll(commands);
        this.execCommand = commands.lookup("exec".getBytes(StandardCharsets.US_ASCII));
        this.acl = new io.magpie.engine.acl.Acl(new io.magpie.engine.acl.AclCommandIndex(commands));
        this.pipeline = new CommandPipeline(this);
        this.scripting = new io.magpie.engine.scripting.Scripting(this);
        pipeline.setBusyState(scripting::busyError); // BUSY while a script runs past busy-reply-threshold
        this.dbs = new Database[16];
        for (int i = 0; i < dbs.length; i++) dbs[i] = new Database(this, i);
        updateCachedTime();
    }

    /** Creates the databases once the config is loaded (databases is immutable afterwards). */
    public void start() {
        int n = (int) config.databases.value();
        if (n != dbs.length) {
            dbs = new Database[n];
            for (int i = 0; i < n; i++) dbs[i] = new Database(this, i);
        }
    }

    public Database db(int i) {
        return dbs[i];
    }

    public int dbCount() {
        return dbs.length;
    }

    /** Keeps a per-slot key index on every db from now on (cluster and raft modes, after start()). */
    public void enableSlotIndex() {
        for (Database db : dbs) db.enableSlotIndex();
    }

    /* ---------------- time ---------------- */

    /** Cached time in ms, taken once per command as Redis's server.mstime. */
    public long now() {
        return now;
    }

    public void updateCachedTime() {
        now = pinnedTime >= 0 ? pinnedTime : clock.millis();
    }

    /**
     * Runs the following commands at ms instead of the clock's time (-1: the clock again), as a
     * Raft replica applies a log entry at its leader's time so that every replica expires alike.
     */
    public void pinTime(long ms) {
        pinnedTime = ms;
        updateCachedTime();
    }

    /**
     * Raft mode: an expired key is deleted only while a log entry applies (at its pinned time),
     * so that every member deletes it at the same point of the log; a read outside the log sees
     * it as gone without deleting it.
     */
    public boolean expireOnlyWhilePinned;

    /** Whether lazy expiry may delete an expired key now (see {@link #expireOnlyWhilePinned}). */
    public boolean mayDeleteExpired() {
        return !expireOnlyWhilePinned || pinnedTime >= 0;
    }

    /** Restarts the random generator from seed (a Raft entry's seed: SPOP, SRANDMEMBER draw alike everywhere). */
    public void reseed(long seed) {
        random = new SplittableRandom(seed);
    }

    public Clock clock() {
        return clock;
    }

    /* ---------------- clients ---------------- */

    public long nextClientId() {
        return nextClientId++;
    }

    public void addClient(Client c) {
        clients.put(c.id, c);
        stats.numConnections++;
    }

    /** Forgets a disconnected client: subscriptions, watches, blocking, MONITOR. */
    public void removeClient(Client c) {
        clients.remove(c.id);
        pubsub.removeClient(c);
        unwatchAll(c);
        blocking.removeClient(c);
        monitors.remove(c);
        tracking.disable(c);
        if (currentClient == c) currentClient = null;
    }

    public Map<Long, Client> clients() {
        return clients;
    }

    public Client currentClient() {
        return currentClient;
    }

    /** A command is running (Redis's CLIENT_EXECUTING_COMMAND on the current client). */
    public boolean executingCommand() {
        return callDepth > 0;
    }

    /** Called when a blocked client is served or times out, so the server resumes its input. */
    public void onClientUnblocked(java.util.function.Consumer<Client> listener) {
        unblockListeners.add(listener);
    }

    void clientUnblocked(Client c) {
        for (var l : unblockListeners) l.accept(c);
    }

    private final List<Runnable> flushAllListeners = new ArrayList<>();

    /** Runs after FLUSHALL emptied the keyspace, before its reply (persistence saves the empty RDB then). */
    public void onFlushAll(Runnable listener) {
        flushAllListeners.add(listener);
    }

    public void flushedAll() {
        for (Runnable r : flushAllListeners) r.run();
    }

    public void addMonitor(Client c) {
        if (!monitors.contains(c)) monitors.add(c);
        c.monitor = true;
    }

    /* ---------------- state flags set by the server ---------------- */

    public boolean loading() {
        return loading;
    }

    public void setLoading(boolean loading) {
        this.loading = loading;
    }

    /** True on a replica: keys expire only through the master's DEL. */
    public boolean isReplica() {
        return replica;
    }

    public void setReplica(boolean replica) {
        this.replica = replica;
    }

    public boolean writesPaused() {
        return writesPaused;
    }

    public void setWritesPaused(boolean paused) {
        this.writesPaused = paused;
    }

    public boolean noTouch() {
        return noTouch;
    }

    public boolean authRequired() {
        return acl.authRequired();
    }

    public void setRequirePass(String pass) {
        this.requirePass = pass;
        acl.setDefaultPassword(pass);
    }

    public String requirePass() {
        return requirePass;
    }

    public Eviction eviction() {
        return eviction;
    }

    public MemoryAccounting memory() {
        return memory;
    }

    /** Used memory as maxmemory and INFO used_memory see it (see MemoryAccounting). */
    public long usedMemory() {
        return memory.usedMemory();
    }

    public boolean lazyfreeLazyExpire() {
        return config.lazyfreeLazyExpire.value();
    }

    /* ---------------- command execution ---------------- */

    /**
     * Runs the command in c.argv/c.argc through the dispatch pipeline (Redis's
     * processCommand; see {@link CommandPipeline} for its stages). The reply is in the
     * client's buffer when this returns, unless the command blocked the client.
     */
    public void processCommand(Client c) {
        pipeline.process(c);
    }

    /** Dispatch: its ordered stages and the ports modes plug into (topology, write path). */
    public CommandPipeline pipeline() {
        return pipeline;
    }

    /**
     * processCommand's is_write_command, for guards (READONLY replica, MISCONF...): EXEC
     * counts as a write when its queue holds one, so a refused EXEC aborts the transaction.
     */
    public boolean isWriteCommand(Client c, RedisCommand cmd) {
        if (cmd.write) return true;
        if (cmd != execCommand) return false;
        for (RedisCommand q : c.multiCommands) if (q.write) return true;
        return false;
    }

    /** processCommand's is_denyoom_command, for the maxmemory guard; EXEC as above. */
    public boolean isDenyOomCommand(Client c, RedisCommand cmd) {
        if (cmd.denyOom) return true;
        if (cmd != execCommand) return false;
        for (RedisCommand q : c.multiCommands) if (q.denyOom) return true;
        return false;
    }

    /** Leaves MULTI state: drops the queue, the dirty flags and every WATCH (discardTransaction). */
    public void discardTransaction(Client c) {
        c.multiQueue.clear();
        c.multiCommands.clear();
        c.multi = c.dirtyCas = c.dirtyExec = false;
        unwatchAll(c);
    }

    /**
     * Executes c.cmd (Redis's call): runs the handler, measures it for commandstats and the
     * slowlog, feeds MONITOR, and propagates the write if the keyspace changed.
     */
    public void call(Client c) {
        RedisCommand cmd = c.cmd;
        Client prev = currentClient;
        currentClient = c;
        callDepth++;
        long dirtyBefore = dirty;
        c.cmdFailed = false;
        c.propagateArgv = null;
        c.preventPropagation = false;
        c.originalArgv = null;
        boolean isExec = cmd == execCommand;
        if (callDepth == 1 && tracking.trackingClients() > 0) tracking.limitUsedSlots();
        long start = clock.nanos();
        try {
            ((CommandHandler) cmd.handler()).call(c);
        } catch (ReplyException e) {
            c.addReplyError(e.getMessage());
        } finally {
            long micros = (clock.nanos() - start) / 1000;
            callDepth--;
            currentClient = prev;
            cmd.calls++;
            cmd.microseconds += micros;
            if (c.cmdFailed) cmd.failedCalls++;
            // latency-tracking: Redis records microseconds too (as ns), and not for a call that blocked.
            if (!c.blocked && config.latencyTracking.value()) cmd.recordLatency(micros * 1000);
            stats.numCommands++;
            if (!c.blocked && !isExec) slowlog.maybeAdd(c, micros); // EXEC is skip_slowlog: its commands are logged
        }
        c.lastCmd = cmd;
        // Client side caching: remember what a tracking client read (not in BCAST mode).
        if (cmd.readonly && Tracking.isOn(c) && !c.tracking.bcast) tracking.rememberKeys(c, cmd);
        // MONITOR sees a command after it ran, as in Redis 7.0: in its new db after SELECT,
        // with the arguments it redacted, and EXEC after the commands it ran.
        if (!monitors.isEmpty() && !cmd.admin && !c.master) feedMonitors(c);
        c.originalArgv = null;
        // Nothing loaded from a file is propagated: it is in the file already (DEBUG LOADAOF).
        if (dirty != dirtyBefore && !c.preventPropagation && cmd.write && !loading) {
            writes.propagate(c.db.id, c.propagateArgv != null ? c.propagateArgv : java.util.Arrays.copyOf(c.argv, c.argc), c.propagateTargets);
        }
    }

    /**
     * End of an execution unit: deliver its writes, then serve clients blocked on keys it
     * made ready. As in Redis 7.0, each served client is a unit of its own (RPUSH, then
     * each waiter's LPOP, none wrapped together).
     */
    public void afterCommand() {
        if (callDepth > 0) return;
        writes.flush();
        // After the writes are propagated, so the reply goes before the invalidation.
        tracking.handlePendingKeyInvalidations();
        if (blocking.hasReadyKeys()) blocking.handleClientsBlockedOnKeys();
        writes.flush();
    }

    /** Runs work with c as the current client (serving a blocked client) as one unit; returns its result. */
    public boolean runAsCurrent(Client c, BooleanSupplier work) {
        Client prev = currentClient;
        currentClient = c;
        try {
            return work.getAsBoolean();
        } finally {
            currentClient = prev;
            if (callDepth == 0) writes.flush();
        }
    }

    private void feedMonitors(Client c) {
        StringBuilder sb = new StringBuilder();
        long micros = clock.millis() * 1000 + (clock.nanos() / 1000) % 1000;
        sb.append(micros / 1_000_000).append('.').append(String.format("%06d", micros % 1_000_000));
        sb.append(" [").append(c.db.id).append(' ');
        sb.append(c.conn == null ? (c.master ? "master" : "lua") : c.conn.remoteAddress()).append(']');
        for (byte[] a : c.argvForLogs()) sb.append(' ').append(reprQuoted(a));
        String line = sb.toString();
        for (Client m : monitors) {
            m.addReplyStatus(line);
            m.requestFlush();
        }
    }

    /** sdscatrepr: "quoted" with \n \r \t \a \b and \xHH escapes. */
    public static String reprQuoted(byte[] s) {
        return io.magpie.protocol.Repr.quoted(s);
    }

    /* ---------------- keyspace events and write hooks ---------------- */

    /** Publishes a keyspace notification if its class is enabled (notifyKeyspaceEvent). */
    public void notifyKeyspaceEvent(int type, String event, byte[] key, int dbid) {
        int flags = config.notifyKeyspaceEvents.flags();
        if ((flags & type) == 0 || !pubsub.hasSubscribers()) return;
        byte[] ev = event.getBytes(StandardCharsets.US_ASCII);
        if ((flags & Notifications.KEYSPACE) != 0) {
            pubsub.publish(Notifications.channel(Notifications.KEYSPACE_PREFIX, dbid, key), ev);
        }
        if ((flags & Notifications.KEYEVENT) != 0) {
            pubsub.publish(Notifications.channel(Notifications.KEYEVENT_PREFIX, dbid, ev), key);
        }
    }

    /** A key of a type that blocked clients wait for was created (dbAdd). */
    public void signalKeyAsReady(Database db, byte[] key, Object value) {
        blocking.signalKeyAsReady(db, key);
    }

    /** Propagates the deletion of an expired or evicted key as DEL (or UNLINK when lazy). */
    public void propagateDeletion(Database db, byte[] key, boolean lazy) {
        writes.propagate(db.id, new byte[][] {lazy ? UNLINK : DEL, key});
        if (callDepth == 0) writes.flush();
    }

    private static final byte[] DEL = "DEL".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] UNLINK = "UNLINK".getBytes(StandardCharsets.US_ASCII);

    /* ---------------- WATCH ---------------- */

    /** WATCH of one key in the client's db (watchForKey); a key already watched there is kept. */
    public void watch(Client c, byte[] key) {
        for (WatchedKey w : c.watchedKeys) {
            if (w.db == c.db && java.util.Arrays.equals(w.key, key)) return;
        }
        WatchedKey wk = new WatchedKey(c, c.db, key, c.db.keyIsExpired(key));
        c.watchedKeys.add(wk);
        c.db.watch(wk);
    }

    public void unwatchAll(Client c) {
        if (c.watchedKeys.isEmpty()) return;
        for (WatchedKey w : c.watchedKeys) w.db.unwatch(w);
        c.watchedKeys.clear();
    }

    /**
     * A WATCHed key that expired since WATCH counts as modified (isWatchedKeyExpired,
     * checked at EXEC); one that was already expired when watched does not.
     */
    public boolean anyWatchedKeyExpired(Client c) {
        for (WatchedKey w : c.watchedKeys) {
            if (!w.expired && w.db.keyIsExpired(w.key)) return true;
        }
        return false;
    }

    /* ---------------- cron ---------------- */

    /**
     * Periodic work, called hz times a second by the owner thread (serverCron's share of the
     * keyspace): blocked-client timeouts, active expiry within a time budget, and
     * incremental rehash/shrink of the dictionaries.
     */
    public void cron() {
        updateCachedTime();
        blocking.handleTimeouts(now);
        if (!replica && !loading && activeExpireEnabled) ActiveExpire.cycle(this, ActiveExpire.SLOW);
        memory.cron();
        eviction.cron();
        if (tracking.trackingClients() > 0) tracking.limitUsedSlots();
        tracking.broadcastInvalidationMessages();
        for (Database db : dbs) {
            db.dict().shrinkIfNeeded();
            db.expires().shrinkIfNeeded();
            if (db.dict().isRehashing()) db.dict().rehashMilliseconds(1_000_000, clock::nanos);
            if (db.expires().isRehashing()) db.expires().rehashMilliseconds(1_000_000, clock::nanos);
        }
        writes.flush();
    }

    /** Total keys with an expire in all dbs (for INFO keyspace). */
    public long totalKeys() {
        long n = 0;
        for (Database db : dbs) n += db.size();
        return n;
    }

    /** Runs a command from a fake client (AOF loading, tests): returns the client to read its reply. */
    public Client execute(Client c, byte[]... argv) {
        c.argv = argv;
        c.argc = argv.length;
        processCommand(c);
        return c;
    }

    public Dict.Entry sampleEntry(Dict d) {
        return d.randomEntry(random);
    }
}
