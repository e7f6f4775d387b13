package io.magpie.cluster.node;

import io.magpie.cluster.state.ClusterNode;
import io.magpie.cluster.state.ClusterState;
import io.magpie.commands.HashSlot;
import io.magpie.commands.KeyExtraction;
import io.magpie.commands.KeyReferences;
import io.magpie.commands.RedisCommand;
import io.magpie.engine.Client;
import io.magpie.engine.dispatch.TopologyGuard;
import io.magpie.engine.keyspace.Database;
import java.util.Arrays;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

/**
 * The topology guard of a cluster node: Redis 7.0's getNodeByQuery and clusterRedirectClient
 * (cluster.c). All the keys of a command, or of a whole MULTI at EXEC, must hash to one slot
 * (CROSSSLOT); the slot must be served (CLUSTERDOWN Hash slot not served) by a cluster that is
 * up (the two other CLUSTERDOWN texts, unless cluster-allow-reads-when-down lets reads through);
 * a slot being migrated away sends the keys it lacks to the target (ASK), or TRYAGAIN when
 * it still has some of them; an importing slot
 * serves a client that said ASKING (TRYAGAIN when a multi-key request finds only some keys);
 * a READONLY client of a replica reads its master's slots; anything else goes where the slot
 * is served (MOVED).
 */
final class ClusterGuard implements TopologyGuard {
    static final String CROSSSLOT = "CROSSSLOT Keys in request don't hash to the same slot";
    static final String TRYAGAIN = "TRYAGAIN Multiple keys request during rehashing of slot";
    static final String DOWN = "CLUSTERDOWN The cluster is down";
    static final String DOWN_RO = "CLUSTERDOWN The cluster is down and only accepts read commands";
    static final String DOWN_UNBOUND = "CLUSTERDOWN Hash slot not served";

    private final ClusterState state;
    private final Database db0;
    private final BooleanSupplier allowReadsWhenDown, allowPubsubshardWhenDown;
    /** A slot migration's link (CLUSTER IMPORTSLOTS START): the source sent every key first, so none is missing. */
    private final Predicate<Client> importStream;
    /** The keys of one queued command of a MULTI, reused. */
    private final KeyReferences queued = new KeyReferences();

    ClusterGuard(ClusterState state, Database db0, BooleanSupplier allowReadsWhenDown, BooleanSupplier allowPubsubshardWhenDown,
            Predicate<Client> importStream) {
        this.state = state;
        this.importStream = importStream;
        this.db0 = db0;
        this.allowReadsWhenDown = allowReadsWhenDown;
        this.allowPubsubshardWhenDown = allowPubsubshardWhenDown;
    }

    /** What getNodeByQuery found: the slot of the keys, and whether they can all be served here. */
    private int slot;
    private byte[] firstKey;
    private boolean multipleKeys, migratingSlot, importingSlot;
    private int missingKeys, existingKeys;
    private ClusterNode owner;
    private boolean crossSlot, unbound;

