package io.magpie.server;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * Redis's log format ("pid:M 22 Nov 2026 04:15:20.123 * Ready to accept connections tcp"),
 * so tools and people that read Redis logs read ours. Written by hand: the format is the
 * product, and a logging framework would add nothing but configuration.
 */
public final class Log {
    public enum Level {
        DEBUG('.'), VERBOSE('-'), NOTICE('*'), WARNING('#');

        final char mark;

        Level(char mark) {
            this.mark = mark;
        }
    }

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("dd MMM yyyy HH:mm:ss.SSS", Locale.ROOT);
    private static volatile Level level = Level.NOTICE;
    private static volatile PrintStream out = System.out;
    private static volatile char role = 'M';
    private static final long PID = ProcessHandle.current().pid();

    private Log() {}

    public static void setLevel(Level l) {
        level = l;
    }

    /** Empty path: standard output, as Redis's logfile "". */
    public static void setFile(String path) throws IOException {
        out = path == null || path.isEmpty() ? System.out
                : new PrintStream(new FileOutputStream(path, true), true, StandardCharsets.UTF_8);
    }

    /** M master, S replica, X sentinel, C child. */
    public static void setRole(char r) {
        role = r;
    }

    public static void log(Level l, String fmt, Object... args) {
        if (l.ordinal() < level.ordinal()) return;
        String msg = args.length == 0 ? fmt : String.format(fmt, args);
        synchronized (Log.class) {
            out.println(PID + ":" + role + " " + ZonedDateTime.now().format(TIME) + " " + l.mark + " " + msg);
        }
    }

    /** Text written as is, without the line prefix (serverLogRaw: the ASCII logo). */
    public static void raw(Level l, String text) {
        if (l.ordinal() < level.ordinal()) return;
        synchronized (Log.class) {
            out.print(text);
            out.flush();
        }
    }

    public static void notice(String fmt, Object... args) {
        log(Level.NOTICE, fmt, args);
    }

    public static void warning(String fmt, Object... args) {
        log(Level.WARNING, fmt, args);
    }

    public static void verbose(String fmt, Object... args) {
        log(Level.VERBOSE, fmt, args);
    }

    public static void debug(String fmt, Object... args) {
        log(Level.DEBUG, fmt, args);
    }
}
