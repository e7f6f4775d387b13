package io.magpie.engine;

import io.magpie.engine.util.Numbers;

/**
 * Argument parsing with Redis's error replies (getLongLongFromObjectOrReply and friends).
 * Failures throw {@link ReplyException}, which Engine.call turns into the error reply.
 */
public final class Args {
    private Args() {}

    /** A signed 64-bit integer argument, else "ERR value is not an integer or out of range". */
    public static long parseLong(byte[] arg) {
        return parseLong(arg, Errors.NOT_INTEGER);
    }

    public static long parseLong(byte[] arg, String error) {
        long[] v = new long[1];
        if (!Numbers.parseLong(arg, v)) throw new ReplyException(error);
        return v[0];
    }

    /** An integer within [min, max], else the given error. */
    public static long parseLongInRange(byte[] arg, long min, long max, String error) {
        long v = parseLong(arg, error);
        if (v < min || v > max) throw new ReplyException(error);
        return v;
    }

    /** getRangeLongFromObjectOrReply(min..LONG_MAX) with one message for every failure. */
    public static long parseAtLeast(byte[] arg, long min, String error) {
        return parseLongInRange(arg, min, Long.MAX_VALUE, error);
    }

    /** A non-negative integer (getPositiveLongFromObjectOrReply): one error for every failure, as in Redis. */
    public static long parsePositiveLong(byte[] arg) {
        return parseAtLeast(arg, 0, "ERR value is out of range, must be positive");
    }

    /** An int-sized integer (getRangeLongFromObjectOrReply with INT bounds). */
    public static int parseInt(byte[] arg) {
        long v = parseLong(arg);
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) throw new ReplyException(Errors.NOT_INTEGER);
        return (int) v;
    }

    /** A double (getDoubleFromObjectOrReply), else "ERR value is not a valid float". */
    public static double parseDouble(byte[] arg) {
        return parseDouble(arg, Errors.NOT_FLOAT);
    }

    public static double parseDouble(byte[] arg, String error) {
        Double d = Numbers.parseDouble(arg);
        if (d == null) throw new ReplyException(error);
        return d;
    }

    /**
     * A blocking timeout in seconds (getTimeoutFromObjectOrReply, UNIT_SECONDS): a
     * non-negative float; returns the absolute deadline in ms, or 0 for "forever".
     */
    public static long parseTimeoutSeconds(Engine engine, byte[] arg) {
        Double d = Numbers.parseDouble(arg);
        if (d == null) throw new ReplyException(Errors.TIMEOUT_NOT_FLOAT);
        // Redis multiplies into ms and rounds up (ceill); out-of-range values become negative
        // in its cast, so "1e20" and "inf" answer "timeout is negative" there too.
        double ms = Math.ceil(d * 1000);
        if (ms < 0 || ms >= 0x1p63 || Double.isNaN(ms)) throw new ReplyException(Errors.TIMEOUT_NEGATIVE);
        if (ms == 0) return 0;
        return engine.now() + (long) ms;
    }
}
