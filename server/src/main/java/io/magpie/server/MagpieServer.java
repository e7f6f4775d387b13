package io.magpie.server;

import io.magpie.engine.Client;
import io.magpie.engine.Clock;
import io.magpie.engine.Engine;
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
 * read, with no hand-off between threads; connections are accepted on it too.
 */
public final class MagpieServer implements io.magpie.server.replication.ReplicationHost {
    private final Config registry;
    private final ServerConfig config;
    private final Engine engine;
    private final Persistence persistence;
    private final io.magpie.server.replication.Replication replication;
    private long lastReplicationCronMs;
    private final EventLoopGroup bossGroup;
    private final EventLoopGroup mainLoop;
    private final Class<? extends ServerChannel> channelClass;
    private final List<Channel> listeners = new ArrayList<>();
    private final Set<ClientSession> sessions = new LinkedHashSet<>();
    private final Set<ClientSession> awaitingAofFsync = new LinkedHashSet<>();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final long startTimeMillis = System.currentTimeMillis();
    private final String runId;
    private final LatencyMonitor latency = new LatencyMonitor();
    private final List<ShutdownHook> shutdownHooks = new ArrayList<>();
    private final io.magpie.server.module.Modules modules = new io.magpie.server.module.Modules(this);
    /** metrics-port: Prometheus metrics and the status page. */
    private io.magpie.server.metrics.Observability observability;
    private ScheduledFuture<?> cron;
    private volatile boolean shuttingDown;
    private int boundPort;
    private List<String> boundAddresses = List.of();
    private ServerBootstrap bootstrap;
    // TLS (tls-port and the links of tls-replication) and the unix socket.
    private final io.magpie.server.tls.Tls tls;
    private final UnixSocket unixSocket;
    private ServerBootstrap tlsBootstrap;
    private final List<Channel> tlsListeners = new ArrayList<>();
    private int boundTlsPort;
    private final InertConfig inertConfig;
    private String configFile;
    private static volatile Long mainThreadId;

    // CLIENT PAUSE (pauseClients): until when, and whether only writes are paused.
    private long pauseEndMs;
    private boolean pauseAll;
    private final List<ClientSession> postponed = new ArrayList<>();
    /** Told on the main thread when a client's connection closes: a module's per-client state goes with it. */
    private final List<java.util.function.Consumer<Client>> closeListeners = new java.util.concurrent.CopyOnWriteArrayList<>();

    // Instantaneous metrics (trackInstantaneousMetric): 16 samples taken every 100 ms.
    private static final int METRIC_SAMPLES = 16;
    private final long[][] metricSamples = new long[3][METRIC_SAMPLES];
    private final long[] metricLastValue = new long[3];
    private long metricLastSampleMs;
    private int metricIndex;

    /** Work to do before the process exits (final RDB save...), told whether SAVE/NOSAVE was asked. */
    public interface ShutdownHook {
        void beforeExit(boolean save, boolean nosave) throws Exception;
    }

    /** ACL's commands and configuration (aclfile, the config file's users). */
    private final io.magpie.server.acl.AclCommands aclCommands;

