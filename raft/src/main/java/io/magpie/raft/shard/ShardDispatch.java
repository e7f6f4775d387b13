package io.magpie.raft.shard;

import io.magpie.commands.HashSlot;
import io.magpie.commands.KeyExtraction;
import io.magpie.commands.KeyReferences;
import io.magpie.commands.RedisCommand;
import io.magpie.engine.Client;
import io.magpie.engine.Engine;
import io.magpie.engine.dispatch.CommandPipeline;
import io.magpie.engine.Blocking;
import io.magpie.raft.LogEntry;
import io.magpie.engine.dispatch.TopologyGuard;
import io.magpie.raft.RaftDispatch;
import io.magpie.raft.RaftEviction;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.protocol.RaftClientReply;

/**
 * The dispatch ports of a sharded node. The topology guard finds the slot of the command's
 * keys (CROSSSLOT when they span slots, as Redis Cluster), the group that owns it in the
 * cluster map, and serves the command only where this node is that group's ready leader;
 * anywhere else it answers {@code MOVED <slot> <leader host:port>}, so cluster clients learn
 * the owner. Once routed, a write or keyed read takes the single group's paths
 * ({@link RaftDispatch#write}, {@link RaftDispatch#read}) with the owning group as target;
 * a client's pipelined plain writes are proposed without parking it, batched per group, as
 * the single group's are. Commands without keys run on this node's keyspace (DBSIZE, SCAN:
 * this node's copy of every group it replicates) except keyless writes, which no one group
 * can order, and so are refused, but for FLUSHALL / FLUSHDB and SCRIPT LOAD / FLUSH: those go
 * through the log of every group this node leads (a Redis Cluster master flushes its own slots,
 * and its script cache reaches its replicas).
 */
final class ShardDispatch implements TopologyGuard {
    static final String CROSSSLOT = "CROSSSLOT Keys in request don't hash to the same slot";
    static final int NO_KEYS = -1, CROSS = -2;
    static final String KEYLESS_WRITE = "ERR a write without keys cannot be routed to a raft shard";

    private final ShardedRaftModule module;
    private final Engine engine;
    private final KeyReferences keys = new KeyReferences();

    ShardDispatch(ShardedRaftModule module, Engine engine) {
        this.module = module;
        this.engine = engine;
    }

    /**
     * A held command is processed again this often. How long it may wait is raft-leader-wait
     * (0, the default, holds nothing; several election timeouts of 400-800 ms suit cluster
     * clients): JedisCluster and Lettuce follow MOVED on their own but hand TRYAGAIN and
     * CLUSTERDOWN to the application, while a reply later than the client's timeout is one
     * they retry (JedisCluster) or wait for (Lettuce, 60 s).
     */
    static final long HOLD_POLL_MS = 20;

    /** The clients held (parked) for a leader, with when each stops waiting (nanoTime). */
    private final Map<Client, Long> held = new IdentityHashMap<>();
    /** The held client whose command is being processed again, and its deadline. */
    private Client retrying;
    private long retryingUntil;

    /* ---------------- topology ---------------- */

    @Override
    public String check(Client c, RedisCommand cmd, KeyReferences ignored) {
        // The hold-back let only a write to the group of c's pipelined writes through: the write path refuses it in its turn.
        if (groupWithPipelined(c) != null) return null;
        int slot = slotOf(c);
        if (slot == CROSS) return CROSSSLOT;
        if (slot == NO_KEYS) return null;
        // A READONLY connection reads this replica's own copy, as a cluster replica serves it.
        if (c.readonlyMode && !c.multi && cmd.readonly && module.groupOfSlot(slot) != null) return null;
        return module.refusal(slot);
    }

    /** Applied from one group's log, a script's FLUSHALL would empty every group's keys on each replica. */
    @Override
    public String checkKeylessScriptWrite(RedisCommand cmd) {
        return KEYLESS_WRITE;
    }

