package io.magpie.engine.commands;

import io.magpie.engine.command.CommandTable;

final class ZSetCommands {
    private ZSetCommands() {}

    static void register(CommandTable t) {
    }
}
