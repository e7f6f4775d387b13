package io.magpie.raft.shard;

import io.magpie.commands.HashSlot;
import io.magpie.commands.KeyExtraction;
import io.magpie.commands.KeyReferences;
import io.magpie.commands.RedisCommand;
import io.magpie.engine.Client;
import io.magpie.engine.Engine;
import io.magpie.engine.dispatch.CommandPipeline;
import io.magpie.engine.dispatch.TopologyGuard;
import io.magpie.raft.RaftDispatch;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The dispatch ports of a sharded node. The topology guard finds the slot of the command's
 * keys (CROSSSLOT when they span slots, as Redis Cluster), the group that owns it in the
 * cluster map, and serves the command only where this node is that group's ready leader;
 * anywhere else it answers {@code MOVED <slot> <leader host:port>}, so cluster clients learn
 * the owner. Once routed, a write or keyed read takes the single group's paths
 * ({@link RaftDispatch#write}, {@link RaftDispatch#read}) with the owning group as target.
 * Commands without keys run on this node's keyspace (DBSIZE, SCAN: this node's copy of every
 * group it replicates) except keyless writes (FLUSHALL), which no one group can order.
 */
final class ShardDispatch implements TopologyGuard {
    static final String CROSSSLOT = "CROSSSLOT Keys in request don't hash to the same slot";
    static final int NO_KEYS = -1, CROSS = -2;

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
        int slot = slotOf(c);
        if (slot == CROSS) return CROSSSLOT;
        if (slot == NO_KEYS) return null;
        // A READONLY connection reads this replica's own copy, as a cluster replica serves it.
        if (c.readonlyMode && !c.multi && cmd.readonly && module.groupOfSlot(slot) != null) return null;
        return module.refusal(slot);
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

    /** The slot all keys of the command (of the queued commands, for EXEC) share; NO_KEYS or CROSS. */
    int slotOf(Client c) {
        int slot = NO_KEYS;
        if (c.cmd.fullName.equals("exec")) {
            if (!c.multi) return NO_KEYS;
            for (int i = 0; i < c.multiCommands.size() && slot != CROSS; i++) slot = commonSlot(c.multiCommands.get(i), c.multiQueue.get(i), slot);
            return slot;
        }
        return commonSlot(c.cmd, Arrays.copyOf(c.argv, c.argc), slot);
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

    /** The refusal of a routed command that may not run here (leadership changed since the guard); null when it may. */
    private String refuse(Client c, int slot) {
        String refusal = slot < 0 ? "ERR a write without keys cannot be routed to a raft shard" : module.refusal(slot);
        if (refusal != null) {
            if (c.multi) engine.discardTransaction(c);
            c.writer().error(refusal);
        }
        return refusal;
    }

    /**
     * A moving slot (fenced here, not switched yet) serves nothing: its writes would be lost, and
     * once the target owns it a read here could miss the target's writes. The client retries;
     * after the switch it is sent on with MOVED.
     */
    private boolean refuseFenced(Client c, int slot) {
        if (!module.groupOfSlot(slot).fenced.get(slot)) return false;
        if (c.multi) engine.discardTransaction(c);
        c.writer().error(SlotMove.FENCED);
        return true;
    }

    void write(Client c, CommandPipeline pipeline) {
        int slot = slotOf(c);
        if (refuse(c, slot) != null || refuseFenced(c, slot)) return;
        RaftDispatch.write(c, pipeline, engine, module.myId(), module.groupOfSlot(slot), module::mainLoopExecute);
    }

    boolean read(Client c, RedisCommand cmd, CommandPipeline pipeline) {
        if (RaftDispatch.writesThroughScript(c, cmd)) {
            write(c, pipeline);
            return true;
        }
        if (!cmd.readonly && !c.multi) return false;
        int slot = slotOf(c);
        if (slot < 0) return false; // no keys: this node's keyspace
        DataGroup g = module.groupOfSlot(slot);
        if (c.readonlyMode && !c.multi && g != null && !g.isLeader()) return false;
        if (refuse(c, slot) != null || refuseFenced(c, slot)) return true;
        RaftDispatch.read(c, pipeline, engine, g, module::mainLoopExecute);
        return true;
    }
}
