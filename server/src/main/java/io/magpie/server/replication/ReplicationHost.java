package io.magpie.server.replication;

import io.magpie.engine.Client;
import io.magpie.engine.Engine;
import io.magpie.engine.config.Config;
import io.magpie.persistence.Persistence;
import io.magpie.server.OutputBufferLimit;

/**
 * What replication needs from the server it runs in: the engine and its thread, persistence
 * (full syncs save and load RDB files), the listening port it announces, client pausing for
 * FAILOVER, and a client's description for the log. The server implements it; replication
 * knows nothing else of the server, so the two do not depend on each other in a circle.
 */
public interface ReplicationHost {
    Engine engine();

    Config registry();

    Persistence persistence();

    /** The keyspace thread's event loop: links and snapshot steps run on it. */
    io.netty.channel.EventLoop mainLoop();

    /** The socket class for the replica's outgoing link. */
    Class<? extends io.netty.channel.socket.SocketChannel> clientChannelClass();

    /** The port this server listens on. */
    int port();

    /** REPLCONF listening-port: the port replicas of this node's master reach it on. */
    default int announcedPort() {
        return port();
    }

    /** The TLS handler for a link to a master at host:port (tls-replication), or null for a plain link. */
    default io.netty.handler.ssl.SslHandler masterLinkTls(io.netty.buffer.ByteBufAllocator alloc, String host, int port) {
        return null;
    }

    /** client-output-buffer-limit, for the replica class. */
    OutputBufferLimit clientOutputBufferLimit();

    /** CLIENT PAUSE until endMs (every command when all, else writes), as FAILOVER pauses writers. */
    void pause(long endMs, boolean all);

    void unpause();

    /** The client as CLIENT LIST shows it, for log lines. */
    String clientInfo(Client c);
}
