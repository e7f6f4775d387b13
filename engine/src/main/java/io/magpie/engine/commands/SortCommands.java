package io.magpie.engine.commands;

import io.magpie.engine.command.CommandTable;

final class SortCommands {
    private SortCommands() {}

    static void register(CommandTable t) {
    }
}
