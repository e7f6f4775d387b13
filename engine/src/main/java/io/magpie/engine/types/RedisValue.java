package io.magpie.engine.types;

/**
 * A value in the keyspace other than a plain string. Plain strings are stored as byte[]
 * with no wrapper (most keys are strings; a wrapper would cost 16 bytes each).
 */
public interface RedisValue {
    ValueType type();

    /** OBJECT ENCODING's answer ("listpack", "quicklist", "hashtable", "intset", "skiplist", "raw"...). */
    String encoding();

    /** An independent copy (COPY). */
    RedisValue duplicate();

    /** Approximate bytes used (MEMORY USAGE, maxmemory accounting). */
    long memoryUsage();
}
