package io.magpie.persistence.rdb;

import java.io.IOException;

/**
 * The RedisModuleIO a module type's rdb_save/rdb_load sees (module.c's RM_Save* and
 * RM_Load*). In RDB_TYPE_MODULE_2 values every field is preceded by its RDB_MODULE_OPCODE_*,
 * checked on load; the old RDB_TYPE_MODULE (version 1) has bare fields.
 */
public final class ModuleIO {
    /* RDB_MODULE_OPCODE_*: the tag before each field of a module value (version 2). */
    static final int OPCODE_EOF = 0;
    static final int OPCODE_SINT = 1;
    static final int OPCODE_UINT = 2;
    static final int OPCODE_FLOAT = 3;
    static final int OPCODE_DOUBLE = 4;
    static final int OPCODE_STRING = 5;

    private final RdbWriter w;
    private final RdbReader r;
    private final boolean tagged;
    private final String typeName;

    private ModuleIO(RdbWriter w, RdbReader r, boolean tagged, String typeName) {
        this.w = w;
        this.r = r;
        this.tagged = tagged;
        this.typeName = typeName;
    }

    static ModuleIO forSave(RdbWriter w, String typeName) {
        return new ModuleIO(w, null, true, typeName);
    }

    static ModuleIO forLoad(RdbReader r, boolean tagged, String typeName) {
        return new ModuleIO(null, r, tagged, typeName);
    }

    /* ---------------- saving ---------------- */

    private void tag(int opcode) {
        if (tagged) w.writeLen(opcode);
    }

    /** RM_SaveUnsigned: an RDB length, 64-bit unsigned. */
    public void saveUnsigned(long v) {
        tag(OPCODE_UINT);
        w.writeLen(v);
    }

    public void saveSigned(long v) {
        tag(OPCODE_SINT);
        w.writeLen(v);
    }

    public void saveDouble(double d) {
        tag(OPCODE_DOUBLE);
        w.writeBinaryDouble(d);
    }

    public void saveFloat(float f) {
        tag(OPCODE_FLOAT);
        w.writeBinaryFloat(f);
    }

    /** RM_SaveStringBuffer: an RDB string (int-encoded or LZF-compressed as any other). */
    public void saveStringBuffer(byte[] b, int off, int len) {
        tag(OPCODE_STRING);
        w.writeString(b, off, len);
    }

    /* ---------------- loading ---------------- */

    /** The type's load refuses the value: an RdbException naming the module type, at the current offset. */
    public RdbException error(String why) {
        return r.error("The RDB file contains module data for the module type '" + typeName
                + "', that the responsible module is not able to load: " + why);
    }

    private void expect(int opcode, String what) throws IOException {
        if (!tagged) return;
        long at = r.offset();
        long got = r.readLen();
        if (got != opcode) {
            throw new RdbException("Module type '" + typeName + "': expected a " + what + " field (opcode " + opcode
                    + "), found opcode " + got, at);
        }
    }

    public long loadUnsigned() throws IOException {
        expect(OPCODE_UINT, "unsigned");
        return r.readLen();
    }

    public long loadSigned() throws IOException {
        expect(OPCODE_SINT, "signed");
        return r.readLen();
    }

    public double loadDouble() throws IOException {
        expect(OPCODE_DOUBLE, "double");
        return r.readBinaryDouble();
    }

    public float loadFloat() throws IOException {
        expect(OPCODE_FLOAT, "float");
        return r.readBinaryFloat();
    }

    public byte[] loadStringBuffer() throws IOException {
        expect(OPCODE_STRING, "string");
        return r.readString();
    }

    /** The value's end: RDB_MODULE_OPCODE_EOF after a version 2 value. */
    void loadEof() throws IOException {
        if (!tagged) return;
        long at = r.offset();
        if (r.readLen() != OPCODE_EOF) {
            throw new RdbException("The RDB file contains module data for '" + typeName
                    + "' that is not terminated by the proper module value EOF marker", at);
        }
    }

    long offset() {
        return r.offset();
    }
}
