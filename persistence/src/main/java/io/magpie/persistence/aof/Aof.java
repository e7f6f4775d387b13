package io.magpie.persistence.aof;

import io.magpie.engine.Client;
import io.magpie.engine.Engine;
import io.magpie.engine.WriteStream;
import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The append-only file's incremental side (aof.c): appends every propagated write, as RESP
 * with SELECT when the db changes, to the current incr file, and fsyncs it per appendfsync;
 * and replays incr/plain-AOF files at load. Base files and the manifest are handled by the
 * caller ({@link io.magpie.persistence.Persistence}), which owns the snapshot machinery.
 */
public final class Aof implements WriteStream.Listener {
    public enum Fsync { ALWAYS, EVERYSEC, NO }

    private final Engine engine;
    private final ScheduledExecutorService mainThread;
    private FileChannel incr;
    private Path incrPath;
    private int selectedDb = -1;
    private byte[] buf = new byte[1 << 16];
    private int len;
    private boolean flushScheduled;
    private volatile Fsync fsync;
    private volatile boolean dirtySinceFsync;
    private long size;
    private IOException lastWriteError;

    public Aof(Engine engine, ScheduledExecutorService mainThread, Fsync fsync) {
        this.engine = engine;
        this.mainThread = mainThread;
        this.fsync = fsync;
    }

    public void fsyncPolicy(Fsync f) {
        this.fsync = f;
    }

    /** Directs appends to a new incr file (at startup and when a rewrite starts). */
    public void openIncr(Path path) throws IOException {
        flush();
        if (incr != null) {
            incr.force(true);
            incr.close();
        }
        incrPath = path;
        incr = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        size = incr.size();
        selectedDb = -1; // every incr file starts with its own SELECT
    }

    public Path incrPath() {
        return incrPath;
    }

    /** Bytes in the current incr file (auto-aof-rewrite's growth measure). */
    public long incrSize() {
        return size + len;
    }

    public boolean lastWriteOk() {
        return lastWriteError == null;
    }

    /* ---------------- appending ---------------- */

    @Override
    public void onWrite(int db, byte[][] argv) {
        if (incr == null) return;
        if (db != selectedDb) {
            byte[] id = Integer.toString(db).getBytes(StandardCharsets.US_ASCII);
            appendCommand(new byte[][] {"SELECT".getBytes(StandardCharsets.US_ASCII), id});
            selectedDb = db;
        }
        appendCommand(argv);
        if (fsync == Fsync.ALWAYS) {
            // Called at the end of the command, before its reply leaves: on disk before acknowledged.
            flush();
            return;
        }
        if (!flushScheduled) {
            // Written once per event-loop turn, like Redis's flushAppendOnlyFile in beforeSleep.
            flushScheduled = true;
            mainThread.execute(this::flushTask);
        }
    }

    private void appendCommand(byte[][] argv) {
        header('*', argv.length);
        for (byte[] a : argv) {
            header('$', a.length);
            put(a, a.length);
            put(CRLF, 2);
        }
    }

    private static final byte[] CRLF = {'\r', '\n'};

    private void header(char type, int n) {
        byte[] digits = Integer.toString(n).getBytes(StandardCharsets.US_ASCII);
        ensure(digits.length + 3);
        buf[len++] = (byte) type;
        System.arraycopy(digits, 0, buf, len, digits.length);
        len += digits.length;
        buf[len++] = '\r';
        buf[len++] = '\n';
    }

    private void put(byte[] b, int n) {
        ensure(n);
        System.arraycopy(b, 0, buf, len, n);
        len += n;
    }

