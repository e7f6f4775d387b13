package io.magpie.engine.commands;

/** Access to the bytes of a string value, whatever its representation. */
public final class StringValues {
    private StringValues() {}

    public static byte[] bytes(Object v) {
        if (v instanceof byte[] b) return b;
        throw new IllegalStateException("not a string: " + v.getClass());
    }
}
