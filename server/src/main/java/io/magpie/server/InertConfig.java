package io.magpie.server;

import io.magpie.engine.config.Config;
import io.magpie.engine.config.ConfigException;
import io.magpie.engine.config.Param;
import io.magpie.engine.config.Params.BoolParam;
import io.magpie.engine.config.Params.LongParam;
import io.magpie.engine.config.Params.StringParam;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The parameters of Redis 7.0's configuration that have no meaning on the JVM, or that
 * belong to a mode this build does not run (jemalloc, transparent huge pages, the process
 * title, the OOM score, syslog, TLS, io-threads, cluster...). Each is accepted in redis.conf
 * and by CONFIG SET with Redis's type, range, default and mutability, and listed by
 * CONFIG GET, so that any Redis 7.0 configuration loads; a value other than the default is
 * logged as having no effect. A module that implements one of them registers its own
 * parameter, which replaces the placeholder (see {@link Param#inert()}).
 */
public final class InertConfig {
    private static final long INTMAX = Integer.MAX_VALUE;
    private static final long LONGMAX = Long.MAX_VALUE;
    private static final long UINTMAX = 4294967295L;

    private final Config registry;
    private final List<Param> registered = new ArrayList<>();

    private InertConfig(Config registry) {
        this.registry = registry;
    }

    /** Registers every placeholder whose name no module registered. */
    public static InertConfig register(Config registry) {
        InertConfig c = new InertConfig(registry);
        c.declare();
        return c;
    }

    /** Logs the placeholders set to something else than Redis's default, now and at every later change. */
    public void logIgnoredValues() {
        for (Param p : registered) {
            if (registry.find(p.name()) != p) continue; // replaced by a real implementation
            if (!p.get().equals(p.defaultValue())) logIgnored(p);
            p.onChange(() -> logIgnored(p));
        }
    }

    private static void logIgnored(Param p) {
        Log.notice("Config '%s' is set to '%s': accepted for compatibility, it has no effect on the JVM.", p.name(), p.get());
    }

    private void declare() {
        // Memory allocator, kernel and process: jemalloc, THP, OOM killer, proc title, CPU affinity.
        add(bool("activerehashing", true));
        add(bool("activedefrag", false));
        add(number("active-defrag-cycle-min", 1, 1, 99));
        add(number("active-defrag-cycle-max", 25, 1, 99));
        add(number("active-defrag-threshold-lower", 10, 0, 1000));
        add(number("active-defrag-threshold-upper", 100, 0, 1000));
        add(number("active-defrag-max-scan-fields", 1000, 1, LONGMAX));
        add(memory("active-defrag-ignore-bytes", 100L << 20, 1, LONGMAX));
        add(bool("jemalloc-bg-thread", true));
        add(bool("disable-thp", true).immutable());
        add(choice("oom-score-adj", "no", "no", "yes", "relative", "absolute"));
        add(words("oom-score-adj-values", "0 200 800", InertConfig::validOomScores));
        add(bool("set-proc-title", true).immutable());
        add(words("proc-title-template", "{title} {listen-addr} {server-mode}", InertConfig::validProcTitleTemplate).keepCase());
        add(bool("dynamic-hz", true));
        add(string("server_cpulist", "").immutable());
        add(string("bio_cpulist", "").immutable());
        add(string("aof_rewrite_cpulist", "").immutable());
        add(string("bgsave_cpulist", "").immutable());
        add(number("io-threads", 1, 1, 128).immutable());
        add(bool("io-threads-do-reads", false).immutable());
        add(bool("crash-log-enabled", true));
        add(bool("crash-memcheck-enabled", true));
        add(bool("use-exit-on-panic", false).hidden());
        add(number("watchdog-period", 0, 0, INTMAX).hidden());
        add(number("loading-process-events-interval-bytes", 2L << 20, 1024, INTMAX).hidden());
        add(number("rdb-key-save-delay", 0, Integer.MIN_VALUE, INTMAX).hidden());
        add(bool("rdb-del-sync-files", false));
        add(bool("rdb-save-incremental-fsync", true));
        add(string("ignore-warnings", ""));
        // Logging to syslog, unix sockets, socket marks.
        add(bool("syslog-enabled", false).immutable());
        add(string("syslog-ident", "redis").immutable());
        add(choice("syslog-facility", "local0", "user", "local0", "local1", "local2", "local3", "local4", "local5", "local6",
                "local7").immutable());
        add(string("unixsocket", "").immutable());
        add(new OctalParam("unixsocketperm").immutable());
        add(number("socket-mark-id", 0, 0, UINTMAX).immutable());
        add(string("bind-source-addr", ""));
        // Features this build does not have yet (ACL file, modules, client memory); latency-tracking-info-percentiles is read by INFO.
        add(string("aclfile", "").immutable());
        add(number("acllog-max-len", 128, 0, LONGMAX));
        add(choice("acl-pubsub-default", "resetchannels", "allchannels", "resetchannels"));
        add(choice("enable-protected-configs", "no", "no", "yes", "local").immutable());
        add(choice("enable-module-command", "no", "no", "yes", "local").immutable());
        add(words("latency-tracking-info-percentiles", "50 99 99.9", InertConfig::validPercentiles).format(InertConfig::formatPercentiles));
        add(memoryOrPercent("maxmemory-clients"));
        add(number("tracking-table-max-keys", 1000000, 0, LONGMAX));
        add(number("busy-reply-threshold", 5000, 0, LONGMAX, "lua-time-limit"));
        add(number("stream-node-max-entries", 100, 0, LONGMAX));
        add(memory("stream-node-max-bytes", 4096, 0, LONGMAX));
        add(choice("sanitize-dump-payload", "no", "no", "yes", "clients"));
        add(choice("propagation-error-behavior", "ignore", "ignore", "panic", "panic-on-replicas"));
        add(number("shutdown-timeout", 10, 0, INTMAX));
        add(words("shutdown-on-sigint", "default", InertConfig::validShutdownFlags));
        add(words("shutdown-on-sigterm", "default", InertConfig::validShutdownFlags));
        // Cluster mode.
        add(bool("cluster-enabled", false).immutable());
        add(string("cluster-config-file", "nodes.conf").immutable());
        add(number("cluster-port", 0, 0, 65535).immutable());
        add(number("cluster-node-timeout", 15000, 0, LONGMAX));
        add(number("cluster-migration-barrier", 1, 0, INTMAX));
        add(number("cluster-replica-validity-factor", 10, 0, INTMAX, "cluster-slave-validity-factor"));
        add(bool("cluster-replica-no-failover", false, "cluster-slave-no-failover"));
        add(bool("cluster-require-full-coverage", true));
        add(bool("cluster-allow-reads-when-down", false));
        add(bool("cluster-allow-pubsubshard-when-down", true));
        add(bool("cluster-allow-replica-migration", true));
        add(string("cluster-announce-ip", ""));
        add(words("cluster-announce-hostname", "", InertConfig::validHostname).keepCase());
        add(number("cluster-announce-port", 0, 0, 65535));
        add(number("cluster-announce-bus-port", 0, 0, 65535));
        add(number("cluster-announce-tls-port", 0, 0, 65535));
        add(choice("cluster-preferred-endpoint-type", "ip", "ip", "hostname", "unknown-endpoint"));
        add(memory("cluster-link-sendbuf-limit", 0, 0, LONGMAX));
        // TLS.
        add(number("tls-port", 0, 0, 65535));
        add(number("tls-session-cache-size", 20 * 1024, 0, INTMAX));
        add(number("tls-session-cache-timeout", 300, 0, INTMAX));
        add(bool("tls-cluster", false));
        add(bool("tls-replication", false));
        add(choice("tls-auth-clients", "yes", "no", "yes", "optional"));
        add(bool("tls-prefer-server-ciphers", false));
        add(bool("tls-session-caching", true));
        for (String s : new String[] {"tls-cert-file", "tls-key-file", "tls-key-file-pass", "tls-client-cert-file",
            "tls-client-key-file", "tls-client-key-file-pass", "tls-dh-params-file", "tls-ca-cert-file", "tls-ca-cert-dir",
            "tls-protocols", "tls-ciphers", "tls-ciphersuites"}) {
            add(string(s, ""));
        }
    }

    private void add(Param p) {
        for (String n : names(p)) {
            if (registry.find(n) != null) return; // a module implements it
        }
        registered.add(registry.register(p.inert()));
    }

    private static List<String> names(Param p) {
        List<String> l = new ArrayList<>(p.aliases());
        l.add(p.name());
        return l;
    }

    private static Param bool(String name, boolean def, String... aliases) {
        return new BoolParam(name, def, aliases);
    }

    private static Param number(String name, long def, long min, long max, String... aliases) {
        return new LongParam(name, def, min, max, false, aliases);
    }

    private static Param memory(String name, long def, long min, long max) {
        return new LongParam(name, def, min, max, true);
    }

    private static Param string(String name, String def) {
        return new StringParam(name, def);
    }

    private static Param choice(String name, String def, String... values) {
        return new WordsParam(name, def, words -> {
            if (words.size() != 1 || !List.of(values).contains(words.get(0).toLowerCase(Locale.ROOT))) {
                return "argument(s) must be one of the following: " + String.join(", ", values);
            }
            return null;
        });
    }

    private static WordsParam words(String name, String def, java.util.function.Function<List<String>, String> check) {
        return new WordsParam(name, def, check);
    }

    /** maxmemory-clients: a memory value or a percentage of maxmemory (0 to 100%). */
    private static Param memoryOrPercent(String name) {
        return new WordsParam(name, "0", words -> {
            if (words.size() != 1) return "wrong number of arguments";
            String v = words.get(0);
            if (v.endsWith("%")) {
                String digits = v.substring(0, v.length() - 1);
                if (digits.isEmpty() || !digits.chars().allMatch(Character::isDigit) || digits.length() > 18) {
                    return "argument must be a memory or percent value";
                }
                return Long.parseLong(digits) > 100 ? "percentage argument must be less or equal to 100" : null;
            }
            return io.magpie.engine.config.Params.parseMemory(v) == Long.MIN_VALUE ? "argument must be a memory or percent value" : null;
        });
    }

    private static String validOomScores(List<String> words) {
        if (words.size() != 3) return "wrong number of arguments";
        for (String w : words) {
            try {
                int v = Integer.parseInt(w);
                if (v < -2000 || v > 2000) throw new NumberFormatException();
            } catch (NumberFormatException e) {
                return "Invalid oom-score-adj-values, elements must be between -2000 and 2000.";
            }
        }
        return null;
    }

    private static String validPercentiles(List<String> words) {
        for (String w : words) {
            try {
                double v = Double.parseDouble(w);
                if (v < 0 || v > 100) return "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]";
            } catch (NumberFormatException e) {
                return "Invalid latency-tracking-info-percentiles parameters";
            }
        }
        return null;
    }

    /** CONFIG GET shows the percentiles as %f trimmed ("50.0" reads back "50"). */
    private static String formatPercentiles(String v) {
        StringBuilder sb = new StringBuilder();
        for (String w : v.isBlank() ? new String[0] : v.split(" ")) {
            if (sb.length() > 0) sb.append(' ');
            sb.append(new java.math.BigDecimal(w).stripTrailingZeros().toPlainString());
        }
        return sb.toString();
    }

    private static String validShutdownFlags(List<String> words) {
        List<String> flags = List.of("default", "save", "nosave", "now", "force");
        if (words.isEmpty()) return "argument(s) must be one of the following: " + String.join(", ", flags);
        for (String w : words) {
            if (!flags.contains(w.toLowerCase(Locale.ROOT))) return "argument(s) must be one of the following: " + String.join(", ", flags);
        }
        List<String> lower = words.stream().map(w -> w.toLowerCase(Locale.ROOT)).toList();
        if (lower.contains("save") && lower.contains("nosave")) return "shutdown options SAVE and NOSAVE can't be used simultaneously";
        return null;
    }

    private static String validHostname(List<String> words) {
        String v = String.join(" ", words);
        if (v.length() >= 256) return "Hostnames must be less than 256 characters";
        for (char ch : v.toCharArray()) {
            if (!(Character.isLetterOrDigit(ch) && ch < 128) && ch != '-' && ch != '.') {
                return "Hostnames may only contain alphanumeric characters, hyphens or dots";
            }
        }
        return null;
    }

    /** validateProcTitleTemplate: known {variables} only, "{{" and "}}" as escapes, not empty once expanded. */
    private static String validProcTitleTemplate(List<String> words) {
        String t = String.join(" ", words);
        List<String> known = List.of("title", "listen-addr", "server-mode", "config-file", "port", "tls-port", "unixsocket");
        StringBuilder expanded = new StringBuilder();
        for (int i = 0; i < t.length(); i++) {
            char ch = t.charAt(i);
            if ((ch == '{' || ch == '}') && i + 1 < t.length() && t.charAt(i + 1) == ch) {
                expanded.append(ch);
                i++;
            } else if (ch == '{') {
                int end = t.indexOf('}', i);
                if (end < 0 || !known.contains(t.substring(i + 1, end))) return PROC_TITLE_INVALID;
                String var = t.substring(i + 1, end);
                expanded.append(var.equals("title") || var.equals("server-mode") || var.equals("unixsocket") ? "" : "x");
                i = end;
            } else if (ch == '}') {
                return PROC_TITLE_INVALID;
            } else {
                expanded.append(ch);
            }
        }
        return expanded.toString().isBlank() ? PROC_TITLE_INVALID : null;
    }

    private static final String PROC_TITLE_INVALID = "template format is invalid or contains unknown variables";

    /** A value of one or more words checked by a rule (Redis's enum and multi-argument configs). */
    private static final class WordsParam extends Param {
        private final String defaultValue;
        private final java.util.function.Function<List<String>, String> check;
        private java.util.function.UnaryOperator<String> format = v -> v.toLowerCase(Locale.ROOT);
        private boolean freeText;
        private String value;

        WordsParam(String name, String defaultValue, java.util.function.Function<List<String>, String> check) {
            super(name);
            this.defaultValue = this.value = defaultValue;
            this.check = check;
        }

        /** A free text (a template, a host name): kept as written, not lowercased as enum words are. */
        WordsParam keepCase() {
            freeText = true;
            return format(v -> v);
        }

        WordsParam format(java.util.function.UnaryOperator<String> f) {
            this.format = f;
            return this;
        }

        @Override public String get() {
            return value;
        }

        @Override public String defaultValue() {
            return defaultValue;
        }

        @Override public void setFromConfigFile(List<String> words) throws ConfigException {
            set(String.join(" ", words));
        }

        @Override protected void parseAndSet(String v) throws ConfigException {
            List<String> words = v.isBlank() ? List.of() : List.of(v.strip().split("\\s+"));
            String error = check.apply(words);
            if (error != null) throw new ConfigException(error);
            value = format.apply(freeText ? v : String.join(" ", words));
        }
    }

    /** unixsocketperm: a permission mask written in octal (0 to 777). */
    static final class OctalParam extends Param {
        private int value;

        OctalParam(String name) {
            super(name);
        }

        int value() {
            return value;
        }

        @Override public String get() {
            return Integer.toOctalString(value);
        }

        @Override public String defaultValue() {
            return "0";
        }

        @Override protected void parseAndSet(String v) throws ConfigException {
            try {
                int parsed = Integer.parseInt(v, 8);
                if (parsed < 0 || parsed > 0777) throw new ConfigException("argument must be between 0 and 777 inclusive");
                value = parsed;
            } catch (NumberFormatException e) {
                throw new ConfigException("argument couldn't be parsed into an integer");
            }
        }
    }
}
