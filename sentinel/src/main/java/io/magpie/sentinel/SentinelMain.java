package io.magpie.sentinel;

import io.magpie.engine.EngineConfig;
import io.magpie.engine.config.Config;
import io.magpie.server.ConfigLoader;
import io.magpie.server.Log;
import io.magpie.server.ServerConfig;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * Sentinel mode of the magpie-server process ({@code magpie-server sentinel.conf --sentinel}
 * or {@code magpie-sentinel sentinel.conf}), as redis-server --sentinel: loads the config
 * file (which the Sentinel owns and rewrites), listens on port 26379 unless told otherwise,
 * and runs the Sentinel on one event loop thread.
 */
public final class SentinelMain {
    final String runId = randomHex(40);
    private final Sentinel sentinel = new Sentinel();
    private final boolean epoll = Epoll.isAvailable();
    private EventLoopGroup boss, loop;
    private SentinelServer server;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private Runnable exit = () -> System.exit(0);
    private String pidfile = "";

    /** Thrown for a startup failure whose report was already logged or printed. */
    public static final class StartupError extends Exception {
        public final int status;

        StartupError(int status) {
            super(null, null, false, false);
            this.status = status;
        }
    }

    /** True when the arguments ask for Sentinel mode (redis-server's checkForSentinelMode). */
    public static boolean requested(String[] args) {
        for (String a : args) if (a.equals("--sentinel")) return true;
        return false;
    }

    public static void main(String[] args) {
        SentinelMain m = new SentinelMain();
        try {
            m.start(args);
        } catch (StartupError e) {
            System.exit(e.status);
        }
        m.installSignalHandlers();
        m.awaitTermination();
        System.exit(0);
    }

    static String randomHex(int n) {
        SecureRandom r = new SecureRandom();
        StringBuilder sb = new StringBuilder(n);
        for (int i = 0; i < n; i++) sb.append("0123456789abcdef".charAt(r.nextInt(16)));
        return sb.toString();
    }

    /** What SHUTDOWN does once the Sentinel stopped (System.exit in the process, a latch in tests). */
    public void onExit(Runnable exit) {
        this.exit = exit;
    }

    public int port() {
        return server.boundPort();
    }

    private volatile long loopThreadId = -1;

    /** CPU time of the Sentinel's event loop thread (INFO's *_main_thread figures). */
    double loopCpuSeconds() {
        java.lang.management.ThreadMXBean t = java.lang.management.ManagementFactory.getThreadMXBean();
        long ns = loopThreadId < 0 ? -1 : t.getThreadCpuTime(loopThreadId);
        return ns < 0 ? 0 : ns / 1e9;
    }

    String multiplexingApi() {
        return epoll ? "epoll" : "java-nio";
    }

    String executable() {
        return Path.of("magpie-server").toAbsolutePath().toString();
    }