    public MagpieServer(Config registry) {
        this.registry = registry;
        this.engine = new Engine(registry, Clock.SYSTEM, System.nanoTime());
        this.config = new ServerConfig(registry);
        boolean epoll = Epoll.isAvailable();
        this.mainLoop = epoll ? new EpollEventLoopGroup(1) : new NioEventLoopGroup(1);
        // Connections are accepted on the keyspace thread too, as in Redis: a script past its
        // time limit accepts them from its hook (EventsWhileBlocked), registered at once.
        this.bossGroup = mainLoop;
        this.channelClass = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        this.runId = io.magpie.server.replication.Replication.randomId();
        ServerCommands.register(this);
        this.aclCommands = io.magpie.server.acl.AclCommands.register(this);
        registry.commandRenamer = engine.commands::rename;
        this.persistence = new Persistence(engine, registry, mainLoop.next(), new Persistence.Logger() {
            @Override public void notice(String message) {
                Log.notice("%s", message);
            }

            @Override public void warning(String message) {
                Log.warning("%s", message);
            }
        });
        addShutdownHook((save, nosave) -> {
            if (!persistence.prepareForShutdown(save ? Boolean.TRUE : nosave ? Boolean.FALSE : null)) {
                throw new java.io.IOException("the final save failed");
            }
        });
        this.replication = new io.magpie.server.replication.Replication(this);
        // redis.log from scripts: LOG_DEBUG, LOG_VERBOSE, LOG_NOTICE, LOG_WARNING.
        io.magpie.engine.scripting.Scripting.log = (level, msg) -> {
            switch (level) {
                case 0 -> Log.debug("%s", msg);
                case 1 -> Log.verbose("%s", msg);
                case 2 -> Log.notice("%s", msg);
                default -> Log.warning("%s", msg);
            }
        };
        EventsWhileBlocked whileBlocked = new EventsWhileBlocked(this);
        engine.scripting.busyHandler = () -> whileBlocked.process(engine.scripting.scriptCaller());
        engine.onClientUnblocked(c -> {
            if (c.conn instanceof ClientSession s) s.channel().eventLoop().execute(s::resume);
        });
        this.tls = new io.magpie.server.tls.Tls(registry, p -> config.dir.resolve(p).toString());
        this.unixSocket = new UnixSocket(registry, config.dir::resolve);
        this.inertConfig = InertConfig.register(registry);
        modules.add(observability = new io.magpie.server.metrics.Observability(this));
    }

    /** Where a mode adds its metric families and status page sections. */
    public io.magpie.server.metrics.Observability observability() {
        return observability;
    }


    public Engine engine() {
        return engine;
    }

    /** RDB/AOF persistence: SHUTDOWN calls prepareForShutdown, INFO reads infoSection. */
    public Persistence persistence() {
        return persistence;
    }

    /** The modes plugged into this server (Sentinel, Cluster...): add them before start(). */
    public io.magpie.server.module.Modules modules() {
        return modules;
    }

    /** Master and replica replication (REPLICAOF, PSYNC, INFO replication). */
    public io.magpie.server.replication.Replication replication() {
        return replication;
    }

    /** The keyspace thread's event loop: replication links and snapshot steps run on it. */
    public io.netty.channel.EventLoop mainLoop() {
        return mainLoop.next();
    }

    /** The socket class for outgoing connections (a replica's link to its master). */
    public Class<? extends io.netty.channel.socket.SocketChannel> clientChannelClass() {
        return channelClass == EpollServerSocketChannel.class ? io.netty.channel.epoll.EpollSocketChannel.class
                : io.netty.channel.socket.nio.NioSocketChannel.class;
    }

    public ServerConfig config() {
        return config;
    }

    /** MIGRATE's cached connections to its targets. */
    private final io.magpie.server.commands.MigrateSockets migrateSockets = new io.magpie.server.commands.MigrateSockets();

    public io.magpie.server.commands.MigrateSockets migrateSockets() {
        return migrateSockets;
    }

    /** cluster-enabled: MIGRATE then sends RESTORE-ASKING. */
    public boolean clusterEnabled() {
        io.magpie.engine.config.Param p = registry.find("cluster-enabled");
        return p != null && "yes".equals(p.get());
    }

    @Override public OutputBufferLimit clientOutputBufferLimit() {
        return config.clientOutputBufferLimit;
    }

    /** Set by CLIENT's registration: how log lines describe a client (CLIENT LIST's line). */
    private java.util.function.Function<Client, String> clientDescriber = c -> "id=" + c.id;

    public void setClientDescriber(java.util.function.Function<Client, String> describer) {
        this.clientDescriber = describer;
    }

