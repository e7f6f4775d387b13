package io.magpie.raft;

import io.magpie.commands.KeyReferences;
import io.magpie.commands.RedisCommand;
import io.magpie.engine.Client;
import io.magpie.engine.Engine;
import io.magpie.engine.dispatch.CommandPipeline;
import io.magpie.engine.dispatch.TopologyGuard;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BiConsumer;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.exceptions.LeaderNotReadyException;
import org.apache.ratis.protocol.exceptions.LeaderSteppingDownException;
import org.apache.ratis.protocol.exceptions.NotLeaderException;

/**
 * The group's three dispatch ports. The topology guard sends a client of a follower to the
 * leader (MOVED with the leader's client address), or lets it through when the follower
 * forwards; with no leader it answers CLUSTERDOWN, during an election TRYAGAIN. The write path
 * proposes a write unit as one log entry and parks the client until the entry applies here.
 * The read path parks a keyspace read until a ReadIndex round (or the leader's lease) confirms
 * this leader has applied everything committed before the read arrived. Once routed, the
 * parked write path and the read path are static over a {@link Target}, shared with sharded
 * mode's data groups, and so are pipelined plain writes (proposed without parking, batched per
 * turn by the group's {@link WriteBatcher}, their replies ordered by the hold-back).
 */
public final class RaftDispatch {
    /** Not flagged write, but they write through the script they run: each is a write unit of its own. */
    private static final Set<String> SCRIPTS = Set.of("eval", "evalsha", "fcall");
    /**
     * Not flagged write, but they change the script cache, which every member must hold alike
     * (an EVALSHA after a leader change finds the script): they go through the log too.
     */
    private static final Set<String> SCRIPT_CACHE = Set.of("script|load", "script|flush");
    private static final String NOSCRIPT = "NOSCRIPT No matching script. Please use EVAL.";

    /**
     * A group a write or a keyed read goes to once routed: the one group of Raft mode, or the
     * data group owning the keys' slot in sharded mode (which shares these paths).
     */
    public interface Target {
        RaftApply apply();

        /** This member leads the group, its term's first entry committed. */
        boolean isLeaderReady();

        CompletableFuture<RaftClientReply> propose(LogEntry entry);

        CompletableFuture<RaftClientReply> confirmRead();

        long term();

        /** Where the group's pipelined writes wait for the next BATCH entry. */
        WriteBatcher batcher();
    }

    private final RaftModule module;
    private final Engine engine;
    private final RaftApply apply;
    private final WriteBatcher batcher;
    private final Target group = new Target() {
        @Override public RaftApply apply() {
            return apply;
        }

        @Override public CompletableFuture<RaftClientReply> propose(LogEntry entry) {
            return module.node().propose(entry);
        }

        @Override public CompletableFuture<RaftClientReply> confirmRead() {
            return module.node().confirmRead();
        }

        @Override public long term() {
            return module.node().term();
        }

        @Override public WriteBatcher batcher() {
            return batcher;
        }

        @Override public boolean isLeaderReady() {
            return module.node().isLeaderReady();
        }
    };

    RaftDispatch(RaftModule module, Engine engine, RaftApply apply) {
        this.module = module;
        this.engine = engine;
        this.apply = apply;
        this.batcher = new WriteBatcher(group, engine, module::mainLoopExecute);
    }

    /* ---------------- topology ---------------- */

    String check(Client c, RedisCommand cmd, KeyReferences keys) {
        if (staleReadAllowed(c, cmd)) return null;
        if (apply.hasInFlight(c)) return null; // the write path refuses it in its turn (holdBack let only a write through)
        String refusal = notServingHere();
        if (refusal == null) return null;
        if (refusal.isEmpty()) return null; // a forwarding follower: the paths forward it
        int slot = keys.count() > 0 ? TopologyGuard.slot(c, keys, 0) : 0;
        return refusal.startsWith("MOVED") ? "MOVED " + slot + refusal.substring("MOVED".length()) : refusal;
    }

    /** The one group, as the target of the shared paths. */
    Target group() {
        return group;
    }

    /** This member is the leader, ready to serve. */
    boolean leading() {
        return notServingHere() == null;
    }

