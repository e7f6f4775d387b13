package io.magpie.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.magpie.protocol.ArgSplitter;
import io.magpie.protocol.RespClient;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Runs the same commands against real Redis and Magpie and compares the replies byte for
 * byte. Script lines use redis-cli/inline quoting. Directives before a command relax the
 * comparison where Redis itself is not deterministic:
 * <pre>
 *   !sorted CMD ...    compare array replies as multisets (SMEMBERS, KEYS, HGETALL pairs...)
 *   !pairs CMD ...     compare a flat field/value array as a set of pairs (HGETALL)
 *   !type CMD ...      compare only the reply's RESP type and, for arrays, the length
 *   !shape CMD ...     compare the reply with its integers, bulk lengths and decimals blanked
 *                      (LATENCY HISTOGRAM, INFO latencystats: same structure, timings differ)
 *   !skip CMD ...      run on both, compare nothing (setup with random results)
 *   !sleep MS          wait (expiry)
 *   !noreply CMD ...   send to both, read nothing (a reply CLIENT REPLY OFF or SKIP swallows)
 *   # comment
 * </pre>
 */
public final class Differential {
    private final RespClient redis;
    private final RespClient magpie;

    public Differential(RespClient redis, RespClient magpie) {
        this.redis = redis;
        this.magpie = magpie;
    }

    /** Runs a script; fails at the first differing reply, naming the script line. */
    public void run(String name, String script) {
        String[] lines = script.split("\n");
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) continue;
            String where = name + ":" + (i + 1) + ": " + line;
            String mode = "exact";
            if (line.startsWith("!")) {
                int sp = line.indexOf(' ');
                mode = sp < 0 ? line.substring(1) : line.substring(1, sp);
                line = sp < 0 ? "" : line.substring(sp + 1).strip();
                if (mode.equals("sleep")) {
                    sleep(Long.parseLong(line));
                    continue;
                }
                if (mode.equals("noreply")) {
                    byte[][] argv = ArgSplitter.split(line.getBytes(StandardCharsets.UTF_8));
                    redis.send(argv);
                    magpie.send(argv);
                    continue;
                }
            }
            byte[][] argv = ArgSplitter.split(line.getBytes(StandardCharsets.UTF_8));
            RespClient.Reply expected, actual;
            try {
                expected = redis.call(argv);
            } catch (RuntimeException e) {
                throw new AssertionError("redis-server at " + where, e);
            }
            try {
                actual = magpie.call(argv);
            } catch (RuntimeException e) {
                throw new AssertionError("Magpie at " + where, e);
            }
            compare(where, mode, expected, actual);
        }
    }

    /** Sends one command to both and compares the replies exactly. */
    public void same(String... args) {
        byte[][] argv = RespClient.args(args);
        compare(String.join(" ", args), "exact", redis.call(argv), magpie.call(argv));
    }

    public static void compare(String where, String mode, RespClient.Reply expected, RespClient.Reply actual) {
        switch (mode) {
            case "exact" -> assertThat(escape(actual.text())).as(where).isEqualTo(escape(expected.text()));
            case "sorted" -> assertThat(sortedIfList(actual.value())).as(where).isEqualTo(sortedIfList(expected.value()));
            case "pairs" -> assertThat(pairs(actual.value())).as(where).isEqualTo(pairs(expected.value()));
            case "type" -> assertThat(shape(actual)).as(where).isEqualTo(shape(expected));
            case "shape" -> assertThat(blankFigures(actual.text())).as(where).isEqualTo(blankFigures(expected.text()));
            case "skip" -> { }
            default -> throw new IllegalArgumentException("unknown directive !" + mode + " at " + where);
        }
    }

    /** Reply bytes with CR/LF made visible, so a failure shows the protocol as it was. */
    static String escape(String raw) {
        return raw.replace("\r\n", "\\r\\n ");
    }

    /**
     * The reply with every number blanked to '#' (integers, doubles, bulk and verbatim lengths,
     * figures inside text), but array, map and set lengths kept: the same structure.
     */
    static String blankFigures(String raw) {
        StringBuilder sb = new StringBuilder();
        for (String line : raw.split("\r\n", -1)) {
            boolean aggregate = !line.isEmpty() && "*%~>|".indexOf(line.charAt(0)) >= 0;
            sb.append(aggregate ? line : line.replaceAll("-?\\d+(\\.\\d+)?([eE][-+]?\\d+)?", "#")).append("\r\n");
        }
        return escape(sb.toString());
    }

    private static Object sortedIfList(Object v) {
        if (!(v instanceof List<?> l)) return String.valueOf(v);
        List<String> s = new ArrayList<>();
        for (Object o : l) s.add(String.valueOf(o));
        Collections.sort(s);
        return s;
    }

    private static Object pairs(Object v) {
        if (!(v instanceof List<?> l)) return String.valueOf(v);
        List<String> s = new ArrayList<>();
        for (int i = 0; i + 1 < l.size(); i += 2) s.add(l.get(i) + "=" + l.get(i + 1));
        Collections.sort(s);
        return s;
    }

    private static String shape(RespClient.Reply r) {
        char t = (char) r.raw()[0];
        if (r.value() instanceof List<?> l) return t + "" + l.size();
        return String.valueOf(t);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
