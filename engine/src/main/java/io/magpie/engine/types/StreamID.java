package io.magpie.engine.types;

import java.nio.charset.StandardCharsets;

/**
 * A stream entry ID (streamID): milliseconds and sequence, both unsigned 64-bit, compared
 * as one 128-bit number. Immutable.
 */
public final class StreamID implements Comparable<StreamID> {
    public static final StreamID ZERO = new StreamID(0, 0);
    public static final StreamID MIN = ZERO;
    public static final StreamID MAX = new StreamID(-1L, -1L);

    public final long ms, seq;

    public StreamID(long ms, long seq) {
        this.ms = ms;
        this.seq = seq;
    }

    @Override public int compareTo(StreamID o) {
        int c = Long.compareUnsigned(ms, o.ms);
        return c != 0 ? c : Long.compareUnsigned(seq, o.seq);
    }

    public boolean isZero() {
        return ms == 0 && seq == 0;
    }

    /** The next ID (streamIncrID); null when this is the maximum. */
    public StreamID incr() {
        if (seq != -1L) return new StreamID(ms, seq + 1);
        if (ms != -1L) return new StreamID(ms + 1, 0);
        return null;
    }

    /** The previous ID (streamDecrID); null when this is 0-0. */
    public StreamID decr() {
        if (seq != 0) return new StreamID(ms, seq - 1);
        if (ms != 0) return new StreamID(ms - 1, -1L);
        return null;
    }

    /** The 16-byte big-endian form (the rax key of a node, the RDB form of PEL IDs). */
    public byte[] encode() {
        byte[] b = new byte[16];
        for (int i = 0; i < 8; i++) {
            b[i] = (byte) (ms >>> (56 - 8 * i));
            b[8 + i] = (byte) (seq >>> (56 - 8 * i));
        }
        return b;
    }

    public static StreamID decode(byte[] b, int off) {
        long ms = 0, seq = 0;
        for (int i = 0; i < 8; i++) {
            ms = ms << 8 | (b[off + i] & 0xff);
            seq = seq << 8 | (b[off + 8 + i] & 0xff);
        }
        return new StreamID(ms, seq);
    }

    /** "ms-seq" in decimal, written straight into the array (every reply and propagated ID). */
    public byte[] toBytes() {
        int lm = digits(ms), ls = digits(seq);
        byte[] b = new byte[lm + 1 + ls];
        putDigits(b, lm, ms);
        b[lm] = '-';
        putDigits(b, b.length, seq);
        return b;
    }

    private static int digits(long v) {
        if (v < 0) return 20; // above 2^63 as unsigned: always 20 digits
        int n = 1;
        while (v >= 10) {
            v /= 10;
            n++;
        }
        return n;
    }

    /** Writes v's unsigned decimal digits ending just before index end. */
    private static void putDigits(byte[] b, int end, long v) {
        int i = end;
        if (v < 0) { // unsigned: peel one digit with unsigned division first
            long q = Long.divideUnsigned(v, 10);
            b[--i] = (byte) ('0' + (v - q * 10));
            v = q;
        }
        do {
            b[--i] = (byte) ('0' + v % 10);
            v /= 10;
        } while (v != 0);
    }

    @Override public String toString() {
        return Long.toUnsignedString(ms) + "-" + Long.toUnsignedString(seq);
    }

    @Override public boolean equals(Object o) {
        return o instanceof StreamID s && s.ms == ms && s.seq == seq;
    }

    @Override public int hashCode() {
        return Long.hashCode(ms) * 31 + Long.hashCode(seq);
    }
}
