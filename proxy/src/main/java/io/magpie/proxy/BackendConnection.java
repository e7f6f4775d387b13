package io.magpie.proxy;

import io.magpie.protocol.tls.SslContexts;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.ssl.SslContext;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * One connection to a backend, owned by one event loop. Requests of many clients are written
 * to it back to back; their replies come back in the same order, so a FIFO of callbacks pairs
 * each reply with its request (Redis answers a connection's commands in order). Writes made
 * before the connection is up wait in a list; the handshake (AUTH, HELLO 3) goes first.
 * When the connection fails or breaks, every request still waiting gets an error reply: the
 * clients stay connected.
 */
final class BackendConnection {
    private record Call(ReplyCallback callback, long startNanos) {}

    final Backend backend;
    final int resp;
    private final LoopState loop;
    private final ArrayDeque<Call> pending = new ArrayDeque<>();
    private List<ByteBuf> beforeConnect = new ArrayList<>();
    /** Requests written since the loop's last flush, once connected. */
    private ByteBuf batch;
    private Channel channel;
    private boolean closed;
    /** The first reply of a dedicated connection that pushes (pub/sub) goes to this sink instead of the FIFO. */
    private ReplyCallback pushSink;

    BackendConnection(LoopState loop, Backend backend, int resp, String user, String password) {
        this.loop = loop;
        this.backend = backend;
        this.resp = resp;
        if (password != null) {
            send(user == null ? Resp.args("AUTH", password) : Resp.args("AUTH", user, password), handshake("AUTH"));
        }
        if (resp == 3) send(Resp.args("HELLO", "3"), handshake("HELLO 3"));
        // Replicas serve reads only to READONLY connections; a master answers it OK too.
        if (loop.server.config.readFromReplica) send(Resp.args("READONLY"), handshake("READONLY"));
        Bootstrap b = new Bootstrap().group(loop.eventLoop).channel(loop.server.transport.clientChannel())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 5000)
                .handler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        SslContext tls = loop.server.backendTls;
                        if (tls != null) ch.pipeline().addLast(SslContexts.clientHandler(tls, ch.alloc(), backend.host, backend.port));
                        ch.pipeline().addLast(new Framer(), new Reader());
                    }
                });
        b.connect(backend.host, backend.port).addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
                fail("unavailable (" + reason(f.cause()) + ")", true);
                return;
            }
            channel = f.channel();
            if (closed) {
                channel.close();
                return;
            }
            for (ByteBuf buf : beforeConnect) channel.write(buf);
            beforeConnect = null;
            channel.flush();
        });
    }

    private static String reason(Throwable t) {
        String m = t.getMessage();
        if (m == null) return t.getClass().getSimpleName();
        int colon = m.indexOf(": "); // Netty prefixes the address: "Connection refused: /127.0.0.1:7001"
        return colon > 0 ? m.substring(0, colon) : m;
    }

    /** A handshake reply that is not OK leaves the connection unusable: say why to everyone waiting. */
    private ReplyCallback handshake(String what) {
        return frame -> {
            try {
                if (Replies.isError(frame)) {
                    String why = Replies.lineText(frame);
                    backend.failed(what + ": " + why);
                    close("refused " + what + " (" + why + ")");
                }
            } finally {
                frame.release();
            }
        };
    }

    boolean isClosed() {
        return closed;
    }

    int pendingCount() {
        return pending.size();
    }

    long oldestStartNanos() {
        Call c = pending.peek();
        return c == null ? 0 : c.startNanos;
    }

    /** Sends a command; its reply goes to callback. Flushed at the end of the loop's current read. */
    void send(byte[][] argv, ReplyCallback callback) {
        if (closed) {
            callback.reply(Resp.error(unavailable("connection closed")));
            return;
        }
        pending.add(new Call(callback, System.nanoTime()));
        write(argv);
    }

    private void write(byte[][] argv) {
        if (channel == null) {
            beforeConnect.add(Resp.command(loop.alloc(), argv));
            return;
        }
        if (batch == null) {
            batch = loop.alloc().buffer(512);
            loop.markBatched(this);
        }
        Resp.writeCommand(batch, argv);
    }

    /** Hands the round's gathered requests to the channel (LoopState.flushDirty flushes it next). */
    void writeBatch() {
        ByteBuf b = batch;
        batch = null;
        if (b == null) return;
        if (closed) {
            b.release();
            return;
        }
        channel.write(b, channel.voidPromise());
        loop.markDirty(channel);
    }

    /** Sends a command whose replies are not counted (pub/sub: they go to the push sink). */
    void sendUntracked(byte[][] argv) {
        if (!closed) write(argv);
    }

    /** Dedicated connections in subscribe mode: every frame after the FIFO is drained goes here. */
    void pushSink(ReplyCallback sink) {
        this.pushSink = sink;
    }

    private String unavailable(String why) {
        return "ERR magpie-proxy: backend " + backend.address + " " + why;
    }

    /** Closes and answers every waiting request with an error. */
    void close(String why) {
        fail(why, false);
    }

    private void fail(String why, boolean connectFailure) {
        if (closed && pending.isEmpty()) return;
        closed = true;
        loop.forget(this);
        if (connectFailure) loop.server.backendFailed(backend, why);
        if (beforeConnect != null) {
            for (ByteBuf b : beforeConnect) b.release();
            beforeConnect.clear();
        }
        if (batch != null) {
            batch.release();
            batch = null;
        }
        if (channel != null) channel.close();
        Call c;
        while ((c = pending.poll()) != null) c.callback.reply(Resp.error(unavailable(why)));
        if (pushSink != null) {
            ReplyCallback sink = pushSink;
            pushSink = null;
            sink.reply(null);
        }
        loop.flushDirty();
    }

    /** Cuts the byte stream into whole replies (retained slices of the cumulation). */
    private static final class Framer extends ByteToMessageDecoder {
        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
            while (in.isReadable()) {
                int end = Replies.frameEnd(in, in.readerIndex());
                if (end < 0) return;
                out.add(in.readRetainedSlice(end - in.readerIndex()));
            }
        }
    }

    private final class Reader extends SimpleChannelInboundHandler<ByteBuf> {
        Reader() {
            super(false);
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, ByteBuf frame) {
            Call c = pending.poll();
            if (c == null) {
                if (pushSink != null) pushSink.reply(frame);
                else frame.release();
                return;
            }
            backend.replied((System.nanoTime() - c.startNanos) / 1000, Replies.isError(frame));
            c.callback.reply(frame);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            // Flushed once the loop's round ends (LoopState.markDirty).
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (!closed || !pending.isEmpty()) {
                backend.failed("connection lost");
                fail("closed the connection", false);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            backend.failed(reason(cause));
            fail("connection error (" + reason(cause) + ")", false);
        }
    }
}
