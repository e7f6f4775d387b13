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
    public final StringParam dir;
    public final EnumParam<DebugAccess> enableDebugCommand;

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
        logfile = c.register(new StringParam("logfile", ""));
        logfile.immutable();
        loglevel = c.register(new EnumParam<>("loglevel", Log.Level.NOTICE, Log.Level.values(), l -> l.name().toLowerCase(Locale.ROOT)));
        dir = c.register(new StringParam("dir", System.getProperty("user.dir")));
        enableDebugCommand = c.register(new EnumParam<>("enable-debug-command", DebugAccess.NO, DebugAccess.values(),
                d -> d.name().toLowerCase(Locale.ROOT)));
        enableDebugCommand.immutable();
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
