package io.magpie.app;

import io.magpie.engine.config.Config;
import io.magpie.server.ConfigLoader;
import io.magpie.server.Log;
import io.magpie.server.MagpieServer;
import io.magpie.server.commands.InfoCommand;
import io.magpie.cluster.node.ClusterModule;
import io.magpie.cluster.node.ClusterParams;
import io.magpie.raft.RaftModule;
import io.magpie.raft.shard.ShardedRaftModule;
import io.magpie.sentinel.SentinelModule;

/**
 * The magpie-server entry point, with redis-server's command line:
 * {@code magpie-server [/path/to/magpie.conf] [--port 6379] [--name value ...]}; with
 * {@code --sentinel} it runs as a Sentinel instead (magpie-sentinel).
 */
public final class Main {
    private Main() {}

    public static void main(String[] args) throws Exception {
        if (args.length == 1 && (args[0].equals("-v") || args[0].equals("--version"))) {
            System.out.println("Redis server v=" + ConfigLoader.REDIS_VERSION + " sha=00000000:0 malloc=jvm bits=64 build=magpie-0.1.0");
            System.exit(0);
        }
        if (args.length == 1 && (args[0].equals("-h") || args[0].equals("--help"))) {
            System.err.println("Usage: ./magpie-server [/path/to/magpie.conf] [options] [-]");
            System.err.println("       ./magpie-server - (read config from stdin)");
            System.err.println("       ./magpie-server -v or --version");
            System.err.println("       ./magpie-server -h or --help");
            System.err.println();
            System.err.println("Examples:");
            System.err.println("       ./magpie-server (run the server with default conf)");
            System.err.println("       ./magpie-server /etc/redis/6379.conf");
            System.err.println("       ./magpie-server --port 7777");
            System.err.println("       ./magpie-server /etc/myredis.conf --loglevel verbose -");
            System.exit(1);
        }
        // The mode is configuration: --sentinel (or the magpie-sentinel launcher) adds Sentinel's module.
        boolean sentinelMode = SentinelModule.requested(args);
        if (sentinelMode) args = SentinelModule.withoutFlag(args);
        Log.setRole(sentinelMode ? 'X' : 'C');
        Config registry = new Config();
        MagpieServer server = new MagpieServer(registry);
        SentinelModule sentinel = sentinelMode ? new SentinelModule(server) : null;
        if (sentinel != null) server.modules().add(sentinel);
        // Cluster mode's parameters replace the inert placeholders; cluster-enabled then decides.
        ClusterParams clusterParams = sentinelMode ? null : ClusterParams.register(registry);
        String file = ConfigLoader.configFile(args);
        String text;
        String stdinConfig = null;
        try {
            if (ConfigLoader.configFromStdin(args)) stdinConfig = new String(System.in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            text = ConfigLoader.configText(args, new java.io.ByteArrayInputStream(
                    (stdinConfig == null ? "" : stdinConfig).getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        } catch (java.nio.file.NoSuchFileException e) {
            Log.warning("Fatal error, can't open config file '%s': No such file or directory", file);
            System.exit(1);
            return;
        } catch (java.io.IOException e) {
            Log.warning("Fatal error, can't open config file '%s': %s", file, e.getMessage());
            System.exit(1);
            return;
        }
        // raft-enabled yes (in the file or as --raft-enabled yes) adds the Raft group's module and its raft-* parameters.
        if (sentinel == null && RaftModule.requested(text)) {
            // raft-shards above 0: many groups behind a placement group, routed by slot.
            server.modules().add(ShardedRaftModule.requested(text) ? new ShardedRaftModule(server) : new RaftModule(server));
        }
        try {
            if (sentinel != null) text = sentinel.takeConfigLines(text);
            ConfigLoader.load(registry, text);
            if (sentinel != null) sentinel.applyConfigLines();
        } catch (ConfigLoader.FatalConfigError e) {
            System.err.println(e.getMessage());
            System.exit(1);
        }
        if (server.config().daemonize.value()) {
            boolean parent;
            try {
                parent = Daemon.detach(args, stdinConfig);
            } catch (java.io.IOException | RuntimeException e) {
                Log.warning("Can't daemonize: %s", e.getMessage());
                System.exit(1);
                return;
            }
            if (parent) {
                System.exit(0); // the parent of a daemon, as after Redis's fork
                return;
            }
        }
        server.setConfigFile(file);
        String logfile = server.config().logfile.value();
        Log.setFile(logfile.isEmpty() ? (Daemon.isDaemon() ? "/dev/null" : "") : server.config().dir.resolve(logfile).toString());
        long pid = ProcessHandle.current().pid();
        Log.warning("oO0OoO0OoO0Oo Magpie is starting oO0OoO0OoO0Oo");
        Log.warning("Magpie version=%s (Redis %s compatible), bits=64, pid=%d, just started",
                InfoCommand.MAGPIE_VERSION, ConfigLoader.REDIS_VERSION, pid);
        if (args.length == 0) {
            Log.warning("Warning: no config file specified, using the default config. In order to specify a config file use ./magpie-server /path/to/magpie.conf");
        } else {
            Log.warning("Configuration loaded");
        }
        if (sentinel != null && !sentinel.checkConfigFile(file)) System.exit(1);
        Log.setRole(sentinelMode ? 'X' : 'M');
        if (clusterParams != null && ClusterModule.enabled(clusterParams)) {
            try {
                server.modules().add(new ClusterModule(server, clusterParams));
            } catch (IllegalStateException e) {
                Log.warning("%s", e.getMessage());
                System.exit(1);
            }
        }
        Signals.install(server);
        try {
            server.start();
        } catch (Exception e) {
            // A start that failed (port taken, unreadable data) exits at once: nothing is
            // saved or rewritten, as Redis exits(1) before its dataset is loaded.
            if (!(e instanceof io.magpie.persistence.Persistence.LoadFailure)) Log.warning("%s", e.getMessage());
            System.exit(1);
        }
        server.awaitTermination();
        System.exit(0);
    }
}
