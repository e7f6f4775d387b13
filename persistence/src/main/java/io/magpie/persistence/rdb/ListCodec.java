package io.magpie.persistence.rdb;

import io.magpie.engine.EngineConfig;
import io.magpie.engine.types.ListValue;
import io.magpie.engine.types.ValueType;
import java.io.IOException;
import java.util.AbstractList;
import java.util.List;

/**
 * Lists: written as RDB_TYPE_LIST_QUICKLIST_2 (Redis 7.0 keeps every list a quicklist);
 * read from every list encoding since RDB_TYPE_LIST. Magpie's lists have no nodes, so the
 * node split is recomputed from list-max-listpack-size when saving.
 */
final class ListCodec implements RdbCodec {
    @Override public ValueType valueType() {
        return ValueType.LIST;
    }

    @Override public int[] rdbTypes() {
        return new int[] {Rdb.TYPE_LIST, Rdb.TYPE_LIST_ZIPLIST, Rdb.TYPE_LIST_QUICKLIST, Rdb.TYPE_LIST_QUICKLIST_2};
    }

    @Override public int rdbType(Object v) {
        return Rdb.TYPE_LIST_QUICKLIST_2;
    }

    @Override public void save(RdbWriter w, Object v) {
        RdbCollections.writeList(w, elements((ListValue) v), w.listFill());
    }

    /** The list's elements without copying them. */
    static List<byte[]> elements(ListValue l) {
        return new AbstractList<>() {
            @Override public byte[] get(int index) {
                return l.get(index);
            }

            @Override public int size() {
                return l.size();
            }
        };
    }

    @Override public Object load(RdbReader r, int rdbType, EngineConfig config) throws IOException {
        List<byte[]> items = RdbCollections.read(r, rdbType).items();
        if (items.isEmpty()) return null; // Redis skips empty keys (and RESTORE rejects them)
        ListValue l = new ListValue();
        for (byte[] e : items) l.addLast(e);
        return l;
    }
}
