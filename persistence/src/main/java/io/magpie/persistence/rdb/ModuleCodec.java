package io.magpie.persistence.rdb;

import io.magpie.engine.EngineConfig;
import io.magpie.engine.types.ValueType;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

/**
 * Module values (rdb.c's RDB_TYPE_MODULE_2 branch): the 64-bit module id, the module
 * type's own fields, then RDB_MODULE_OPCODE_EOF. The id packs the 9-character type name
 * (6 bits a character, module.c's moduleTypeEncodeId) above a 10-bit encoding version.
 * Loading a module id no registered type claims fails, naming the type, as Redis does
 * when the module is not loaded.
 */
final class ModuleCodec implements RdbCodec {
    private static final String CHARSET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    /** Registered module types by the 54 name bits of their id. */
    private static final Map<Long, RdbModuleType> BY_NAME_BITS = new HashMap<>();

    private final RdbModuleType type;
    private final long id;

    ModuleCodec(RdbModuleType type) {
        this.type = type;
        this.id = encodeId(type.name(), type.encver());
        BY_NAME_BITS.put(id >>> 10, type);
    }

    /** moduleTypeEncodeId: name[0] in the highest 6 bits ... name[8], then encver in the low 10 bits. */
    static long encodeId(String name, int encver) {
        if (name.length() != 9 || encver < 0 || encver > 1023) throw new IllegalArgumentException("bad module type " + name);
        long id = 0;
        for (int i = 0; i < 9; i++) {
            int pos = CHARSET.indexOf(name.charAt(i));
            if (pos < 0) throw new IllegalArgumentException("bad module type name " + name);
            id = (id << 6) | pos;
        }
        return (id << 10) | encver;
    }

    /** moduleTypeNameByID: the type name packed in a module id. */
    static String nameOf(long id) {
        char[] name = new char[9];
        long bits = id >>> 10;
        for (int i = 8; i >= 0; i--) {
            name[i] = CHARSET.charAt((int) (bits & 63));
            bits >>>= 6;
        }
        return new String(name);
    }

    @Override public ValueType valueType() {
        return type.valueType();
    }

    /** Loading goes through {@link #loadAny}: the module id, not the type byte, picks the type. */
    @Override public int[] rdbTypes() {
        return new int[0];
    }

    @Override public int rdbType(Object v) {
        return Rdb.TYPE_MODULE_2;
    }

    @Override public void save(RdbWriter w, Object v) {
        w.writeLen(id);
        type.save(ModuleIO.forSave(w, type.name()), v);
        w.writeLen(ModuleIO.OPCODE_EOF);
    }

    @Override public Object load(RdbReader r, int rdbType, EngineConfig config) throws IOException {
        return loadAny(r, rdbType, config);
    }

    /** The value of a RDB_TYPE_MODULE or RDB_TYPE_MODULE_2 whose type byte was read. */
    static Object loadAny(RdbReader r, int rdbType, EngineConfig config) throws IOException {
        long at = r.offset();
        long moduleId = r.readLen();
        String name = nameOf(moduleId);
        RdbModuleType mt = BY_NAME_BITS.get(moduleId >>> 10);
        if (mt == null) {
            throw new RdbException("The RDB file contains module data I can't load: no matching module type '" + name + "'", at);
        }
        int encver = (int) (moduleId & 1023);
        ModuleIO io = ModuleIO.forLoad(r, rdbType == Rdb.TYPE_MODULE_2, name);
        Object value = mt.load(io, encver, config);
        io.loadEof();
        return value;
    }
}
