package io.magpie.proxy;

import io.magpie.commands.CommandTable;
import io.magpie.protocol.tls.SslContexts;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.EventExecutor;
import java.net.InetSocketAddress;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The proxy process: a Netty server whose event loops each own their clients and their
 * backend connections ({@link LoopState}), the one command table (for arity and key
 * positions; no command runs here), and the router that says where a key lives.
 */
public final class ProxyServer implements AutoCloseable {
    final ProxyConfig config;
    final CommandTable<Void> table = CommandTable.load();
    final Transport transport = Transport.detect();
    final ByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;
    final Router router;
    private final Map<String, Backend> backends = new ConcurrentHashMap<>();
    private final Map<EventLoop, LoopState> loops = new IdentityHashMap<>();
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private Channel listener;
    private Channel tlsListener;
    /** Built once from the tls-* settings when a side speaks TLS; null otherwise. */
    private final SslContext serverTls;
    final SslContext backendTls;
    final long startMillis = System.currentTimeMillis();
    final AtomicInteger connectedClients = new AtomicInteger();
    final AtomicLong totalConnections = new AtomicLong();
    final LongAdder totalCommands = new LongAdder();
    private final ProxyMetrics metrics = new ProxyMetrics(this);
    final AtomicLong nextClientId = new AtomicLong();

    public ProxyServer(ProxyConfig config) {
        this.config = config;
        try {
            this.serverTls = config.tlsPort != 0 ? SslContexts.forServer(config.tlsOptions()) : null;
            this.backendTls = config.backendTls ? SslContexts.forClient(config.tlsOptions()) : null;
        } catch (SslContexts.TlsException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        this.boss = transport.group(1);
        this.workers = transport.group(config.ioThreads);
        for (EventExecutor e : workers) loops.put((EventLoop) e, new LoopState((EventLoop) e, this));
        this.router = config.backend == ProxyConfig.BackendKind.SERVERS ? new ServersRouter(config, this) : new ClusterRouter(config, this);
    }

    public ProxyServer start() throws InterruptedException {
        router.start(this);
        listener = listen(config.port, null);
        if (serverTls != null) tlsListener = listen(config.tlsPort, serverTls);
        if (config.metricsPort != 0) {
            try {
                metrics.start(config.bind, config.metricsPort);
            } catch (java.io.IOException e) {
                close();
                throw new IllegalArgumentException("metrics-port " + config.metricsPort + ": " + e.getMessage(), e);
            }
        }
        if (config.timeoutMs > 0) {
            for (LoopState l : loops.values()) {
                l.eventLoop.scheduleAtFixedRate(() -> expireSlowRequests(l), 100, 100, TimeUnit.MILLISECONDS);
            }
        }
        return this;
    }

    /** A listener whose clients each get a ClientSession; behind an SslHandler when tls is set. */
    private Channel listen(int port, SslContext tls) throws InterruptedException {
        ServerBootstrap b = new ServerBootstrap().group(boss, workers).channel(transport.serverChannel())
                .option(ChannelOption.SO_BACKLOG, 511)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (tls != null) ch.pipeline().addLast(SslContexts.serverHandler(tls, ch.alloc(), config.tlsPreferServerCiphers));
                        ch.pipeline().addLast(new ClientSession(ProxyServer.this, loop(ch.eventLoop())));
                    }
                });
        return b.bind(config.bind, port).sync().channel();
    }

    /** The TLS listener's port; 0 when there is none. */
    public int tlsPort() {
        return tlsListener == null ? 0 : ((InetSocketAddress) tlsListener.localAddress()).getPort();
    }

    public int port() {
        return ((InetSocketAddress) listener.localAddress()).getPort();
    }

    /** The metrics endpoint's port; 0 when metrics-port is off. */
    public int metricsPort() {
        return metrics.port();
    }

    LoopState loop(EventLoop e) {
        return loops.get(e);
    }

    Iterable<LoopState> loops() {
        return loops.values();
    }

    EventLoopGroup workers() {
        return workers;
    }

    /** The one Backend object for an address, shared by all loops. */
    Backend backend(String host, int port) {
        return backends.computeIfAbsent(host + ":" + port, a -> new Backend(host, port));
    }

    Iterable<Backend> knownBackends() {
        return backends.values();
    }

    void backendFailed(Backend b, String why) {
        router.failed(b, b.failed(why));
    }

    /** timeout: a backend that has not answered the oldest request in time loses the connection (its requests get errors). */
    private void expireSlowRequests(LoopState l) {
        long limit = TimeUnit.MILLISECONDS.toNanos(config.timeoutMs);
        long now = System.nanoTime();
        for (BackendConnection c : l.sharedConnections()) {
            if (c.pendingCount() > 0 && now - c.oldestStartNanos() > limit) {
                backendFailed(c.backend, "timeout");
                c.close("timed out after " + config.timeoutMs + " ms");
            }
        }
    }

    @Override
    public void close() {
        metrics.stop();
        if (listener != null) listener.close().syncUninterruptibly();
        if (tlsListener != null) tlsListener.close().syncUninterruptibly();
        workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
