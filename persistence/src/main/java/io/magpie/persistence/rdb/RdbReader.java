package io.magpie.persistence.rdb;

import io.magpie.persistence.Crc64;
import io.magpie.persistence.Lzf;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * An RDB byte source (rdbLoad* primitives of rdb.c) over a stream or an array, keeping the
 * offset (for error messages) and the running CRC-64 of what it consumed.
 */
public final class RdbReader {
    private final InputStream in;
    private final byte[] buf;
    private int pos, limit;
    private long consumedBefore; // bytes of the stream before buf[0]
    private long crc;
    private int crcFrom; // buf index from which the crc is not yet updated

    public RdbReader(InputStream in) {
        this.in = in;
        this.buf = new byte[1 << 16];
    }

    /** Reads an in-memory payload (DUMP/RESTORE). */
    public RdbReader(byte[] data, int off, int len) {
        this.in = null;
        this.buf = data;
        this.pos = off;
        this.limit = off + len;
        this.crcFrom = off;
        this.consumedBefore = -off;
    }

    /** Offset of the next byte in the stream. */
    public long offset() {
        return consumedBefore + pos;
    }

    /** CRC-64 of every byte consumed so far. */
    public long crc() {
        crc = Crc64.update(crc, buf, crcFrom, pos - crcFrom);
        crcFrom = pos;
        return crc;
    }

    public RdbException error(String message) {
        return new RdbException(message, offset());
    }

    private void fill() throws IOException {
        if (pos < limit) return;
        if (in == null) throw new EOFException("Unexpected EOF reading RDB file");
        crc();
        consumedBefore += limit;
        pos = limit = crcFrom = 0;
        int n = in.read(buf, 0, buf.length);
        if (n <= 0) throw new EOFException("Unexpected EOF reading RDB file");
        limit = n;
    }

    public int readByte() throws IOException {
        fill();
        return buf[pos++] & 0xff;
    }

    public void readFully(byte[] dst, int off, int n) throws IOException {
        while (n > 0) {
            fill();
            int k = Math.min(n, limit - pos);
            System.arraycopy(buf, pos, dst, off, k);
            pos += k;
            off += k;
            n -= k;
        }
    }

    /**
     * n bytes. A length is read from the data itself, so it is checked before anything is
     * allocated: a payload in memory must hold the n bytes, and a stream gets a big string
     * in slices, so a corrupt length hits the end of the stream instead of allocating
     * gigabytes (a RESTORE of 100 bytes must not grow the heap by 3 GB).
     */
    public byte[] readBytes(int n) throws IOException {
        if (n < 0) throw error("Negative length " + n);
        if (in == null) {
            checkAvailable(n);
        } else if (n > STREAM_SLICE) {
            return readBytesInSlices(n);
        }
        byte[] b = new byte[n];
        readFully(b, 0, n);
        return b;
    }

    /** Strings longer than this are read from a stream slice by slice. */
    private static final int STREAM_SLICE = 16 << 20;

    private byte[] readBytesInSlices(int n) throws IOException {
        java.util.List<byte[]> slices = new java.util.ArrayList<>();
        for (int left = n; left > 0; ) {
            byte[] s = new byte[Math.min(left, STREAM_SLICE)];
            readFully(s, 0, s.length);
            slices.add(s);
            left -= s.length;
        }
        byte[] b = new byte[n];
        int at = 0;
        for (byte[] s : slices) {
            System.arraycopy(s, 0, b, at, s.length);
            at += s.length;
        }
        return b;
    }

    /** Bytes left in an in-memory payload; unknown (Long.MAX_VALUE) for a stream. */
    public long remaining() {
        return in == null ? limit - pos : Long.MAX_VALUE;
    }

    /** Fails unless an in-memory payload still holds n bytes. */
    public void checkAvailable(long n) throws RdbException {
        if (n > remaining()) throw error("Length " + n + " exceeds the " + remaining() + " bytes left");
    }

    /**
     * Fails unless an in-memory payload can hold count elements of at least minBytes each:
     * the check to make before sizing anything by an element count.
     */
    public void checkCount(long count, int minBytes) throws RdbException {
        if (count < 0 || (in == null && count > remaining() / minBytes)) {
            throw error("Element count " + count + " exceeds what the " + remaining() + " bytes left can hold");
        }
    }

    private long readLE(int n) throws IOException {
        long v = 0;
        for (int i = 0; i < n; i++) v |= (long) readByte() << (8 * i);
        return v;
    }

    private long readBE(int n) throws IOException {
        long v = 0;
        for (int i = 0; i < n; i++) v = (v << 8) | readByte();
        return v;
    }

