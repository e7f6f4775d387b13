package io.magpie.protocol;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;

/**
 * Number formatting that matches the C library calls Redis uses, which Java's formatters do
 * not reproduce: printf("%.17g") for doubles in replies (Redis 7.0's addReplyDouble), and
 * the exact decimal text of long integers.
 */
public final class NumberFormat {
    private NumberFormat() {}

    private static final MathContext SEVENTEEN_DIGITS = new MathContext(17, RoundingMode.HALF_EVEN);

    /** C's printf("%.17g", d), as glibc prints it: exact binary value, round-half-even. */
    public static String formatG17(double d) {
        return formatG(d, 17);
    }

    /** C's printf("%.<precision>g", d). */
    public static String formatG(double d, int precision) {
        if (Double.isNaN(d)) return "nan";
        if (Double.isInfinite(d)) return d > 0 ? "inf" : "-inf";
        if (d == 0) return (Double.doubleToRawLongBits(d) < 0) ? "-0" : "0";
        MathContext mc = precision == 17 ? SEVENTEEN_DIGITS : new MathContext(precision, RoundingMode.HALF_EVEN);
        BigDecimal rounded = new BigDecimal(d).round(mc);
        int exponent = rounded.precision() - rounded.scale() - 1;
        BigDecimal stripped = rounded.stripTrailingZeros();
        if (exponent < -4 || exponent >= precision) {
            String digits = stripped.unscaledValue().abs().toString();
            StringBuilder sb = new StringBuilder(24);
            if (d < 0) sb.append('-');
            sb.append(digits.charAt(0));
            if (digits.length() > 1) sb.append('.').append(digits, 1, digits.length());
            sb.append('e').append(exponent < 0 ? '-' : '+');
            int e = Math.abs(exponent);
            if (e < 10) sb.append('0');
            sb.append(e);
            return sb.toString();
        }
        return stripped.toPlainString();
    }

    public static byte[] g17Bytes(double d) {
        return formatG17(d).getBytes(StandardCharsets.US_ASCII);
    }

    /** Number of decimal characters of v, sign included. */
    public static int digits(long v) {
        if (v < 0) return v == Long.MIN_VALUE ? 20 : 1 + digits(-v);
        int n = 1;
        while (v >= 10) {
            v /= 10;
            n++;
        }
        return n;
    }

    private static final byte[][] SMALL = new byte[10000][];
    static {
        for (int i = 0; i < SMALL.length; i++) SMALL[i] = Integer.toString(i).getBytes(StandardCharsets.US_ASCII);
    }

    /** Decimal text of v; small values come from a shared table (Redis's shared integers). */
    public static byte[] toBytes(long v) {
        if (v >= 0 && v < SMALL.length) return SMALL[(int) v];
        return Long.toString(v).getBytes(StandardCharsets.US_ASCII);
    }
}
