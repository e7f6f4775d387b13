package io.magpie.persistence.rdb;

import io.magpie.engine.EngineConfig;
import io.magpie.engine.types.RawString;
import io.magpie.engine.types.ValueType;
import java.io.IOException;

/** Strings: RDB_TYPE_STRING, payload one RDB string (raw, int-encoded or LZF). */
final class StringCodec implements RdbCodec {
    @Override public ValueType valueType() {
        return ValueType.STRING;
    }

    @Override public int[] rdbTypes() {
        return new int[] {Rdb.TYPE_STRING};
    }

    @Override public int rdbType(Object v) {
        return Rdb.TYPE_STRING;
    }

    @Override public void save(RdbWriter w, Object v) {
        if (v instanceof byte[] b) {
            w.writeString(b);
        } else {
            RawString r = (RawString) v;
            w.writeString(r.array(), 0, r.length());
        }
    }

    @Override public Object load(RdbReader r, int rdbType, EngineConfig config) throws IOException {
        return r.readString();
    }
}
