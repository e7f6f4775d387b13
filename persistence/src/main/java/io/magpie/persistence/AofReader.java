package io.magpie.persistence;

import io.magpie.protocol.ProtocolException;
import io.magpie.protocol.RequestParser;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;

/**
 * Reads the commands of an AOF file through the server's one command reader
 * ({@link RequestParser}, in its strict mode: multibulk only, CRLF checked after every
 * bulk, so a flipped terminator is reported rather than silently accepted). This class only
 * adds what a file has and a socket has not: '#' annotation lines, the end of the file, and
 * the offset, so that a failure says where.
 */
final class AofReader {
    /** The file ended inside a command: a truncated tail. */
    static final class Truncated extends EOFException {
        Truncated() {
            super("unexpected end of file");
        }
    }

    /** Bytes that are not an AOF command, found at offset. */
    static final class BadFormat extends IOException {
        final long offset;

        BadFormat(String what, long offset) {
            super(what);
            this.offset = offset;
        }
    }

    private static final int CHUNK = 64 * 1024;

    private final InputStream in;
    private final RequestParser parser = new RequestParser();
    private final ByteBuf buf = Unpooled.buffer(CHUNK);
    /** The file offset of the buffer's index 0. */
    private long bufStart;
    private boolean eof;
    private long commandStart;

    AofReader(InputStream in, long startOffset) {
        this.in = in;
        this.bufStart = startOffset;
        parser.setStrict(true);
        parser.setMaxBulkLen(Long.MAX_VALUE); // a file holds what the server once accepted
    }

    /** The offset just after the last command returned. */
    long offset() {
        return bufStart + buf.readerIndex();
    }

    /** Reads another chunk; false at the end of the file. */
    private boolean fill() throws IOException {
        if (eof) return false;
        if (buf.readerIndex() > CHUNK) {
            bufStart += buf.readerIndex();
            buf.discardReadBytes();
        }
        buf.ensureWritable(CHUNK);
        int n = buf.writeBytes(in, CHUNK);
        if (n < 0) {
            eof = true;
            return false;
        }
        return true;
    }

    /** The next command, or null at a clean end of file (between commands). */
    byte[][] next() throws IOException {
        while (true) {
            if (!parser.inCommand()) {
                if (!buf.isReadable() && !fill()) return null;
                if (!buf.isReadable()) continue;
                if (buf.getByte(buf.readerIndex()) == '#') { // an annotation (timestamps): skip the line
                    int nl;
                    while ((nl = buf.indexOf(buf.readerIndex(), buf.writerIndex(), (byte) '\n')) < 0) {
                        if (!fill()) throw new Truncated();
                    }
                    buf.readerIndex(nl + 1);
                    continue;
                }
            }
            if (!parser.inCommand()) commandStart = offset();
            byte[][] argv;
            try {
                argv = parser.parse(buf);
            } catch (ProtocolException e) {
                throw new BadFormat(e.getMessage().replace("ERR Protocol error: ", ""), commandStart);
            }
            if (argv != null) return argv;
            if (!fill()) throw new Truncated();
        }
    }
}
