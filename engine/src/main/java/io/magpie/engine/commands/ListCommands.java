package io.magpie.engine.commands;

import io.magpie.engine.command.CommandTable;

final class ListCommands {
    private ListCommands() {}

    static void register(CommandTable t) {
    }
}
