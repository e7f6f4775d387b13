package io.magpie.cluster.node;

import io.magpie.cluster.bus.ClusterMsg;
import io.magpie.cluster.bus.ClusterMsgCodec;
import io.magpie.cluster.bus.ClusterMsgException;
import io.magpie.server.Log;
import io.magpie.server.tls.Tls;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.ServerChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The cluster bus's sockets: a listener on the bus port and the outbound links the state
 * machine asks for, all on the keyspace thread's event loop, so that every message reaches
 * the state machine in the same serial order as the commands. A frame is cut by the total
 * length in its header (a stream that does not start with "RCmb" and a sane length is closed,
 * as Redis does); a message that fails its type's length check is dropped and the link kept.
 * A link whose unsent output exceeds cluster-link-sendbuf-limit is dropped. With tls-cluster
 * every link, both ways, runs over TLS and the accepting side requires the peer's certificate.
 */
final class ClusterBus {
    /** What the bus hands to the node. */
    interface Listener {
        /** A peer connected to the bus port: returns the link id the state machine gave it. */
        long accepted(String peerIp, String localIp);

        void connected(long link, String localIp);

        void closed(long link);

        void message(long link, ClusterMsg msg);

        void bufferLimitExceeded(long link);
    }

    private final EventLoop loop;
    private final Class<? extends SocketChannel> channelClass;
    private final Listener listener;
    private final Tls tls;
    private final Map<Long, Channel> links = new HashMap<>();
    private Channel server;
    /** cluster-link-sendbuf-limit in bytes; 0 is no limit. */
    long sendbufLimit;

    ClusterBus(EventLoop loop, Class<? extends SocketChannel> channelClass, Listener listener, Tls tls) {
        this.loop = loop;
        this.tls = tls;
        this.channelClass = channelClass;
        this.listener = listener;
    }

    @SuppressWarnings("unchecked")
    private Class<? extends ServerChannel> serverChannelClass() {
        String name = channelClass.getName().replace("SocketChannel", "ServerSocketChannel");
        try {
            return (Class<? extends ServerChannel>) Class.forName(name);
        } catch (ClassNotFoundException e) {
            return io.netty.channel.socket.nio.NioServerSocketChannel.class;
        }
    }

