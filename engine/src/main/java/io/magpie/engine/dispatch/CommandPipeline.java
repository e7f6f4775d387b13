package io.magpie.engine.dispatch;

import io.magpie.engine.Blocking;
import io.magpie.engine.Client;
import io.magpie.engine.Engine;
import io.magpie.engine.Errors;
import io.magpie.engine.acl.Acl;
import io.magpie.commands.KeyExtraction;
import io.magpie.commands.KeyReferences;
import io.magpie.commands.RedisCommand;
import io.magpie.engine.keyspace.Database;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Dispatch: every command, from a client, a master link or the AOF, passes these stages in
 * the order of Redis's processCommand (server.c):
 *
 * <ol>
 *   <li>{@link #lookup}: the command, its subcommand and arity;</li>
 *   <li>{@link #checkAuth}: NOAUTH (ACL's NOPERM joins here), and no-multi commands in MULTI;</li>
 *   <li>{@link #checkTopology}: the {@link TopologyGuard} port (MOVED, ASK, CROSSSLOT, a leader redirect...);</li>
 *   <li>{@link #checkMemory} (OOM), {@link #checkDiskErrors} (MISCONF), {@link #checkGoodReplicas}
 *       (NOREPLICAS), {@link #checkReadOnlyReplica} (READONLY), then the RESP2 subscribed context
 *       and {@link #checkMasterLink} (MASTERDOWN);</li>
 *   <li>{@link #checkLoading} (LOADING) and {@link #checkBusy} (BUSY);</li>
 *   <li>{@link #queueMulti}: inside MULTI, the command is queued instead of run;</li>
 *   <li>{@link #writePath}: the {@link WritePath} port, for writes;</li>
 *   <li>{@link #call}: the engine runs the command;</li>
 *   <li>{@link #propagate}: the unit's writes go to the write stream, blocked clients are served.</li>
 * </ol>
 *
 * The subsystems supply the state the stages read: authentication is the engine's, the
 * replication stages read a {@link ReplicationState}, MISCONF a {@link DiskErrorState}, BUSY a
 * {@link BusyState}. A client that must be obeyed ({@link Client#obeyed}: the master link, the
 * AOF loader) passes the checks a replica or a loading server would otherwise refuse it.
 *
 * <p>Nothing here allocates for a command that runs; only a queued or refused one does.
 */
public final class CommandPipeline {
    private final Engine engine;
    private final RedisCommand execCommand;
    private TopologyGuard topology = TopologyGuard.STANDALONE;
    private WritePath writePath = WritePath.LOCAL;
    private ReadPath readPath = ReadPath.LOCAL;
    private ReplicationState replication = ReplicationState.MASTER;
    private DiskErrorState diskErrors = DiskErrorState.NONE;
    private BusyState busy = BusyState.NONE;
    /** The keys of the command being checked, reused from command to command. */
    private final KeyReferences keys = new KeyReferences();

    public CommandPipeline(Engine engine) {
        this.engine = engine;
        this.execCommand = engine.commands.lookup("exec".getBytes(StandardCharsets.US_ASCII));
    }

    public void setTopologyGuard(TopologyGuard g) {
        this.topology = g;
    }

    public void setWritePath(WritePath p) {
        this.writePath = p;
    }

    /**
     * A mode whose write path answers some writes after commands that follow them (Raft's
     * pipelined proposals) holds a client's next command here, before any stage could reply,
     * until the earlier replies are out; it runs {@link #process} again then.
     */
    private java.util.function.Predicate<Client> holdBack = c -> false;

    public void setHoldBack(java.util.function.Predicate<Client> h) {
        holdBack = h;
    }

    public void setReadPath(ReadPath p) {
        this.readPath = p;
    }

    public void setReplicationState(ReplicationState s) {
        this.replication = s;
    }

    public void setDiskErrorState(DiskErrorState s) {
        this.diskErrors = s;
    }

    public void setBusyState(BusyState s) {
        this.busy = s;
    }

    /**
     * Runs the command in c.argv/c.argc through every stage. The reply is in the client's
     * buffer when this returns, unless the command blocked or parked the client.
     */
    public void process(Client c) {
        RedisCommand cmd = processStages(c);
        // Redis's resetClient: ASKING is good for one command, or for the whole of a MULTI.
        if (c.asking && !c.multi && (cmd == null || !"asking".equals(cmd.fullName))) c.asking = false;
    }

    /** The stages; returns the command looked up (null when there was none). */
    private RedisCommand processStages(Client c) {
        // A command served while a script runs past its limit (BUSY or allow-busy) leaves the
        // script's time as it is and evicts nothing: the script still owns the keyspace.
        boolean yielding = busy.busyError() != null;
        if (!yielding) engine.updateCachedTime();
        c.lastInteraction = engine.now();
        if (!c.obeyed && holdBack.test(c)) return null;
        RedisCommand cmd = lookup(c);
        if (cmd == null) return null;
        String error = checkAuth(c, cmd);
        String refusal = error == null ? checkTopology(c, cmd) : null;
        if (refusal != null && topology.hold(c, cmd, refusal)) return cmd;
        if (refusal != null) error = refusal;
        if (refusal != null && cmd == execCommand) {
            // processCommand: a redirected EXEC discards the transaction and answers the
            // redirection itself (MOVED, CROSSSLOT...), not EXECABORT.
            engine.discardTransaction(c);
            cmd.rejectedCalls++;
            reject(c, null, error);
            return cmd;
        }
        if (error == null && !yielding) error = checkMemory(c, cmd);
        if (error == null) error = checkDiskErrors(c, cmd);
        if (error == null) error = checkGoodReplicas(c, cmd);
        if (error == null) error = checkReadOnlyReplica(c, cmd);
        if (error == null) error = checkSubscribedContext(c, cmd);
        if (error == null) error = checkMasterLink(c, cmd);
        if (error == null) error = checkLoading(c, cmd);
        if (error == null) error = checkBusy(c, cmd);
        if (error != null) {
            reject(c, cmd, error);
            return cmd;
        }
        if (queueMulti(c, cmd)) return cmd;
        if (!c.obeyed && engine.isWriteCommand(c, cmd)) writePath(c);
        else if (c.obeyed || !readPath.defer(c, cmd, this)) call(c);
        propagate();
        return cmd;
    }

    /* ---------------- lookup and arity ---------------- */

    /** The command (or subcommand) named by argv, set as c.cmd; null after replying with the error. */
    RedisCommand lookup(Client c) {
        RedisCommand cmd = engine.commands.lookup(c.argv[0]);
        if (cmd == null) {
            reject(c, null, unknownCommandError(c));
            return null;
        }
        // A container runs its own handler only when called bare (COMMAND); otherwise argv[1] names the subcommand.
        if (cmd.hasSubcommands() && (cmd.handler() == null || c.argc > 1)) {
            if (c.argc == 1) {
                reject(c, cmd, Errors.wrongArgs(cmd.fullName));
                return null;
            }
            RedisCommand sub = cmd.subcommand(c.argv[1]);
            if (sub == null) {
                reject(c, cmd, Errors.unknownSubcommand(new String(c.argv[1], StandardCharsets.UTF_8), cmd.fullName));
                return null;
            }
            cmd = sub;
        }
        c.cmd = cmd;
        if (!cmd.arityOk(c.argc)) {
            reject(c, cmd, Errors.wrongArgs(cmd.fullName));
            return null;
        }
        return cmd;
    }

    private static String unknownCommandError(Client c) {
        StringBuilder args = new StringBuilder();
        for (int i = 1; i < c.argc && args.length() < 128; i++) {
            String a = new String(c.argv[i], StandardCharsets.UTF_8);
            args.append('\'').append(a, 0, Math.min(a.length(), 128 - args.length())).append("' ");
        }
        return "ERR unknown command '" + Errors.truncate(new String(c.argv[0], StandardCharsets.UTF_8))
                + "', with args beginning with: " + args;
    }

    /* ---------------- NOAUTH and ACL ---------------- */

    /**
     * NOAUTH for an unauthenticated client; then, as Redis, a no-multi command inside MULTI;
     * then ACL's NOPERM for the command, its keys and channels. A user allowed everything (the
     * default user out of the box) costs one flag test.
     */
    String checkAuth(Client c, RedisCommand cmd) {
        if (!c.authenticated && !c.obeyed && engine.authRequired() && !cmd.noAuth) return Errors.NOAUTH;
        if (c.multi && cmd.noMulti) return "ERR Command not allowed inside a transaction";
        if (c.aclUser == null || c.aclUser.unrestricted || c.obeyed) return null;
        return engine.acl.checkClient(c, cmd, c.argv, c.argc, c.multi ? Acl.CTX_MULTI : Acl.CTX_TOPLEVEL, engine.now());
    }

    /* ---------------- topology ---------------- */

    /**
     * The topology port, asked for commands that can have keys (and EXEC), never for an
     * obeyed client; the keys are extracted only when a mode plugged a guard in.
     */
    String checkTopology(Client c, RedisCommand cmd) {
        if (topology == TopologyGuard.STANDALONE || c.obeyed) return null;
        if (cmd != execCommand && !KeyExtraction.hasKeys(cmd) && !isShardChannelCommand(cmd)) return null;
        KeyExtraction.getKeys(cmd, c.argv, 0, c.argc, keys);
        return topology.check(c, cmd, keys);
    }

    /** SPUBLISH, SSUBSCRIBE, SUNSUBSCRIBE: their channels are no keys, but a guard routes them by slot too. */
    private static boolean isShardChannelCommand(RedisCommand cmd) {
        return cmd.pubsub && (cmd.fullName.equals("spublish") || cmd.fullName.equals("ssubscribe") || cmd.fullName.equals("sunsubscribe"));
    }

    /** The slot of the keys checkScriptTopology last passed; -1 when none or standalone. */
    private int scriptKeysSlot = -1;

    /**
     * scriptVerifyClusterState: may a script's command touch its keys here? Asked with the
     * caller's READONLY and ASKING; null, or the script's error for what the guard refused.
     */
    public String checkScriptTopology(Client caller, Client lua, RedisCommand cmd, byte[][] argv) {
        scriptKeysSlot = -1;
        if (topology == TopologyGuard.STANDALONE) return null;
        if (cmd.write && !KeyExtraction.hasKeys(cmd)) return topology.checkKeylessScriptWrite(cmd);
        if (caller.obeyed || !KeyExtraction.hasKeys(cmd)) return null;
        lua.readonlyMode = caller.readonlyMode;
        lua.asking = caller.asking;
        lua.argv = argv;
        lua.argc = argv.length;
        KeyExtraction.getKeys(cmd, argv, 0, argv.length, keys);
        String error = topology.check(lua, cmd, keys);
        if (error != null) {
            if (error.startsWith("CLUSTERDOWN The cluster is down and only accepts read commands")) {
                return "ERR Script attempted to execute a write command while the cluster is down and readonly";
            }
            if (error.startsWith("CLUSTERDOWN The cluster is down")) {
                return "ERR Script attempted to execute a command while the cluster is down";
            }
            return "ERR Script attempted to access a non local key in a cluster node";
        }
        if (keys.count() > 0) scriptKeysSlot = TopologyGuard.slot(lua, keys, 0);
        return null;
    }

    public int scriptKeysSlot() {
        return scriptKeysSlot;
    }

    /** The slot of the keys a command declares (EVAL's, FCALL's), or -1 when it has none. */
    public int declaredKeysSlot(Client c) {
        if (c.cmd == null || c.argv == null || !KeyExtraction.hasKeys(c.cmd)) return -1;
        KeyReferences declared = new KeyReferences();
        KeyExtraction.getKeys(c.cmd, c.argv, 0, c.argc, declared);
        return declared.count() == 0 ? -1 : TopologyGuard.slot(c, declared, 0);
    }

    /* ---------------- OOM, MISCONF, NOREPLICAS, READONLY ---------------- */

    /** OOM: evicts if over maxmemory; refuses a denyoom command (any command queued in MULTI) if that failed. */
    String checkMemory(Client c, RedisCommand cmd) {
        return engine.eviction().beforeCommand(c, cmd);
    }

    /** MISCONF: the last background save or AOF write failed; writes and PING are refused. */
    String checkDiskErrors(Client c, RedisCommand cmd) {
        if (c.obeyed) return null;
        String err = diskErrors.writesDeniedError();
        if (err == null) return null;
        return engine.isWriteCommand(c, cmd) || cmd.name.equals("ping") ? err : null;
    }

    /** NOREPLICAS: a master with min-replicas-to-write set and too few good replicas. */
    String checkGoodReplicas(Client c, RedisCommand cmd) {
        if (!engine.isWriteCommand(c, cmd) || replication.enoughGoodReplicas()) return null;
        return "NOREPLICAS Not enough good replicas to write.";
    }

    /** READONLY: a read-only replica refuses writes from everyone but its master. */
    String checkReadOnlyReplica(Client c, RedisCommand cmd) {
        if (c.obeyed || !replication.isReplica() || !replication.replicaReadOnly() || !engine.isWriteCommand(c, cmd)) return null;
        return "READONLY You can't write against a read only replica.";
    }

    private static final String[] PUBSUB_ALLOWED = {"ping", "subscribe", "ssubscribe", "unsubscribe", "sunsubscribe", "psubscribe", "punsubscribe", "quit", "reset"};

    /** A RESP2 client in subscribed context may only (un)subscribe, PING, QUIT and RESET. */
    String checkSubscribedContext(Client c, RedisCommand cmd) {
        if (c.resp() != 2 || !c.isSubscribed() || isOneOf(cmd, PUBSUB_ALLOWED)) return null;
        return "ERR Can't execute '" + cmd.fullName + "': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context";
    }

    /** MASTERDOWN: a replica whose link is down with replica-serve-stale-data no serves only stale-flagged commands. */
    String checkMasterLink(Client c, RedisCommand cmd) {
        if (c.obeyed || !replication.isReplica() || replication.masterLinkUp() || replication.serveStaleData()) return null;
        if (!isDenyStaleCommand(c, cmd)) return null;
        return "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.";
    }

    /* ---------------- LOADING and BUSY ---------------- */

    /** LOADING: while a dataset loads, only loading-flagged commands run. */
    String checkLoading(Client c, RedisCommand cmd) {
        if (!engine.loading() || c.obeyed || !isDenyLoadingCommand(c, cmd)) return null;
        return Errors.LOADING;
    }

    /** BUSY: while a script runs past its time limit, only allow-busy commands run. */
    String checkBusy(Client c, RedisCommand cmd) {
        if (cmd.allowBusy) return null;
        return busy.busyError();
    }

    /* ---------------- MULTI queueing ---------------- */

    private static final String[] MULTI_CONTROL = {"exec", "discard", "multi", "watch", "quit", "reset"};

    /** Inside MULTI, every command but the transaction's own is queued for EXEC; true if queued. */
    boolean queueMulti(Client c, RedisCommand cmd) {
        if (!c.multi || isOneOf(cmd.parent == null ? cmd : cmd.parent, MULTI_CONTROL)) return false;
        c.multiQueue.add(Arrays.copyOf(c.argv, c.argc));
        c.multiCommands.add(cmd);
        c.addReplyStatus("QUEUED");
        return true;
    }

    /* ---------------- write path, call, propagate ---------------- */

    /** Hands a write to the write path (LOCAL: call it now). */
    void writePath(Client c) {
        writePath.execute(c, this);
    }

    /** Runs c.cmd (Redis's call): the engine executes, measures and records the write. */
    public void call(Client c) {
        engine.call(c);
    }

    /** End of the unit: its writes go out on the write stream; clients blocked on keys it readied are served. */
    public void propagate() {
        engine.afterCommand();
    }

    /**
     * Parks c until its write applies: the client reads no further command meanwhile, as a
     * client blocked in WAIT. The write path must reply and {@link #unpark} it.
     */
    public void park(Client c) {
        engine.blocking.block(c, c.db, NO_KEYS, 0, PARKED);
    }

    /** Resumes a parked client once the write path has written its reply. */
    public void unpark(Client c) {
        engine.blocking.unblock(c);
    }

    /**
     * Resumes a parked client by processing its command again from the first stage (held by
     * a guard, or a write that never applied): it is served, refused, or parked again.
     */
    public void processAgain(Client c) {
        unpark(c);
        process(c);
        c.requestFlush();
    }

    private static final byte[][] NO_KEYS = new byte[0][];

    /** A parked client is served by its write path, never by a key or a timeout. */
    private static final Blocking.Waiter PARKED = new Blocking.Waiter() {
        @Override public boolean tryServe(Client c, Database db, byte[] key) {
            return false;
        }

        @Override public void timeout(Client c) {
            // parked clients have no timeout; CLIENT UNBLOCK cannot cut a write short either
        }
    };

    /* ---------------- refusing ---------------- */

    /** Counts and replies with the error (rejectCommand); inside MULTI it dooms the EXEC, and a refused EXEC aborts. */
    void reject(Client c, RedisCommand cmd, String error) {
        if (cmd != null) cmd.rejectedCalls++;
        if (c.multi) c.dirtyExec = true;
        if (cmd != null && cmd == execCommand) {
            // A rejected EXEC still ends the transaction, naming why (execCommandAbort).
            // Redis's own text here has no "ERR " code; other codes (NOAUTH...) stay.
            engine.discardTransaction(c);
            error = "EXECABORT Transaction discarded because of: " + (error.startsWith("ERR ") ? error.substring(4) : error);
        }
        engine.stats.countError(error);
        c.writer().error(error);
    }

    /** processCommand's is_denystale_command: EXEC counts when a queued command is not stale-flagged. */
    private boolean isDenyStaleCommand(Client c, RedisCommand cmd) {
        if (!cmd.stale) return true;
        if (cmd != execCommand) return false;
        for (RedisCommand q : c.multiCommands) if (!q.stale) return true;
        return false;
    }

    /** processCommand's is_denyloading_command: EXEC counts when a queued command is not loading-flagged. */
    private boolean isDenyLoadingCommand(Client c, RedisCommand cmd) {
        if (!cmd.loading) return true;
        if (cmd != execCommand) return false;
        for (RedisCommand q : c.multiCommands) if (!q.loading) return true;
        return false;
    }

    private static boolean isOneOf(RedisCommand cmd, String[] names) {
        for (String n : names) if (cmd.fullName.equals(n)) return true;
        return false;
    }
}
