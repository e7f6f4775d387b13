package io.magpie.jepsen;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A TCP proxy on one network link (127.0.0.1, a port of its own → a target port) whose faults
 * a test switches at any time:
 * <ul>
 * <li>{@link #drop}: every connection through it is closed and new ones are accepted and closed
 * at once (a crashed link: the peer sees resets and refusals);
 * <li>{@link #block}: bytes in one direction stop ({@link Direction#FORWARD}: from the
 * connecting side to the target; {@link Direction#BACKWARD}: the replies), the other direction
 * flows; what was held is delivered at {@link #heal}, as TCP delivers what it retransmits once
 * the network is back (unless an end gave up on the connection first);
 * <li>{@link #delay}: every byte arrives that much later, in order;
 * <li>{@link #heal}: all of that undone.
 * </ul>
 * Connections are paired on the proxy's event loops (Netty); a fault applies to the
 * connections open and to those that come later.
 */
public final class NetProxy implements AutoCloseable {
    public enum Direction { FORWARD, BACKWARD }

    private final int targetPort;
    private final Channel server;
    private final Set<Pair> pairs = ConcurrentHashMap.newKeySet();
    private volatile boolean dropped;
    private final boolean[] blocked = new boolean[2];
    private volatile long delayNanos;

    public NetProxy(EventLoopGroup group, int targetPort) {
        this.targetPort = targetPort;
        server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childOption(ChannelOption.AUTO_READ, false).childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override protected void initChannel(SocketChannel ch) {
                        accept(ch);
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", io.magpie.app.TestPorts.freePort())).syncUninterruptibly().channel();
    }

    public int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    public int targetPort() {
        return targetPort;
    }

    /** Closes every connection and refuses new ones until {@link #heal}. */
    public void drop() {
        dropped = true;
        for (Pair p : pairs) p.close();
    }

    /** Holds the bytes going one way until {@link #heal}; the other way flows. */
    public void block(Direction d) {
        synchronized (blocked) {
            blocked[d.ordinal()] = true;
        }
        for (Pair p : pairs) p.apply();
    }

    /** Delays every byte, both ways, by {@code millis} (0: none). */
    public void delay(long millis) {
        delayNanos = TimeUnit.MILLISECONDS.toNanos(millis);
    }

    /** Back to a healthy link: connections accepted, nothing blocked or delayed, held bytes delivered. */
    public void heal() {
        dropped = false;
        delayNanos = 0;
        synchronized (blocked) {
            blocked[0] = false;
            blocked[1] = false;
        }
        for (Pair p : pairs) p.apply();
    }

    boolean isBlocked(Direction d) {
        synchronized (blocked) {
            return blocked[d.ordinal()];
        }
    }

    /** Connections open through the proxy now. */
    public int connections() {
        return pairs.size();
    }

    private void accept(SocketChannel inbound) {
        if (dropped) {
            inbound.close();
            return;
        }
        Pair pair = new Pair(inbound);
        new Bootstrap().group(inbound.eventLoop()).channel(NioSocketChannel.class)
                .option(ChannelOption.AUTO_READ, false).option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 5000)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(pair.relay(Direction.BACKWARD));
                    }
                })
                .connect(new InetSocketAddress("127.0.0.1", targetPort)).addListener((ChannelFutureListener) f -> {
                    if (!f.isSuccess() || dropped) {
                        f.channel().close();
                        inbound.close(); // the target is down: the connecting side sees the link fail
                        return;
                    }
                    pair.outbound = f.channel();
                    inbound.pipeline().addLast(pair.relay(Direction.FORWARD));
                    pairs.add(pair);
                    inbound.closeFuture().addListener(c -> pair.close());
                    f.channel().closeFuture().addListener(c -> pair.close());
                    pair.apply();
                });
    }

    /** One proxied connection: the connecting side's channel and the channel to the target. */
    private final class Pair {
        final Channel inbound;
        volatile Channel outbound;
        /** Per direction: bytes read but held (blocked), and the time the last write is due (delay keeps order). */
        final ArrayDeque<ByteBuf>[] held;
        final long[] lastDue = new long[2];

        @SuppressWarnings("unchecked")
        Pair(Channel inbound) {
            this.inbound = inbound;
            this.held = new ArrayDeque[] {new ArrayDeque<ByteBuf>(), new ArrayDeque<ByteBuf>()};
        }

        Channel source(Direction d) {
            return d == Direction.FORWARD ? inbound : outbound;
        }

        Channel sink(Direction d) {
            return d == Direction.FORWARD ? outbound : inbound;
        }

        ChannelInboundHandlerAdapter relay(Direction d) {
            return new ChannelInboundHandlerAdapter() {
                @Override public void channelRead(ChannelHandlerContext ctx, Object msg) {
                    if (isBlocked(d)) held[d.ordinal()].add((ByteBuf) msg);
                    else send(d, (ByteBuf) msg);
                }

                @Override public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                    close();
                }
            };
        }

        /** Writes to the other side now, or after the delay and after everything before it. */
        void send(Direction d, ByteBuf msg) {
            Channel to = sink(d);
            long delay = delayNanos;
            long now = System.nanoTime();
            long due = Math.max(now + delay, lastDue[d.ordinal()]);
            lastDue[d.ordinal()] = due;
            if (due <= now) {
                to.writeAndFlush(msg);
            } else {
                to.eventLoop().schedule(() -> {
                    if (to.isActive()) to.writeAndFlush(msg);
                    else ReferenceCountUtil.release(msg);
                }, due - now, TimeUnit.NANOSECONDS);
            }
        }

        /** Reads, or stops reading, each way as the link's state says; delivers what a heal released. */
        void apply() {
            inbound.eventLoop().execute(() -> {
                if (dropped) {
                    close();
                    return;
                }
                for (Direction d : Direction.values()) {
                    boolean block = isBlocked(d);
                    if (!block) {
                        ArrayDeque<ByteBuf> q = held[d.ordinal()];
                        while (!q.isEmpty()) send(d, q.poll());
                    }
                    source(d).config().setAutoRead(!block);
                }
            });
        }

        void close() {
            pairs.remove(this);
            inbound.close();
            Channel out = outbound;
            if (out != null) out.close();
            inbound.eventLoop().execute(() -> {
                for (ArrayDeque<ByteBuf> q : held) {
                    while (!q.isEmpty()) ReferenceCountUtil.release(q.poll());
                }
            });
        }
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        for (Pair p : pairs) p.close();
    }
}
