package io.magpie.engine.commands;

import io.magpie.engine.command.CommandTable;

final class BitmapCommands {
    private BitmapCommands() {}

    static void register(CommandTable t) {
    }
}
