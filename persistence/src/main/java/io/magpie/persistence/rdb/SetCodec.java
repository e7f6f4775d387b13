package io.magpie.persistence.rdb;

import io.magpie.engine.EngineConfig;
import io.magpie.engine.types.SetValue;
import io.magpie.engine.types.ValueType;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Sets: an intset as RDB_TYPE_SET_INTSET, a hashtable as RDB_TYPE_SET. Loading converts as
 * Redis 7.0 does: a RDB_TYPE_SET of at most set-max-intset-entries integers becomes an
 * intset again, and an intset over that limit becomes a hashtable.
 */
final class SetCodec implements RdbCodec {
    @Override public ValueType valueType() {
        return ValueType.SET;
    }

    @Override public int[] rdbTypes() {
        return new int[] {Rdb.TYPE_SET, Rdb.TYPE_SET_INTSET};
    }

    @Override public int rdbType(Object v) {
        return ((SetValue) v).isIntset() ? Rdb.TYPE_SET_INTSET : Rdb.TYPE_SET;
    }

    @Override public void save(RdbWriter w, Object v) {
        SetValue s = (SetValue) v;
        if (s.isIntset()) {
            byte[][] members = s.members(); // ascending
            long[] sorted = new long[members.length];
            for (int i = 0; i < members.length; i++) {
                sorted[i] = Long.parseLong(new String(members[i], StandardCharsets.US_ASCII));
            }
            RdbCollections.writeIntset(w, sorted);
        } else {
            w.writeLen(s.size());
            s.forEach(w::writeString);
        }
    }

    @Override public Object load(RdbReader r, int rdbType, EngineConfig config) throws IOException {
        List<byte[]> items = RdbCollections.read(r, rdbType).items();
        if (items.isEmpty()) return null;
        long maxIntset = config.setMaxIntsetEntries.value();
        SetValue s = items.size() > maxIntset ? SetValue.hashtable() : SetValue.intset();
        for (byte[] m : items) {
            if (!s.add(m, maxIntset)) throw r.error("Duplicate set members detected");
        }
        return s;
    }
}
