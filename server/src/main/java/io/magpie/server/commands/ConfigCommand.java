package io.magpie.server.commands;

import io.magpie.engine.Client;
import io.magpie.engine.Engine;
import io.magpie.engine.Errors;
import io.magpie.engine.ReplyException;
import io.magpie.commands.CommandTable;
import io.magpie.engine.command.CommandHandler;
import io.magpie.commands.RedisCommand;
import io.magpie.engine.config.Config;
import io.magpie.engine.config.ConfigException;
import io.magpie.engine.config.Param;
import io.magpie.engine.config.Params;
import io.magpie.protocol.Glob;
import io.magpie.protocol.ArgSplitter;
import io.magpie.server.Log;
import io.magpie.server.MagpieServer;
import io.magpie.server.OutputBufferLimit;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** CONFIG GET|SET|RESETSTAT|REWRITE (config.c) over the parameter registry. */
public final class ConfigCommand {
    /** Parameters only redis.conf may change unless enable-protected-configs (Redis 7.0's PROTECTED_CONFIG). */
    private static final Set<String> PROTECTED = Set.of("dir", "dbfilename");

    private ConfigCommand() {}

    static void register(MagpieServer server) {
        CommandTable<CommandHandler> t = server.engine().commands;
        t.register("config|get", c -> get(server, c));
        t.register("config|set", c -> set(server, c));
        t.register("config|resetstat", c -> resetStat(server, c));
        t.register("config|rewrite", c -> rewrite(server, c));
        t.register("config|help", c -> c.addReplyHelp(HELP));
    }

    private static final String[] HELP = {
        "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "GET <pattern>",
        "    Return parameters matching the glob-like <pattern> and their values.",
        "SET <directive> <value>",
        "    Set the configuration <directive> to <value>.",
        "RESETSTAT",
        "    Reset statistics reported by the INFO command.",
        "REWRITE",
        "    Rewrite the configuration file.",
        "HELP",
        "    Prints this help.",
    };

    /** CONFIG GET pattern [pattern ...]: exact names answer as typed, globs by registered name. */
    static void get(MagpieServer server, Client c) {
        Config registry = server.registry();
        // Keyed by name: an exact name answers as typed, a glob lists canonical names and aliases alike.
        Map<String, Param> matches = new LinkedHashMap<>();
        for (int i = 2; i < c.argc; i++) {
            String pattern = c.argString(i);
            if (pattern.indexOf('*') < 0 && pattern.indexOf('?') < 0 && pattern.indexOf('[') < 0) {
                Param p = registry.find(pattern);
                if (p != null) matches.putIfAbsent(pattern, p);
                continue;
            }
            byte[] pat = pattern.getBytes(StandardCharsets.UTF_8);
            for (Param p : registry.all()) {
                if (p.isHidden()) continue; // test knobs answer by exact name only, as Redis's HIDDEN_CONFIG
                List<String> names = new ArrayList<>();
                names.add(p.name());
                names.addAll(p.aliases());
                for (String n : names) {
                    if (Glob.match(pat, n.getBytes(StandardCharsets.UTF_8), true)) matches.putIfAbsent(n, p);
                }
            }
        }
        c.addReplyMapLen(matches.size());
        for (Map.Entry<String, Param> e : matches.entrySet()) {
            c.addReplyBulkString(e.getKey());
            c.addReplyBulkString(e.getValue().get());
        }
    }

