package io.magpie.persistence.rdb;

import io.magpie.engine.EngineConfig;
import io.magpie.engine.types.ValueType;
import java.io.IOException;

/**
 * A module data type's persistence (RedisModuleTypeMethods' rdb_save and rdb_load): values
 * Magpie implements natively but saves as the module that defined them does, so RDB files
 * and DUMP payloads interchange with a Redis running that module.
 */
public interface RdbModuleType {
    /** The 9-character type name (RedisModule_CreateDataType), e.g. "MBbloom--". */
    String name();

    /** The encoding version written with each value (the low 10 bits of the module id). */
    int encver();

    /** The Magpie value type saved under this module type. */
    ValueType valueType();

    void save(ModuleIO io, Object value);

    /** Reads a value saved with encoding version encver; throws RdbException if it cannot. */
    Object load(ModuleIO io, int encver, EngineConfig config) throws IOException;
}
