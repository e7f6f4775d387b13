package io.magpie.persistence;

import io.magpie.engine.EngineConfig;
import io.magpie.persistence.rdb.Rdb;
import io.magpie.persistence.rdb.RdbObjects;
import io.magpie.persistence.rdb.RdbReader;
import io.magpie.persistence.rdb.RdbWriter;
import java.io.IOException;

/**
 * DUMP/RESTORE payloads (cluster.c's createDumpPayload/verifyDumpPayload): the value's RDB
 * type byte and encoding, then the RDB version (2 bytes, little-endian) and a CRC-64 of all
 * the preceding bytes (8 bytes, little-endian). Compatible with Redis 7.0 both ways.
 */
public final class DumpPayload {
    private DumpPayload() {}

    /** listFill is list-max-listpack-size (how a list splits into quicklist nodes). */
    public static byte[] create(Object value, boolean compression, int listFill) throws IOException {
        RdbWriter w = new RdbWriter(compression).listFill(listFill);
        RdbObjects.saveTypeAndObject(w, value);
        w.writeByte(Rdb.VERSION & 0xff);
        w.writeByte((Rdb.VERSION >> 8) & 0xff);
        w.writeMillis(w.crcSoFar()); // 8 bytes little-endian, like the expire times
        return w.toByteArray();
    }

    /** verifyDumpPayload: footer present, version not newer than ours, checksum right. */
    public static boolean verify(byte[] p, boolean checkCrc) {
        if (p.length < 10) return false;
        int footer = p.length - 10;
        int version = (p[footer] & 0xff) | ((p[footer + 1] & 0xff) << 8);
        if (version > Rdb.VERSION) return false;
        if (!checkCrc) return true;
        long crc = 0;
        for (int i = 0; i < 8; i++) crc |= (long) (p[footer + 2 + i] & 0xff) << (8 * i);
        return crc == Crc64.update(0, p, 0, footer + 2);
    }

    /** The value of a verified payload, or null if its body is not a well-formed object. */
    public static Object load(byte[] p, EngineConfig config) {
        try {
            RdbReader r = new RdbReader(p, 0, p.length - 10);
            int type = r.readType();
            if (!Rdb.isObjectType(type)) return null;
            Object v = RdbObjects.loadObject(r, type, config);
            return r.atEnd() ? v : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
