package io.magpie.persistence;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;

/**
 * Reads the commands of an AOF file (RESP multibulk, '#' annotation lines) and counts
 * the offset, so a failure says where. Stricter than Redis on CRLF after bulk payloads:
 * a flipped terminator is reported rather than silently accepted.
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

    private static final int MAX_LINE = 1 << 16;
    private static final long MAX_BULK = 512L << 20;

    private final InputStream in;
    private long offset;

    AofReader(InputStream in, long startOffset) {
        this.in = in;
        this.offset = startOffset;
    }

    long offset() {
        return offset;
    }

    private int read() throws IOException {
        int b = in.read();
        if (b < 0) throw new Truncated();
        offset++;
        return b;
    }

    /** The next command, or null at a clean end of file (between commands). */
    byte[][] next() throws IOException {
        while (true) {
            int first = in.read();
            if (first < 0) return null;
            offset++;
            if (first == '#') { // an annotation (timestamps): skip the line
                while (read() != '\n') {
                    // skip
                }
                continue;
            }
            long at = offset - 1;
            if (first != '*') throw new BadFormat("expected '*'", at);
            long argc = readNumberLine(at);
            if (argc < 1 || argc > Integer.MAX_VALUE) throw new BadFormat("invalid multibulk length", at);
            byte[][] argv = new byte[(int) Math.min(argc, 1024)][];
            for (int i = 0; i < argc; i++) {
                long bulkAt = offset;
                if (read() != '$') throw new BadFormat("expected '$'", bulkAt);
                long len = readNumberLine(bulkAt);
                if (len < 0 || len > MAX_BULK) throw new BadFormat("invalid bulk length", bulkAt);
                byte[] arg = new byte[(int) len];
                int off = 0;
                while (off < len) {
                    int n = in.read(arg, off, (int) len - off);
                    if (n < 0) throw new Truncated();
                    off += n;
                    offset += n;
                }
                long crlfAt = offset;
                if (read() != '\r' || read() != '\n') throw new BadFormat("expected CRLF after bulk", crlfAt);
                if (i >= argv.length) argv = java.util.Arrays.copyOf(argv, (int) Math.min(argc, argv.length * 2L));
                argv[i] = arg;
            }
            return argv;
        }
    }

    /** Digits up to CRLF after a type byte. */
    private long readNumberLine(long at) throws IOException {
        long v = 0;
        int digits = 0;
        boolean neg = false;
        while (true) {
            int b = read();
            if (b == '\r') break;
            if (b == '-' && digits == 0 && !neg) {
                neg = true;
                continue;
            }
            if (b < '0' || b > '9' || ++digits > 18 || offset - at > MAX_LINE) throw new BadFormat("invalid length line", at);
            v = v * 10 + (b - '0');
        }
        if (read() != '\n' || digits == 0) throw new BadFormat("invalid length line", at);
        return neg ? -v : v;
    }
}
