package io.magpie.engine.commands;

import io.magpie.engine.command.CommandTable;

final class BloomCommands {
    private BloomCommands() {}

    static void register(CommandTable t) {
    }
}
