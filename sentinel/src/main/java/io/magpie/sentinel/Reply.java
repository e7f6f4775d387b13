package io.magpie.sentinel;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/**
 * A reply read from a monitored instance or another Sentinel (hiredis's redisReply): the
 * Sentinel only looks at statuses, errors, integers, bulk strings and arrays of them.
 */
final class Reply {
    static final char STATUS = '+', ERROR = '-', INTEGER = ':', STRING = '$', ARRAY = '*', NIL = 'n';

    final char type;
    final String str;
    final long integer;
    final Reply[] elements;

    private Reply(char type, String str, long integer, Reply[] elements) {
        this.type = type;
        this.str = str;
        this.integer = integer;
        this.elements = elements;
    }

    static final Reply NULL = new Reply(NIL, null, 0, null);

    boolean isArray(int n) {
        return type == ARRAY && elements.length == n;
    }

    boolean isString() {
        return type == STRING;
    }

    /**
     * Parses one complete reply from the buffer, advancing past it; null (reader index
     * unchanged) when the reply is not complete yet. RESP3 types a Sentinel may meet from
     * a peer answer as their RESP2 equivalents.
     */
    static Reply parse(ByteBuf in) {
        int start = in.readerIndex();
        Reply r = parseAt(in);
        if (r == null) in.readerIndex(start);
        return r;
    }

    private static Reply parseAt(ByteBuf in) {
        if (!in.isReadable()) return null;
        int eol = in.indexOf(in.readerIndex(), in.writerIndex(), (byte) '\r');
        if (eol < 0 || eol + 1 >= in.writerIndex()) return null;
        char type = (char) in.readByte();
        String line = in.toString(in.readerIndex(), eol - in.readerIndex(), StandardCharsets.UTF_8);
        in.readerIndex(eol + 2);
        switch (type) {
            case '+':
                return new Reply(STATUS, line, 0, null);
            case '-':
                return new Reply(ERROR, line, 0, null);
            case ':':
                return new Reply(INTEGER, null, Long.parseLong(line), null);
            case '_':
                return NULL;
            case '#':
                return new Reply(INTEGER, null, line.equals("t") ? 1 : 0, null);
            case ',':
                return new Reply(STRING, line, 0, null);
            case '$':
            case '=': {
                int len = Integer.parseInt(line);
                if (len < 0) return NULL;
                if (in.readableBytes() < len + 2) return null;
                String s = in.toString(in.readerIndex(), len, StandardCharsets.UTF_8);
                in.skipBytes(len + 2);
                return new Reply(STRING, s, 0, null);
            }
            case '*':
            case '>':
            case '~':
            case '%': {
                int n = Integer.parseInt(line);
                if (n < 0) return NULL;
                if (type == '%') n *= 2;
                Reply[] el = new Reply[n];
                for (int i = 0; i < n; i++) {
                    el[i] = parseAt(in);
                    if (el[i] == null) return null;
                }
                return new Reply(ARRAY, null, 0, el);
            }
            default:
                throw new IllegalStateException("Protocol error, got '" + type + "' as reply type byte");
        }
    }
}
