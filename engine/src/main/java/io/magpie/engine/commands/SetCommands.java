package io.magpie.engine.commands;

import io.magpie.engine.command.CommandTable;

final class SetCommands {
    private SetCommands() {}

    static void register(CommandTable t) {
    }
}
