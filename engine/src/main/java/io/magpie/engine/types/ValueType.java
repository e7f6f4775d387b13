package io.magpie.engine.types;

/** The types TYPE reports. */
public enum ValueType {
    STRING("string"), LIST("list"), SET("set"), ZSET("zset"), HASH("hash"), STREAM("stream"),
    /** RedisBloom's scalable Bloom filter: TYPE answers the module type name. */
    BLOOM("MBbloom--");

    private final String typeName;

    ValueType(String typeName) {
        this.typeName = typeName;
    }

    public String typeName() {
        return typeName;
    }
}
