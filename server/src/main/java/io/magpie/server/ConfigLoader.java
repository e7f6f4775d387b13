package io.magpie.server;

import io.magpie.engine.config.Config;
import io.magpie.engine.config.ConfigException;
import io.magpie.engine.config.Param;
import io.magpie.protocol.ArgSplitter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Loads configuration the way redis-server does: an optional redis.conf-syntax file, then
 * "--name value" arguments appended as extra lines. An unknown directive or a bad value
 * stops startup with Redis's "FATAL CONFIG FILE ERROR" report naming the line.
 */
public final class ConfigLoader {
    /** Redis's version, reported wherever clients and tools check it. */
    public static final String REDIS_VERSION = "7.0.15";

    public static final class FatalConfigError extends Exception {
        public FatalConfigError(String report) {
            super(report, null, false, false);
        }
    }

    /** The config file named in the arguments (a first argument not starting with "-"), or null. */
    public static String configFile(String[] args) {
        if (args.length > 0 && !args[0].startsWith("-")) return args[0];
        return null;
    }

    /** Whether the configuration also comes from stdin: a "-" as the first or last argument (redis-server's main). */
    public static boolean configFromStdin(String[] args) {
        for (int j = configFile(args) == null ? 0 : 1; j < args.length; j++) {
            if (args[j].equals("-") && (j == 0 || j == args.length - 1)) return true;
        }
        return false;
    }

    /** Builds the config text: file contents, then stdin's, then the options as lines (Redis's main()). */
    public static String configText(String[] args) throws IOException {
        return configText(args, System.in);
    }

    public static String configText(String[] args, java.io.InputStream stdin) throws IOException {
        String file = configFile(args);
        StringBuilder options = new StringBuilder();
        boolean handledLastConfigArg = true;
        for (int j = file == null ? 0 : 1; j < args.length; j++) {
            String a = args[j];
            if (a.equals("-") && (j == 0 || j == args.length - 1)) continue; // config from stdin
            if (handledLastConfigArg && a.startsWith("--") && a.length() > 2) {
                if (options.length() > 0) options.append('\n');
                options.append(a.substring(2)).append(' ');
                byte[][] split = ArgSplitter.split(a.getBytes(StandardCharsets.UTF_8));
                handledLastConfigArg = split == null || split.length != 1;
                boolean last = j == args.length - 1;
                boolean nextIsOption = !last && args[j + 1].startsWith("--");
                if (!handledLastConfigArg && a.equalsIgnoreCase("--save") && (last || nextIsOption)) {
                    // "--save" followed by another option (or nothing) means save "", as Redis 7.0.1+.
                    options.append("\"\"");
                    handledLastConfigArg = true;
                } else if (!handledLastConfigArg && a.equalsIgnoreCase("--sentinel") && (last || nextIsOption)) {
                    handledLastConfigArg = true;
                }
            } else {
                options.append(repr(a)).append(' ');
                handledLastConfigArg = true;
            }
        }
        StringBuilder config = new StringBuilder();
        if (file != null) config.append(Files.readString(Path.of(file), StandardCharsets.UTF_8));
        if (configFromStdin(args)) {
            config.append('\n').append(new String(stdin.readAllBytes(), StandardCharsets.UTF_8));
        }
        if (options.length() > 0) config.append('\n').append(options);
        return config.toString();
    }

    /** sdscatrepr for option values: quoted, with escapes. */
    static String repr(String s) {
        return io.magpie.engine.Engine.reprQuoted(s.getBytes(StandardCharsets.UTF_8));
    }

    /** Applies every line of the config text to the registry. */
    public static void load(Config config, String text) throws FatalConfigError {
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) continue;
            byte[][] argv = ArgSplitter.split(line.getBytes(StandardCharsets.UTF_8));
            if (argv == null) throw fatal(i + 1, line, "Unbalanced quotes in configuration line");
            if (argv.length == 0) continue;
            String name = new String(argv[0], StandardCharsets.UTF_8).toLowerCase(Locale.ROOT);
            List<String> words = new ArrayList<>();
            for (int j = 1; j < argv.length; j++) words.add(new String(argv[j], StandardCharsets.UTF_8));
            if (name.equals("include") && words.size() == 1) {
                // An included file is read where the directive stands, with its own line numbers.
                try {
                    load(config, Files.readString(Path.of(words.get(0)), StandardCharsets.UTF_8));
                } catch (IOException e) {
                    throw new FatalConfigError("Fatal error, can't open config file '" + words.get(0) + "': No such file or directory");
                }
                continue;
            }
            if (name.equals("rename-command") && words.size() == 2 && config.commandRenamer != null) {
                String err = config.commandRenamer.apply(words.get(0), words.get(1));
                if (err != null) throw fatal(i + 1, line, err);
                continue;
            }
            if (name.equals("user") && !words.isEmpty()) {
                config.userDirectives.add(words);
                continue;
            }
            Param p = config.find(name);
            if (p == null) throw fatal(i + 1, line, "Bad directive or wrong number of arguments");
            if (words.isEmpty()) throw fatal(i + 1, line, "wrong number of arguments");
            try {
                p.setFromConfigFile(words);
            } catch (ConfigException e) {
                throw fatal(i + 1, line, e.getMessage());
            }
        }
    }

    private static FatalConfigError fatal(int lineNo, String line, String reason) {
        return new FatalConfigError("\n*** FATAL CONFIG FILE ERROR (Redis " + REDIS_VERSION + ") ***\n"
                + "Reading the configuration file, at line " + lineNo + "\n"
                + ">>> '" + line + "'\n" + reason);
    }
}
