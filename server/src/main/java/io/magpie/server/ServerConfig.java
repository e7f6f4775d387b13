package io.magpie.server;

import io.magpie.engine.config.Config;
import io.magpie.engine.config.ConfigException;
import io.magpie.engine.config.Params.BoolParam;
import io.magpie.engine.config.Params.EnumParam;
import io.magpie.engine.config.Params.LongParam;
import io.magpie.engine.config.Params.StringParam;
import io.magpie.engine.EngineConfig;
import java.util.List;
import java.util.Locale;

/** The server's own parameters (networking, limits, logging), with Redis 7.0's names and defaults. */
public final class ServerConfig {
    private static final long INTMAX = Integer.MAX_VALUE;

    public final LongParam port;
    public final BindParam bind;
    public final LongParam tcpBacklog;
    public final LongParam tcpKeepalive;
    public final LongParam timeout;
    public final LongParam maxclients;
    public final LongParam protoMaxBulkLen;
    public final LongParam clientQueryBufferLimit;
    public final OutputBufferLimit clientOutputBufferLimit;
    public final StringParam requirepass;
    public final BoolParam protectedMode;
    public final BoolParam daemonize;
    public final StringParam pidfile;
    public final StringParam logfile;
    public final EnumParam<Log.Level> loglevel;
    public final DirParam dir;
    public final EnumParam<Supervised> supervised;
    public final BoolParam alwaysShowLogo;
    public final EnumParam<DebugAccess> enableDebugCommand;
    /** metrics-port: Prometheus metrics and the status page over HTTP (0: off). Magpie's own. */
    public final LongParam metricsPort;

    /** supervised: how the process tells a supervisor it is ready (Redis's supervised_mode_enum). */
    public enum Supervised { UPSTART, SYSTEMD, AUTO, NO }

    /** enable-debug-command: no, yes, or only from local connections. */
    public enum DebugAccess { NO, YES, LOCAL }

    public ServerConfig(Config c) {
        port = c.register(new LongParam("port", 6379, 0, 65535, false));
        bind = c.register(new BindParam());
        tcpBacklog = c.register(new LongParam("tcp-backlog", 511, 0, INTMAX, false));
        tcpBacklog.immutable();
        tcpKeepalive = c.register(new LongParam("tcp-keepalive", 300, 0, INTMAX, false));
        timeout = c.register(new LongParam("timeout", 0, 0, INTMAX, false));
        maxclients = c.register(new LongParam("maxclients", 10000, 1, 4294967295L, false));
        protoMaxBulkLen = c.register(new LongParam("proto-max-bulk-len", 512L << 20, 1 << 20, Long.MAX_VALUE, true));
        clientQueryBufferLimit = c.register(new LongParam("client-query-buffer-limit", 1L << 30, 1 << 20, Long.MAX_VALUE, true));
        clientOutputBufferLimit = c.register(new OutputBufferLimit());
        requirepass = c.register(new StringParam("requirepass", ""));
        requirepass.sensitive();
        protectedMode = c.register(new BoolParam("protected-mode", true));
        daemonize = c.register(new BoolParam("daemonize", false));
        daemonize.immutable();
        pidfile = c.register(new StringParam("pidfile", ""));
        pidfile.immutable();
        logfile = c.register(new StringParam("logfile", ""));
        logfile.immutable();
        loglevel = c.register(new EnumParam<>("loglevel", Log.Level.NOTICE, Log.Level.values(), l -> l.name().toLowerCase(Locale.ROOT)));
        dir = c.register(new DirParam());
        supervised = c.register(new EnumParam<>("supervised", Supervised.NO, Supervised.values(), s -> s.name().toLowerCase(Locale.ROOT)));
        supervised.immutable();
        alwaysShowLogo = c.register(new BoolParam("always-show-logo", false));
        alwaysShowLogo.immutable();
        enableDebugCommand = c.register(new EnumParam<>("enable-debug-command", DebugAccess.NO, DebugAccess.values(),
                d -> d.name().toLowerCase(Locale.ROOT)));
        enableDebugCommand.immutable();
        metricsPort = c.register(new LongParam("metrics-port", 0, 0, 65535, false));
        // Magpie's own: hidden from CONFIG GET patterns, so CONFIG GET * lists Redis's parameters only.
        metricsPort.immutable().hidden();
    }

    /**
     * dir: the working directory. Redis chdir()s into it while reading the configuration, so
     * a directory that does not exist stops the start (and CONFIG SET) with strerror's text.
     * The JVM cannot chdir: relative paths (logfile, pidfile, AOF, dump) resolve against it.
     */
    public static final class DirParam extends EngineConfig.Custom {
        private java.nio.file.Path value = java.nio.file.Path.of(System.getProperty("user.dir"));

        DirParam() {
            super("dir");
        }

        public java.nio.file.Path path() {
            return value;
        }

        public String value() {
            return value.toString();
        }

        /** A path as Redis opens it after its chdir: relative ones are inside dir. */
        public java.nio.file.Path resolve(String path) {
            return value.resolve(path);
        }

        @Override public String get() {
            return value.toString();
        }

        @Override public String defaultValue() {
            return System.getProperty("user.dir");
        }

        @Override protected void parseAndSet(String v) throws ConfigException {
            java.nio.file.Path p = value.resolve(v).toAbsolutePath().normalize();
            if (!java.nio.file.Files.exists(p)) throw error("No such file or directory");
            if (!java.nio.file.Files.isDirectory(p)) throw error("Not a directory");
            if (!java.nio.file.Files.isExecutable(p)) throw error("Permission denied");
            value = p;
        }
    }

    /** bind: one or more addresses ("* -::*" by default: every IPv4 and IPv6 address). */
    public static final class BindParam extends EngineConfig.Custom {
        private List<String> addresses = List.of("*", "-::*");

        BindParam() {
            super("bind");
        }

        public List<String> addresses() {
            return addresses;
        }

        @Override public String get() {
            return String.join(" ", addresses);
        }

        @Override public String defaultValue() {
            return "* -::*";
        }

        @Override public void setFromConfigFile(List<String> words) throws ConfigException {
            if (words.size() == 1 && words.get(0).strip().contains(" ")) words = List.of(words.get(0).strip().split("\\s+"));
            if (words.isEmpty()) throw error("wrong number of arguments");
            if (words.size() > 16) throw error("Too many bind addresses specified.");
            addresses = List.copyOf(words);
        }

        @Override protected void parseAndSet(String value) throws ConfigException {
            setFromConfigFile(List.of(value.trim().split("\\s+")));
        }
    }
}