    /** CONFIG SET name value [name value ...]: all or nothing; a failure restores every value. */
    static void set(MagpieServer server, Client c) {
        if ((c.argc & 1) == 1) throw new ReplyException(Errors.SYNTAX);
        Config registry = server.registry();
        int n = (c.argc - 2) / 2;
        Param[] params = new Param[n];
        String[] values = new String[n];
        // Every sensitive value is redacted from the logs, even when another pair fails.
        for (int i = 0; i < n; i++) {
            Param p = registry.find(c.argString(2 + 2 * i));
            if (p != null && p.isSensitive()) c.redactArgument(3 + 2 * i);
        }
        for (int i = 0; i < n; i++) {
            String name = c.argString(2 + 2 * i);
            Param p = registry.find(name);
            if (p == null) throw new ReplyException("ERR Unknown option or number of arguments for CONFIG SET - '" + name + "'");
            if (p.isImmutable()) throw setFailed(name, "can't set immutable config");
            if (PROTECTED.contains(p.name())) throw setFailed(name, "can't set protected config");
            for (int j = 0; j < i; j++) {
                if (params[j] == p) throw setFailed(name, "duplicate parameter");
            }
            params[i] = p;
            values[i] = c.argString(3 + 2 * i);
        }
        String[] old = new String[n];
        for (int i = 0; i < n; i++) old[i] = params[i].get();
        for (int i = 0; i < n; i++) {
            try {
                params[i].set(values[i]);
            } catch (ConfigException | RuntimeException e) {
                for (int j = i; j >= 0; j--) {
                    try {
                        params[j].set(old[j]);
                    } catch (ConfigException restoreFailed) {
                        Log.warning("Failed restoring config %s: %s", params[j].name(), restoreFailed.getMessage());
                    }
                }
                throw setFailed(c.argString(2 + 2 * i), e.getMessage());
            }
        }
        runApplyFunctions(c, params, old);
        c.addReplyOk();
    }

    /** The apply functions of the parameters set, each once, after all are set; a failure restores them all. */
    private static void runApplyFunctions(Client c, Param[] params, String[] old) {
        java.util.Map<Runnable, String> applies = new java.util.LinkedHashMap<>();
        for (int i = 0; i < params.length; i++) {
            if (params[i].applyFunction() != null) applies.putIfAbsent(params[i].applyFunction(), c.argString(2 + 2 * i));
        }
        for (Map.Entry<Runnable, String> a : applies.entrySet()) {
            try {
                a.getKey().run();
            } catch (RuntimeException e) {
                Log.warning("Failed applying new configuration. Possibly related to new %s setting. Restoring previous settings.",
                        a.getValue());
                for (int j = params.length - 1; j >= 0; j--) {
                    try {
                        params[j].set(old[j]);
                    } catch (ConfigException restoreFailed) {
                        Log.warning("Failed restoring config %s: %s", params[j].name(), restoreFailed.getMessage());
                    }
                }
                for (Runnable again : applies.keySet()) {
                    try {
                        again.run();
                    } catch (RuntimeException stillFailing) {
                        Log.warning("Failed applying restored config: %s", stillFailing.getMessage());
                    }
                }
                throw setFailed(a.getValue(), e.getMessage());
            }
        }
    }

    private static ReplyException setFailed(String name, String reason) {
        return new ReplyException("ERR CONFIG SET failed (possibly related to argument '" + name + "') - " + reason);
    }

    /** CONFIG RESETSTAT: stats, commandstats, errorstats and the slowlog-free counters. */
    static void resetStat(MagpieServer server, Client c) {
        resetStats(server);
        c.addReplyOk();
    }

    public static void resetStats(MagpieServer server) {
        Engine e = server.engine();
        e.stats.reset();
        for (RedisCommand cmd : e.commands.allImplemented()) cmd.resetStats();
        server.resetInstantaneousMetrics();
    }

    static void rewrite(MagpieServer server, Client c) {
        String file = server.configFile();
        if (file == null) throw new ReplyException("ERR The server is running without a config file");
        try {
            rewriteConfig(server.registry(), Path.of(file));
        } catch (IOException e) {
            Log.warning("CONFIG REWRITE failed: %s", e.getMessage());
            throw new ReplyException("ERR Rewriting config file: " + e.getMessage());
        }
        Log.notice("CONFIG REWRITE executed with success.");
        c.addReplyOk();
    }

