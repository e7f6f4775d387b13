package io.magpie.engine.commands;

import io.magpie.engine.Args;
import io.magpie.engine.Client;
import io.magpie.engine.Errors;
import io.magpie.engine.ReplyException;
import io.magpie.protocol.Glob;
import java.util.List;
import java.util.function.Consumer;

/**
 * The SCAN family's shared parts (db.c scanGenericCommand): cursor parsing, the
 * MATCH/COUNT/TYPE options, the bounded walk over a hash table ({@link Table}) and the
 * two-element reply. SCAN, HSCAN, SSCAN and ZSCAN differ only in what they collect per
 * entry, how they write it, and whether TYPE is allowed (SCAN's alone: the others answer
 * a syntax error, as Redis 7.0 does). Small encodings (listpack, intset) have no buckets
 * and are returned whole by their commands, with cursor 0.
 */
public final class Scan {
    private Scan() {}

    /** Parsed options of a SCAN-like command. */
    public static final class Options {
        public long count = 10;
        /** Null when absent or "*" (Redis skips matching then). */
        public byte[] pattern;
        /** TYPE's argument as given (SCAN only); null when absent. */
        public byte[] type;

        /** True if the element passes MATCH. */
        public boolean matches(byte[] element) {
            return pattern == null || Glob.match(pattern, element, false);
        }
    }

    /**
     * parseScanCursorOrReply: strtoul semantics — an optional sign (a '-' wraps modulo
     * 2^64 as in C), decimal digits, no leading space, nothing after, no overflow. The
     * empty string is cursor 0 as in Redis.
     */
    public static long parseCursor(byte[] arg) {
        int i = 0, n = arg.length;
        boolean negative = false;
        if (n > 0 && (arg[0] == '+' || arg[0] == '-')) {
            negative = arg[0] == '-';
            i = 1;
            if (n == 1) throw new ReplyException("ERR invalid cursor");
        }
        long v = 0;
        for (; i < n; i++) {
            int d = arg[i] - '0';
            if (d < 0 || d > 9) throw new ReplyException("ERR invalid cursor");
            // Unsigned overflow check: v * 10 + d must stay below 2^64.
            if (Long.compareUnsigned(v, Long.divideUnsigned(-1L - d, 10)) > 0) throw new ReplyException("ERR invalid cursor");
            v = v * 10 + d;
        }
        return negative ? -v : v;
    }

    /** Parses [MATCH pattern] [COUNT count] [TYPE type] from argument index first. */
    public static Options parseOptions(Client c, int first, boolean allowType) {
        Options o = new Options();
        int i = first;
        while (i < c.argc) {
            int left = c.argc - i;
            if (c.argIs(i, "count") && left >= 2) {
                o.count = Args.parseLong(c.argv[i + 1]);
                if (o.count < 1) throw new ReplyException(Errors.SYNTAX);
            } else if (c.argIs(i, "match") && left >= 2) {
                byte[] p = c.argv[i + 1];
                o.pattern = p.length == 1 && p[0] == '*' ? null : p;
            } else if (allowType && c.argIs(i, "type") && left >= 2) {
                o.type = c.argv[i + 1];
            } else {
                throw new ReplyException(Errors.SYNTAX);
            }
            i += 2;
        }
        return o;
    }

    /** A hash table that can be walked with a reverse-binary cursor (Dict.scan and its wrappers). */
    @FunctionalInterface
    public interface Table<T> {
        long scan(long cursor, Consumer<T> visitor);
    }

    /**
     * Walks table from cursor, collecting entries until the reply would hold about count
     * elements or count*10 buckets were visited (Redis's loop bound), and returns the next
     * cursor (0: done). repliesPerEntry is what one entry adds to Redis's reply list (2 for
     * HSCAN and ZSCAN, which list field and value). Filtering happens afterwards, as Redis
     * does, so a sparse MATCH may return few elements with a non-zero cursor.
     */
    public static <T> long collect(Table<T> table, long cursor, long count, int repliesPerEntry, List<T> out) {
        // As in C, a huge COUNT wraps the bound to a negative number: then only count stops the walk.
        long maxIterations = count * 10;
        do {
            cursor = table.scan(cursor, out::add);
        } while (cursor != 0 && maxIterations-- != 0 && (long) out.size() * repliesPerEntry < count);
        return cursor;
    }

    /** The reply to a scan of a missing key (shared.emptyscan). */
    public static void addReplyEmpty(Client c) {
        addReplyHeader(c, 0, 0);
    }

    /** The start of the reply: a two-element array of the cursor (an unsigned decimal bulk) and the elements array header. */
    public static void addReplyHeader(Client c, long cursor, long elements) {
        c.addReplyArrayLen(2);
        c.addReplyBulkString(Long.toUnsignedString(cursor));
        c.addReplyArrayLen(elements);
    }

    /** The reply: [cursor, [elements...]]. */
    public static void addReply(Client c, long cursor, List<byte[]> elements) {
        addReplyHeader(c, cursor, elements.size());
        for (byte[] e : elements) c.addReplyBulk(e);
    }
}
