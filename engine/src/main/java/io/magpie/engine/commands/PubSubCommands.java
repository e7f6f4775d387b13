package io.magpie.engine.commands;

import io.magpie.engine.command.CommandTable;

final class PubSubCommands {
    private PubSubCommands() {}

    static void register(CommandTable t) {
    }
}
