package io.magpie.persistence.rdb;

/** RDB format constants (rdb.h), Redis 7.0: version 10. */
public final class Rdb {
    private Rdb() {}

    public static final int VERSION = 10;
    /** Oldest version we read: Redis 6.0's... and anything older that only lacks newer encodings. */
    public static final int MIN_VERSION = 1;

    /* Value types. */
    public static final int TYPE_STRING = 0;
    public static final int TYPE_LIST = 1;
    public static final int TYPE_SET = 2;
    public static final int TYPE_ZSET = 3;
    public static final int TYPE_HASH = 4;
    public static final int TYPE_ZSET_2 = 5;
    public static final int TYPE_MODULE = 6;
    public static final int TYPE_MODULE_2 = 7;
    public static final int TYPE_HASH_ZIPMAP = 9;
    public static final int TYPE_LIST_ZIPLIST = 10;
    public static final int TYPE_SET_INTSET = 11;
    public static final int TYPE_ZSET_ZIPLIST = 12;
    public static final int TYPE_HASH_ZIPLIST = 13;
    public static final int TYPE_LIST_QUICKLIST = 14;
    public static final int TYPE_STREAM_LISTPACKS = 15;
    public static final int TYPE_HASH_LISTPACK = 16;
    public static final int TYPE_ZSET_LISTPACK = 17;
    public static final int TYPE_LIST_QUICKLIST_2 = 18;
    public static final int TYPE_STREAM_LISTPACKS_2 = 19;
    /** Redis 7.2's stream encoding (consumers' active-time); read only. */
    public static final int TYPE_STREAM_LISTPACKS_3 = 21;

    /* Opcodes. */
    public static final int OPCODE_FUNCTION2 = 245;
    public static final int OPCODE_FUNCTION = 246;
    public static final int OPCODE_MODULE_AUX = 247;
    public static final int OPCODE_IDLE = 248;
    public static final int OPCODE_FREQ = 249;
    public static final int OPCODE_AUX = 250;
    public static final int OPCODE_RESIZEDB = 251;
    public static final int OPCODE_EXPIRETIME_MS = 252;
    public static final int OPCODE_EXPIRETIME = 253;
    public static final int OPCODE_SELECTDB = 254;
    public static final int OPCODE_EOF = 255;

    /* Length encoding: the two top bits of the first byte. */
    public static final int LEN_6BIT = 0;
    public static final int LEN_14BIT = 1;
    public static final int LEN_32BIT = 0x80;
    public static final int LEN_64BIT = 0x81;
    public static final int ENCVAL = 3;

    /* Special string encodings (after ENCVAL). */
    public static final int ENC_INT8 = 0;
    public static final int ENC_INT16 = 1;
    public static final int ENC_INT32 = 2;
    public static final int ENC_LZF = 3;

    public static boolean isObjectType(int t) {
        return (t >= TYPE_STRING && t <= TYPE_MODULE_2) || (t >= TYPE_HASH_ZIPMAP && t <= TYPE_STREAM_LISTPACKS_2)
                || t == TYPE_STREAM_LISTPACKS_3;
    }
}
