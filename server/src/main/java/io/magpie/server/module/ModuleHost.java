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

        /** Closes the calling connection once the reply is sent (SHUTDOWN, QUIT-like commands). */
        void closeAfterReply();
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

    /** The keyspace thread's loop: a module's timers and links run on it. */
    EventLoop mainLoop();

    /** The socket class for outgoing connections. */
    Class<? extends SocketChannel> clientChannelClass();

    /** Publishes a message on the server's pub/sub; returns the number of receivers. */
    int publish(byte[] channel, byte[] message);

    /** The port the server listens on. */
    int port();
}
