package io.magpie.engine.commands;

import io.magpie.engine.command.CommandTable;

final class IntrospectionCommands {
    private IntrospectionCommands() {}

    static void register(CommandTable t) {
    }
}
