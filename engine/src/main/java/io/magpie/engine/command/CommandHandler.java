package io.magpie.engine.command;

import io.magpie.engine.Client;

/** A command implementation: reads c.argv, writes one reply to c, records its effects. */
@FunctionalInterface
public interface CommandHandler {
    void call(Client c);
}
