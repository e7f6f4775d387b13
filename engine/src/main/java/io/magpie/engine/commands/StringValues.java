package io.magpie.engine.commands;

import io.magpie.engine.Client;
import io.magpie.engine.keyspace.Database;
import io.magpie.engine.types.RawString;

/**
 * Access to string values whatever their representation: an immutable byte[] (never
 * mutated once stored: arrays may be shared, e.g. small integers) or a RawString edited in
 * place.
 */
public final class StringValues {
    private StringValues() {}

    /** The value's bytes (a copy for RawString). */
    public static byte[] bytes(Object v) {
        if (v instanceof byte[] b) return b;
        if (v instanceof RawString r) return r.toBytes();
        throw new IllegalStateException("not a string: " + v.getClass());
    }

    public static int length(Object v) {
        return v instanceof byte[] b ? b.length : ((RawString) v).length();
    }

    /** Writes the value as a bulk reply without copying. */
    public static void addReplyBulk(Client c, Object v) {
        if (v == null) c.addReplyNull();
        else if (v instanceof byte[] b) c.addReplyBulk(b);
        else {
            RawString r = (RawString) v;
            c.addReplyBulk(r.array(), 0, r.length());
        }
    }

    /**
     * The value of key as a RawString to edit in place, converting (and storing) a plain
     * byte[] value first, as Redis's dbUnshareStringValue. The key must hold a string.
     */
    public static RawString unshare(Database db, byte[] key, Object current) {
        if (current instanceof RawString r) return r;
        RawString r = new RawString((byte[]) current);
        db.overwrite(key, r);
        return r;
    }
}
