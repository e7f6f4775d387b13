package io.magpie.engine.types;

import io.magpie.engine.Errors;
import io.magpie.engine.ReplyException;
import io.magpie.engine.keyspace.Database;
import io.magpie.engine.util.Numbers;

/** Type checks and names over keyspace values (byte[] strings or RedisValue). */
public final class Values {
    private Values() {}

    /** Redis's OBJ_ENCODING_EMBSTR_SIZE_LIMIT. */
    public static final int EMBSTR_SIZE_LIMIT = 44;

    public static ValueType type(Object v) {
        if (v instanceof byte[]) return ValueType.STRING;
        return ((RedisValue) v).type();
    }

    public static boolean isString(Object v) {
        return v instanceof byte[] || (v instanceof RedisValue r && r.type() == ValueType.STRING);
    }

    /** Throws WRONGTYPE unless v is null or of the given type (checkType). */
    public static void check(Object v, ValueType t) {
        if (v != null && type(v) != t) throw new ReplyException(Errors.WRONGTYPE);
    }

    /** The value at key for a read command, null if absent, WRONGTYPE if another type (lookupKeyRead + checkType). */
    @SuppressWarnings("unchecked")
    public static <T> T read(Database db, byte[] key, ValueType t) {
        Object o = db.lookupRead(key);
        check(o, t);
        return (T) o;
    }

    /** The same for a write command (lookupKeyWrite + checkType). */
    @SuppressWarnings("unchecked")
    public static <T> T write(Database db, byte[] key, ValueType t) {
        Object o = db.lookupWrite(key);
        check(o, t);
        return (T) o;
    }

    /**
     * OBJECT ENCODING of a string as Redis would have encoded it: "int" for canonical
     * integers of up to 20 characters, "embstr" up to 44 bytes, else "raw". Strings grown
     * in place (APPEND, SETRANGE, SETBIT) are RawString values and always "raw".
     */
    public static String encoding(Object v) {
        if (v instanceof byte[] b) {
            if (b.length <= 20 && Numbers.isLong(b)) return "int";
            return b.length <= EMBSTR_SIZE_LIMIT ? "embstr" : "raw";
        }
        return ((RedisValue) v).encoding();
    }
}
