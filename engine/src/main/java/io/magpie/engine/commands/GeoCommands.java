package io.magpie.engine.commands;

import io.magpie.engine.command.CommandTable;

final class GeoCommands {
    private GeoCommands() {}

    static void register(CommandTable t) {
    }
}
