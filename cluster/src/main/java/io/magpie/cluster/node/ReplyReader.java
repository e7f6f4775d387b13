package io.magpie.cluster.node;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads RESP2 replies off a buffer for the slot-migration links: a status as String, an error
 * as {@link Error}, an integer as Long, a bulk string as byte[] (null for nil), an array as a
 * List. An incomplete reply leaves the buffer where it was and returns {@link #INCOMPLETE}; the
 * caller reads again when more bytes came. The replies these links get are small.
 */
final class ReplyReader {
    /** An error reply, without its leading '-'. */
    record Error(String message) {}

    static final Object INCOMPLETE = new Object();
    private static final int MAX_LINE = 64 << 10;

    private ReplyReader() {}

    /** The next whole reply, or INCOMPLETE (nothing consumed). */
    static Object read(ByteBuf in) {
        int start = in.readerIndex();
        Object r = parse(in);
        if (r == INCOMPLETE) in.readerIndex(start);
        return r;
    }

    private static Object parse(ByteBuf in) {
        String line = line(in);
        if (line == null) return INCOMPLETE;
        if (line.isEmpty()) throw new IllegalStateException("empty reply line");
        String rest = line.substring(1);
        switch (line.charAt(0)) {
            case '+':
                return rest;
            case '-':
                return new Error(rest);
            case ':':
                return Long.parseLong(rest);
            case '$': {
                int len = Integer.parseInt(rest);
                if (len < 0) return null;
                if (in.readableBytes() < len + 2) return INCOMPLETE;
                byte[] b = new byte[len];
                in.readBytes(b);
                in.skipBytes(2);
                return b;
            }
            case '*': {
                int n = Integer.parseInt(rest);
                if (n < 0) return null;
                List<Object> items = new ArrayList<>(Math.min(n, 1024));
                for (int i = 0; i < n; i++) {
                    Object item = parse(in);
                    if (item == INCOMPLETE) return INCOMPLETE;
                    items.add(item);
                }
                return items;
            }
            default:
                throw new IllegalStateException("unexpected reply type " + line.charAt(0));
        }
    }

    /** The next CRLF-ended line without its CRLF, or null when it has not all come. */
    private static String line(ByteBuf in) {
        int from = in.readerIndex();
        int lf = in.indexOf(from, in.writerIndex(), (byte) '\n');
        if (lf < 0) {
            if (in.readableBytes() > MAX_LINE) throw new IllegalStateException("reply line too long");
            return null;
        }
        int end = lf > from && in.getByte(lf - 1) == '\r' ? lf - 1 : lf;
        String s = in.toString(from, end - from, StandardCharsets.UTF_8);
        in.readerIndex(lf + 1);
        return s;
    }
}
