package io.magpie.persistence.rdb;

import io.magpie.engine.util.Numbers;
import io.magpie.persistence.Lzf;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * An RDB byte sink (rdbSave* primitives of rdb.c): lengths, strings with their integer and
 * LZF encodings, doubles, and the opcodes of the file layout. Bytes accumulate in a
 * growable array; {@link Flusher} lets a snapshot drain full buffers to a file or socket
 * while it keeps writing.
 */
public final class RdbWriter {
    /** Receives filled buffers (the CRC is computed over them by the writer first). */
    public interface Flusher {
        void flush(byte[] buf, int len);
    }

    private byte[] buf;
    private int len;
    private long crc;
    private long written;
    private final boolean compression;
    private final Flusher flusher;
    private final int flushAt;

    /** An in-memory writer (DUMP payloads, per-db side buffers). */
    public RdbWriter(boolean compression) {
        this(compression, null, Integer.MAX_VALUE);
    }

    /** A streaming writer that hands each flushAt bytes to flusher (who then owns the array). */
    public RdbWriter(boolean compression, Flusher flusher, int flushAt) {
        this.compression = compression;
        this.flusher = flusher;
        this.flushAt = flushAt;
        this.buf = new byte[flusher == null ? 64 : Math.min(flushAt + 1024, 1 << 20)];
    }

    /** list-max-listpack-size when this stream was started: how lists split into quicklist nodes. */
    private int listFill = -2;

    public int listFill() {
        return listFill;
    }

    public RdbWriter listFill(int fill) {
        this.listFill = fill;
        return this;
    }

    public boolean compression() {
        return compression;
    }

    /* ---------------- raw bytes ---------------- */

