package io.magpie.engine.commands;

import io.magpie.engine.command.CommandTable;

final class ExpireCommands {
    private ExpireCommands() {}

    static void register(CommandTable t) {
    }
}
