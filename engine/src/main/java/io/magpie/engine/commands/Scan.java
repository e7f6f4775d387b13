package io.magpie.engine.commands;

import io.magpie.engine.Args;
import io.magpie.engine.Client;
import io.magpie.engine.Errors;
import io.magpie.engine.ReplyException;
import io.magpie.engine.keyspace.Dict;
import io.magpie.engine.util.Glob;
import java.util.List;

/**
 * The SCAN family's shared parts (db.c scanGenericCommand): cursor parsing, the
 * MATCH/COUNT/TYPE options, the bounded walk over a {@link Dict} and the two-element
 * reply. SCAN, HSCAN, SSCAN and ZSCAN differ only in what they collect per entry and
 * whether TYPE is allowed.
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

    /**
     * Walks dict from cursor, collecting entries until about count were seen or count*10
     * buckets were visited (Redis's loop bound), and returns the next cursor (0: done).
     * Filtering happens afterwards, as Redis does, so a sparse MATCH may return few
     * elements with a non-zero cursor.
     */
    public static long collect(Dict dict, long cursor, long count, List<Dict.Entry> out) {
        long maxIterations = count * 10;
        do {
            cursor = dict.scan(cursor, out::add);
        } while (cursor != 0 && maxIterations-- > 0 && out.size() < count);
        return cursor;
    }

    /** The reply: [cursor as an unsigned decimal bulk, [elements...]]. */
    public static void addReply(Client c, long cursor, List<byte[]> elements) {
        c.addReplyArrayLen(2);
        c.addReplyBulkString(Long.toUnsignedString(cursor));
        c.addReplyArrayLen(elements.size());
        for (byte[] e : elements) c.addReplyBulk(e);
    }
}
