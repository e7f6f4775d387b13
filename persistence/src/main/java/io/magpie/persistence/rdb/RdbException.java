package io.magpie.persistence.rdb;

import java.io.IOException;

/** A malformed, truncated or unsupported RDB stream; says where. */
public final class RdbException extends IOException {
    private final long offset;

    public RdbException(String message, long offset) {
        super(message + " (at offset " + offset + ")");
        this.offset = offset;
    }

    public long offset() {
        return offset;
    }
}
