package io.magpie.engine.types;

import io.magpie.engine.util.Numbers;
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
    /**
     * True for a value Redis would hold as an embstr whatever its content: a string made
     * by createStringObject without tryObjectEncoding (INCRBYFLOAT's result, even "11").
     * Such a value is never edited in place: unsharing it makes a plain raw copy.
     */
    private final boolean embedded;

    public RawString(byte[] initial) {
        this.buf = Arrays.copyOf(initial, Math.max(initial.length, 8));
        this.len = initial.length;
        this.embedded = false;
    }

    private RawString(byte[] exact, boolean embedded) {
        this.buf = exact;
        this.len = exact.length;
        this.embedded = embedded;
    }

    /** A string Redis stores as created (embstr up to 44 bytes, raw above), never as "int". */
    public static Object unencoded(byte[] value) {
        if (value.length > Values.EMBSTR_SIZE_LIMIT || !Numbers.isLong(value)) return value;
        return new RawString(value, true);
    }

    /** False for values that may not be edited in place (see {@link #unencoded}). */
    public boolean editable() {
        return !embedded;
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
        return embedded ? "embstr" : "raw";
    }

    @Override public RedisValue duplicate() {
        return embedded ? new RawString(toBytes(), true) : new RawString(toBytes());
    }

    @Override public long memoryUsage() {
        return 16 + buf.length;
    }
}
