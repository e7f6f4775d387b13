package io.magpie.persistence.rdb;

import io.magpie.engine.EngineConfig;
import io.magpie.engine.types.ValueType;
import java.io.IOException;

/**
 * The RDB encoding of one value type, both directions: rdbSaveObjectType + rdbSaveObject
 * and rdbLoadObject for that type. Each type (string, list, set, zset, hash, stream,
 * module types) provides one and registers it in {@link RdbObjects}.
 */
public interface RdbCodec {
    /** The value type this codec writes. */
    ValueType valueType();

    /** Every RDB type byte this codec reads (current and older encodings). */
    int[] rdbTypes();

    /** The type byte to write for v (its encoding decides: e.g. listpack vs hashtable). */
    int rdbType(Object v);

    /** Writes v's payload (after the type byte and key). */
    void save(RdbWriter w, Object v) throws IOException;

    /**
     * Reads a payload of rdbType into a value, converting to the encoding Magpie keeps for
     * it under config's thresholds. Throws RdbException on malformed input.
     */
    Object load(RdbReader r, int rdbType, EngineConfig config) throws IOException;
}
