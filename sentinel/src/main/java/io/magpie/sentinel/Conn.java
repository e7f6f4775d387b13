package io.magpie.sentinel;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * One outgoing connection of an instance link (hiredis's redisAsyncContext as sentinel.c
 * uses it): commands are queued with a callback each, and replies are matched to callbacks
 * in order. Commands sent before the TCP connection is established wait in memory, as
 * hiredis buffers them. A connection in subscribed mode hands pub/sub messages to its
 * subscriber instead of the queue. Everything runs on the Sentinel's event loop.
 */
final class Conn extends ChannelInboundHandlerAdapter {
    interface Callback {
        void reply(Reply r);
    }

    /** Told once when the connection fails or closes, unless we closed it ourselves. */
    interface CloseListener {
        void closed(Conn c);
    }

    private final ArrayDeque<Callback> callbacks = new ArrayDeque<>();
    private final List<ByteBuf> beforeConnect = new ArrayList<>();
    private final CloseListener onClose;
    private Channel channel;
    private boolean active;
    private boolean closed;
    private ByteBuf acc;
    private Callback subscriber;

    private Conn(CloseListener onClose) {
        this.onClose = onClose;
    }

    /** Makes the TLS handler of a link to host:port, or null for a plain link. */
    interface LinkTls {
        io.netty.handler.ssl.SslHandler handler(io.netty.buffer.ByteBufAllocator alloc, String host, int port);
    }

    static Conn connect(Bootstrap template, LinkTls tls, String ip, int port, CloseListener onClose) {
        Conn c = new Conn(onClose);
        Bootstrap b = template.clone().handler(new io.netty.channel.ChannelInitializer<io.netty.channel.Channel>() {
            @Override protected void initChannel(io.netty.channel.Channel ch) {
                io.netty.handler.ssl.SslHandler ssl = tls.handler(ch.alloc(), ip, port);
                if (ssl != null) ch.pipeline().addLast(ssl);
                ch.pipeline().addLast(c);
            }
        }).option(ChannelOption.TCP_NODELAY, true);
        ChannelFuture f = b.connect(ip, port);
        c.channel = f.channel();
        f.addListener(r -> {
            if (!r.isSuccess()) c.failed();
        });
        return c;
    }

    /** The local address of the socket, as anetFdToString(FD_TO_SOCK_NAME) gives it. */
    String localIp() {
        if (!active || !(channel.localAddress() instanceof java.net.InetSocketAddress a)) return null;
        return a.getAddress().getHostAddress();
    }

    void subscribe(Callback messages, String... args) {
        this.subscriber = messages;
        send(null, args);
    }

    /** Queues a command; its reply goes to cb (null: discarded). */
    void send(Callback cb, String... args) {
        if (closed) return;
        byte[][] argv = new byte[args.length][];
        for (int i = 0; i < args.length; i++) argv[i] = args[i].getBytes(StandardCharsets.UTF_8);
        ByteBuf buf = Unpooled.buffer();
        new io.magpie.protocol.RespWriter(buf, 2).command(argv);
        if (subscriber == null || cb != null) callbacks.add(cb == null ? r -> {} : cb);
        if (active) channel.writeAndFlush(buf, channel.voidPromise());
        else beforeConnect.add(buf);
    }

    /** Closes without telling the listener (instanceLinkCloseConnection). */
    void close() {
        if (closed) return;
        closed = true;
        release();
        channel.close();
    }

    private void failed() {
        if (closed) return;
        closed = true;
        release();
        channel.close();
        onClose.closed(this);
    }

    private void release() {
        for (ByteBuf b : beforeConnect) b.release();
        beforeConnect.clear();
        callbacks.clear();
        if (acc != null) {
            acc.release();
            acc = null;
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        if (closed) return;
        active = true;
        for (ByteBuf b : beforeConnect) ctx.write(b, ctx.voidPromise());
        beforeConnect.clear();
        ctx.flush();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        failed();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        failed();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf in = (ByteBuf) msg;
        if (closed) {
            in.release();
            return;
        }
        if (acc == null) acc = Unpooled.buffer(Math.max(256, in.readableBytes()));
        acc.writeBytes(in);
        in.release();
        try {
            while (!closed) {
                Reply r = Reply.parse(acc);
                if (r == null) break;
                dispatch(r);
            }
        } catch (RuntimeException e) {
            failed();
            return;
        }
        if (acc != null) acc.discardReadBytes();
    }

    private void dispatch(Reply r) {
        if (subscriber != null && r.type == Reply.ARRAY && r.elements.length >= 3 && r.elements[0].isString()) {
            String kind = r.elements[0].str;
            if (kind.equals("message") || kind.equals("subscribe")) {
                subscriber.reply(r);
                return;
            }
        }
        Callback cb = callbacks.poll();
        if (cb != null) cb.reply(r);
    }
}
