package io.magpie.server.commands;

import io.magpie.engine.ReplyException;
import io.magpie.commands.CommandTable;
import io.magpie.engine.command.CommandHandler;
import io.magpie.server.MagpieServer;

/**
 * CLUSTER, READONLY, READWRITE and ASKING on a node without cluster mode: each answers as
 * Redis's does with cluster-enabled no. Arity and unknown subcommands are still checked first
 * by the dispatch, so CLUSTER NOSUCH and CLUSTER INFO x keep their own errors.
 */
final class ClusterDisabled {
    private ClusterDisabled() {}

    static final String DISABLED = "ERR This instance has cluster support disabled";

    /** Redis 7.0's CLUSTER subcommands. */
    private static final String[] SUBCOMMANDS = {
        "addslots", "addslotsrange", "bumpepoch", "count-failure-reports", "countkeysinslot", "delslots", "delslotsrange",
        "failover", "flushslots", "forget", "getkeysinslot", "help", "info", "keyslot", "links", "meet", "myid", "nodes",
        "replicas", "replicate", "reset", "saveconfig", "set-config-epoch", "setslot", "shards", "slaves", "slots",
    };

    static void register(MagpieServer server) {
        CommandTable<CommandHandler> t = server.engine().commands;
        for (String sub : SUBCOMMANDS) t.register("cluster|" + sub, c -> disabled());
        for (String cmd : new String[] {"readonly", "readwrite", "asking"}) t.register(cmd, c -> disabled());
    }

    private static void disabled() {
        throw new ReplyException(DISABLED);
    }
}
