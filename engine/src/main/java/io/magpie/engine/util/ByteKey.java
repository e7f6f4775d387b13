package io.magpie.engine.util;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** A byte[] with value equality, for the few JDK maps keyed by binary strings off the hot path. */
public final class ByteKey implements Comparable<ByteKey> {
    public final byte[] bytes;
    private final int hash;

    public ByteKey(byte[] bytes) {
        this.bytes = bytes;
        this.hash = Arrays.hashCode(bytes);
    }

    @Override public boolean equals(Object o) {
        return o instanceof ByteKey k && k.hash == hash && Arrays.equals(k.bytes, bytes);
    }

    @Override public int hashCode() {
        return hash;
    }

    @Override public int compareTo(ByteKey o) {
        return Arrays.compareUnsigned(bytes, o.bytes);
    }

    @Override public String toString() {
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }
}
