package io.magpie.raft.shard;

import io.magpie.commands.HashSlot;
import io.magpie.commands.KeyExtraction;
import io.magpie.commands.KeyReferences;
import io.magpie.commands.RedisCommand;
import io.magpie.engine.Client;
import io.magpie.engine.Engine;
import io.magpie.engine.dispatch.CommandPipeline;
import io.magpie.raft.RaftDispatch;
import java.util.Arrays;

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
final class ShardDispatch {
    static final String CROSSSLOT = "CROSSSLOT Keys in request don't hash to the same slot";
    static final int NO_KEYS = -1, CROSS = -2;

    private final ShardedRaftModule module;
    private final Engine engine;
    private final KeyReferences keys = new KeyReferences();

    ShardDispatch(ShardedRaftModule module, Engine engine) {
        this.module = module;
        this.engine = engine;
    }

    /* ---------------- topology ---------------- */

    String check(Client c, RedisCommand cmd, KeyReferences ignored) {
        int slot = slotOf(c);
        if (slot == CROSS) return CROSSSLOT;
        if (slot == NO_KEYS) return null;
        // A READONLY connection reads this replica's own copy, as a cluster replica serves it.
        if (c.readonlyMode && !c.multi && cmd.readonly && module.groupOfSlot(slot) != null) return null;
        return module.refusal(slot);
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
