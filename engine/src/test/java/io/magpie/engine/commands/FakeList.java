package io.magpie.engine.commands;

import io.magpie.engine.types.RedisValue;
import io.magpie.engine.types.ValueType;

/** A non-string value for WRONGTYPE tests, independent of the list implementation. */
final class FakeList implements RedisValue {
    @Override public ValueType type() {
        return ValueType.LIST;
    }

    @Override public String encoding() {
        return "listpack";
    }

    @Override public RedisValue duplicate() {
        return new FakeList();
    }

    @Override public long memoryUsage() {
        return 16;
    }
}
