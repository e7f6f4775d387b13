package io.magpie.persistence;

import java.util.ArrayList;
import java.util.List;

/**
 * The multi-part AOF manifest of Redis 7 (aofManifest in aof.c): one base file, the
 * incremental files in sequence order, and history files waiting to be deleted. Each line
 * reads {@code file <name> seq <n> type <b|i|h>}; lines starting with '#' are comments.
 */
final class AofManifest {
    static final char BASE = 'b', INCR = 'i', HISTORY = 'h';

    record Info(String fileName, long seq, char type) {}

    Info base;
    final List<Info> incrs = new ArrayList<>();
    final List<Info> history = new ArrayList<>();
    long currBaseSeq, currIncrSeq;

    AofManifest copy() {
        AofManifest m = new AofManifest();
        m.base = base;
        m.incrs.addAll(incrs);
        m.history.addAll(history);
        m.currBaseSeq = currBaseSeq;
        m.currIncrSeq = currIncrSeq;
        return m;
    }

    boolean isEmpty() {
        return base == null && incrs.isEmpty();
    }

    /** aofLoadManifestFromFile's parser. Throws with Redis's messages on a malformed manifest. */
    static AofManifest parse(String text) {
        AofManifest m = new AofManifest();
        long maxIncrSeq = 0;
        int lineNo = 0;
        for (String line : text.split("\n", -1)) {
            lineNo++;
            if (line.isEmpty()) continue;
            if (line.startsWith("#")) continue;
            if (line.length() > 1024) throw new IllegalArgumentException("The AOF manifest file contains too long line");
            String[] w = line.trim().split(" +");
            if (w.length < 6 || w.length % 2 != 0) throw invalid(lineNo);
            String name = null, seq = null, type = null;
            for (int i = 0; i < w.length; i += 2) {
                switch (w[i]) {
                    case "file" -> name = unquote(w[i + 1]);
                    case "seq" -> seq = w[i + 1];
                    case "type" -> type = w[i + 1];
                    default -> { /* unknown keys are ignored, as Redis does, for forward compatibility */ }
                }
            }
            if (name == null || seq == null || type == null || type.length() != 1) throw invalid(lineNo);
            long s;
            try {
                s = Long.parseLong(seq);
            } catch (NumberFormatException e) {
                throw invalid(lineNo);
            }
            Info info = new Info(name, s, type.charAt(0));
            switch (info.type()) {
                case BASE -> {
                    if (m.base != null) throw new IllegalArgumentException("Found duplicate base file information");
                    m.base = info;
                    m.currBaseSeq = s;
                }
                case HISTORY -> m.history.add(info);
                case INCR -> {
                    if (s <= maxIncrSeq) throw new IllegalArgumentException("Found a non-monotonic sequence number");
                    m.incrs.add(info);
                    m.currIncrSeq = s;
                    maxIncrSeq = s;
                }
                default -> throw new IllegalArgumentException("Unknown AOF file type");
            }
        }
        if (m.base == null && m.incrs.isEmpty() && m.history.isEmpty()) {
            throw new IllegalArgumentException("Found an empty AOF manifest");
        }
        return m;
    }

    private static IllegalArgumentException invalid(int lineNo) {
        return new IllegalArgumentException("Invalid AOF manifest file format (line " + lineNo + ")");
    }

    private static String unquote(String s) {
        return s.length() >= 2 && s.startsWith("\"") && s.endsWith("\"") ? s.substring(1, s.length() - 1) : s;
    }

    /** getAofManifestAsString: base first, then history, then the incr files in order. */
    String format() {
        StringBuilder sb = new StringBuilder();
        if (base != null) line(sb, base);
        for (Info h : history) line(sb, h);
        for (Info i : incrs) line(sb, i);
        return sb.toString();
    }

    private static void line(StringBuilder sb, Info i) {
        sb.append("file ").append(i.fileName()).append(" seq ").append(i.seq()).append(" type ").append(i.type()).append('\n');
    }
}