    @Override public String clientInfo(Client c) {
        return clientDescriber.apply(c);
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

    public LatencyMonitor latency() {
        return latency;
    }

    /** The absolute path of the config file the server was started with, or null (CONFIG REWRITE, INFO). */
    public String configFile() {
        return configFile;
    }

    public void setConfigFile(String path) {
        this.configFile = path == null ? null : java.nio.file.Path.of(path).toAbsolutePath().toString();
    }

    public String multiplexingApi() {
        return channelClass == EpollServerSocketChannel.class ? "epoll" : "java-nio";
    }

    /** The keyspace thread's id, for INFO cpu's main-thread figures. */
    public static Long mainThreadId() {
        return mainThreadId;
    }

    public void addShutdownHook(ShutdownHook hook) {
        shutdownHooks.add(hook);
    }

    /** The port actually bound (useful with port 0 in tests). */
    public int port() {
        return boundPort;
    }

    /** The tls-port bound, or 0. */
    public int tlsPort() {
        return boundTlsPort;
    }

    /** TLS contexts and parameters (tls-port, tls-replication...). */
    public io.magpie.server.tls.Tls tls() {
        return tls;
    }

    /** A replica's link to its master over TLS when tls-replication is on, else null. */
    @Override public io.netty.handler.ssl.SslHandler masterLinkTls(io.netty.buffer.ByteBufAllocator alloc, String host, int port) {
        return tls.replicationHandler(alloc, host, port);
    }

    /** REPLCONF listening-port: the tls-port when replication runs over TLS, as Redis announces. */
    @Override public int announcedPort() {
        return tls.config().tlsReplication.value() && boundTlsPort != 0 ? boundTlsPort : boundPort;
    }

    /** Runs a task on the keyspace thread and waits for it (admin and tests). */
    public <T> T onMainThread(java.util.concurrent.Callable<T> task) throws Exception {
        return mainLoop.next().submit(task).get();
    }

    public void start() throws InterruptedException {
        engine.setRequirePass(config.requirepass.value());
        config.requirepass.onChange(() -> engine.setRequirePass(config.requirepass.value()));
        aclCommands.loadAtStartup(registry.userDirectives);
        Log.setLevel(config.loglevel.value());
        config.loglevel.onChange(() -> Log.setLevel(config.loglevel.value()));
        inertConfig.logIgnoredValues();
        if (tls.config().inUse()) {
            try {
                tls.configure();
            } catch (io.magpie.protocol.tls.SslContexts.TlsException e) {
                throw new IllegalStateException("Failed to configure TLS. Check logs for more info.", e);
            }
            Log.notice("TLS through %s", io.magpie.protocol.tls.SslContexts.providerDescription());
        }
        engine.start();
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
        bootstrap = b;
        tlsBootstrap = b.clone().childHandler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                ch.pipeline().addLast(tls.serverHandler(ch.alloc())).addLast(new ClientSession(MagpieServer.this));
            }
        });
        // Redis loads before its event loop serves anyone, so a client's first answer is
        // LOADING or the loaded dataset: never a PONG from the empty keyspace before the load.
        boolean loads = modules.servesKeyspace();
        if (loads) engine.setLoading(true);
        try {
            if (tcpPortWanted()) listeners.addAll(listen(bootstrap, config.bind.addresses(), (int) config.port.value()));
            boundPort = boundPort(listeners);
        } catch (ListenException e) {
            Log.warning("Warning: Could not create server TCP listening socket %s: %s", e.address, e.getMessage());
            throw new IllegalStateException("Failed listening on port " + config.port.value() + " (tcp), aborting.", e);
        }
        try {
            if (tls.config().tlsPort.value() != 0) {
                tlsListeners.addAll(listen(tlsBootstrap, config.bind.addresses(), (int) tls.config().tlsPort.value()));
            }
            boundTlsPort = boundPort(tlsListeners);
        } catch (ListenException e) {
            for (Channel ch : listeners) ch.close();
            Log.warning("Warning: Could not create server TLS listening socket %s: %s", e.address, e.getMessage());
            throw new IllegalStateException("Failed listening on port " + tls.config().tlsPort.value() + " (tls), aborting.", e);
        }
        try {
            unixSocket.open(bossGroup, mainLoop, new ChannelInitializer<Channel>() {
                @Override
                protected void initChannel(Channel ch) {
                    ch.pipeline().addLast(new ClientSession(MagpieServer.this));
                }
            });
        } catch (java.io.IOException e) {
            for (Channel ch : listeners) ch.close();
            for (Channel ch : tlsListeners) ch.close();
            Log.warning("Failed opening Unix socket: %s", e.getMessage());
            throw new IllegalStateException("Failed opening Unix socket: " + e.getMessage(), e);
        }
        boundAddresses = config.bind.addresses();
        try {
            observability.listen();
        } catch (IllegalStateException e) {
            for (Channel ch : listeners) ch.close();
            throw e;
        }
        // As Redis's main: the pid file is written once listening worked, before the dataset loads.
        String pidfile = config.pidfile.value();
        if (pidfile.isEmpty() && config.daemonize.value()) pidfile = "/var/run/redis.pid"; // CONFIG_DEFAULT_PID_FILE
        createPidFile(pidfile);
        config.port.onChange(() -> relisten("Unable to listen on this port"));
        config.bind.onChange(() -> relisten("Failed to bind to specified addresses."));
        tls.config().tlsPort.apply(this::relistenTls); // after the CONFIG SET has set the files too, as applyTLSPort
        Supervisor.start(config.supervised.value());
        // Loading comes after listening, as in Redis: clients are answered LOADING meanwhile.
        try {
            if (loads) persistence.loadAtStartup();
            // After the load's last batch on the keyspace thread (also when there was nothing to load).
            if (loads) mainLoop.next().execute(() -> engine.setLoading(false));
        } catch (RuntimeException e) {
            if (shuttingDown) return; // SHUTDOWN (or a signal) during loading: exit without the rest
            for (Channel ch : listeners) ch.close();
            throw e;
        }
        mainLoop.next().execute(() -> mainThreadId = Thread.currentThread().getId());
        Memory.startup(engine);
        HeapGuard.start(engine);
        scheduleCron();
        Banner.show(modules.mode(), boundPort, config.alwaysShowLogo.value(), config.logfile.value().isEmpty());
        Log.warning("Server initialized");
        Log.notice("Ready to accept connections tcp");
        Supervisor.ready(replication.masterClient() != null || !registry.find("replicaof").get().isEmpty());
        mainLoop.next().execute(replication::start);
        mainLoop.next().execute(modules::start);
    }

    /** Runs serverCron hz times a second; a change of hz takes effect at the next run. */
    private void scheduleCron() {
        long hz = Math.min(500, Math.max(1, engine.config.hz.value()));
        cron = mainLoop.next().schedule(() -> {
            serverCron();
            if (!shuttingDown) scheduleCron();
        }, 1000 / hz, TimeUnit.MILLISECONDS);
    }

    private static final class ListenException extends Exception {
        final String address;

        ListenException(String address, Throwable cause) {
            super(cause.getMessage(), cause);
            this.address = address;
        }
    }

    /**
     * Redis does not listen on TCP with port 0; Magpie binds a free port then (tests rely on
     * it), unless the tls-port or the unix socket is how clients come in.
     */
    private boolean tcpPortWanted() {
        return config.port.value() != 0 || (tls.config().tlsPort.value() == 0 && !unixSocket.configured());
    }

    private static int boundPort(List<Channel> channels) {
        return channels.isEmpty() ? 0 : ((java.net.InetSocketAddress) channels.get(0).localAddress()).getPort();
    }

    /** Opens a listener on every address; all or none (the ones opened are closed on failure). */
    private List<Channel> listen(ServerBootstrap bootstrap, List<String> addresses, int port) throws ListenException {
        List<Channel> opened = new ArrayList<>();
        for (String addr : addresses) {
            boolean optional = addr.startsWith("-");
            String host = optional ? addr.substring(1) : addr;
            if (host.equals("*")) host = "0.0.0.0";
            else if (host.equals("::*")) host = "::";
            try {
                Channel ch = bind(bootstrap, host, port);
                opened.add(ch);
                port = ((java.net.InetSocketAddress) ch.localAddress()).getPort(); // with port 0, every address gets the first one's
            } catch (Exception e) {
                if (optional) continue;
                for (Channel ch : opened) ch.close();
                throw new ListenException(host + ":" + port, e);
            }
        }
        return opened;
    }

    /**
     * A listener on the keyspace loop. Bootstrap.bind hands the bind to the loop as a task,
     * which CONFIG SET port (run on that loop) could not wait for; registered and bound from
     * the loop's own thread, both happen at once, and from another thread they are waited for.
     */
    private static Channel bind(ServerBootstrap bootstrap, String host, int port) throws Exception {
        Channel ch = bootstrap.register().sync().channel();
        try {
            ch.bind(new java.net.InetSocketAddress(host, port)).sync();
        } catch (Exception e) {
            ch.close();
            throw e;
        }
        return ch;
    }

    /**
     * CONFIG SET port/bind (changeListenPort, changeBindAddr): listen on the new address
     * first and close the old listeners only when that worked, so a failure changes nothing.
     */
    private void relisten(String failure) {
        int port = (int) config.port.value();
        List<String> addresses = config.bind.addresses();
        if (port == boundPort && addresses.equals(boundAddresses)) return;
        List<Channel> fresh;
        try {
            fresh = tcpPortWanted() ? listen(bootstrap, addresses, port) : List.of();
        } catch (ListenException e) {
            Log.warning("Failed to listen on %s: %s", e.address, e.getMessage());
            throw new IllegalStateException(failure, e);
        }
        boolean rebindTls = !addresses.equals(boundAddresses) && boundTlsPort != 0;
        for (Channel ch : listeners) ch.close();
        listeners.clear();
        listeners.addAll(fresh);
        boundPort = boundPort(fresh);
        boundAddresses = addresses;
        if (rebindTls) {
            boundTlsPort = -1; // changeBindAddr moves the TLS listeners too
            relistenTls();
        }
    }

    /** CONFIG SET tls-port (applyTLSPort): configures TLS if it was not, then listens on the new port. */
    private void relistenTls() {
        int port = (int) tls.config().tlsPort.value();
        if (port == boundTlsPort) return;
        if (port != 0 && !tls.configured()) {
            try {
                tls.configure();
            } catch (io.magpie.protocol.tls.SslContexts.TlsException e) {
                throw new IllegalStateException(io.magpie.server.tls.Tls.UPDATE_FAILED, e);
            }
        }
        List<Channel> fresh;
        try {
            fresh = port == 0 ? List.of() : listen(tlsBootstrap, config.bind.addresses(), port);
        } catch (ListenException e) {
            Log.warning("Failed to listen on %s: %s", e.address, e.getMessage());
            throw new IllegalStateException("Unable to listen on this port. Check server logs.", e);
        }
        for (Channel ch : tlsListeners) ch.close();
        tlsListeners.clear();
        tlsListeners.addAll(fresh);
        boundTlsPort = boundPort(fresh);
    }

    /** serverCron: the engine's periodic work plus client timeouts and the pause deadline. */
    private void serverCron() {
        try {
            engine.cron();
            persistence.cron();
            long nowMs = System.currentTimeMillis();
            if (nowMs - lastReplicationCronMs >= 1000) {
                lastReplicationCronMs = nowMs;
                replication.cron();
            }
            clientsCron();
            migrateSockets.closeIdle(nowMs);
            modules.cron(nowMs);
            if (pauseEndMs != 0 && engine.now() >= pauseEndMs) unpause();
            sampleMetrics();
            Memory.usedMemory(engine);
            HeapGuard.cron(engine);
        } catch (RuntimeException e) {
            Log.warning("Error in cron: %s", e);
        }
    }

    private void sampleMetrics() {
        long now = System.currentTimeMillis();
        if (now - metricLastSampleMs < 100) return;
        long[] current = {engine.stats.numCommands, engine.stats.netInputBytes, engine.stats.netOutputBytes};
        long elapsed = metricLastSampleMs == 0 ? 0 : now - metricLastSampleMs;
        for (int m = 0; m < 3; m++) {
            metricSamples[m][metricIndex] = elapsed == 0 ? 0 : (current[m] - metricLastValue[m]) * 1000 / elapsed;
            metricLastValue[m] = current[m];
        }
        metricIndex = (metricIndex + 1) % METRIC_SAMPLES;
        metricLastSampleMs = now;
    }

    private long metric(int m) {
        long sum = 0;
        for (long v : metricSamples[m]) sum += v;
        return sum / METRIC_SAMPLES;
    }

    public long instantaneousOps() {
        return metric(0);
    }

    public double instantaneousInputKbps() {
        return metric(1) / 1024.0;
    }

    public double instantaneousOutputKbps() {
        return metric(2) / 1024.0;
    }

    /** CONFIG RESETSTAT clears the samples too. */
    public void resetInstantaneousMetrics() {
        for (long[] m : metricSamples) java.util.Arrays.fill(m, 0);
        metricLastValue[0] = metricLastValue[1] = metricLastValue[2] = 0;
        metricLastSampleMs = 0;
    }

    /** INFO connected_clients: replicas are not counted, the master link is (as in Redis). */
    public int connectedClients() {
        return sessions.size() - replication.replicaCount() + (replication.masterClient() != null ? 1 : 0);
    }

    public long recentMaxInputBuffer() {
        long max = 0;
        for (ClientSession s : sessions) max = Math.max(max, s.queryBufferBytes());
        return max;
    }

    public long recentMaxOutputBuffer() {
        long max = 0;
        for (ClientSession s : sessions) max = Math.max(max, s.pendingOutputBytes());
        return max;
    }

    /** Output buffers of normal clients (INFO mem_clients_normal). */
    public long clientsOutputMemory() {
        long sum = 0;
        for (ClientSession s : sessions) sum += s.pendingOutputBytes();
        return sum;
    }

    /* ---------------- CLIENT PAUSE ---------------- */

    /** Pauses clients until endMs: all commands, or only those that may write (pauseClients). */
    public void pause(long endMs, boolean all) {
        // A new pause never shortens or weakens one in force.
        pauseEndMs = Math.max(pauseEndMs, endMs);
        pauseAll = pauseAll || all;
        engine.setWritesPaused(true);
    }

    /** Ends the pause and runs the commands that waited for it, in arrival order. */
    public void unpause() {
        pauseEndMs = 0;
        pauseAll = false;
        engine.setWritesPaused(false);
        List<ClientSession> waiting = new ArrayList<>(postponed);
        postponed.clear();
        for (ClientSession s : waiting) s.resumePostponed();
    }

    /** True when this command from this client must wait for the end of a pause. */
    boolean mustPostpone(Client c, io.magpie.commands.RedisCommand cmd) {
        if (pauseEndMs == 0 || c.replica || c.master) return false;
        if (pauseAll) return true;
        if (cmd == null) return false;
        if (c.multi && !cmd.fullName.equals("exec")) return false;
        if (cmd.fullName.equals("exec")) {
            for (var q : c.multiCommands) if (q.write || q.mayReplicate) return true;
            return false;
        }
        return cmd.write || cmd.mayReplicate;
    }

    void postpone(ClientSession s) {
        postponed.add(s);
    }

    /** Clients waiting for the end of CLIENT PAUSE: Redis counts them as blocked (BLOCKED_POSTPONE). */
    public int postponedClients() {
        return postponed.size();
    }

    public boolean paused() {
        return pauseEndMs != 0;
    }

    private void clientsCron() {
        long timeout = config.timeout.value();
        long now = engine.now();
        for (ClientSession s : new ArrayList<>(sessions)) {
            Client c = s.client();
            if (timeout > 0 && !c.replica && !c.master && !c.blocked && !s.paused() && !c.isSubscribed()
                    && (now - c.lastInteraction) / 1000 > timeout) {
                Log.verbose("Closing idle client");
                s.closeNow();
                continue;
            }
            s.checkOutputLimits();
            s.resizeBuffersCron(now);
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

    /** Every listening socket (TCP, TLS, unix): accepted from a long script's hook. */
    List<Channel> listeningChannels() {
        List<Channel> all = new ArrayList<>(listeners);
        all.addAll(tlsListeners);
        if (unixSocket.channel() != null) all.add(unixSocket.channel());
        return all;
    }

    void sessionOpened(ClientSession s) {
        sessions.add(s);
    }

    void sessionClosed(ClientSession s) {
        sessions.remove(s);
        replication.clientClosed(s.client());
        postponed.remove(s);
        for (java.util.function.Consumer<Client> l : closeListeners) l.accept(s.client());
    }

    /** Calls listener with each client whose connection closes, on the main thread. */
    public void onClientClosed(java.util.function.Consumer<Client> listener) {
        closeListeners.add(listener);
    }

    /** Sessions, for CLIENT LIST/KILL. Only on the main thread. */
    public List<Client> clients() {
        List<Client> l = new ArrayList<>();
        Client master = replication.masterClient();
        if (master != null) l.add(master);
        for (ClientSession s : sessions) l.add(s.client());
        return l;
    }

    public List<ClientSession> sessions() {
        return new ArrayList<>(sessions);
    }

    /** Closes a client's connection now (CLIENT KILL). */
    public void kill(Client c) {
        if (c.conn instanceof ClientSession s) {
            s.flush();
            s.closeNow();
        } else if (c.master && c.conn != null) {
            c.conn.closeAfterReply(); // the master link: it reconnects and asks for a partial resync
        }
    }

    /** Stops listening, closes clients, and ends the event loops. Safe to call from any thread. */
    public void shutdown() {
        shutdownFromAnyThread(true);
    }

    /**
     * SIGTERM/SIGINT (prepareForShutdown(SHUTDOWN_NOFLAGS)): not forced, so a final save that
     * fails keeps the server running, as Redis does. Returns false when the shutdown was refused.
     */
    public boolean shutdownOnSignal() {
        return shutdownFromAnyThread(false);
    }

    private boolean shutdownFromAnyThread(boolean force) {
        if (shuttingDown) return true;
        // Shutdown hooks touch the keyspace, so they run on its thread.
        var loop = mainLoop.next();
        if (loop.inEventLoop() || loop.isShuttingDown()) return shutdown(false, false, force);
        try {
            return loop.submit(() -> shutdown(false, false, force)).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            return shutdown(false, false, true);
        }
    }

    /**
     * prepareForShutdown + exit: runs the shutdown hooks (a failing hook aborts the shutdown
     * unless forced, as a failed final save does in Redis), then stops. Returns false when aborted.
     */
    public synchronized boolean shutdown(boolean save, boolean nosave, boolean force) {
        if (shuttingDown) return true;
        Log.warning("User requested shutdown...");
        Supervisor.stopping();
        for (ShutdownHook h : shutdownHooks) {
            try {
                h.beforeExit(save, nosave);
            } catch (Exception e) {
                if (force) {
                    Log.warning("Error trying to save the DB. Exit anyway.");
                } else {
                    Log.warning("Error trying to save the DB, can't exit.");
                    Supervisor.status("Error trying to save the DB, can't exit.");
                    Log.warning("Errors trying to shut down the server. Check the logs for more information.");
                    return false;
                }
            }
        }
        stop();
        return true;
    }

    private void stop() {
        shuttingDown = true;
        engine.scripting.stopRunningScript(); // SHUTDOWN NOSAVE from a long script's hook: the loop must come back

        if (cron != null) cron.cancel(false);
        mainLoop.execute(modules::shutdown);
        mainLoop.execute(migrateSockets::closeAll); // the targets see MIGRATE's cached links end now, as Redis closes its fds
        for (Channel ch : listeners) ch.close();
        for (Channel ch : tlsListeners) ch.close();
        unixSocket.close();
        mainLoop.execute(() -> {
            for (ClientSession s : new ArrayList<>(sessions)) {
                s.flush();
                s.closeNow();
            }
        });
        if (pidfileToRemove != null) {
            Log.notice("Removing the pid file.");
            try {
                java.nio.file.Files.deleteIfExists(java.nio.file.Path.of(pidfileToRemove));
            } catch (java.io.IOException e) {
                Log.warning("Could not remove the pid file: %s", e.getMessage());
            }
        }
        Log.warning("Redis is now ready to exit, bye bye...");
        bossGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        mainLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS).addListener(f -> stopped.countDown());
    }

    private volatile String pidfileToRemove;

    /** Writes the pid file (createPidFile) and remembers to remove it at shutdown. */
    public void createPidFile(String path) {
        if (path == null || path.isEmpty()) return;
        try {
            java.nio.file.Path p = config.dir.resolve(path); // relative to dir, as after Redis's chdir
            java.nio.file.Files.writeString(p, ProcessHandle.current().pid() + "\n");
            pidfileToRemove = p.toString();
        } catch (java.io.IOException e) {
            Log.warning("Failed to write PID file: %s", e.getMessage());
        }
    }

    public boolean isShuttingDown() {
        return shuttingDown;
    }

    public void awaitTermination() throws InterruptedException {
        stopped.await();
    }
}
