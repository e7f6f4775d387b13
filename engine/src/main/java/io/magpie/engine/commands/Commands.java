package io.magpie.engine.commands;

import io.magpie.commands.CommandTable;
import io.magpie.engine.command.CommandHandler;

/**
 * Attaches the engine's command families to the table, one class per Redis source file
 * (t_string.c -> StringCommands, t_hash.c -> HashCommands...). Server-level commands
 * (INFO, CONFIG, CLIENT, AUTH...) are registered by magpie-server.
 */
public final class Commands {
    private Commands() {}

    public static void registerAll(CommandTable<CommandHandler> t) {
        ConnectionCommands.register(t);
        StringCommands.register(t);
        KeyspaceCommands.register(t);
        ExpireCommands.register(t);
        TransactionCommands.register(t);
        PubSubCommands.register(t);
        IntrospectionCommands.register(t);
        CommandCommand.register(t);
        HashCommands.register(t);
        ListCommands.register(t);
        SetCommands.register(t);
        ZSetCommands.register(t);
        SortCommands.register(t);
        BitmapCommands.register(t);
        HyperLogLogCommands.register(t);
        GeoCommands.register(t);
        BloomCommands.register(t);
        TrackingCommands.register(t);
        io.magpie.engine.scripting.ScriptingCommands.register(t);
        StreamCommands.register(t);
    }
}
