package io.magpie.persistence.rdb;

import io.magpie.engine.Engine;
import io.magpie.engine.keyspace.Database;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads an RDB stream into the engine (rdbLoadRio): validates the header and version,
 * applies SELECTDB/EXPIRETIME/aux opcodes, loads each key through {@link RdbObjects}, and
 * checks the trailing CRC-64. Any malformed input raises {@link RdbException} with the
 * offset; the caller decides whether the process may continue (it may not at startup).
 */
public final class RdbLoader {
    /** What a load found, for logs and INFO. */
    public static final class Result {
        public int version;
        public final Map<String, String> aux = new LinkedHashMap<>();
        public long keysLoaded, keysExpired, emptyKeysSkipped;
        public long bytes;
    }

    /**
     * Where decoded keys go. The default adds each to the keyspace at once ({@link #addKey});
     * a startup load hands them in batches to the keyspace thread instead, so that clients
     * are answered (LOADING) while the file is read.
     */
    public interface KeyTarget {
        /** A key to add; offset is where the reader stood after its value (for errors). */
        void add(Database db, byte[] key, Object value, long expireMs, long lruIdle, long lfuFreq, long offset)
                throws IOException;

        /** RESIZEDB: the db is about to receive this many keys and expiries. */
        default void resize(Database db, long keys, long expires) throws IOException {
            presize(db, keys, expires);
        }

        /** An aux field, as soon as it is read (INFO's loading_rdb_used_mem). */
        default void aux(String key, String value) {}
    }

    private final Engine engine;
    /** Master semantics: drop keys already expired (a replica or AOF preamble keeps them). */
    private final boolean dropExpired;
    private final boolean verifyChecksum;
    private KeyTarget target;

    public RdbLoader(Engine engine, boolean dropExpired, boolean verifyChecksum) {
        this.engine = engine;
        this.dropExpired = dropExpired;
        this.verifyChecksum = verifyChecksum;
        this.target = (db, key, value, expireMs, lruIdle, lfuFreq, offset) -> addKey(engine, db, key, value, expireMs, lruIdle, lfuFreq, offset);
    }

    /** Sends decoded keys to target instead of straight into the keyspace. */
    public RdbLoader target(KeyTarget target) {
        this.target = target;
        return this;
    }

    /**
     * Rebuilding a big db's tables step by step as it fills costs a tenth of a load, so they
     * are sized from RESIZEDB at once, as Redis does; within a bound, since the checksum
     * that vouches for the announced sizes comes only at the end of the file.
     */
    public static void presize(Database db, long keys, long expires) {
        db.dict().expand(Math.min(keys, MAX_PRESIZE));
        db.expires().expand(Math.min(expires, MAX_PRESIZE));
    }

    private static final long MAX_PRESIZE = 1 << 24;

    /**
     * Adds one loaded key to db with its expiry and saved access history (-1: none), on the
     * keyspace thread. A key already there means a malformed file.
     */
    public static void addKey(Engine engine, Database db, byte[] key, Object value, long expireMs, long lruIdle, long lfuFreq,
            long offset) throws RdbException {
        if (db.dict().containsKey(key)) {
            throw new RdbException("Duplicate key '" + new String(key, StandardCharsets.ISO_8859_1) + "' found in RDB file", offset);
        }
        db.add(key, value);
        if (expireMs != -1) db.setExpire(key, expireMs);
        if (lruIdle != -1 || lfuFreq != -1) engine.eviction().restoreAccessHistory(db.entry(key), lfuFreq, lruIdle);
    }

    /** Reads "REDIS" and the 4-digit version; returns the version. */
    public static int readHeader(RdbReader r) throws IOException {
        byte[] magic = r.readBytes(9);
        String s = new String(magic, StandardCharsets.ISO_8859_1);
        if (!s.startsWith("REDIS")) throw new RdbException("Wrong signature trying to load DB from file", 0);
        int version;
        try {
            version = Integer.parseInt(s.substring(5));
        } catch (NumberFormatException e) {
            throw new RdbException("Wrong signature trying to load DB from file", 0);
        }
        if (version < Rdb.MIN_VERSION || version > Rdb.VERSION) {
            throw new RdbException("Can't handle RDB format version " + version, 5);
        }
        return version;
    }

