package io.magpie.persistence.aof;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Redis 7's AOF manifest (aof.c): one line per file, "file NAME seq N type b|h|i", listing
 * the base file (an RDB preamble or a plain AOF), history files awaiting deletion, and the
 * incremental files appended since the base, in order.
 */
public final class AofManifest {
    public enum Type {
        BASE('b'), HISTORY('h'), INCR('i');

        final char code;

        Type(char code) {
            this.code = code;
        }

        static Type of(String s) {
            for (Type t : values()) if (s.length() == 1 && s.charAt(0) == t.code) return t;
            throw new IllegalArgumentException("Unknown AOF file type " + s);
        }
    }

    public record Entry(String name, long seq, Type type) {}

    public Entry base;
    public final List<Entry> incr = new ArrayList<>();
    public final List<Entry> history = new ArrayList<>();

    public long currentBaseSeq() {
        return base == null ? 0 : base.seq();
    }

    public long currentIncrSeq() {
        return incr.isEmpty() ? 0 : incr.get(incr.size() - 1).seq();
    }

    /** Parses a manifest; throws IOException with Redis's wording on anything malformed. */
    public static AofManifest parse(Path file) throws IOException {
        AofManifest m = new AofManifest();
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        int lineNo = 0;
        for (String raw : lines) {
            lineNo++;
            String line = raw.trim();
            if (line.isEmpty() || line.startsWith("#")) continue;
            String[] w = line.split("\\s+");
            String name = null, seq = null, type = null;
            for (int i = 0; i + 1 < w.length; i += 2) {
                switch (w[i]) {
                    case "file" -> name = w[i + 1];
                    case "seq" -> seq = w[i + 1];
                    case "type" -> type = w[i + 1];
                    default -> { } // unknown keys are ignored, as Redis does for forward compatibility
                }
            }
            if (name == null || seq == null || type == null || w.length % 2 != 0) {
                throw new IOException("Invalid AOF manifest file format (line " + lineNo + " of " + file + ")");
            }
            Entry e;
            try {
                e = new Entry(name, Long.parseLong(seq), Type.of(type));
            } catch (IllegalArgumentException ex) {
                throw new IOException("Invalid AOF manifest file format (line " + lineNo + " of " + file + "): " + ex.getMessage());
            }
            switch (e.type()) {
                case BASE -> {
                    if (m.base != null) throw new IOException("Found duplicate base file information in " + file);
                    m.base = e;
                }
                case INCR -> {
                    if (!m.incr.isEmpty() && e.seq() <= m.currentIncrSeq()) {
                        throw new IOException("Found a non-monotonic sequence number in " + file);
                    }
                    m.incr.add(e);
                }
                case HISTORY -> m.history.add(e);
            }
        }
        return m;
    }

    public String render() {
        StringBuilder sb = new StringBuilder();
        if (base != null) line(sb, base);
        for (Entry e : history) line(sb, e);
        for (Entry e : incr) line(sb, e);
        return sb.toString();
    }

    private static void line(StringBuilder sb, Entry e) {
        sb.append("file ").append(e.name()).append(" seq ").append(e.seq()).append(" type ").append(e.type().code).append('\n');
    }

    /** Writes the manifest atomically (temp file, fsync, rename). */
    public void write(Path file) throws IOException {
        Path tmp = file.resolveSibling("temp-" + file.getFileName());
        Files.writeString(tmp, render(), StandardCharsets.UTF_8);
        try (var ch = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
