package io.magpie.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;

/**
 * Encodes replies straight into a Netty buffer, in RESP2 or RESP3 as the client chose with
 * HELLO. Method names follow Redis's addReply* family; the RESP2 fallbacks of RESP3-only
 * types (maps as flat arrays, doubles as bulk strings, null as $-1 or *-1) are the ones
 * Redis uses, so a command implementation writes one reply for both protocols.
 *
 * The writer does not own the buffer: the connection that flushes it sets it with
 * {@link #target}. With a {@link ReplyChain}, the writer hands the buffer over whenever it
 * holds {@link #CHUNK_BYTES} and no aggregate's length is still open, and a bulk string of
 * {@link #LARGE_BULK} bytes or more goes to the chain as a buffer of its own: wrapped
 * without a copy when the caller promises the array never changes, else copied once.
 */
public final class RespWriter {
    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] OK = "+OK\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NULL_BULK = "$-1\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NULL_ARRAY = "*-1\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NULL3 = "_\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] EMPTY_ARRAY = "*0\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[][] INT_REPLIES = new byte[10001][];
    static {
        for (int i = 0; i < INT_REPLIES.length; i++) INT_REPLIES[i] = (":" + i + "\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    /** The size at which the current buffer goes to the chain (Redis's PROTO_REPLY_CHUNK_BYTES). */
    public static final int CHUNK_BYTES = 16 * 1024;
    /** A bulk string this long is a piece of the chain by itself. */
    public static final int LARGE_BULK = 16 * 1024;

    private ByteBuf out;
    private int resp = 2;
    private ReplyChain chain;
    /** Aggregates started with {@link #deferredLen} whose length is not yet set: their mark points into out. */
    private int openDeferred;

    public RespWriter() {}

    public RespWriter(ByteBuf out, int resp) {
        this.out = out;
        this.resp = resp;
    }

    public void target(ByteBuf out) {
        this.out = out;
    }

    public ByteBuf target() {
        return out;
    }

    /** Chains the output (null: one buffer that only grows, for detached clients and encoders). */
    public void chain(ReplyChain chain) {
        this.chain = chain;
    }

    public ReplyChain chain() {
        return chain;
    }

    /**
     * The reply of one command is complete: a deferred length it started and never set (an
     * error path) must not keep the buffer from being chained for the rest of the connection.
     */
    public void endOfReply() {
        openDeferred = 0;
        cutIfFull();
    }

    private boolean canCut() {
        return chain != null && openDeferred == 0;
    }

    private void cutIfFull() {
        if (out.writerIndex() >= CHUNK_BYTES && canCut()) cut(null);
    }

    /** Hands the current buffer (and a piece after it) to the chain and goes on in a new buffer. */
    private void cut(ByteBuf piece) {
        chain.append(out);
        if (piece != null) chain.append(piece);
        out = chain.newBuffer(CHUNK_BYTES);
    }

    public int resp() {
        return resp;
    }

    public void resp(int resp) {
        this.resp = resp;
    }

    /** Bytes written so far into the current target. */
    public int position() {
        return out.writerIndex();
    }

    public void ok() {
        out.writeBytes(OK);
    }

    /** "+text\r\n" */
    public void status(String text) {
        out.writeByte('+');
        writeAscii(text);
        out.writeBytes(CRLF);
    }

    /**
     * "-text\r\n". The text carries its own code ("ERR ...", "WRONGTYPE ..."). Newlines
     * would break the protocol, so they become spaces, as Redis's addReplyErrorLength does.
     */
    public void error(String text) {
        out.writeByte('-');
        writeAscii(text.indexOf('\r') >= 0 || text.indexOf('\n') >= 0 ? text.replace('\r', ' ').replace('\n', ' ') : text);
        out.writeBytes(CRLF);
    }

    public void integer(long v) {
        if (v >= 0 && v < INT_REPLIES.length) {
            out.writeBytes(INT_REPLIES[(int) v]);
        } else {
            out.writeByte(':');
            writeLong(v);
            out.writeBytes(CRLF);
        }
        cutIfFull();
    }

    public void bulk(byte[] v) {
        if (v == null) {
            nullBulk();
            return;
        }
        bulk(v, 0, v.length);
    }

    public void bulk(byte[] v, int off, int len) {
        bulk(v, off, len, false);
    }

    /**
     * A bulk string whose array the caller guarantees is never modified again (a stored
     * string value): a large one goes out wrapped, without a copy.
     */
    public void bulkShared(byte[] v) {
        if (v == null) nullBulk();
        else bulk(v, 0, v.length, true);
    }

    private void bulk(byte[] v, int off, int len, boolean shared) {
        out.writeByte('$');
        writeLong(len);
        out.writeBytes(CRLF);
        if (len >= LARGE_BULK && canCut()) {
            ByteBuf piece;
            if (shared) {
                piece = Unpooled.wrappedBuffer(v, off, len);
            } else {
                piece = chain.newBuffer(len);
                piece.writeBytes(v, off, len);
            }
            cut(piece);
        } else {
            out.writeBytes(v, off, len);
        }
        out.writeBytes(CRLF);
        cutIfFull();
    }

    public void bulk(String v) {
        bulk(v.getBytes(StandardCharsets.UTF_8));
    }

    /** A bulk string holding a number's decimal text (Redis's addReplyBulkLongLong). */
    public void bulkLong(long v) {
        bulk(NumberFormat.toBytes(v));
    }

    /** The null bulk string: $-1 in RESP2, _ in RESP3 (Redis's addReplyNull). */
    public void nullBulk() {
        out.writeBytes(resp == 2 ? NULL_BULK : NULL3);
    }

    /** The null array: *-1 in RESP2, _ in RESP3 (Redis's addReplyNullArray). */
    public void nullArray() {
        out.writeBytes(resp == 2 ? NULL_ARRAY : NULL3);
    }

    public void arrayLen(long n) {
        if (n == 0) {
            out.writeBytes(EMPTY_ARRAY);
            return;
        }
        aggregateHeader('*', n);
    }

    /**
     * A command as clients send it, an array of bulk strings: the replication stream, a
     * replica's handshake and acks, a Sentinel's requests.
     */
    public void command(byte[]... argv) {
        arrayLen(argv.length);
        for (byte[] a : argv) bulk(a, 0, a.length);
    }

    public void emptyArray() {
        out.writeBytes(EMPTY_ARRAY);
    }

    /** A map of n pairs: %n in RESP3, an array of 2n elements in RESP2. */
    public void mapLen(long n) {
        if (resp == 2) aggregateHeader('*', n * 2);
        else aggregateHeader('%', n);
    }

    /** A set: ~n in RESP3, an array in RESP2. */
    public void setLen(long n) {
        aggregateHeader(resp == 2 ? '*' : '~', n);
    }

    /** A push message: >n in RESP3, an array in RESP2 (pub/sub messages). */
    public void pushLen(long n) {
        aggregateHeader(resp == 2 ? '*' : '>', n);
    }

    /** An attribute-free RESP3 double (",1.5"), or its "%.17g" bulk string in RESP2. */
    public void doubleValue(double d) {
        if (resp == 2) {
            bulk(NumberFormat.g17Bytes(d));
        } else {
            out.writeByte(',');
            writeAscii(NumberFormat.formatG17(d));
            out.writeBytes(CRLF);
        }
    }

    /** RESP3 boolean, or integer 1/0 in RESP2. */
    public void bool(boolean b) {
        if (resp == 2) integer(b ? 1 : 0);
        else out.writeBytes(b ? "#t\r\n".getBytes(StandardCharsets.US_ASCII) : "#f\r\n".getBytes(StandardCharsets.US_ASCII));
    }

    /** RESP3 verbatim string with a 3-letter format ("txt"), or a bulk string in RESP2. */
    public void verbatim(String text, String format) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        if (resp == 2) {
            bulk(b);
            return;
        }
        out.writeByte('=');
        writeLong(b.length + 4);
        out.writeBytes(CRLF);
        writeAscii(format);
        out.writeByte(':');
        out.writeBytes(b);
        out.writeBytes(CRLF);
    }

    /** RESP3 big number, or a bulk string in RESP2. */
    public void bigNumber(String digits) {
        if (resp == 2) {
            bulk(digits.getBytes(StandardCharsets.US_ASCII));
            return;
        }
        out.writeByte('(');
        writeAscii(digits);
        out.writeBytes(CRLF);
    }

    /** Already-encoded protocol bytes. */
    public void raw(byte[] bytes) {
        out.writeBytes(bytes);
        cutIfFull();
    }

    /**
     * Starts an aggregate whose length is known only after its elements are written (Redis's
     * addReplyDeferredLen). Returns a mark to pass to {@link #setDeferredLen}.
     */
    public int deferredLen() {
        openDeferred++;
        return out.writerIndex();
    }

    /** Inserts the header of an aggregate started at mark: '*' array, '%' map, '~' set. */
    public void setDeferredLen(int mark, char type, long n) {
        if (type == '%' && resp == 2) {
            type = '*';
            n *= 2;
        } else if (type == '~' && resp == 2) {
            type = '*';
        }
        byte[] header = (type + Long.toString(n) + "\r\n").getBytes(StandardCharsets.US_ASCII);
        int tail = out.writerIndex() - mark;
        out.ensureWritable(header.length);
        out.setBytes(mark + header.length, out, mark, tail);
        out.setBytes(mark, header);
        out.writerIndex(mark + header.length + tail);
        if (openDeferred > 0) openDeferred--;
        cutIfFull();
    }

    public void setDeferredArrayLen(int mark, long n) {
        setDeferredLen(mark, '*', n);
    }

    public void setDeferredMapLen(int mark, long n) {
        setDeferredLen(mark, '%', n);
    }

    public void setDeferredSetLen(int mark, long n) {
        setDeferredLen(mark, '~', n);
    }

    private void aggregateHeader(char type, long n) {
        out.writeByte(type);
        writeLong(n);
        out.writeBytes(CRLF);
    }

    private void writeAscii(String s) {
        out.writeCharSequence(s, StandardCharsets.ISO_8859_1);
    }

    private void writeLong(long v) {
        if (v >= 0 && v < 10) {
            out.writeByte('0' + (int) v);
            return;
        }
        if (v < 0) {
            if (v == Long.MIN_VALUE) {
                writeAscii("-9223372036854775808");
                return;
            }
            out.writeByte('-');
            v = -v;
        }
        int len = NumberFormat.digits(v);
        out.ensureWritable(len);
        int end = out.writerIndex() + len;
        int pos = end;
        while (v > 0) {
            out.setByte(--pos, (int) ('0' + v % 10));
            v /= 10;
        }
        out.writerIndex(end);
    }
}
