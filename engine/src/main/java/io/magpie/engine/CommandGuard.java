package io.magpie.engine;

import io.magpie.commands.RedisCommand;

/**
 * A check made before a command runs, plugged in by the layer that owns the rule:
 * authentication (server), a replica's READONLY, cluster redirection (MOVED/ASK),
 * min-replicas... Returns the error to reply with, or null to let the command through.
 */
@FunctionalInterface
public interface CommandGuard {
    String check(Client c, RedisCommand cmd);
}
