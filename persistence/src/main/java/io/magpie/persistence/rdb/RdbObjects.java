package io.magpie.persistence.rdb;

import io.magpie.engine.EngineConfig;
import io.magpie.engine.types.ValueType;
import io.magpie.engine.types.Values;
import java.io.IOException;
import java.util.EnumMap;
import java.util.Map;

/**
 * Type dispatch for RDB values, as rdb.c's rdbSaveObjectType/rdbSaveObject/rdbLoadObject:
 * one {@link RdbCodec} per value type. A new type plugs in with one line in the static block.
 */
public final class RdbObjects {
    private static final Map<ValueType, RdbCodec> BY_VALUE_TYPE = new EnumMap<>(ValueType.class);
    private static final RdbCodec[] BY_RDB_TYPE = new RdbCodec[256];

    static {
        register(new StringCodec());
        register(new ListCodec());
        register(new SetCodec());
        register(new HashCodec());
        register(new ZSetCodec());
        register(new StreamCodec());
        register(new ModuleCodec(new BloomModuleType()));
    }

    private RdbObjects() {}

    public static void register(RdbCodec codec) {
        BY_VALUE_TYPE.put(codec.valueType(), codec);
        for (int t : codec.rdbTypes()) BY_RDB_TYPE[t] = codec;
    }

    private static RdbCodec codecFor(Object value) {
        ValueType t = Values.type(value);
        RdbCodec c = BY_VALUE_TYPE.get(t);
        if (c == null) throw new IllegalStateException("no RDB encoding for values of type " + t.typeName());
        return c;
    }

    /** True if values of this type can be saved (others make SAVE/DUMP fail clearly). */
    public static boolean canSave(Object value) {
        return BY_VALUE_TYPE.containsKey(Values.type(value));
    }

    /** rdbSaveObjectType + rdbSaveObject. */
    public static void saveTypeAndObject(RdbWriter w, Object value) throws IOException {
        RdbCodec c = codecFor(value);
        w.writeType(c.rdbType(value));
        c.save(w, value);
    }

    /** rdbSaveKeyValuePair: expiry, type, key, value. */
    public static void saveKeyValuePair(RdbWriter w, byte[] key, Object value, long expireMs) throws IOException {
        saveKeyValuePair(w, key, value, expireMs, -1, -1);
    }

    /**
     * rdbSaveKeyValuePair: expiry, then the idle time in seconds (IDLE) or the LFU counter
     * (FREQ) when given (not -1), then type, key, value.
     */
    public static void saveKeyValuePair(RdbWriter w, byte[] key, Object value, long expireMs, long idleSeconds, int lfuFreq)
            throws IOException {
        RdbCodec c = codecFor(value);
        if (expireMs != -1) {
            w.writeByte(Rdb.OPCODE_EXPIRETIME_MS);
            w.writeMillis(expireMs);
        }
        if (idleSeconds >= 0) {
            w.writeByte(Rdb.OPCODE_IDLE);
            w.writeLen(idleSeconds);
        }
        if (lfuFreq >= 0) {
            w.writeByte(Rdb.OPCODE_FREQ);
            w.writeByte(lfuFreq);
        }
        w.writeType(c.rdbType(value));
        w.writeString(key);
        c.save(w, value);
        w.endOfObject();
    }

    /** rdbLoadObject: the value of a key whose type byte was already read. */
    public static Object loadObject(RdbReader r, int rdbType, EngineConfig config) throws IOException {
        if (rdbType == Rdb.TYPE_MODULE || rdbType == Rdb.TYPE_MODULE_2) return ModuleCodec.loadAny(r, rdbType, config);
        RdbCodec c = BY_RDB_TYPE[rdbType & 0xff];
        if (c == null) throw r.error("Unsupported RDB object type " + rdbType);
        return c.load(r, rdbType, config);
    }
}