    /**
     * Rewrites the config file in place as Redis's rewriteConfig: comments and lines it does
     * not know stay where they are; the first line of an option is replaced with its value,
     * later lines of the same option are blanked; an option at its default is left out
     * unless the file names it; others are appended after "# Generated by CONFIG REWRITE".
     */
    public static void rewriteConfig(Config registry, Path file) throws IOException {
        List<String> lines = Files.exists(file) ? new ArrayList<>(Files.readAllLines(file, StandardCharsets.UTF_8)) : new ArrayList<>();
        Map<Param, List<Integer>> positions = new LinkedHashMap<>();
        List<Integer> userLines = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) continue;
            byte[][] argv = ArgSplitter.split(line.getBytes(StandardCharsets.UTF_8));
            if (argv == null || argv.length == 0) continue;
            Param p = registry.find(new String(argv[0], StandardCharsets.UTF_8));
            if (p != null) positions.computeIfAbsent(p, k -> new ArrayList<>()).add(i);
            if (new String(argv[0], StandardCharsets.UTF_8).equalsIgnoreCase("user")) userLines.add(i);
        }
        List<String> appended = new ArrayList<>();
        Set<Integer> blank = new LinkedHashSet<>();
        for (Param p : registry.all()) {
            List<Integer> at = positions.getOrDefault(p, List.of());
            // A default value is written only where the file already names the option.
            List<String> newLines = p.get().equals(p.defaultValue()) && at.isEmpty() ? List.of() : formatLines(p);
            int k = 0;
            for (; k < at.size() && k < newLines.size(); k++) lines.set(at.get(k), newLines.get(k));
            for (int r = k; r < at.size(); r++) blank.add(at.get(r));
            for (int r = k; r < newLines.size(); r++) appended.add(newLines.get(r));
        }
        if (registry.userRewriteLines != null) {
            // rewriteConfigUserOption: every user's rules replace the file's user lines.
            List<String> users = registry.userRewriteLines.get();
            int k = 0;
            for (; k < userLines.size() && k < users.size(); k++) lines.set(userLines.get(k), users.get(k));
            for (int r = k; r < userLines.size(); r++) blank.add(userLines.get(r));
            for (int r = k; r < users.size(); r++) appended.add(users.get(r));
        }
        for (int i : blank) lines.set(i, "");
        if (!appended.isEmpty()) {
            if (!lines.contains("# Generated by CONFIG REWRITE")) {
                if (!lines.isEmpty() && !lines.get(lines.size() - 1).isEmpty()) lines.add("");
                lines.add("# Generated by CONFIG REWRITE");
            }
            lines.addAll(appended);
        }
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp-" + ProcessHandle.current().pid());
        Files.writeString(tmp, String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** The redis.conf lines for a parameter's current value, formatted as Redis writes them. */
    static List<String> formatLines(Param p) {
        String name = p.name();
        if (p instanceof OutputBufferLimit obl) {
            List<String> out = new ArrayList<>();
            OutputBufferLimit defaults = new OutputBufferLimit();
            String[] classes = {"normal", "replica", "pubsub"};
            for (int i = 0; i < 3; i++) {
                if (obl.hard[i] == defaults.hard[i] && obl.soft[i] == defaults.soft[i] && obl.softSeconds[i] == defaults.softSeconds[i]) continue;
                out.add(name + " " + classes[i] + " " + memory(obl.hard[i]) + " " + memory(obl.soft[i]) + " " + obl.softSeconds[i]);
            }
            return out;
        }
        // A master has no replicaof line: the file's old ones are removed (rewriteConfigReplicaOfOption).
        if (name.equals("replicaof") && p.get().isEmpty()) return List.of();
        if (p instanceof Params.LongParam l) return List.of(name + " " + (l.isMemory() ? memory(l.value()) : l.get()));
        if (p instanceof Params.BoolParam || p instanceof Params.EnumParam<?>) return List.of(name + " " + p.get());
        if (p instanceof Params.StringParam) return List.of(name + " " + io.magpie.engine.Engine.reprQuoted(p.get().getBytes(StandardCharsets.UTF_8)));
        // Multi-word values (bind, save) are written as words; single strings quoted as sdscatrepr.
        String v = p.get();
        boolean words = name.equals("bind") || (v.indexOf(' ') >= 0 && v.indexOf('"') < 0);
        return List.of(name + " " + (words ? v : io.magpie.engine.Engine.reprQuoted(v.getBytes(StandardCharsets.UTF_8))));
    }

    /** rewriteConfigFormatMemory: the largest unit that divides the value exactly. */
    static String memory(long bytes) {
        if (bytes == 0) return "0";
        if (bytes % (1L << 30) == 0) return (bytes >> 30) + "gb";
        if (bytes % (1L << 20) == 0) return (bytes >> 20) + "mb";
        if (bytes % 1024 == 0) return (bytes >> 10) + "kb";
        return Long.toString(bytes);
    }
}