    /**
     * Null when this member serves now (a ready leader); "" when it forwards to the leader;
     * "MOVED host:port" (the slot to be put in) for a follower; else the error.
     */
    private String notServingHere() {
        RaftNode n = module.node();
        if (n == null) return "CLUSTERDOWN No raft leader";
        if (n.isLeader()) return n.isLeaderReady() ? null : "TRYAGAIN Raft leader is not ready yet";
        String leader = n.leaderId();
        if (leader == null) return "candidate".equals(n.role()) ? "TRYAGAIN Raft election in progress" : "CLUSTERDOWN No raft leader";
        String address = module.clientAddresses.get(leader);
        if (address == null) return "TRYAGAIN Raft leader address not known yet";
        if (module.config().followerProxy.value()) return "";
        return "MOVED " + address;
    }

    /** A refusal as a reply (for commands the guard is not asked about: no keys). */
    private boolean refuseOrForward(Client c, CommandPipeline pipeline) {
        String refusal = notServingHere();
        if (refusal == null) return false;
        if (refusal.isEmpty()) {
            forward(c, pipeline);
            return true;
        }
        c.writer().error(refusal.startsWith("MOVED") ? "MOVED 0" + refusal.substring("MOVED".length()) : refusal);
        if (c.multi) engine.discardTransaction(c);
        return true;
    }

    /* ---------------- writes ---------------- */

    /**
     * A plain write (no MULTI, script or blocking pop): proposed without parking its client,
     * so the client's next pipelined writes are proposed too; the leader appends them in the
     * order they came and their replies leave in that order ({@link RaftApply#pipeline}).
     */
    public static boolean pipelinable(Client c, RedisCommand cmd) {
        return !c.multi && cmd.write && !SCRIPTS.contains(cmd.fullName) && !cmd.flags.contains("blocking")
                && !cmd.fullName.equals("evalsha");
    }

    /**
     * Before any stage: a client with pipelined writes in flight goes on only with a plain write
     * that no stage will refuse (it is proposed in turn); any other command, whose reply would
     * overtake theirs, waits until they have replied.
     */
    boolean holdBack(Client c) {
        if (!apply.hasInFlight(c)) return false;
        if (proposedInTurn(c, engine) != null && notServingHere() == null) return false;
        apply.hold(c);
        return true;
    }

    /**
     * c's next command (looked up from its argv) when it is a plain write that no stage of the
     * pipeline will refuse (arity, auth, ACL, subscribed context, memory): it may be proposed
     * behind c's pipelined writes where the group it goes to serves here; else null.
     */
    public static RedisCommand proposedInTurn(Client c, Engine engine) {
        RedisCommand cmd = engine.commands.lookup(c.argv[0]);
        boolean inTurn = cmd != null && !cmd.hasSubcommands() && cmd.arityOk(c.argc) && pipelinable(c, cmd)
                && c.authenticated && (c.aclUser == null || c.aclUser.unrestricted) && !c.isSubscribed()
                && engine.eviction().memoryToFree() == 0;
        return inTurn ? cmd : null;
    }

    void write(Client c, CommandPipeline pipeline) {
        if (!c.multi && c.conn != null && pipelinable(c, c.cmd)) {
            proposePipelined(c);
            return;
        }
        if (refuseOrForward(c, pipeline)) return;
        write(c, pipeline, engine, module.config().id.value(), group, module::mainLoopExecute);
    }

