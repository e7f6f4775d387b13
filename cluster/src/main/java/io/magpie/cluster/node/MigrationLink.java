package io.magpie.cluster.node;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.SocketChannel;
import java.nio.charset.StandardCharsets;

/**
 * A client connection from a slot migration's source to its target, on the keyspace thread's
 * event loop, so that its events reach the migration between commands: commands go out
 * pipelined, and each reply comes back in order through {@link Listener#reply}. Writes never
 * block; {@link #pendingBytes} lets the sender pace itself.
 */
final class MigrationLink {
    interface Listener {
        void connected();

        /** The next reply (see {@link ReplyReader} for its shapes). */
        void reply(Object reply);

        /** The link is gone (connect failed, closed by the peer, a protocol error); called once. */
        void closed(String reason);
    }

    private final Listener listener;
    private Channel channel;
    private boolean closed;

    MigrationLink(Listener listener) {
        this.listener = listener;
    }

    void connect(EventLoop loop, Class<? extends SocketChannel> channelClass, String ip, int port, long timeoutMs) {
        Bootstrap b = new Bootstrap().group(loop).channel(channelClass)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.max(1000, Math.min(Integer.MAX_VALUE, timeoutMs)))
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new Replies());
                    }
                });
        ChannelFuture f = b.connect(ip, port);
        channel = f.channel();
        f.addListener(done -> {
            if (!done.isSuccess()) gone("error or timeout connecting to the target node: " + done.cause().getMessage());
        });
    }

    /** Queues one command (flushed by {@link #flush}). */
    void write(byte[][] argv) {
        if (closed || channel == null) return;
        ByteBuf out = channel.alloc().buffer(64);
        encode(argv, out);
        channel.write(out, channel.voidPromise());
    }

    /** Queues bytes already in RESP. */
    void writeRaw(ByteBuf resp) {
        if (closed || channel == null) {
            resp.release();
            return;
        }
        channel.write(resp, channel.voidPromise());
    }

    void flush() {
        if (!closed && channel != null) channel.flush();
    }

    /** Bytes written but not yet taken by the socket. */
    long pendingBytes() {
        if (channel == null || channel.unsafe().outboundBuffer() == null) return 0;
        return channel.unsafe().outboundBuffer().totalPendingWriteBytes();
    }

    /** Closes without telling the listener. */
    void close() {
        closed = true;
        if (channel != null) channel.close();
    }

    private void gone(String reason) {
        if (closed) return;
        closed = true;
        if (channel != null) channel.close();
        listener.closed(reason);
    }

    static void encode(byte[][] argv, ByteBuf out) {
        out.writeByte('*').writeBytes(ascii(Integer.toString(argv.length))).writeByte('\r').writeByte('\n');
        for (byte[] a : argv) {
            out.writeByte('$').writeBytes(ascii(Integer.toString(a.length))).writeByte('\r').writeByte('\n');
            out.writeBytes(a).writeByte('\r').writeByte('\n');
        }
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** The inbound side: replies, parsed as they complete. */
    private final class Replies extends ChannelInboundHandlerAdapter {
        private ByteBuf acc;

        @Override
        public void channelActive(ChannelHandlerContext ctx) throws Exception {
            if (!closed) listener.connected();
            super.channelActive(ctx);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf in = (ByteBuf) msg;
            if (acc == null) acc = ctx.alloc().buffer(Math.max(256, in.readableBytes()));
            acc.writeBytes(in);
            in.release();
            try {
                while (!closed) {
                    Object r = ReplyReader.read(acc);
                    if (r == ReplyReader.INCOMPLETE) break;
                    listener.reply(r);
                }
            } catch (RuntimeException e) {
                gone("protocol error from the target: " + e.getMessage());
            }
            if (acc != null) acc.discardReadBytes();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            if (acc != null) {
                acc.release();
                acc = null;
            }
            gone("connection closed by the target");
            super.channelInactive(ctx);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            gone("connection error: " + cause.getMessage());
        }
    }
}
