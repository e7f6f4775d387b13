package io.magpie.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.util.ByteProcessor;

/**
 * Parses client requests, RESP multibulk ("*2\r\n$3\r\nGET\r\n$1\r\nk\r\n") or inline
 * ("GET k\r\n"), as Redis's processMultibulkBuffer/processInlineBuffer do, with the same
 * limits and error texts. It is a resumable state machine: {@link #parse} consumes what it
 * can from the buffer and keeps its place across calls, so a command split over many TCP
 * reads is never rescanned from the start.
 */
public final class RequestParser {
    /** Redis's PROTO_INLINE_MAX_SIZE: longest inline request or length line. */
    public static final int INLINE_MAX_SIZE = 64 * 1024;
    private static final int UNAUTHENTICATED_MAX_ARGS = 10;
    private static final int UNAUTHENTICATED_MAX_BULK = 16384;

    private long maxBulkLen = 512L * 1024 * 1024;
    private boolean authRequired;

    // Multibulk state, kept between calls.
    private byte[][] argv;
    private int argIndex;
    private int multibulkLen;  // 0: between commands
    private long bulkLen = -1; // -1: expecting a "$<len>" line

    public void setMaxBulkLen(long maxBulkLen) {
        this.maxBulkLen = maxBulkLen;
    }

    /** While a password is required and not yet given, requests are kept small (Redis does the same). */
    /**
     * A write stream (an AOF file) rather than a client: multibulk only, no empty commands,
     * and every bulk must end in CRLF, so that a damaged byte of the framing is reported where
     * a lenient reader would silently skip it.
     */
    public void setStrict(boolean strict) {
        this.strict = strict;
    }

    private boolean strict;

    public void setAuthRequired(boolean authRequired) {
        this.authRequired = authRequired;
    }

    /** True when part of a command has been consumed and the rest is awaited. */
    public boolean inCommand() {
        return multibulkLen > 0;
    }

    /**
     * Parses the next command in {@code in}, advancing its reader index past what was
     * consumed. Returns the arguments, or null when more bytes are needed (then everything
     * that could be consumed was). Empty commands (blank inline lines, "*0") are skipped.
     */
    public byte[][] parse(ByteBuf in) throws ProtocolException {
        while (true) {
            if (multibulkLen == 0) {
                if (!in.isReadable()) return null;
                if (in.getByte(in.readerIndex()) != '*') {
                    if (strict) throw new ProtocolException("ERR Protocol error: expected '*', got '" + (char) (in.getByte(in.readerIndex()) & 0xff) + "'");
                    int r = parseInline(in);
                    if (r == INLINE_NEED_MORE) return null;
                    if (r == INLINE_EMPTY) continue;
                    byte[][] result = argv;
                    argv = null;
                    return result;
                }
                int eol = findCrlf(in, in.readerIndex());
                if (eol < 0) {
                    if (in.readableBytes() > INLINE_MAX_SIZE) throw new ProtocolException("ERR Protocol error: too big mbulk count string");
                    return null;
                }
                long n = parseLong(in, in.readerIndex() + 1, eol);
                if (n == Long.MIN_VALUE || n > Integer.MAX_VALUE) throw new ProtocolException("ERR Protocol error: invalid multibulk length");
                if (n > UNAUTHENTICATED_MAX_ARGS && authRequired) throw new ProtocolException("ERR Protocol error: unauthenticated multibulk length");
                if (n <= 0 && strict) throw new ProtocolException("ERR Protocol error: invalid multibulk length");
                in.readerIndex(eol + 2);
                if (n <= 0) continue;
                multibulkLen = (int) n;
                // Do not trust the count for the allocation: a client may announce millions.
                argv = new byte[(int) Math.min(n, 1024)][];
                argIndex = 0;
                bulkLen = -1;
            }
            while (argIndex < multibulkLen) {
                if (bulkLen < 0) {
                    int eol = findCrlf(in, in.readerIndex());
                    if (eol < 0) {
                        if (in.readableBytes() > INLINE_MAX_SIZE) throw new ProtocolException("ERR Protocol error: too big bulk count string");
                        return null;
                    }
                    byte first = in.getByte(in.readerIndex());
                    if (first != '$') {
                        throw new ProtocolException("ERR Protocol error: expected '$', got '" + (char) (first & 0xff) + "'");
                    }
                    long n = parseLong(in, in.readerIndex() + 1, eol);
                    if (n == Long.MIN_VALUE || n < 0 || n > maxBulkLen) throw new ProtocolException("ERR Protocol error: invalid bulk length");
                    if (n > UNAUTHENTICATED_MAX_BULK && authRequired) throw new ProtocolException("ERR Protocol error: unauthenticated bulk length");
                    in.readerIndex(eol + 2);
                    bulkLen = n;
                }
                if (in.readableBytes() < bulkLen + 2) return null;
                byte[] arg = new byte[(int) bulkLen];
                if (strict && (in.getByte(in.readerIndex() + (int) bulkLen) != '\r' || in.getByte(in.readerIndex() + (int) bulkLen + 1) != '\n')) {
                    throw new ProtocolException("ERR Protocol error: expected CRLF after bulk");
                }
                in.readBytes(arg);
                in.skipBytes(2); // Redis does not check the CRLF after a client's bulk either
                if (argIndex == argv.length) argv = java.util.Arrays.copyOf(argv, Math.min(multibulkLen, argv.length * 2));
                argv[argIndex++] = arg;
                bulkLen = -1;
            }
            byte[][] result = argv;
            argv = null;
            multibulkLen = 0;
            return result;
        }
    }

