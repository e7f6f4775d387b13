package io.magpie.engine.commands;

import io.magpie.engine.command.CommandTable;

final class TransactionCommands {
    private TransactionCommands() {}

    static void register(CommandTable t) {
    }
}
