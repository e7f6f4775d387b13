package io.magpie.persistence.rdb;

import io.magpie.engine.EngineConfig;
import io.magpie.engine.types.ValueType;
import io.magpie.engine.types.ZSetValue;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Sorted sets: a listpack set as RDB_TYPE_ZSET_LISTPACK (ascending, scores as text), a
 * skiplist as RDB_TYPE_ZSET_2 (descending as Redis walks its skiplist from the tail, binary
 * doubles). Loading converts as Redis 7.0 does: the unpacked forms become a listpack when
 * small enough (zsetConvertToListpackIfNeeded), the packed forms a skiplist only when they
 * have too many members.
 */
final class ZSetCodec implements RdbCodec {
    @Override public ValueType valueType() {
        return ValueType.ZSET;
    }

    @Override public int[] rdbTypes() {
        return new int[] {Rdb.TYPE_ZSET, Rdb.TYPE_ZSET_2, Rdb.TYPE_ZSET_ZIPLIST, Rdb.TYPE_ZSET_LISTPACK};
    }

    @Override public int rdbType(Object v) {
        return ((ZSetValue) v).isListpack() ? Rdb.TYPE_ZSET_LISTPACK : Rdb.TYPE_ZSET_2;
    }

    @Override public void save(RdbWriter w, Object v) {
        ZSetValue z = (ZSetValue) v;
        int n = z.length();
        List<byte[]> members = new ArrayList<>(n);
        double[] scores = new double[n];
        boolean ascending = z.isListpack();
        for (ZSetValue.Node x = ascending ? z.first() : z.last(); x != null; x = ascending ? x.next() : x.prev()) {
            scores[members.size()] = x.score();
            members.add(x.ele);
        }
        if (ascending) RdbCollections.writeZsetListpack(w, members, scores);
        else RdbCollections.writeZset2(w, members, scores);
    }

    @Override public Object load(RdbReader r, int rdbType, EngineConfig config) throws IOException {
        RdbCollections.Elements e = RdbCollections.read(r, rdbType);
        List<byte[]> items = e.items();
        if (items.isEmpty()) return null;
        long maxEntries = config.zsetMaxListpackEntries.value();
        long maxValue = config.zsetMaxListpackValue.value();
        boolean packed = rdbType == Rdb.TYPE_ZSET_LISTPACK || rdbType == Rdb.TYPE_ZSET_ZIPLIST;
        ZSetValue z = new ZSetValue(packed);
        double[] scores = e.scores();
        for (int i = 0; i < items.size(); i++) {
            byte[] m = items.get(i);
            if (z.node(m) != null) throw r.error("Duplicate zset fields detected");
            z.insert(m, scores[i], Long.MAX_VALUE, Long.MAX_VALUE);
        }
        if (packed) {
            if (z.length() > maxEntries) z.convertToSkiplist();
        } else {
            z.convertToListpackIfNeeded(maxEntries, maxValue);
        }
        return z;
    }
}
