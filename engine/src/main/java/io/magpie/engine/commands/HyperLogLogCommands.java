package io.magpie.engine.commands;

import io.magpie.engine.command.CommandTable;

final class HyperLogLogCommands {
    private HyperLogLogCommands() {}

    static void register(CommandTable t) {
    }
}
