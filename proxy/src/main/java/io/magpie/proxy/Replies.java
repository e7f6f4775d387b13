package io.magpie.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.util.ByteProcessor;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Backend replies: where one ends in a buffer (so it can be passed to a client untouched), and,
 * for the few that the proxy merges (fan-out), their decoded value. RESP2 and RESP3.
 */
final class Replies {
    private Replies() {}

    /** An error reply's text, without the '-'. */
    record Err(String text) {}

    private static final ByteProcessor FIND_CR = b -> b != '\r';

    /**
     * The index just past the reply starting at {@code from}, or -1 when the buffer does not
     * hold all of it yet. Counts the elements still owed instead of recursing, so a deep or
     * long reply costs one pass.
     */
    static int frameEnd(ByteBuf b, int from) {
        int end = b.writerIndex();
        int i = from;
        long owed = 1;
        while (owed > 0) {
            if (i >= end) return -1;
            byte type = b.getByte(i);
            int eol = lineEnd(b, i, end);
            if (eol < 0) return -1;
            switch (type) {
                case '$', '!', '=' -> {
                    long len = parseLong(b, i + 1, eol);
                    i = eol + 2;
                    if (len >= 0) {
                        if ((long) i + len + 2 > end) return -1;
                        i += (int) len + 2;
                    }
                    owed--;
                }
                case '*', '~', '>' -> {
                    long n = parseLong(b, i + 1, eol);
                    i = eol + 2;
                    owed += Math.max(n, 0) - 1;
                }
                case '%' -> {
                    long n = parseLong(b, i + 1, eol);
                    i = eol + 2;
                    owed += 2 * Math.max(n, 0) - 1;
                }
                case '|' -> { // an attribute map comes before the reply it annotates
                    long n = parseLong(b, i + 1, eol);
                    i = eol + 2;
                    owed += 2 * Math.max(n, 0);
                }
                default -> {
                    i = eol + 2;
                    owed--;
                }
            }
        }
        return i;
    }

    private static int lineEnd(ByteBuf b, int from, int end) {
        while (from < end) {
            int cr = b.forEachByte(from, end - from, FIND_CR);
            if (cr < 0 || cr + 1 >= end) return -1;
            if (b.getByte(cr + 1) == '\n') return cr;
            from = cr + 1;
        }
        return -1;
    }

    private static long parseLong(ByteBuf b, int from, int to) {
        boolean neg = false;
        long v = 0;
        for (int i = from; i < to; i++) {
            byte c = b.getByte(i);
            if (c == '-') neg = true;
            else v = v * 10 + (c - '0');
        }
        return neg ? -v : v;
    }

    /** True when the reply in b starts with '-' followed by this prefix ("MOVED "). */
    static boolean isError(ByteBuf b, String prefix) {
        int r = b.readerIndex();
        if (b.readableBytes() < prefix.length() + 1 || b.getByte(r) != '-') return false;
        for (int i = 0; i < prefix.length(); i++) if (b.getByte(r + 1 + i) != prefix.charAt(i)) return false;
        return true;
    }

    static boolean isError(ByteBuf b) {
        return b.isReadable() && b.getByte(b.readerIndex()) == '-';
    }

    /** The text of the one-line reply in b ("-MOVED 3999 127.0.0.1:7002" gives "MOVED 3999 127.0.0.1:7002"). */
    static String lineText(ByteBuf b) {
        int r = b.readerIndex();
        int eol = lineEnd(b, r, b.writerIndex());
        return b.toString(r + 1, (eol < 0 ? b.writerIndex() : eol) - r - 1, StandardCharsets.UTF_8);
    }

    /**
     * The value of one whole reply: Long, byte[] (bulk, simple string, double, big number,
     * verbatim), Boolean, Err, null, or List (arrays, sets, pushes; a map as its flat list).
     */
    static Object decode(ByteBuf b) {
        byte type = b.readByte();
        int eol = lineEnd(b, b.readerIndex(), b.writerIndex());
        long n = 0;
        byte[] line = null;
        if ("$!=*~>%|:".indexOf(type) >= 0) n = parseLong(b, b.readerIndex(), eol);
        else {
            line = new byte[eol - b.readerIndex()];
            b.getBytes(b.readerIndex(), line);
        }
        b.readerIndex(eol + 2);
        switch (type) {
            case ':':
                return n;
            case '+', ',', '(':
                return line;
            case '-':
                return new Err(new String(line, StandardCharsets.UTF_8));
            case '_':
                return null;
            case '#':
                return line.length > 0 && line[0] == 't';
            case '$', '!', '=': {
                if (n < 0) return null;
                byte[] v = new byte[(int) n];
                b.readBytes(v);
                b.skipBytes(2);
                return v;
            }
            case '*', '~', '>', '%': {
                if (n < 0) return null;
                long count = type == '%' ? 2 * n : n;
                List<Object> items = new ArrayList<>((int) Math.min(count, 1024));
                for (long i = 0; i < count; i++) items.add(decode(b));
                return items;
            }
            case '|': {
                for (long i = 0; i < 2 * n; i++) decode(b);
                return decode(b);
            }
            default:
                throw new IllegalStateException("not a RESP reply: " + (char) type);
        }
    }
}
