package io.magpie.server.module;

import io.magpie.engine.Client;
import io.magpie.protocol.RespWriter;
import io.magpie.server.Log;
import io.magpie.server.MagpieServer;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.SocketChannel;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;

/**
 * The modules of one server and the host they plug into: attaches their commands to the
 * server's command table, asks them for INFO sections, runs them in the cron and stops them
 * at shutdown, in the order they were added.
 */
public final class Modules implements ModuleHost {
    private final MagpieServer server;
    private final List<ServerModule> modules = new ArrayList<>();

    public Modules(MagpieServer server) {
        this.server = server;
    }

    /** Adds a module; call before the server starts. */
    public void add(ServerModule module) {
        modules.add(module);
        module.attach(this);
    }

    public List<ServerModule> list() {
        return Collections.unmodifiableList(modules);
    }

    public void start() {
        for (ServerModule m : modules) m.start();
    }

    public void cron(long nowMs) {
        for (ServerModule m : modules) {
            try {
                m.cron(nowMs);
            } catch (RuntimeException e) {
                Log.warning("Error in %s cron: %s", m.name(), e);
            }
        }
    }

    public long clusterConnections() {
        long n = 0;
        for (ServerModule m : modules) n += m.clusterConnections();
        return n;
    }

    public void shutdown() {
        for (ServerModule m : modules) {
            try {
                m.shutdown();
            } catch (RuntimeException e) {
                Log.warning("Error stopping %s: %s", m.name(), e);
            }
        }
    }

    /**
     * Appends the modules' INFO sections that were asked for (by name, or by default/all when
     * the module says so), after the server's own, as Redis appends the modules' sections.
     */
    public void info(Set<String> asked, boolean defaults, StringBuilder sb) {
        for (ServerModule m : modules) {
            for (String section : m.infoSections()) {
                if (!asked.contains(section) && !(defaults && m.infoByDefault())) continue;
                if (sb.length() > 0) sb.append("\r\n");
                m.info(section, sb);
            }
        }
    }

    /** The node's mode: the first module's that names one, else standalone. */
    public String mode() {
        for (ServerModule m : modules) if (m.mode() != null) return m.mode();
        return "standalone";
    }

    /** False when a module's mode has no keyspace: nothing is loaded at startup or saved. */
    public boolean servesKeyspace() {
        for (ServerModule m : modules) if (!m.servesKeyspace()) return false;
        return true;
    }

    @Override
    public void command(String fullName, Command impl) {
        server.engine().commands.register(fullName, c -> impl.call(new ClientCall(c)));
    }

    @Override
    public void override(String fullName, Command impl) {
        server.engine().commands.override(fullName, c -> impl.call(new ClientCall(c)));
    }

    @Override
    public com.fasterxml.jackson.databind.JsonNode defineCommands(java.io.InputStream json) throws java.io.IOException {
        return server.engine().commands.define(json);
    }

    @Override
    public void serveOnly(java.util.Collection<String> commands) {
        server.engine().commands.retainOnly(commands);
    }

    @Override
    public String info(Set<String> sections) {
        return io.magpie.server.commands.InfoCommand.generate(server, sections);
    }

    @Override
    public EventLoop mainLoop() {
        return server.mainLoop();
    }

    @Override
    public Class<? extends SocketChannel> clientChannelClass() {
        return server.clientChannelClass();
    }

    @Override
    public int publish(byte[] channel, byte[] message) {
        return server.engine().pubsub.publish(channel, message);
    }

    @Override
    public int port() {
        return server.port();
    }

    @Override
    public int announcedPort() {
        return server.announcedPort();
    }

    @Override
    public io.netty.handler.ssl.SslHandler linkTls(io.netty.buffer.ByteBufAllocator alloc, String host, int port) {
        return server.masterLinkTls(alloc, host, port);
    }

    /** A command call of a client of the engine, as a module sees it. */
    private record ClientCall(Client c) implements Call {
        @Override
        public byte[][] argv() {
            return c.argc == c.argv.length ? c.argv : java.util.Arrays.copyOf(c.argv, c.argc);
        }

        @Override
        public RespWriter reply() {
            return c.writer();
        }

        @Override
        public long clientId() {
            return c.id;
        }

        @Override
        public void error(String text) {
            c.addReplyError(text);
        }
    }
}