    /**
     * A refusal for want of a ready leader is held: the client is parked and its command
     * processed again (from the first stage) every few ms until the group has a leader, which
     * serves it or redirects it with MOVED, or until raft-leader-wait has passed, when it gets the
     * error.
     */
    @Override
    public boolean hold(Client c, RedisCommand cmd, String refusal) {
        boolean leaderless = refusal.startsWith("TRYAGAIN Raft") || refusal.equals("CLUSTERDOWN No raft leader");
        long now = System.nanoTime();
        long until = c == retrying ? retryingUntil : now + TimeUnit.MILLISECONDS.toNanos(module.leaderWaitMs());
        if (!leaderless || now - until >= 0) return false;
        held.put(c, until);
        CommandPipeline pipeline = engine.pipeline();
        pipeline.park(c);
        module.mainLoopSchedule(() -> {
            Long deadline = held.remove(c);
            if (deadline == null || !c.blocked || engine.clients().get(c.id) != c) return; // gone meanwhile
            retrying = c;
            retryingUntil = deadline;
            try {
                pipeline.processAgain(c);
            } finally {
                retrying = null;
            }
        }, HOLD_POLL_MS);
        return true;
    }

    /**
     * A pipelined write of slot that will never apply (cut off by a leader change, or refused
     * before its append): answered, in its turn, with MOVED to the slot's leader (this node's
     * address when it leads again) as soon as one is known, polled as {@link #hold} does for up
     * to raft-leader-wait; else with error. Its client sent the commands after it already, so
     * it cannot be processed again here as a parked write is; cluster clients follow the MOVED
     * on their own, and the write, known not to have applied, may be sent again.
     */
    void reroute(int slot, String error, java.util.function.Consumer<String> answer) {
        long now = System.nanoTime();
        // Refused while this node hands the group's leadership over: sent back here only once the
        // transfer has ended (else it is refused again at once), unless leadership moved meanwhile.
        long selfAfter = error.equals(RaftDispatch.HANDING_OVER) ? now + TimeUnit.MILLISECONDS.toNanos(MultiRaft.TRANSFER_TIMEOUT_MS + 500) : now;
        reroute(slot, error, answer, now + TimeUnit.MILLISECONDS.toNanos(module.leaderWaitMs()), selfAfter);
    }

    private void reroute(int slot, String error, java.util.function.Consumer<String> answer, long until, long selfAfter) {
        String refusal = module.refusal(slot);
        long now = System.nanoTime();
        if (refusal == null && now - selfAfter >= 0) {
            answer.accept("MOVED " + slot + " " + module.myClientAddress());
        } else if (refusal != null && refusal.startsWith("MOVED ")) {
            answer.accept(refusal);
        } else if (now - until >= 0) {
            answer.accept(error);
        } else {
            module.mainLoopSchedule(() -> reroute(slot, error, answer, until, selfAfter), HOLD_POLL_MS);
        }
    }

    /** The slot all keys of the command (of the queued commands, for EXEC) share; NO_KEYS or CROSS. */
    int slotOf(Client c) {
        return slotOf(c, c.cmd);
    }

    private int slotOf(Client c, RedisCommand cmd) {
        int slot = NO_KEYS;
        if (cmd.fullName.equals("exec")) {
            if (!c.multi) return NO_KEYS;
            for (int i = 0; i < c.multiCommands.size() && slot != CROSS; i++) slot = commonSlot(c.multiCommands.get(i), c.multiQueue.get(i), slot);
            return slot;
        }
        return commonSlot(cmd, Arrays.copyOf(c.argv, c.argc), slot);
    }

    private int commonSlot(RedisCommand cmd, byte[][] argv, int slot) {
        keys.clear();
        if (!KeyExtraction.hasKeys(cmd)) return slot;
        KeyExtraction.getKeys(cmd, argv, 0, argv.length, keys);
        for (int i = 0; i < keys.count(); i++) {
            int s = HashSlot.keyHashSlot(argv[keys.position(i)]);
            if (slot == NO_KEYS) slot = s;
            else if (s != slot) return CROSS;
        }
        return slot;
    }

    /**
     * The refusal of a routed command that may not run here (leadership changed since the guard);
     * null when it may. A refusal for want of a leader is held as the guard holds it.
     */
    private String refuse(Client c, int slot) {
        String refusal = slot < 0 ? KEYLESS_WRITE : module.refusal(slot);
        if (refusal != null && !hold(c, c.cmd, refusal)) {
            if (c.multi) engine.discardTransaction(c);
            c.writer().error(refusal);
        }
        return refusal;
    }

    /**
     * A moving slot (fenced here, not switched yet; or moved in, not open yet) serves nothing: its writes would be lost, and
     * once the target owns it a read here could miss the target's writes. The client retries;
     * after the switch it is sent on with MOVED.
     */
    private boolean refuseFenced(Client c, int slot) {
        if (!module.groupOfSlot(slot).moves.refuses(slot)) return false;
        if (c.multi) engine.discardTransaction(c);
        c.writer().error(SlotMove.FENCED);
        return true;
    }