    private void ensure(int n) {
        if (len + n > buf.length) buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + n));
    }

    private void flushTask() {
        flushScheduled = false;
        flush();
    }

    /** Writes buffered commands; with appendfsync always also fsyncs before returning. */
    public void flush() {
        if (len == 0 || incr == null) return;
        try {
            ByteBuffer bb = ByteBuffer.wrap(buf, 0, len);
            while (bb.hasRemaining()) incr.write(bb);
            size += len;
            len = 0;
            if (fsync == Fsync.ALWAYS) incr.force(false);
            else dirtySinceFsync = true;
            lastWriteError = null;
        } catch (IOException e) {
            lastWriteError = e;
        }
    }

    /** appendfsync everysec: called once a second from a background thread. */
    public void fsyncIfDirty() {
        FileChannel ch = incr;
        if (ch == null || !dirtySinceFsync || fsync != Fsync.EVERYSEC) return;
        dirtySinceFsync = false;
        try {
            ch.force(false);
        } catch (IOException ignored) {
            // the next write reports the error
        }
    }

    /** Flushes, fsyncs and closes (shutdown). */
    public void close() {
        flush();
        if (incr == null) return;
        try {
            incr.force(true);
            incr.close();
        } catch (IOException ignored) {
            // shutting down: nothing more to do
        }
        incr = null;
    }

    public void scheduleEverysec(ScheduledExecutorService background) {
        background.scheduleAtFixedRate(this::fsyncIfDirty, 1, 1, TimeUnit.SECONDS);
    }

    /* ---------------- loading ---------------- */

    /** What a replay found: commands run, and whether a truncated tail was cut. */
    public record LoadResult(long commands, boolean truncated, long validBytes) {}

    /**
     * Replays the RESP commands of file from offset (after an RDB preamble, or 0). A tail
     * cut short (a crash mid-write) is tolerated when allowTruncated, as aof-load-truncated:
     * the file is then truncated to its last complete command. Anything else malformed
     * throws, naming file and offset.
     */
    public static LoadResult replay(Engine engine, Path file, long offset, boolean allowTruncated) throws IOException {
        Client fake = Client.detached(engine);
        fake.authenticated = true;
        long commands = 0, valid = offset;
        try (InputStream raw = Files.newInputStream(file)) {
            raw.skipNBytes(offset);
            CountingInput in = new CountingInput(new BufferedInputStream(raw, 1 << 16), offset);
            while (true) {
                int c = in.read();
                if (c == -1) break;
                if (c != '*') throw new IOException("Bad file format reading the append only file " + file + " at offset " + valid);
                try {
                    int argc = (int) readNumber(in, file, valid);
                    if (argc < 1) throw new IOException("Bad file format reading the append only file " + file + " at offset " + valid);
                    byte[][] argv = new byte[argc][];
                    for (int i = 0; i < argc; i++) {
                        int t = in.read();
                        if (t == -1) throw new EOFException();
                        if (t != '$') throw new IOException("Bad file format reading the append only file " + file + " at offset " + valid);
                        int n = (int) readNumber(in, file, valid);
                        argv[i] = in.readN(n);
                        if (in.read() != '\r' || in.read() != '\n') {
                            if (in.eof) throw new EOFException();
                            throw new IOException("Bad file format reading the append only file " + file + " at offset " + valid);
                        }
                    }
                    engine.execute(fake, argv);
                    if (fake.output().readableBytes() > (1 << 20)) fake.output().clear();
                    commands++;
                    valid = in.pos;
                } catch (EOFException e) {
                    if (!allowTruncated) {
                        throw new IOException("Unexpected end of file reading the append only file " + file
                                + " at offset " + valid + " (aof-load-truncated is no)");
                    }
                    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
                        ch.truncate(valid);
                    }
                    return new LoadResult(commands, true, valid);
                }
            }
        }
        if (fake.multi) throw new IOException("Revert incomplete MULTI/EXEC transaction in AOF file " + file);
        return new LoadResult(commands, false, valid);
    }

    private static long readNumber(CountingInput in, Path file, long at) throws IOException {
        long v = 0;
        int digits = 0;
        while (true) {
            int c = in.read();
            if (c == -1) throw new EOFException();
            if (c == '\r') break;
            if (c < '0' || c > '9' || ++digits > 18) {
                throw new IOException("Bad file format reading the append only file " + file + " at offset " + at);
            }
            v = v * 10 + (c - '0');
        }
        int lf = in.read();
        if (lf == -1) throw new EOFException();
        if (lf != '\n') throw new IOException("Bad file format reading the append only file " + file + " at offset " + at);
        return v;
    }

    /** A byte stream that counts its position. */
    private static final class CountingInput {
        private final InputStream in;
        long pos;
        boolean eof;

        CountingInput(InputStream in, long start) {
            this.in = in;
            this.pos = start;
        }

        int read() throws IOException {
            int c = in.read();
            if (c == -1) eof = true;
            else pos++;
            return c;
        }

        byte[] readN(int n) throws IOException {
            byte[] b = in.readNBytes(n);
            pos += b.length;
            if (b.length < n) {
                eof = true;
                throw new EOFException();
            }
            return b;
        }
    }
}
