package io.magpie.engine.commands;

import io.magpie.engine.Client;
import io.magpie.engine.Engine;
import io.magpie.engine.ReplyException;
import io.magpie.engine.config.Params.LongParam;
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
        else if (v instanceof byte[] b) c.addReplyBulkShared(b);
        else {
            RawString r = (RawString) v;
            c.addReplyBulk(r.array(), 0, r.length());
        }
    }

    /** Redis's default proto-max-bulk-len, used when the server did not register the parameter. */
    private static final long DEFAULT_PROTO_MAX_BULK_LEN = 512L << 20;

    /**
     * The largest string APPEND/SETRANGE may build (proto-max-bulk-len, a server parameter
     * the engine reads by name), capped at what a Java array can hold.
     */
    public static long maxStringLength(Engine engine) {
        long limit = engine.registry.find("proto-max-bulk-len") instanceof LongParam p ? p.value() : DEFAULT_PROTO_MAX_BULK_LEN;
        return Math.min(limit, Integer.MAX_VALUE - 16);
    }

    /** checkStringLength: the master is obeyed up to what an array can hold. */
    public static void checkStringLength(Client c, long size, long append) {
        long total = size + append;
        long limit = c.obeyed ? Integer.MAX_VALUE - 16 : maxStringLength(c.engine);
        if (total < 0 || total > limit) {
            throw new ReplyException("ERR string exceeds maximum allowed size (proto-max-bulk-len)");
        }
    }

    /**
     * The value of key as a RawString to edit in place, converting (and storing) a plain
     * byte[] value first, as Redis's dbUnshareStringValue. The key must hold a string.
     */
    public static RawString unshare(Database db, byte[] key, Object current) {
        if (current instanceof RawString r && r.editable()) return r;
        RawString r = new RawString(bytes(current));
        db.overwrite(key, r);
        return r;
    }
}
