package io.magpie.server.commands;

import io.magpie.server.MagpieServer;

/** Registers the server-level commands (those that need the process, not just the keyspace). */
public final class ServerCommands {
    private ServerCommands() {}

    public static void register(MagpieServer server) {
        AuthCommands.register(server);
        InfoCommand.register(server);
        ConfigCommand.register(server);
        ClientCommand.register(server);
        AdminCommands.register(server);
        MemoryCommand.register(server);
        ClusterDisabled.register(server);
        MigrateCommand.register(server);
    }
}
