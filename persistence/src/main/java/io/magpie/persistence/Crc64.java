package io.magpie.persistence;

/**
 * Redis's CRC-64 (crc64.c): the Jones polynomial 0xad93d23594c935a9, reflected input and
 * output, initial value 0, no final xor. It checksums RDB files and DUMP payloads.
 *
 * <p>Hand-written: no Java library offers this variant (java.util.zip has CRC-32 only, and
 * the common CRC-64 libraries implement ECMA or ISO polynomials). A byte-wise table is
 * enough: RDB writing is bounded by the disk, not by this loop.
 */
public final class Crc64 {
    private static final long POLY_REFLECTED = 0x95ac9329ac4bc9b5L; // 0xad93d23594c935a9 bit-reversed
    private static final long[] TABLE = new long[256];

    static {
        for (int i = 0; i < 256; i++) {
            long crc = i;
            for (int k = 0; k < 8; k++) crc = (crc & 1) != 0 ? (crc >>> 1) ^ POLY_REFLECTED : crc >>> 1;
            TABLE[i] = crc;
        }
    }

    private Crc64() {}

    /** Continues crc over b[off, off+len). Start with 0. */
    public static long update(long crc, byte[] b, int off, int len) {
        for (int i = off, end = off + len; i < end; i++) {
            crc = TABLE[(int) (crc ^ b[i]) & 0xff] ^ (crc >>> 8);
        }
        return crc;
    }

    public static long update(long crc, int b) {
        return TABLE[(int) (crc ^ b) & 0xff] ^ (crc >>> 8);
    }

    public static long of(byte[] b) {
        return update(0, b, 0, b.length);
    }
}