    public void start(String[] rawArgs) throws StartupError {
        Log.setRole('X');
        List<String> argList = new ArrayList<>();
        for (String a : rawArgs) if (!a.equals("--sentinel")) argList.add(a);
        String[] args = argList.toArray(new String[0]);
        String file = ConfigLoader.configFile(args);
        Config registry = new Config();
        new EngineConfig(registry);
        ServerConfig config = new ServerConfig(registry);
        // redis-sentinel reads every redis-server directive (and ignores what a Sentinel does not use).
        new io.magpie.server.replication.ReplicationConfig(registry);
        io.magpie.server.InertConfig.register(registry);
        try {
            config.port.set("26379");
            config.protectedMode.set("no");
        } catch (io.magpie.engine.config.ConfigException e) {
            throw new IllegalStateException(e);
        }
        String text;
        try {
            text = ConfigLoader.configText(args);
        } catch (IOException e) {
            Log.warning("Fatal error, can't open config file '%s': No such file or directory", file);
            throw new StartupError(1);
        }
        List<Object> queue = new ArrayList<>();
        try {
            String rest = SentinelConfigFile.extractSentinelLines(text, queue);
            ConfigLoader.load(registry, rest);
            sentinel.port = (int) config.port.value();
            SentinelConfigFile.applySentinelLines(sentinel, queue);
        } catch (ConfigLoader.FatalConfigError e) {
            System.err.println(e.getMessage());
            throw new StartupError(1);
        }
        try {
            Log.setFile(config.logfile.value());
        } catch (IOException e) {
            System.err.println("Can't open the log file: " + e.getMessage());
            throw new StartupError(1);
        }
        Log.setLevel(config.loglevel.value());
        sentinel.requirepass = config.requirepass.value();
        long pid = ProcessHandle.current().pid();
        Log.warning("oO0OoO0OoO0Oo Magpie is starting oO0OoO0OoO0Oo");
        Log.warning("Magpie version=%s (Redis %s compatible), bits=64, pid=%d, just started",
                io.magpie.server.commands.InfoCommand.MAGPIE_VERSION, ConfigLoader.REDIS_VERSION, pid);
        Log.warning("Configuration loaded");
        // sentinelCheckConfigFile: the Sentinel's state lives in its config file.
        if (file == null) {
            Log.warning("Sentinel needs config file on disk to save state. Exiting...");
            throw new StartupError(1);
        }
        Path path = Path.of(file).toAbsolutePath();
        if (!Files.isWritable(path)) {
            Log.warning("Sentinel config file %s is not writable: %s. Exiting...", file, "Permission denied");
            throw new StartupError(1);
        }
        sentinel.configFile = new SentinelConfigFile(path, config);

        boss = epoll ? new EpollEventLoopGroup(1) : new NioEventLoopGroup(1);
        loop = epoll ? new EpollEventLoopGroup(1) : new NioEventLoopGroup(1);
        Class<? extends ServerChannel> serverChannel = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        Bootstrap links = new Bootstrap().group(loop).channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10000);
        server = new SentinelServer(sentinel, this);
        sentinel.attach(loop, links, server);
        try {
            loop.submit(() -> {
                server.listen(boss, loop, serverChannel, config.bind.addresses(), sentinel.port);
                return null;
            }).get();
        } catch (Exception e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            Log.warning("%s", cause.getMessage());
            Log.warning("Failed listening on port %d (tcp), aborting.", sentinel.port);
            stopLoops();
            throw new StartupError(1);
        }
        if (sentinel.port == 0) sentinel.port = server.boundPort();
        Log.notice("Running mode=sentinel, port=%d.", sentinel.port);
        pidfile = config.pidfile.value();
        if (!pidfile.isEmpty()) {
            try {
                Files.writeString(Path.of(pidfile), pid + "\n");
            } catch (IOException e) {
                Log.warning("Failed to write PID file: %s", e.getMessage());
            }
        }
        try {
            loop.submit(this::sentinelIsRunning).get();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** sentinelIsRunning: pick and persist an ID on first start, then announce the monitored masters. */
    private void sentinelIsRunning() {
        loopThreadId = Thread.currentThread().getId();
        if (sentinel.myid == null) {
            sentinel.myid = randomHex(40);
            sentinel.flushConfig();
        }
        Log.warning("Sentinel ID is %s", sentinel.myid);
        sentinel.restartClocks();
        sentinel.generateInitialMonitorEvents();
        sentinel.startTimer();
    }

    private void installSignalHandlers() {
        for (String name : new String[] {"TERM", "INT"}) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal(name), sig -> {
                    Log.warning("Received SIG%s scheduling shutdown...", name);
                    loop.execute(this::shutdown);
                });
            } catch (IllegalArgumentException e) {
                Log.warning("Cannot handle SIG%s: %s", name, e.getMessage());
            }
        }
    }

    /** SHUTDOWN or a signal: close everything and exit. */
    void shutdown() {
        if (!pidfile.isEmpty()) {
            Log.notice("Removing the pid file.");
            try {
                Files.deleteIfExists(Path.of(pidfile));
            } catch (IOException ignored) {
                // as Redis, a pid file that cannot be removed does not stop the exit
            }
        }
        Log.warning("Sentinel is now ready to exit, bye bye...");
        server.close();
        Thread t = new Thread(() -> {
            stopLoops();
            stopped.countDown();
            exit.run();
        }, "sentinel-exit");
        t.start();
    }

    /** Stops without the exit hook (tests). */
    public void stop() {
        try {
            loop.submit(() -> server.close()).get();
        } catch (Exception ignored) {
            // already stopping
        }
        stopLoops();
        stopped.countDown();
    }

    private void stopLoops() {
        if (loop != null) loop.shutdownGracefully(0, 200, java.util.concurrent.TimeUnit.MILLISECONDS).awaitUninterruptibly();
        if (boss != null) boss.shutdownGracefully(0, 200, java.util.concurrent.TimeUnit.MILLISECONDS).awaitUninterruptibly();
    }

    public void awaitTermination() {
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
