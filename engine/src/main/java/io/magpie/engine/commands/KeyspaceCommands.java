package io.magpie.engine.commands;

import io.magpie.engine.command.CommandTable;

final class KeyspaceCommands {
    private KeyspaceCommands() {}

    static void register(CommandTable t) {
    }
}
