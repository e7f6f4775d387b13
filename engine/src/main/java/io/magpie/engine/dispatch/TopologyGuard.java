package io.magpie.engine.dispatch;

import io.magpie.commands.HashSlot;
import io.magpie.commands.KeyReferences;
import io.magpie.commands.RedisCommand;
import io.magpie.engine.Client;

/**
 * The topology port: may this node serve the keys of this command now? Cluster mode
 * answers MOVED, ASK, TRYAGAIN, CROSSSLOT or CLUSTERDOWN; Raft mode answers with a redirect
 * to the leader. The pipeline asks only for commands that have keys (or EXEC, whose queued
 * commands do) from clients that need not be obeyed, as Redis's processCommand asks
 * getNodeByQuery. keys holds their positions in c.argv (reused: read it during the call
 * only); {@link #slot} gives a key's hash slot. For EXEC, keys is empty and the guard reads
 * the queue (c.multiQueue, c.multiCommands) as getNodeByQuery does.
 */
@FunctionalInterface
public interface TopologyGuard {
    /** Null to run the command here, or the error to reply with ("MOVED 3999 127.0.0.1:6381"). */
    String check(Client c, RedisCommand cmd, KeyReferences keys);

    /**
     * Asked when {@link #check} refused a client's command (never a script's): a guard whose
     * refusal will pass in a moment (a Raft group electing its leader) may park c and run
     * {@link CommandPipeline#process} on it again later, and answers true; the command then
     * waits rather than its client getting an error that cluster clients do not retry.
     */
    default boolean hold(Client c, RedisCommand cmd, String refusal) {
        return false;
    }

    /**
     * A write without keys (FLUSHALL, FLUSHDB, SWAPDB) called by a script, on every member that
     * runs the script, its master's or log's too: null to run it, or the script's error. A mode
     * whose one keyspace holds the keys of several logs refuses it, since the script's log
     * would apply it to every log's keys here.
     */
    default String checkKeylessScriptWrite(RedisCommand cmd) {
        return null;
    }

    /** The hash slot of the i-th key. */
    static int slot(Client c, KeyReferences keys, int i) {
        return HashSlot.keyHashSlot(c.argv[keys.position(i)]);
    }

    /** A standalone node or a replica serves every key. */
    TopologyGuard STANDALONE = (c, cmd, keys) -> null;
}