    /* ---------------- pipelined writes ---------------- */

    /** The data group c has pipelined writes in flight in (at most one: the hold-back keeps it so), or null. */
    private DataGroup groupWithPipelined(Client c) {
        for (DataGroup g : module.localGroups().values()) if (g.apply.hasInFlight(c)) return g;
        return null;
    }

    /**
     * Before any stage: a client with pipelined writes in flight goes on only with a plain
     * write to the same group that it leads here (proposed in turn, behind them); any other
     * command, whose reply would overtake theirs, waits until they have replied. A write to
     * another group waits too: the two groups' logs would not order the replies.
     */
    boolean holdBack(Client c) {
        DataGroup g = groupWithPipelined(c);
        if (g == null) return false;
        RedisCommand cmd = RaftDispatch.proposedInTurn(c, engine);
        if (cmd != null) {
            int slot = slotOf(c, cmd);
            if (slot >= 0 && module.groupOfSlot(slot) == g && module.refusal(slot) == null && !g.moves.refuses(slot)) return false;
        }
        g.apply.hold(c);
        return true;
    }

    /** A plain write of a client on a connection: proposed without parking the client; false when it takes the parked path. */
    private boolean proposePipelined(Client c, int slot) {
        if (c.multi || c.conn == null || slot < 0 || !RaftDispatch.pipelinable(c, c.cmd)) return false;
        DataGroup g = module.groupOfSlot(slot);
        String refusal = module.refusal(slot);
        if (refusal == null && g.moves.refuses(slot)) refusal = SlotMove.FENCED;
        if (refusal != null && !g.apply.hasInFlight(c)) return false; // answered now, as any refused command
        // Refused after the hold-back let it through (leadership went since): answered in its turn.
        RaftDispatch.pipelined(c, engine, module.myId(), g, refusal, slot);
        return true;
    }

    void write(Client c, CommandPipeline pipeline) {
        int slot = slotOf(c);
        if (slot == NO_KEYS && !c.multi && isFlush(c.cmd)) {
            flush(c, pipeline);
            return;
        }
        if (c.cmd.fullName.equals("exec") && c.multi && queuesKeylessWrite(c)) {
            // Applied in one group's log, the engine's FLUSHALL would empty every group's keys here.
            engine.discardTransaction(c);
            c.writer().error(KEYLESS_WRITE);
            return;
        }
        if (proposePipelined(c, slot)) return;
        if (refuse(c, slot) != null || refuseFenced(c, slot)) return;
        RaftDispatch.write(c, pipeline, engine, module.myId(), module.groupOfSlot(slot), module::mainLoopExecute);
    }

    boolean read(Client c, RedisCommand cmd, CommandPipeline pipeline) {
        if (RaftDispatch.writesThroughScript(c, cmd)) {
            write(c, pipeline);
            return true;
        }
        if (!c.multi && RaftDispatch.changesScriptCache(c, cmd)) return changeScriptCache(c, pipeline);
        if (!cmd.readonly && !c.multi) return false;
        int slot = slotOf(c);
        if (slot < 0) return false; // no keys: this node's keyspace
        DataGroup g = module.groupOfSlot(slot);
        if (c.readonlyMode && !c.multi && g != null && !g.isLeader()) return false;
        if (refuse(c, slot) != null || refuseFenced(c, slot)) return true;
        RaftDispatch.read(c, pipeline, engine, g, module::mainLoopExecute, client -> module.readRefusal(g, slot));
        return true;
    }

    /* ---------------- blocking commands, eviction ---------------- */

    /**
     * The engine's gate for blocking commands: the data group whose keys a client waits on (a
     * blocking command's keys share one slot) proposes the entry that serves it.
     */
    Blocking.Gate blockingGate() {
        return new Blocking.Gate() {
            @Override public boolean serveElsewhere(Client c) {
                for (DataGroup g : module.localGroups().values()) if (g.blocking.serveElsewhere(c)) return true;
                return false;
            }

            @Override public boolean holdTimeout(Client c) {
                for (DataGroup g : module.localGroups().values()) if (g.blocking.holdTimeout(c)) return true;
                return false;
            }
        };
    }

    /** Eviction through the log of the key's group, where this node leads it; a follower's keys are evicted by their leader. */
    RaftEviction evictor() {
        return new RaftEviction(engine, key -> {
            DataGroup g = module.groupOfSlot(HashSlot.keyHashSlot(key));
            return g != null && g.isLeaderReady() ? g : null;
        }, () -> {
            for (DataGroup g : module.localGroups().values()) if (g.isLeaderReady()) return true;
            return false;
        }, module::mainLoopExecute);
    }

