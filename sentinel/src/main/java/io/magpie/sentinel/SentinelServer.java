package io.magpie.sentinel;

import io.magpie.engine.util.Glob;
import io.magpie.protocol.ProtocolException;
import io.magpie.protocol.RequestParser;
import io.magpie.protocol.RespWriter;
import io.magpie.server.Log;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.socket.SocketChannel;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The Sentinel's own listener: client connections, their commands (see {@link SentinelCommands})
 * and the Sentinel's pub/sub, on which every event is published with its type as the channel.
 * Runs on the Sentinel's event loop, so commands see a stable Sentinel state.
 */
final class SentinelServer {
    final Sentinel sentinel;
    final SentinelCommands commands;
    final Set<Client> clients = new LinkedHashSet<>();
    final Map<String, Set<Client>> channels = new LinkedHashMap<>();
    final Map<String, Set<Client>> patterns = new LinkedHashMap<>();
    final List<Channel> listeners = new ArrayList<>();
    final long startTime = System.currentTimeMillis();
    long nextClientId = 1;
    long totalConnections, totalCommands, totalErrorReplies, netInput, netOutput, totalReads, totalWrites;

    SentinelServer(Sentinel sentinel, SentinelMain main) {
        this.sentinel = sentinel;
        this.commands = new SentinelCommands(this, main);
    }

    void listen(EventLoopGroup boss, EventLoopGroup loop, Class<? extends ServerChannel> channelClass, List<String> binds, int port)
            throws InterruptedException {
        ServerBootstrap b = new ServerBootstrap().group(boss, loop).channel(channelClass)
                .option(ChannelOption.SO_BACKLOG, 511).option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new Client());
                    }
                });
        for (String bind : binds) {
            boolean optional = bind.startsWith("-");
            String host = optional ? bind.substring(1) : bind;
            if (host.equals("*")) host = "0.0.0.0";
            else if (host.equals("::*")) host = "::";
            try {
                listeners.add(b.bind(host, port).sync().channel());
            } catch (Exception e) {
                if (optional) continue;
                throw new IllegalStateException("Warning: Could not create server TCP listening socket " + bind + ":" + port + ": "
                        + e.getMessage(), e);
            }
        }
    }

    int boundPort() {
        return listeners.isEmpty() ? 0 : ((InetSocketAddress) listeners.get(0).localAddress()).getPort();
    }

    void close() {
        for (Channel c : listeners) c.close();
        for (Client c : new ArrayList<>(clients)) c.channel.close();
    }

    // ------------------------------------------------------------------ pub/sub

    /** pubsubPublishMessage: returns the number of receivers. */
    int publish(String channel, String message) {
        int receivers = 0;
        byte[] ch = channel.getBytes(StandardCharsets.UTF_8);
        byte[] msg = message.getBytes(StandardCharsets.UTF_8);
        Set<Client> subs = channels.get(channel);
        if (subs != null) {
            for (Client c : subs) {
                RespWriter w = c.writer();
                if (w.resp() == 3) w.pushLen(3);
                else w.arrayLen(3);
                w.bulk("message");
                w.bulk(ch);
                w.bulk(msg);
                c.flushSoon();
                receivers++;
            }
        }
        for (Map.Entry<String, Set<Client>> e : patterns.entrySet()) {
            if (!Glob.match(e.getKey().getBytes(StandardCharsets.UTF_8), ch, false)) continue;
            for (Client c : e.getValue()) {
                RespWriter w = c.writer();
                if (w.resp() == 3) w.pushLen(4);
                else w.arrayLen(4);
                w.bulk("pmessage");
                w.bulk(e.getKey());
                w.bulk(ch);
                w.bulk(msg);
                c.flushSoon();
                receivers++;
            }
        }
        return receivers;
    }

    // ------------------------------------------------------------------ clients

    /** One client connection of the Sentinel. */
    final class Client extends ChannelInboundHandlerAdapter {
        final long id = nextClientId++;
        final long created = System.currentTimeMillis();
        long lastInteraction = created;
        final RequestParser parser = new RequestParser();
        final Set<String> subscribedChannels = new LinkedHashSet<>();
        final Set<String> subscribedPatterns = new LinkedHashSet<>();
        String name = "";
        String lastCommand = "NULL";
        boolean authenticated;
        boolean closeAfterReply;
        Channel channel;
        private ByteBuf query;
        private ByteBuf out;
        private final RespWriter writer = new RespWriter();
        private boolean flushScheduled;

        RespWriter writer() {
            if (out == null) {
                out = channel.alloc().buffer(256);
                writer.target(out);
            }
            return writer;
        }

        int subscriptions() {
            return subscribedChannels.size() + subscribedPatterns.size();
        }

        String addr() {
            return format(channel.remoteAddress());
        }

        String laddr() {
            return format(channel.localAddress());
        }

        private String format(java.net.SocketAddress a) {
            if (!(a instanceof InetSocketAddress i)) return "?";
            String ip = i.getAddress().getHostAddress();
            return (ip.indexOf(':') >= 0 ? "[" + ip + "]" : ip) + ":" + i.getPort();
        }

        void flushSoon() {
            if (flushScheduled) return;
            flushScheduled = true;
            channel.eventLoop().execute(this::flush);
        }

        void flush() {
            flushScheduled = false;
            if (out != null && out.isReadable()) {
                netOutput += out.readableBytes();
                totalWrites++;
                channel.writeAndFlush(out, channel.voidPromise());
                out = null;
            }
            if (closeAfterReply) channel.close();
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            channel = ctx.channel();
            clients.add(this);
            totalConnections++;
            authenticated = sentinel.requirepass == null || sentinel.requirepass.isEmpty();
            parser.setAuthRequired(!authenticated);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            clients.remove(this);
            commands.unsubscribeAll(this);
            if (query != null) {
                query.release();
                query = null;
            }
            if (out != null) {
                out.release();
                out = null;
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf in = (ByteBuf) msg;
            netInput += in.readableBytes();
            totalReads++;
            if (closeAfterReply) {
                in.release();
                return;
            }
            if (query == null) query = ctx.alloc().buffer(Math.max(1024, in.readableBytes()));
            query.writeBytes(in);
            in.release();
            try {
                byte[][] argv;
                while (!closeAfterReply && (argv = parser.parse(query)) != null) {
                    lastInteraction = System.currentTimeMillis();
                    commands.execute(this, argv);
                }
            } catch (ProtocolException e) {
                writer().error(e.getMessage());
                Log.verbose("Protocol error from client: %s", e.getMessage());
                closeAfterReply = true;
            }
            if (query != null) query.discardReadBytes();
            flush();
        }
    }
}
