package io.magpie.engine.commands;

import io.magpie.engine.command.CommandTable;

final class HashCommands {
    private HashCommands() {}

    static void register(CommandTable t) {
    }
}
