package io.magpie.server.module;

import io.magpie.protocol.RespWriter;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.SocketChannel;

/**
 * The server base as a module sees it: the command table to attach commands to, the
 * keyspace thread's event loop for timers and outgoing links, and the server's pub/sub.
 * Modules know nothing of the keyspace, so this is all they get.
 */
public interface ModuleHost {
    /** One call of a module's command: its arguments and where its reply goes. */
    interface Call {
        byte[][] argv();

        RespWriter reply();

        /** The calling client's id (CLIENT ID). */
        long clientId();

        /** Replies with an error, counted in the server's error statistics as any error reply. */
        void error(String text);
    }

    /** A module's command implementation. */
    @FunctionalInterface
    interface Command {
        void call(Call c);
    }

    /**
     * Attaches the implementation of a command or subcommand ("sentinel", "config|get") of the
     * command table. The table's metadata (arity, flags) applies to it as to any command.
     */
    void command(String fullName, Command impl);

    /**
     * Replaces the server's implementation of a command in this mode, as sentinel mode answers
     * INFO, ROLE and PUBLISH in its own way.
     */
    void override(String fullName, Command impl);

    /** Adds the metadata of the module's own commands, in commands.json's format; returns the document. */
    com.fasterxml.jackson.databind.JsonNode defineCommands(java.io.InputStream json) throws java.io.IOException;

    /** Serves only these top-level commands (sentinel mode serves those Redis flags SENTINEL). */
    void serveOnly(java.util.Collection<String> commands);

    /** The server's own INFO sections among those named (in the server's order). */
    String info(java.util.Set<String> sections);

    /** The keyspace thread's loop: a module's timers and links run on it. */
    EventLoop mainLoop();

    /** The socket class for outgoing connections. */
    Class<? extends SocketChannel> clientChannelClass();

    /** Publishes a message on the server's pub/sub; returns the number of receivers. */
    int publish(byte[] channel, byte[] message);

    /** The port the server listens on. */
    int port();

    /** The port others reach this node on: the tls-port with tls-replication, as Sentinel's hello announces. */
    default int announcedPort() {
        return port();
    }

    /** The TLS handler for a link this node opens to host:port (tls-replication), or null for a plain link. */
    default io.netty.handler.ssl.SslHandler linkTls(io.netty.buffer.ByteBufAllocator alloc, String host, int port) {
        return null;
    }
}
