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

    public byte[] toBytes() {
        return toString().getBytes(StandardCharsets.US_ASCII);
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
