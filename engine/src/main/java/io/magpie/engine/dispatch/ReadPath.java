package io.magpie.engine.dispatch;

import io.magpie.commands.RedisCommand;
import io.magpie.engine.Client;

/**
 * The read-path port: how a command that is not a write runs. LOCAL runs it at once. A Raft
 * group defers a keyspace read until a ReadIndex round confirms the leader (a linearizable
 * read): it {@link CommandPipeline#park}s the client and later runs {@link CommandPipeline#call},
 * {@link CommandPipeline#propagate} and {@link CommandPipeline#unpark}. It may also take over a
 * command the engine does not flag as a write but that writes through a script (EVAL, FCALL).
 *
 * <p>The pipeline hands over only commands from clients that need not be obeyed.
 */
@FunctionalInterface
public interface ReadPath {
    /** True when the path took the command over (replied, or parked the client); false to run it now. */
    boolean defer(Client c, RedisCommand cmd, CommandPipeline pipeline);

    /** Run every read now. */
    ReadPath LOCAL = (c, cmd, pipeline) -> false;
}