    /**
     * The write path once routed to target (shared by sharded mode): one entry proposed, the
     * client parked until it applies here. An EXEC carries the versions of its WATCHed keys
     * (checked when it applies, on every member alike); EVALSHA is logged as EVAL of the script.
     */
    public static void write(Client c, CommandPipeline pipeline, Engine engine, String memberId, Target target, Executor mainLoop) {
        RaftApply apply = target.apply();
        boolean exec = c.multi;
        if (exec && (c.dirtyExec || c.dirtyCas || engine.anyWatchedKeyExpired(c))) {
            // A queued command was refused, or a WATCHed key changed here already: the EXEC
            // aborts and writes nothing (logged, the other members would run the queue).
            pipeline.call(c);
            return;
        }
        List<byte[][]> commands = new ArrayList<>();
        if (exec) {
            for (byte[][] argv : c.multiQueue) commands.add(apply.scripts().evalshaAsEval(argv));
        } else {
            commands.add(apply.scripts().evalshaAsEval(Arrays.copyOf(c.argv, c.argc)));
        }
        if (!apply.scriptCacheLogged() && callsEvalsha(commands)) {
            // A script loaded on this node only (SCRIPT LOAD is not logged here) may be unknown to
            // the group's other replicas: NOSCRIPT, and clients fall back to EVAL, whose entry
            // teaches the group the body, so later EVALSHAs are logged as EVAL.
            if (exec) engine.discardTransaction(c);
            c.writer().error(exec ? "EXECABORT Transaction discarded because of: " + NOSCRIPT : NOSCRIPT);
            return;
        }
        long now = engine.now();
        LogEntry entry = LogEntry.write(memberId, 0, c.db.id, now, ThreadLocalRandom.current().nextLong(), exec, commands);
        // The versions of the WATCHed keys as this client saw them: unchanged since WATCH, as the check above says.
        if (exec && !c.watchedKeys.isEmpty()) entry = entry.watching(apply.watchVersions().of(c.watchedKeys));
        long seq = apply.park(c);
        propose(target, mainLoop, engine, entry.withSeq(seq), seq);
    }

    /**
     * A key of c's blocking command may serve it now (a write applied here made it ready): its
     * command is proposed again, and pops, or finds nothing and waits on, when that entry applies.
     */
    static void proposeServe(Client c, byte[][] argv, Engine engine, String memberId, Target target, Executor mainLoop) {
        long seq = target.apply().register(c);
        propose(target, mainLoop, engine, LogEntry.write(memberId, seq, c.db.id, engine.now(),
                ThreadLocalRandom.current().nextLong(), false, List.<byte[][]>of(argv)), seq);
    }

    private void proposePipelined(Client c) {
        String refusal = notServingHere();
        if (refusal != null && !apply.hasInFlight(c)) {
            refuseOrForward(c, engine.pipeline());
            return;
        }
        pipelined(c, engine, module.config().id.value(), group, refusal == null ? null
                : refusal.startsWith("MOVED") ? "MOVED 0" + refusal.substring("MOVED".length())
                : refusal.isEmpty() ? "TRYAGAIN Raft leader changed" : refusal);
    }

    /**
     * A plain write proposed without parking its client (shared by sharded mode): it waits in
     * the client's reply queue and goes into the target's next BATCH entry. refusal: why this
     * member may not propose it after all (leadership went between the hold-back and here),
     * answered in its turn; null when it may.
     */
    public static void pipelined(Client c, Engine engine, String memberId, Target target, String refusal) {
        pipelined(c, engine, memberId, target, refusal, -1);
    }

    /** As above, for a write of keys in slot (a sharded data group's: a write that never applies is rerouted by its slot). */
    public static void pipelined(Client c, Engine engine, String memberId, Target target, String refusal, int slot) {
        RaftApply apply = target.apply();
        long seq = apply.pipeline(c, slot);
        if (refusal != null) {
            apply.fail(seq, refusal);
            return;
        }
        target.batcher().add(LogEntry.write(memberId, seq, c.db.id, engine.now(), ThreadLocalRandom.current().nextLong(), false,
                List.<byte[][]>of(Arrays.copyOf(c.argv, c.argc))));
    }

    private static void propose(Target target, Executor mainLoop, Engine engine, LogEntry entry, long seq) {
        long term = target.term();
        target.propose(entry).whenComplete((reply, error) -> settle(target, mainLoop, engine, seq, term, reply, error));
    }