    /* ---------------- FLUSHALL, FLUSHDB ---------------- */

    private static boolean isFlush(RedisCommand cmd) {
        return cmd.fullName.equals("flushall") || cmd.fullName.equals("flushdb");
    }

    /** A transaction with a write that has no keys (FLUSHALL, SWAPDB...): no one group's log may apply it. */
    private static boolean queuesKeylessWrite(Client c) {
        for (RedisCommand q : c.multiCommands) if (q.write && !KeyExtraction.hasKeys(q)) return true;
        return false;
    }

    /**
     * FLUSHALL / FLUSHDB: one entry in the log of every data group this node leads; each group
     * deletes, on every replica, the keys of the slots it owns ({@link SlotCustody#flushable}),
     * and leaves the other groups' keys in this node's keyspace alone. This is a Redis Cluster
     * master's FLUSHALL, which empties its own slots: cluster clients send it to every master
     * (JedisCluster, Lettuce, magpie-proxy). A node that leads no group answers as a Redis
     * replica does. OK once every entry applied here; else TRYAGAIN, as some groups may be
     * flushed and others not.
     */
    private void flush(Client c, CommandPipeline pipeline) {
        if (c.argc > 2 || (c.argc == 2 && !c.argIs(1, "sync") && !c.argIs(1, "async"))) {
            c.writer().error("ERR syntax error");
            return;
        }
        List<DataGroup> led = new ArrayList<>();
        for (DataGroup g : module.localGroups().values()) if (g.isLeaderReady()) led.add(g);
        if (led.isEmpty()) {
            c.writer().error("READONLY You can't write against a read only replica.");
            return;
        }
        byte[][] argv = Arrays.copyOf(c.argv, c.argc);
        pipeline.park(c);
        List<CompletableFuture<Void>> applied = new ArrayList<>();
        for (DataGroup g : led) applied.add(module.proposeFlush(g, c.db.id, argv));
        CompletableFuture.allOf(applied.toArray(new CompletableFuture<?>[0])).whenComplete((done, error) -> module.mainLoopExecute(() -> {
            if (!c.blocked) return;
            if (error == null) c.writer().ok();
            else c.writer().error("TRYAGAIN Raft request failed, the keyspace may be flushed in some shards only");
            pipeline.unpark(c);
        }));
    }

    /* ---------------- scripts ---------------- */

    /**
     * SCRIPT LOAD / FLUSH: one entry in the log of every data group this node leads, so each
     * of their replicas holds the same scripts, and an EVALSHA of a key of those groups, here
     * or under a later leader, is logged as EVAL of the body. As in Redis Cluster, where the
     * script cache is per node and clients send SCRIPT LOAD to every master, the groups other
     * nodes lead do not learn it here (their EVALSHA answers NOSCRIPT). The client's own reply
     * is the command run here once every entry applied. A node that leads no group runs it
     * locally, as a Redis replica does.
     */
    private boolean changeScriptCache(Client c, CommandPipeline pipeline) {
        List<DataGroup> led = new ArrayList<>();
        for (DataGroup g : module.localGroups().values()) if (g.isLeaderReady()) led.add(g);
        if (led.isEmpty()) return false;
        LogEntry entry = LogEntry.write(module.myId(), 0, c.db.id, engine.now(), ThreadLocalRandom.current().nextLong(), false,
                List.<byte[][]>of(Arrays.copyOf(c.argv, c.argc)));
        pipeline.park(c);
        List<CompletableFuture<RaftClientReply>> proposals = new ArrayList<>();
        for (DataGroup g : led) proposals.add(g.propose(entry));
        CompletableFuture.allOf(proposals.toArray(new CompletableFuture<?>[0])).whenComplete((done, error) -> module.mainLoopExecute(() -> {
            if (!c.blocked) return;
            String failure = null;
            for (CompletableFuture<RaftClientReply> p : proposals) {
                RaftClientReply reply = p.isCompletedExceptionally() ? null : p.join();
                if (reply == null || !reply.isSuccess()) failure = "TRYAGAIN Raft request failed, the script cache may be changed in some shards only";
            }
            if (failure == null) {
                pipeline.call(c);
            } else {
                c.writer().error(failure);
            }
            pipeline.unpark(c);
        }));
        return true;
    }
}