    private void ensure(int n) {
        if (len + n > buf.length) buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + n));
    }

    public void writeByte(int b) {
        ensure(1);
        buf[len++] = (byte) b;
    }

    public void writeBytes(byte[] b, int off, int n) {
        ensure(n);
        System.arraycopy(b, off, buf, len, n);
        len += n;
        maybeFlush();
    }

    public void writeBytes(byte[] b) {
        writeBytes(b, 0, b.length);
    }

    /** Appends another writer's bytes (a db's early-serialized entries). */
    public void append(RdbWriter other) {
        writeBytes(other.buf, 0, other.len);
    }

    private void writeLE(long v, int n) {
        ensure(n);
        for (int i = 0; i < n; i++) buf[len++] = (byte) (v >>> (8 * i));
    }

    private void writeBE(long v, int n) {
        ensure(n);
        for (int i = n - 1; i >= 0; i--) buf[len++] = (byte) (v >>> (8 * i));
    }

    /** Little-endian 64-bit (expire times, checksums). */
    public void writeMillis(long ms) {
        writeLE(ms, 8);
    }

    /** Binary double, little-endian (RDB_TYPE_ZSET_2 scores). */
    public void writeBinaryDouble(double d) {
        writeLE(Double.doubleToRawLongBits(d), 8);
    }

    /** Binary float, little-endian (module data, rarely). */
    public void writeBinaryFloat(float f) {
        writeLE(Float.floatToRawIntBits(f) & 0xffffffffL, 4);
    }

    /* ---------------- RDB encodings ---------------- */

    public void writeType(int type) {
        writeByte(type);
    }

    /** rdbSaveLen: 6, 14, 32 or 64 bits. */
    public void writeLen(long n) {
        if (n < (1 << 6)) {
            writeByte((int) n);
        } else if (n < (1 << 14)) {
            writeByte((int) ((n >> 8) | (Rdb.LEN_14BIT << 6)));
            writeByte((int) (n & 0xff));
        } else if (n <= 0xffffffffL) {
            writeByte(Rdb.LEN_32BIT);
            writeBE(n, 4);
        } else {
            writeByte(Rdb.LEN_64BIT);
            writeBE(n, 8);
        }
    }

    /** rdbEncodeInteger: the shortest of int8/16/32, or false if v needs more. */
    private boolean writeEncodedInt(long v) {
        if (v >= Byte.MIN_VALUE && v <= Byte.MAX_VALUE) {
            writeByte((Rdb.ENCVAL << 6) | Rdb.ENC_INT8);
            writeLE(v, 1);
        } else if (v >= Short.MIN_VALUE && v <= Short.MAX_VALUE) {
            writeByte((Rdb.ENCVAL << 6) | Rdb.ENC_INT16);
            writeLE(v, 2);
        } else if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) {
            writeByte((Rdb.ENCVAL << 6) | Rdb.ENC_INT32);
            writeLE(v, 4);
        } else {
            return false;
        }
        return true;
    }

    /** rdbSaveLongLongAsStringObject: int-encoded when it fits 32 bits, else as its decimal text. */
    public void writeLongAsString(long v) {
        if (!writeEncodedInt(v)) writeString(Long.toString(v).getBytes(StandardCharsets.US_ASCII));
    }

    public void writeString(byte[] s) {
        writeString(s, 0, s.length);
    }

    /**
     * rdbSaveRawString: strings of up to 11 characters that are canonical integers are saved
     * int-encoded; with compression on, strings over 20 bytes are LZF-compressed when that
     * saves at least 4 bytes; else length + bytes.
     */
    public void writeString(byte[] s, int off, int n) {
        if (n <= 11 && n > 0) {
            long v = Numbers.canonicalLong(s, off, n, 11);
            if (v != Numbers.INVALID && writeEncodedInt(v)) return;
        }
        if (compression && n > 20) {
            byte[] c = Lzf.compress(s, off, n, n - 4);
            if (c != null) {
                writeByte((Rdb.ENCVAL << 6) | Rdb.ENC_LZF);
                writeLen(c.length);
                writeLen(n);
                writeBytes(c);
                return;
            }
        }
        writeLen(n);
        writeBytes(s, off, n);
    }

    public void writeString(String s) {
        writeString(s.getBytes(StandardCharsets.UTF_8));
    }


    /** rdbSaveAuxField with a string value. */
    public void writeAux(String key, String value) {
        writeByte(Rdb.OPCODE_AUX);
        writeString(key);
        writeString(value);
    }

    /** rdbSaveAuxFieldStrInt: the number as a string (so int-encoded when small). */
    public void writeAux(String key, long value) {
        writeAux(key, Long.toString(value));
    }

    public void writeHeader() {
        writeBytes(String.format("REDIS%04d", Rdb.VERSION).getBytes(StandardCharsets.US_ASCII));
    }

    public void writeSelectDb(int db) {
        writeByte(Rdb.OPCODE_SELECTDB);
        writeLen(db);
    }

    public void writeResizeDb(long keys, long expires) {
        writeByte(Rdb.OPCODE_RESIZEDB);
        writeLen(keys);
        writeLen(expires);
    }

    /** EOF and the checksum of everything before it (zero when rdbchecksum is off). */
    public void writeEof(boolean checksum) {
        writeByte(Rdb.OPCODE_EOF);
        long c = checksum ? crcSoFar() : 0;
        writeLE(c, 8);
    }

    /* ---------------- buffer management ---------------- */

    private void maybeFlush() {
        if (flusher != null && len >= flushAt) flushNow();
    }

    /** Hands the buffered bytes to the flusher (streaming writers). */
    public void flushNow() {
        if (flusher == null || len == 0) return;
        crc = io.magpie.persistence.Crc64.update(crc, buf, 0, len);
        written += len;
        byte[] full = buf;
        int n = len;
        buf = new byte[full.length];
        len = 0;
        flusher.flush(full, n);
    }

    /** The CRC-64 of every byte written so far. */
    public long crcSoFar() {
        return io.magpie.persistence.Crc64.update(crc, buf, 0, len);
    }

    /** Bytes written so far (flushed and buffered). */
    public long size() {
        return written + len;
    }

    /** The bytes of an in-memory writer. */
    public byte[] toByteArray() {
        return Arrays.copyOf(buf, len);
    }

    public void reset() {
        len = 0;
        crc = 0;
        written = 0;
    }

    /** Called after each key: keeps a streaming writer's memory bounded. */
    public void endOfObject() {
        maybeFlush();
    }
}