    /**
     * A proposal's outcome when it did not apply here: failed for sure, or left for the log to
     * decide. proposedTerm: the term this member led in when it proposed, the only term the entry
     * can have. Taken when the proposal failed instead, it was often the next leader's term already
     * (a leader steps down on learning it), and the write waited for an entry of a term after that,
     * which a replica moved away right after a leadership transfer never applies: its client
     * heard "outcome unknown" 30 s later.
     */
    static void settle(Target target, Executor mainLoop, Engine engine, long seq, long proposedTerm, RaftClientReply reply, Throwable error) {
        String failure = failure(reply, error);
        if (failure == null) return;
        RaftApply apply = target.apply();
        if (refusedBeforeAppend(reply, error)) {
            mainLoop.execute(() -> apply.notApplied(seq, failure));
        } else if (error == null && reply.getException() instanceof LeaderSteppingDownException) {
            // Refused before its append too, while the leader hands leadership over. Left undecided, a
            // pipelined write held up every command after it on its connection until an entry of a later
            // term applied, which a transfer that fails (10 s) never brings: up to UNDECIDED_MAX_MS.
            mainLoop.execute(() -> {
                if (apply.isPipelined(seq)) apply.notApplied(seq, HANDING_OVER);
                else apply.undecided(seq, proposedTerm, engine.now());
            });
        } else {
            // The entry may be in the followers' logs: the next leader may commit it.
            mainLoop.execute(() -> apply.undecided(seq, proposedTerm, engine.now()));
        }
    }

    /** A pipelined write refused while its leader handed leadership over (it never applies). */
    public static final String HANDING_OVER = "TRYAGAIN Raft leader is handing over leadership, the write was not applied";

    /** The leader refused the request before appending it (not ready yet): it can never apply. */
    private static boolean refusedBeforeAppend(RaftClientReply reply, Throwable error) {
        return error == null && reply.getException() instanceof LeaderNotReadyException;
    }

    /**
     * Null when the request succeeded, else the error reply for the client: TRYAGAIN for what a
     * leadership change or a lost request causes, which a client may send again.
     */
    public static String failure(RaftClientReply reply, Throwable error) {
        if (error != null) return "TRYAGAIN Raft request failed: " + error.getMessage();
        if (reply.isSuccess()) return null;
        if (reply.getNotLeaderException() != null) return "TRYAGAIN Raft leader changed, the write may or may not have applied";
        Throwable e = reply.getException();
        if (e instanceof LeaderNotReadyException) return "TRYAGAIN Raft leader is not ready yet";
        if (e instanceof NotLeaderException) return "TRYAGAIN Raft leader changed";
        return "TRYAGAIN Raft request failed: " + (e == null ? "unknown" : e.getMessage());
    }

    /* ---------------- reads ---------------- */

    boolean read(Client c, RedisCommand cmd, CommandPipeline pipeline) {
        if (writesThroughScript(c, cmd) || changesScriptCache(c, cmd)) {
            write(c, pipeline);
            return true;
        }
        if (!cmd.readonly && !c.multi) return false;
        if (staleReadAllowed(c, cmd)) return false;
        if (refuseOrForward(c, pipeline)) return true;
        read(c, pipeline, engine, group, module::mainLoopExecute, client -> null);
        return true;
    }

    /**
     * The read path once routed to target (shared by sharded mode): the client parked until a
     * ReadIndex round confirms the leader and the state machine applied up to the read index.
     * {@code stillServed} is asked then, on the keyspace thread, before the read runs: null
     * when the target may answer it, else the refusal (sharded mode: the entries applied while
     * the read waited, a move's fence among them, may have taken the slot from this group).
     */
    public static void read(Client c, CommandPipeline pipeline, Engine engine, Target target, Executor mainLoop,
            java.util.function.Function<Client, String> stillServed) {
        pipeline.park(c);
        confirmRead(target, mainLoop, (reply, error) -> {
            String confirmed = failure(reply, error);
            mainLoop.execute(() -> {
                if (!c.blocked) return;
                String failure = confirmed != null ? confirmed : stillServed.apply(c);
                // Refused once this member no longer leads (Ratis says NotLeader, or that it could
                // not get the read index from a leader it no longer knows; or leadership went while
                // the read waited): the read never ran, and where the guard holds such a command (a
                // sharded group) it is processed again, to be held, then served or redirected. These
                // reached the application as TRYAGAIN and CLUSTERDOWN while a node drained.
                if (failure != null && target.apply().reprocessesNotApplied() && !target.isLeaderReady()) {
                    pipeline.processAgain(c);
                    return;
                }
                if (failure == null) {
                    Object parked = c.blockingState;
                    pipeline.call(c);
                    pipeline.propagate();
                    if (c.blockingState != parked) return; // XREAD BLOCK found nothing: it waits on its keys
                } else {
                    if (c.multi) engine.discardTransaction(c);
                    c.writer().error(failure);
                }
                pipeline.unpark(c);
            });
        });
    }