    private static final int INLINE_NEED_MORE = 0, INLINE_EMPTY = 1, INLINE_COMMAND = 2;

    private int parseInline(ByteBuf in) throws ProtocolException {
        int start = in.readerIndex();
        int nl = in.indexOf(start, in.writerIndex(), (byte) '\n');
        if (nl < 0) {
            if (in.readableBytes() > INLINE_MAX_SIZE) throw new ProtocolException("ERR Protocol error: too big inline request");
            return INLINE_NEED_MORE;
        }
        int end = nl;
        if (end > start && in.getByte(end - 1) == '\r') end--;
        byte[] line = new byte[end - start];
        in.getBytes(start, line);
        in.readerIndex(nl + 1);
        byte[][] args = ArgSplitter.split(line);
        if (args == null) throw new ProtocolException("ERR Protocol error: unbalanced quotes in request");
        if (args.length == 0) return INLINE_EMPTY;
        argv = args;
        return INLINE_COMMAND;
    }

    private static final ByteProcessor FIND_CR = b -> b != '\r';

    /** Index of the '\r' of the first "\r\n" at or after from, or -1. */
    private static int findCrlf(ByteBuf in, int from) {
        int end = in.writerIndex();
        while (from < end) {
            int cr = in.forEachByte(from, end - from, FIND_CR);
            if (cr < 0 || cr + 1 >= end) return -1;
            if (in.getByte(cr + 1) == '\n') return cr;
            from = cr + 1;
        }
        return -1;
    }

    /** Strict decimal parse of [from, to) like Redis's string2ll; Long.MIN_VALUE if invalid. */
    private static long parseLong(ByteBuf in, int from, int to) {
        if (from >= to || to - from > 20) return Long.MIN_VALUE;
        boolean negative = false;
        int i = from;
        if (in.getByte(i) == '-') {
            negative = true;
            if (++i == to) return Long.MIN_VALUE;
        }
        long v = 0;
        for (; i < to; i++) {
            int d = in.getByte(i) - '0';
            if (d < 0 || d > 9) return Long.MIN_VALUE;
            v = v * 10 + d;
            if (v < 0) return Long.MIN_VALUE;
        }
        return negative ? -v : v;
    }
}
