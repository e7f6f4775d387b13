package io.magpie.engine.dispatch;

import io.magpie.engine.Client;

/**
 * The write-path port: how a write that passed every check gets executed. LOCAL calls it
 * at once and the write stream propagates it (Redis's way). A consensus path proposes the
 * write as one log entry instead, parks the client with {@link CommandPipeline#park}, and
 * when the entry applies, runs it and replies, then {@link CommandPipeline#unpark}s the
 * client, as WAIT parks a client until its replicas acknowledge.
 *
 * <p>The pipeline hands over only writes (a write command, or an EXEC whose queue holds one)
 * from clients that need not be obeyed: a master link, the AOF and a Raft apply execute
 * what is already ordered.
 */
@FunctionalInterface
public interface WritePath {
    void execute(Client c, CommandPipeline pipeline);

    /** Call now; propagation follows through the write stream. */
    WritePath LOCAL = (c, pipeline) -> pipeline.call(c);
}