    /** Listens on bindHost:port; onFailure runs when the port cannot be bound. */
    void listen(String bindHost, int port, java.util.function.Consumer<Throwable> onFailure) {
        ServerBootstrap b = new ServerBootstrap().group(loop, loop).channel(serverChannelClass())
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        SslHandler ssl = tls.clusterServerHandler(ch.alloc());
                        if (ssl != null) ch.pipeline().addLast(ssl);
                        ch.pipeline().addLast(new Frames(-1));
                    }
                });
        ChannelFuture f = bindHost == null ? b.bind(port) : b.bind(bindHost, port);
        server = f.channel();
        f.addListener(done -> {
            if (!done.isSuccess()) onFailure.accept(done.cause());
        });
    }

    /** Opens an outbound link; the listener hears connected or closed with the same id. */
    void connect(long link, String ip, int port, long timeoutMs) {
        Bootstrap b = new Bootstrap().group(loop).channel(channelClass)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.max(1000, Math.min(Integer.MAX_VALUE, timeoutMs)))
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        SslHandler ssl = tls.clusterHandler(ch.alloc(), ip, port);
                        if (ssl != null) ch.pipeline().addLast(ssl);
                        ch.pipeline().addLast(new Frames(link));
                    }
                });
        ChannelFuture f;
        try {
            f = b.connect(ip, port);
        } catch (RuntimeException e) {
            loop.execute(() -> listener.closed(link));
            return;
        }
        links.put(link, f.channel());
        f.addListener(done -> {
            if (links.get(link) != f.channel()) return; // closed by the state machine meanwhile
            if (!done.isSuccess()) {
                links.remove(link);
                listener.closed(link);
            }
            // Connected: Frames reports it once the link is usable (after the TLS handshake, if any).
        });
    }

    /** Writes a message on a link, if it is still there. */
    void send(long link, ClusterMsg msg) {
        Channel ch = links.get(link);
        if (ch == null || !ch.isActive()) return;
        byte[] frame = ClusterMsgCodec.encode(msg);
        if (sendbufLimit > 0 && ch.unsafe().outboundBuffer() != null
                && ch.unsafe().outboundBuffer().totalPendingWriteBytes() + frame.length > sendbufLimit) {
            links.remove(link);
            ch.close();
            listener.bufferLimitExceeded(link);
            return;
        }
        ch.writeAndFlush(Unpooled.wrappedBuffer(frame), ch.voidPromise());
    }

    /** Closes a link the state machine dropped (not reported back). */
    void close(long link) {
        Channel ch = links.remove(link);
        if (ch != null) ch.close();
    }

    /** Bytes waiting to be written on a link (CLUSTER LINKS send-buffer-allocated). */
    long pendingBytes(long link) {
        Channel ch = links.get(link);
        if (ch == null || ch.unsafe().outboundBuffer() == null) return 0;
        return ch.unsafe().outboundBuffer().totalPendingWriteBytes();
    }

    void shutdown() {
        if (server != null) server.close();
        for (Channel ch : links.values()) ch.close();
        links.clear();
    }

    private static String localIp(Channel ch) {
        return ch.localAddress() instanceof InetSocketAddress a ? a.getAddress().getHostAddress() : "";
    }

    private static String peerIp(Channel ch) {
        return ch.remoteAddress() instanceof InetSocketAddress a ? a.getAddress().getHostAddress() : "";
    }

    /** Cuts the byte stream of one link into frames and hands them, decoded, to the listener. */
    private final class Frames extends ByteToMessageDecoder {
        private long link;

        Frames(long link) {
            this.link = link;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) throws Exception {
            if (ctx.pipeline().get(SslHandler.class) == null) linkUp(ctx);
            super.channelActive(ctx);
        }

        /** A TLS link is up once its handshake has authenticated the peer (Redis's connAccept/connConnect handlers). */
        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt instanceof SslHandshakeCompletionEvent done) {
                if (done.isSuccess()) {
                    linkUp(ctx);
                } else {
                    Log.verbose("Error %s cluster node connection %s: %s", link < 0 ? "accepting" : "connecting to",
                            peerIp(ctx.channel()), done.cause().getMessage());
                    ctx.close();
                }
            }
            super.userEventTriggered(ctx, evt);
        }

        private void linkUp(ChannelHandlerContext ctx) {
            if (link < 0) {
                link = listener.accepted(peerIp(ctx.channel()), localIp(ctx.channel()));
                links.put(link, ctx.channel());
            } else if (links.get(link) == ctx.channel()) {
                listener.connected(link, localIp(ctx.channel()));
            }
        }

        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
            while (in.readableBytes() >= 8) {
                byte[] first8 = new byte[8];
                in.getBytes(in.readerIndex(), first8);
                int len = ClusterMsgCodec.frameLength(first8);
                if (len < 0) {
                    Log.verbose("Bad message length or signature received on the Cluster bus.");
                    in.skipBytes(in.readableBytes());
                    ctx.close();
                    return;
                }
                if (in.readableBytes() < len) return;
                byte[] frame = new byte[len];
                in.readBytes(frame);
                ClusterMsg msg;
                try {
                    msg = ClusterMsgCodec.decode(frame);
                } catch (ClusterMsgException e) {
                    continue; // Redis ignores a message of the wrong length for its type
                }
                if (links.get(link) != ctx.channel()) return; // dropped by the state machine
                listener.message(link, msg);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            super.channelInactive(ctx);
            if (link >= 0 && links.get(link) == ctx.channel()) {
                links.remove(link);
                listener.closed(link);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
