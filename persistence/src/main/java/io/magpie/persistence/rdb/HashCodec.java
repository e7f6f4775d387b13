package io.magpie.persistence.rdb;

import io.magpie.engine.EngineConfig;
import io.magpie.engine.types.HashValue;
import io.magpie.engine.types.ValueType;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Hashes: a listpack hash as RDB_TYPE_HASH_LISTPACK (pairs in insertion order), a
 * hashtable as RDB_TYPE_HASH. Loading converts as Redis 7.0's rdbLoadObject does: a
 * RDB_TYPE_HASH becomes a listpack unless it has too many fields or a field or value is too
 * long; the packed forms only convert when they have too many fields.
 */
final class HashCodec implements RdbCodec {
    @Override public ValueType valueType() {
        return ValueType.HASH;
    }

    @Override public int[] rdbTypes() {
        return new int[] {Rdb.TYPE_HASH, Rdb.TYPE_HASH_ZIPMAP, Rdb.TYPE_HASH_ZIPLIST, Rdb.TYPE_HASH_LISTPACK};
    }

    @Override public int rdbType(Object v) {
        return ((HashValue) v).isListpack() ? Rdb.TYPE_HASH_LISTPACK : Rdb.TYPE_HASH;
    }

    @Override public void save(RdbWriter w, Object v) {
        HashValue h = (HashValue) v;
        if (h.isListpack()) {
            List<byte[]> pairs = new ArrayList<>(h.size() * 2);
            h.forEach(kv -> {
                pairs.add(HashValue.field(kv));
                pairs.add(HashValue.value(kv));
            });
            RdbCollections.writeHashListpack(w, pairs);
        } else {
            // Big hashes: written straight from each packed pair, without copying field and value.
            w.writeLen(h.size());
            h.forEach(kv -> {
                w.writeString(kv, HashValue.fieldOffset(kv), HashValue.fieldLength(kv));
                w.writeString(kv, HashValue.valueOffset(kv), HashValue.valueLength(kv));
            });
        }
    }

    @Override public Object load(RdbReader r, int rdbType, EngineConfig config) throws IOException {
        List<byte[]> items = RdbCollections.read(r, rdbType).items();
        if (items.isEmpty()) return null;
        long maxEntries = config.hashMaxListpackEntries.value();
        // Only the unpacked form and the oldest (zipmap) are checked for long fields/values.
        boolean checkLengths = rdbType == Rdb.TYPE_HASH || rdbType == Rdb.TYPE_HASH_ZIPMAP;
        long maxValue = checkLengths ? config.hashMaxListpackValue.value() : Long.MAX_VALUE;
        HashValue h = new HashValue();
        if (items.size() / 2 > maxEntries) h.convertToHashtable();
        for (int i = 0; i < items.size(); i += 2) {
            if (!h.set(items.get(i), items.get(i + 1), maxEntries, maxValue)) {
                throw r.error("Duplicate hash fields detected");
            }
        }
        return h;
    }
}