    public Result load(RdbReader r) throws IOException {
        Result res = new Result();
        res.version = readHeader(r);
        Database db = engine.db(0);
        long expireMs = -1;
        // The next key's saved access history (IDLE in seconds, FREQ), -1 when absent.
        long lruIdle = -1, lfuFreq = -1;
        long now = engine.now();
        while (true) {
            int type = r.readType();
            switch (type) {
                case Rdb.OPCODE_EXPIRETIME:
                    expireMs = r.readSeconds() * 1000;
                    continue;
                case Rdb.OPCODE_EXPIRETIME_MS:
                    expireMs = r.readMillis();
                    continue;
                case Rdb.OPCODE_FREQ:
                    lfuFreq = r.readByte();
                    continue;
                case Rdb.OPCODE_IDLE:
                    lruIdle = r.readLen();
                    continue;
                case Rdb.OPCODE_EOF:
                    break;
                case Rdb.OPCODE_SELECTDB: {
                    long id = r.readLen();
                    if (id >= engine.dbCount()) {
                        throw r.error("FATAL: Data file was created with a Redis server configured to handle more than "
                                + engine.dbCount() + " databases");
                    }
                    db = engine.db((int) id);
                    continue;
                }
                case Rdb.OPCODE_RESIZEDB: {
                    long keys = r.readLen(), expires = r.readLen();
                    target.resize(db, keys, expires);
                    continue;
                }
                case Rdb.OPCODE_AUX: {
                    String k = new String(r.readString(), StandardCharsets.ISO_8859_1);
                    String v = new String(r.readString(), StandardCharsets.ISO_8859_1);
                    res.aux.put(k, v);
                    target.aux(k, v);
                    continue;
                }
                case Rdb.OPCODE_MODULE_AUX:
                    throw r.error("The RDB file contains AUX module data I can't load: modules are not supported");
                case Rdb.OPCODE_FUNCTION:
                    throw r.error("Pre-release function format not supported");
                case Rdb.OPCODE_FUNCTION2: {
                    // A FUNCTION library's code (rdbFunctionLoad): loaded as FUNCTION LOAD REPLACE would.
                    byte[] code = r.readString();
                    try {
                        engine.scripting.functions().load(code, true);
                    } catch (io.magpie.engine.ReplyException e) {
                        throw r.error("Failed loading library: " + e.getMessage());
                    }
                    continue;
                }
                default: {
                    if (!Rdb.isObjectType(type)) throw new RdbException("Unknown RDB opcode or type " + type, r.offset() - 1);
                    byte[] key = r.readString();
                    Object value = RdbObjects.loadObject(r, type, engine.config);
                    boolean expired = expireMs != -1 && expireMs < now;
                    if (value == null) {
                        // An empty collection: Redis 7.0 skips such keys when loading.
                        res.emptyKeysSkipped++;
                    } else if (dropExpired && expired) {
                        res.keysExpired++;
                    } else {
                        target.add(db, key, value, expireMs, lruIdle, lfuFreq, r.offset());
                        res.keysLoaded++;
                    }
                    expireMs = -1;
                    lruIdle = lfuFreq = -1;
                    continue;
                }
            }
            break;
        }
        if (res.version >= 5) {
            long computed = r.crc();
            long stored = r.readChecksum();
            if (verifyChecksum && stored != 0 && stored != computed) {
                throw new RdbException(String.format("Wrong RDB checksum expected: (%016x) got: (%016x)", stored, computed),
                        r.offset() - 8);
            }
        }
        res.bytes = r.offset();
        return res;
    }
}
