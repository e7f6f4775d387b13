package io.magpie.server;

import io.magpie.engine.Client;
import io.magpie.engine.Clock;
import io.magpie.engine.Engine;
import io.magpie.engine.Errors;
import io.magpie.engine.config.Config;
import io.magpie.persistence.Persistence;
import io.magpie.server.commands.ServerCommands;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The server process: listens with Netty, owns the engine and runs it on one event loop
 * thread (the keyspace thread, Redis's main thread), and runs the cron. All client
 * sessions are registered on that same loop, so commands execute where their bytes are
 * read, with no hand-off between threads; accepting connections uses a second thread.
 */
public final class MagpieServer {
    private final Config registry;
    private final ServerConfig config;
    private final Engine engine;
    private final Persistence persistence;
    private final EventLoopGroup bossGroup;
    private final EventLoopGroup mainLoop;
    private final Class<? extends ServerChannel> channelClass;
    private final List<Channel> listeners = new ArrayList<>();
    private final Set<ClientSession> sessions = new LinkedHashSet<>();
    private final Set<ClientSession> awaitingAofFsync = new LinkedHashSet<>();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final long startTimeMillis = System.currentTimeMillis();
    private final String runId;
    private ScheduledFuture<?> cron;
    private volatile boolean shuttingDown;
    private int boundPort;

    public MagpieServer(Config registry) {
        this.registry = registry;
        this.engine = new Engine(registry, Clock.SYSTEM, System.nanoTime());
        this.config = new ServerConfig(registry);
        boolean epoll = Epoll.isAvailable();
        this.bossGroup = epoll ? new EpollEventLoopGroup(1) : new NioEventLoopGroup(1);
        this.mainLoop = epoll ? new EpollEventLoopGroup(1) : new NioEventLoopGroup(1);
        this.channelClass = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        this.runId = randomHex(40);
        ServerCommands.register(this);
        this.persistence = new Persistence(engine, registry, mainLoop.next(), new Persistence.Logger() {
            @Override public void notice(String message) {
                Log.notice("%s", message);
            }

            @Override public void warning(String message) {
                Log.warning("%s", message);
            }
        });
        engine.addGuard((c, cmd) -> !c.authenticated && engine.authRequired() && !cmd.noAuth ? Errors.NOAUTH : null);
        engine.onClientUnblocked(c -> {
            if (c.conn instanceof ClientSession s) s.channel().eventLoop().execute(s::resume);
        });
    }

    private static String randomHex(int n) {
        java.security.SecureRandom r = new java.security.SecureRandom();
        StringBuilder sb = new StringBuilder(n);
        for (int i = 0; i < n; i++) sb.append("0123456789abcdef".charAt(r.nextInt(16)));
        return sb.toString();
    }

    public Engine engine() {
        return engine;
    }

    /** RDB/AOF persistence: SHUTDOWN calls prepareForShutdown, INFO reads infoSection. */
    public Persistence persistence() {
        return persistence;
    }

    public ServerConfig config() {
        return config;
    }

    public Config registry() {
        return registry;
    }

    public String runId() {
        return runId;
    }

    public long startTimeMillis() {
        return startTimeMillis;
    }

    /** The port actually bound (useful with port 0 in tests). */
    public int port() {
        return boundPort;
    }

    /** Runs a task on the keyspace thread and waits for it (admin and tests). */
    public <T> T onMainThread(java.util.concurrent.Callable<T> task) throws Exception {
        return mainLoop.next().submit(task).get();
    }

    public void start() throws InterruptedException {
        engine.setRequirePass(config.requirepass.value());
        config.requirepass.onChange(() -> engine.setRequirePass(config.requirepass.value()));
        Log.setLevel(config.loglevel.value());
        config.loglevel.onChange(() -> Log.setLevel(config.loglevel.value()));
        engine.start();
        persistence.loadAtStartup();
        ServerBootstrap b = new ServerBootstrap()
                .group(bossGroup, mainLoop)
                .channel(channelClass)
                .option(ChannelOption.SO_BACKLOG, (int) config.tcpBacklog.value())
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, config.tcpKeepalive.value() > 0)
                .childOption(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new ClientSession(MagpieServer.this));
                    }
                });
        int port = (int) config.port.value();
        for (String addr : config.bind.addresses()) {
            boolean optional = addr.startsWith("-");
            String host = optional ? addr.substring(1) : addr;
            if (host.equals("*")) host = "0.0.0.0";
            else if (host.equals("::*")) host = "::";
            try {
                Channel ch = b.bind(host, port).sync().channel();
                listeners.add(ch);
                boundPort = ((java.net.InetSocketAddress) ch.localAddress()).getPort();
                port = boundPort; // with port 0, every address gets the port the first one got
            } catch (Exception e) {
                if (optional) continue;
                Log.warning("Warning: Could not create server TCP listening socket %s:%d: %s", host, port, e.getMessage());
                throw new IllegalStateException("Failed listening on port " + port + " (tcp), aborting.", e);
            }
        }
        long periodMs = Math.max(1, 1000 / Math.max(1, engine.config.hz.value()));
        cron = mainLoop.next().scheduleAtFixedRate(this::serverCron, periodMs, periodMs, TimeUnit.MILLISECONDS);
        Log.notice("Server initialized");
        Log.notice("Ready to accept connections tcp");
    }

    /** serverCron: the engine's periodic work plus client timeouts. */
    private void serverCron() {
        try {
            engine.cron();
            persistence.cron();
            clientsCron();
        } catch (RuntimeException e) {
            Log.warning("Error in cron: %s", e);
        }
    }

    private void clientsCron() {
        long timeout = config.timeout.value();
        long now = engine.now();
        for (ClientSession s : new ArrayList<>(sessions)) {
            Client c = s.client();
            if (timeout > 0 && !c.replica && !c.master && !c.blocked && c.channels.isEmpty() && c.patterns.isEmpty()
                    && (now - c.lastInteraction) / 1000 > timeout) {
                Log.verbose("Closing idle client");
                s.closeNow();
                continue;
            }
            s.checkOutputLimits();
        }
    }

    /**
     * appendfsync always: a reply leaves only once the writes before it are on disk. The
     * sessions read in this event-loop iteration wait here, and one fsync serves them all
     * (Redis's beforeSleep: flushAppendOnlyFile, then handleClientsWithPendingWrites).
     */
    boolean deferReplyUntilAofSynced(ClientSession s) {
        if (!persistence.aof().mustSyncBeforeReply()) return false;
        if (awaitingAofFsync.isEmpty()) mainLoop.next().execute(this::fsyncAofThenReply);
        awaitingAofFsync.add(s);
        return true;
    }

    private void fsyncAofThenReply() {
        persistence.aof().flushBeforeReply();
        for (ClientSession s : awaitingAofFsync) s.flush();
        awaitingAofFsync.clear();
    }

    void sessionOpened(ClientSession s) {
        sessions.add(s);
    }

    void sessionClosed(ClientSession s) {
        sessions.remove(s);
    }

    /** Sessions, for CLIENT LIST/KILL. Only on the main thread. */
    public List<Client> clients() {
        List<Client> l = new ArrayList<>();
        for (ClientSession s : sessions) l.add(s.client());
        return l;
    }

    /** Closes a client's connection now (CLIENT KILL). */
    public void kill(Client c) {
        if (c.conn instanceof ClientSession s) {
            s.flush();
            s.closeNow();
        }
    }

    /** Stops listening, closes clients, and ends the event loops. Safe to call from any thread. */
    public void shutdown() {
        if (shuttingDown) return;
        shuttingDown = true;
        Log.warning("User requested shutdown...");
        if (cron != null) cron.cancel(false);
        for (Channel ch : listeners) ch.close();
        mainLoop.execute(() -> {
            for (ClientSession s : new ArrayList<>(sessions)) {
                s.flush();
                s.closeNow();
            }
        });
        Log.warning("Redis is now ready to exit, bye bye...");
        bossGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        mainLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS).addListener(f -> stopped.countDown());
    }

    public boolean isShuttingDown() {
        return shuttingDown;
    }

    public void awaitTermination() throws InterruptedException {
        stopped.await();
    }
}