    /**
     * Per target (compared by identity), the reads parked in this turn of its node's keyspace
     * thread, which alone touches its list; concurrent only because a JVM may hold several nodes.
     */
    private static final Map<Target, List<BiConsumer<RaftClientReply, Throwable>>> readsThisTurn = new ConcurrentHashMap<>();

    /**
     * The reads parked in one turn of the keyspace thread share one ReadIndex round, sent at
     * the turn's end: it starts after every one of them arrived, so it confirms each as its own
     * round would (a read arriving later waits for a later round), at one round's cost.
     */
    private static void confirmRead(Target target, Executor mainLoop, BiConsumer<RaftClientReply, Throwable> done) {
        List<BiConsumer<RaftClientReply, Throwable>> waiting = readsThisTurn.get(target);
        if (waiting == null) {
            waiting = new ArrayList<>();
            readsThisTurn.put(target, waiting);
            mainLoop.execute(() -> {
                List<BiConsumer<RaftClientReply, Throwable>> reads = readsThisTurn.remove(target);
                target.confirmRead().whenComplete((reply, error) -> {
                    for (BiConsumer<RaftClientReply, Throwable> read : reads) read.accept(reply, error);
                });
            });
        }
        waiting.add(done);
    }

    /** A READONLY connection to a follower reads the follower's own keyspace, as a cluster replica serves it. */
    private boolean staleReadAllowed(Client c, RedisCommand cmd) {
        RaftNode n = module.node();
        return c.readonlyMode && cmd.readonly && !c.multi && n != null && !n.isLeader();
    }

    /** An EVALSHA left as it is (its body not loaded through this group's log). */
    private static boolean callsEvalsha(List<byte[][]> commands) {
        for (byte[][] argv : commands) if (argv.length > 0 && RaftScripts.is(argv[0], "evalsha")) return true;
        return false;
    }

    /** EVAL, EVALSHA, FCALL, or an EXEC that queued one: a write unit of its own. */
    public static boolean writesThroughScript(Client c, RedisCommand cmd) {
        return any(c, cmd, SCRIPTS);
    }

    /**
     * SCRIPT LOAD / FLUSH, or an EXEC that queued one: through the log (the single group's; a
     * sharded node's, of every data group it leads).
     */
    public static boolean changesScriptCache(Client c, RedisCommand cmd) {
        return any(c, cmd, SCRIPT_CACHE);
    }

    private static boolean any(Client c, RedisCommand cmd, Set<String> names) {
        if (names.contains(cmd.fullName)) return true;
        if (!c.multi) return false;
        for (RedisCommand q : c.multiCommands) if (names.contains(q.fullName)) return true;
        return false;
    }

    /* ---------------- forwarding ---------------- */

    private void forward(Client c, CommandPipeline pipeline) {
        String leader = module.node().leaderId();
        String address = leader == null ? null : module.clientAddresses.get(leader);
        if (address == null) {
            c.writer().error("TRYAGAIN Raft leader address not known yet");
            return;
        }
        List<byte[][]> commands = new ArrayList<>();
        if (c.multi) {
            commands.add(new byte[][] {"MULTI".getBytes(StandardCharsets.US_ASCII)});
            commands.addAll(c.multiQueue);
        }
        commands.add(Arrays.copyOf(c.argv, c.argc));
        byte[][] select = {"SELECT".getBytes(StandardCharsets.US_ASCII), Integer.toString(c.db.id).getBytes(StandardCharsets.US_ASCII)};
        commands.add(0, select);
        pipeline.park(c);
        boolean blocking = !c.multi && c.cmd.flags.contains("blocking"); // in MULTI nothing blocks
        module.forwarder().forward(c, address, c.resp(), blocking, commands, reply -> module.mainLoopExecute(() -> {
            if (!c.blocked) {
                module.forwarder().clientClosed(c); // gone meanwhile: its connection to the leader goes too
                return;
            }
            if (c.multi) engine.discardTransaction(c);
            c.writer().raw(reply);
            pipeline.unpark(c);
        }));
    }
}
