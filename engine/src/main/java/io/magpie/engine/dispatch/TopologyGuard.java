package io.magpie.engine.dispatch;

import io.magpie.engine.Client;
import io.magpie.engine.command.RedisCommand;

/**
 * The topology port: may this node serve the keys of this command now? Cluster mode
 * answers MOVED, ASK, TRYAGAIN, CROSSSLOT or CLUSTERDOWN; Raft mode answers with a redirect
 * to the leader. The pipeline asks only for commands that have keys (or EXEC, whose queued
 * commands do) from clients that need not be obeyed, as Redis's processCommand asks
 * getNodeByQuery; the command's arguments are c.argv[0..c.argc).
 */
@FunctionalInterface
public interface TopologyGuard {
    /** Null to run the command here, or the error to reply with ("MOVED 3999 127.0.0.1:6381"). */
    String check(Client c, RedisCommand cmd);

    /** A standalone node or a replica serves every key. */
    TopologyGuard STANDALONE = (c, cmd) -> null;
}
