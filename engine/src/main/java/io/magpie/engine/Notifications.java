package io.magpie.engine;

import io.magpie.engine.config.ConfigException;
import java.nio.charset.StandardCharsets;

/**
 * Keyspace notifications (notify.c): event classes, the notify-keyspace-events flag
 * string, and publishing __keyspace@db__:key / __keyevent@db__:event messages.
 */
public final class Notifications {
    private Notifications() {}

    public static final int KEYSPACE = 1 << 0;  // K
    public static final int KEYEVENT = 1 << 1;  // E
    public static final int GENERIC = 1 << 2;   // g
    public static final int STRING = 1 << 3;    // $
    public static final int LIST = 1 << 4;      // l
    public static final int SET = 1 << 5;       // s
    public static final int HASH = 1 << 6;      // h
    public static final int ZSET = 1 << 7;      // z
    public static final int EXPIRED = 1 << 8;   // x
    public static final int EVICTED = 1 << 9;   // e
    public static final int STREAM = 1 << 10;   // t
    public static final int KEY_MISS = 1 << 11; // m (not part of A)
    public static final int LOADED = 1 << 12;   // module only
    public static final int MODULE = 1 << 13;   // d
    public static final int NEW = 1 << 14;     // n (not part of A)
    public static final int ALL = GENERIC | STRING | LIST | SET | HASH | ZSET | EXPIRED | EVICTED | STREAM | MODULE;

    /** keyspaceEventsStringToFlags: -1 if a character is not a class. */
    public static int parse(String classes) {
        int flags = 0;
        for (char c : classes.toCharArray()) {
            switch (c) {
                case 'A' -> flags |= ALL;
                case 'g' -> flags |= GENERIC;
                case '$' -> flags |= STRING;
                case 'l' -> flags |= LIST;
                case 's' -> flags |= SET;
                case 'h' -> flags |= HASH;
                case 'z' -> flags |= ZSET;
                case 'x' -> flags |= EXPIRED;
                case 'e' -> flags |= EVICTED;
                case 'K' -> flags |= KEYSPACE;
                case 'E' -> flags |= KEYEVENT;
                case 't' -> flags |= STREAM;
                case 'm' -> flags |= KEY_MISS;
                case 'd' -> flags |= MODULE;
                case 'n' -> flags |= NEW;
                default -> {
                    return -1;
                }
            }
        }
        return flags;
    }

    /** keyspaceEventsFlagsToString, in Redis's order (classes, then K, E, m). */
    public static String format(int flags) {
        StringBuilder sb = new StringBuilder();
        if ((flags & ALL) == ALL) {
            sb.append('A');
        } else {
            if ((flags & GENERIC) != 0) sb.append('g');
            if ((flags & STRING) != 0) sb.append('$');
            if ((flags & LIST) != 0) sb.append('l');
            if ((flags & SET) != 0) sb.append('s');
            if ((flags & HASH) != 0) sb.append('h');
            if ((flags & ZSET) != 0) sb.append('z');
            if ((flags & EXPIRED) != 0) sb.append('x');
            if ((flags & EVICTED) != 0) sb.append('e');
            if ((flags & STREAM) != 0) sb.append('t');
            if ((flags & MODULE) != 0) sb.append('d');
            // Redis 7.0 prints 'n' only in this branch: with 'A' it is set but not shown.
            if ((flags & NEW) != 0) sb.append('n');
        }
        if ((flags & KEYSPACE) != 0) sb.append('K');
        if ((flags & KEYEVENT) != 0) sb.append('E');
        if ((flags & KEY_MISS) != 0) sb.append('m');
        return sb.toString();
    }

    /** The notify-keyspace-events parameter. */
    public static final class Param extends EngineConfig.Custom {
        private int flags;

        Param() {
            super("notify-keyspace-events");
        }

        public int flags() {
            return flags;
        }

        @Override public String get() {
            return format(flags);
        }

        @Override public String defaultValue() {
            return "";
        }

        @Override protected void parseAndSet(String value) throws ConfigException {
            int f = parse(value);
            if (f == -1) throw error("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.");
            flags = f;
        }
    }

    static final byte[] KEYSPACE_PREFIX = "__keyspace@".getBytes(StandardCharsets.US_ASCII);
    static final byte[] KEYEVENT_PREFIX = "__keyevent@".getBytes(StandardCharsets.US_ASCII);

    /** The channel __keyspace@<db>__:<key> or __keyevent@<db>__:<event>. */
    static byte[] channel(byte[] prefix, int db, byte[] suffix) {
        byte[] dbBytes = Integer.toString(db).getBytes(StandardCharsets.US_ASCII);
        byte[] out = new byte[prefix.length + dbBytes.length + 3 + suffix.length];
        int p = 0;
        System.arraycopy(prefix, 0, out, p, prefix.length);
        p += prefix.length;
        System.arraycopy(dbBytes, 0, out, p, dbBytes.length);
        p += dbBytes.length;
        out[p++] = '_';
        out[p++] = '_';
        out[p++] = ':';
        System.arraycopy(suffix, 0, out, p, suffix.length);
        return out;
    }
}
