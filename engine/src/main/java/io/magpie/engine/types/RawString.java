package io.magpie.engine.types;

import java.util.Arrays;

/**
 * A string grown or edited in place (APPEND, SETRANGE, SETBIT, BITFIELD): Redis's "raw"
 * sds with spare capacity, so repeated appends are amortized O(1). Plain SET values stay
 * immutable byte[] (int/embstr/raw by content); only in-place edits create a RawString,
 * and OBJECT ENCODING then answers "raw" as Redis does.
 */
public final class RawString implements RedisValue {
    private byte[] buf;
    private int len;

    public RawString(byte[] initial) {
        this.buf = Arrays.copyOf(initial, Math.max(initial.length, 8));
        this.len = initial.length;
    }

    public int length() {
        return len;
    }

    /** The backing array; only [0, length()) is the value. Callers must not keep it across writes. */
    public byte[] array() {
        return buf;
    }

    /** A copy of exactly the value's bytes. */
    public byte[] toBytes() {
        return Arrays.copyOf(buf, len);
    }

    /** Makes room for newLen bytes, zero-filling any gap (as sdsgrowzero). */
    public void growZero(int newLen) {
        if (newLen <= len) return;
        if (newLen > buf.length) {
            // sdsMakeRoomFor's greedy policy: double below 1MB, then +1MB.
            int cap = newLen < (1 << 20) ? newLen * 2 : newLen + (1 << 20);
            buf = Arrays.copyOf(buf, cap);
        }
        Arrays.fill(buf, len, newLen, (byte) 0);
        len = newLen;
    }

    /** Truncates, or grows with zeros, to newLen bytes (sdsIncrLen / sdssetlen). */
    public void setLength(int newLen) {
        if (newLen > len) growZero(newLen);
        else len = newLen;
    }

    /** Replaces the content with b, adopting the array (which the caller must not keep). */
    public void adopt(byte[] b) {
        buf = b;
        len = b.length;
    }

    public void append(byte[] b) {
        int at = len;
        growZero(len + b.length);
        System.arraycopy(b, 0, buf, at, b.length);
    }

    /** Overwrites at offset, growing with zeros as needed (SETRANGE). */
    public void setRange(int offset, byte[] b) {
        growZero(Math.max(len, offset + b.length));
        System.arraycopy(b, 0, buf, offset, b.length);
    }

    @Override public ValueType type() {
        return ValueType.STRING;
    }

    @Override public String encoding() {
        return "raw";
    }

    @Override public RedisValue duplicate() {
        return new RawString(toBytes());
    }

    @Override public long memoryUsage() {
        return 16 + buf.length;
    }
}