    @Override
    public String check(Client c, RedisCommand cmd, KeyReferences keys) {
        firstKey = null;
        owner = null;
        multipleKeys = migratingSlot = importingSlot = crossSlot = unbound = false;
        missingKeys = existingKeys = slot = 0;
        boolean exec = cmd.fullName.equals("exec");
        boolean pubsubShard = isPubsubShard(cmd);
        if (exec) {
            if (!c.multi) return null; // EXEC without MULTI answers its own error
            for (int i = 0; i < c.multiCommands.size() && !crossSlot && !unbound; i++) {
                byte[][] argv = c.multiQueue.get(i);
                RedisCommand q = c.multiCommands.get(i);
                if (isPubsubShard(q)) {
                    visitShardChannels(argv, argv.length, q);
                } else {
                    KeyExtraction.getKeys(q, argv, 0, argv.length, queued);
                    visit(argv, queued, pubsubShard);
                }
            }
        } else if (pubsubShard) {
            visitShardChannels(c.argv, c.argc, cmd);
        } else {
            visit(c.argv, keys, pubsubShard);
        }
        if (crossSlot) return CROSSSLOT;
        if (unbound) return DOWN_UNBOUND;
        if (owner == null) return null; // no key at all
        boolean write = cmd.write || (exec && anyWrite(c));
        if (!state.isOk()) {
            if (pubsubShard) {
                if (!allowPubsubshardWhenDown.getAsBoolean()) return DOWN;
            } else if (!allowReadsWhenDown.getAsBoolean()) {
                return DOWN;
            } else if (cmd.write) {
                return DOWN_RO;
            }
        }
        ClusterNode myself = state.myself();
        // MIGRATE always works here while the slot is open: keys move freely between the two nodes.
        if ((migratingSlot || importingSlot) && cmd.fullName.equals("migrate")) return null;
        // An atomic migration's stream: its writes apply as the source made them, keys missing or not.
        if (importingSlot && importStream.test(c)) return null;
        if (migratingSlot && missingKeys > 0) {
            // Some keys here, some gone: neither node can serve them all now.
            return existingKeys > 0 ? TRYAGAIN : redirect("ASK", state.migratingTo(slot), c);
        }
        if (importingSlot && (c.asking || cmd.fullName.equals("restore-asking"))) {
            return multipleKeys && missingKeys > 0 ? TRYAGAIN : null;
        }
        if ((c.readonlyMode || pubsubShard) && !write && myself.isSlave() && myself.slaveof() == owner) return null;
        return owner == myself ? null : redirect("MOVED", owner, c);
    }

    /** The keys of one command: their common slot, its owner, and the keys missing from an open slot. */
    private void visit(byte[][] argv, KeyReferences keys, boolean pubsubShard) {
        for (int j = 0; j < keys.count() && !crossSlot && !unbound; j++) visitKey(argv[keys.position(j)], pubsubShard);
    }

    /**
     * Shard channels, which the key specs flag as not keys: SPUBLISH's channel, SSUBSCRIBE's and
     * SUNSUBSCRIBE's channels, routed by their slot as keys are.
     */
    private void visitShardChannels(byte[][] argv, int argc, RedisCommand cmd) {
        int last = cmd.fullName.equals("spublish") ? Math.min(argc, 2) : argc;
        for (int j = 1; j < last && !crossSlot && !unbound; j++) visitKey(argv[j], true);
    }

    private void visitKey(byte[] key, boolean pubsubShard) {
        int keySlot = HashSlot.keyHashSlot(key);
        if (firstKey == null) {
            firstKey = key;
            slot = keySlot;
            owner = state.slotOwner(slot);
            if (owner == null) {
                unbound = true;
                return;
            }
            if (owner == state.myself() && state.migratingTo(slot) != null) migratingSlot = true;
            else if (state.importingFrom(slot) != null) importingSlot = true;
        } else if (!Arrays.equals(firstKey, key)) {
            if (slot != keySlot) {
                crossSlot = true;
                return;
            }
            multipleKeys = true;
        }
        if ((migratingSlot || importingSlot) && !pubsubShard) {
            if (db0.lookupNoTouch(key) == null) missingKeys++;
            else existingKeys++;
        }
    }

    private static boolean anyWrite(Client c) {
        for (RedisCommand q : c.multiCommands) if (q.write) return true;
        return false;
    }

    private static boolean isPubsubShard(RedisCommand cmd) {
        return switch (cmd.fullName) {
            case "ssubscribe", "sunsubscribe", "spublish" -> true;
            default -> false;
        };
    }

    /**
     * "-MOVED 3999 127.0.0.1:6381": the slot and the node's preferred endpoint and client port,
     * its plaintext one for a plaintext client of a TLS cluster.
     */
    private String redirect(String kind, ClusterNode n, Client c) {
        int port = ClusterCommands.usePport(c, state.config()) && n.pport() != 0 ? n.pport() : n.port();
        return kind + " " + slot + " " + state.preferredEndpoint(n) + ":" + port;
    }
}