    public long readMillis() throws IOException {
        return readLE(8);
    }

    /** Old RDB_OPCODE_EXPIRETIME: seconds, 32-bit little-endian. */
    public long readSeconds() throws IOException {
        return (int) readLE(4);
    }

    public double readBinaryDouble() throws IOException {
        return Double.longBitsToDouble(readLE(8));
    }

    public float readBinaryFloat() throws IOException {
        return Float.intBitsToFloat((int) readLE(4));
    }

    /** Little-endian checksum field. */
    public long readChecksum() throws IOException {
        return readLE(8);
    }

    public int readType() throws IOException {
        return readByte();
    }

    /** Result holder of {@link #readLenOrEncoding}: set when the length byte is ENCVAL. */
    private boolean encoded;

    private long readLenOrEncoding() throws IOException {
        encoded = false;
        int b = readByte();
        int type = (b & 0xc0) >> 6;
        if (type == Rdb.ENCVAL) {
            encoded = true;
            return b & 0x3f;
        }
        if (type == Rdb.LEN_6BIT) return b & 0x3f;
        if (type == Rdb.LEN_14BIT) return ((b & 0x3f) << 8) | readByte();
        if (b == Rdb.LEN_32BIT) return readBE(4);
        if (b == Rdb.LEN_64BIT) return readBE(8);
        throw error("Unknown length encoding " + b + " in rdbLoadLen()");
    }

    public long readLen() throws IOException {
        long n = readLenOrEncoding();
        if (encoded) throw error("Unexpected encoded length");
        return n;
    }

    /** A length that must fit an array. */
    public int readIntLen() throws IOException {
        long n = readLen();
        if (n < 0 || n > Integer.MAX_VALUE - 8) throw error("Length out of range: " + n);
        return (int) n;
    }

    /** rdbGenericLoadStringObject: plain, int-encoded or LZF-compressed. */
    public byte[] readString() throws IOException {
        long n = readLenOrEncoding();
        if (encoded) {
            switch ((int) n) {
                case Rdb.ENC_INT8:
                    return ascii((byte) readByte());
                case Rdb.ENC_INT16:
                    return ascii((short) readLE(2));
                case Rdb.ENC_INT32:
                    return ascii((int) readLE(4));
                case Rdb.ENC_LZF: {
                    int clen = readIntLen();
                    int len = readIntLen();
                    long at = offset();
                    // An LZF back reference of 3 bytes yields at most 264: a longer claim is corrupt.
                    if (len > (long) clen * LZF_MAX_EXPANSION) throw new RdbException("Invalid LZF compressed string", at);
                    byte[] c = readBytes(clen);
                    try {
                        return Lzf.decompress(c, 0, clen, len);
                    } catch (IOException | RuntimeException e) {
                        throw new RdbException("Invalid LZF compressed string", at);
                    }
                }
                default:
                    throw error("Unknown RDB string encoding type " + n);
            }
        }
        if (n > Integer.MAX_VALUE - 8) throw error("String too long: " + n);
        return readBytes((int) n);
    }

    private static final int LZF_MAX_EXPANSION = 88;

    private static byte[] ascii(long v) {
        return Long.toString(v).getBytes(StandardCharsets.US_ASCII);
    }

    /** A string that must be a decimal integer (aux fields, some old encodings). */
    public long readStringAsLong() throws IOException {
        byte[] s = readString();
        try {
            return Long.parseLong(new String(s, StandardCharsets.US_ASCII));
        } catch (NumberFormatException e) {
            throw error("Not an integer: " + new String(s, StandardCharsets.ISO_8859_1));
        }
    }

    /** Old RDB_TYPE_ZSET scores: a length byte then ASCII (253 nan, 254 +inf, 255 -inf). */
    public double readDoubleValue() throws IOException {
        int len = readByte();
        switch (len) {
            case 255:
                return Double.NEGATIVE_INFINITY;
            case 254:
                return Double.POSITIVE_INFINITY;
            case 253:
                return Double.NaN;
            default:
                String s = new String(readBytes(len), StandardCharsets.US_ASCII);
                try {
                    return Double.parseDouble(s);
                } catch (NumberFormatException e) {
                    throw error("Invalid double value " + s);
                }
        }
    }

    /** True if no byte remains (arrays) or the stream is exhausted. */
    public boolean atEnd() throws IOException {
        if (pos < limit) return false;
        if (in == null) return true;
        try {
            fill();
            return false;
        } catch (EOFException e) {
            return true;
        }
    }
}
