package io.magpie.engine.commands;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;

/**
 * INCRBYFLOAT's arithmetic as Redis does it on x86-64: C {@code long double}, the x87
 * 80-bit extended format (64-bit significand, exponent -16382..16383, round half to
 * even), parsed with strtold and printed with "%.17Lf". A double would print 10.5+0.1 as
 * 10.6 too, but differ on thousands of other inputs; the exact emulation makes every
 * reply and every propagated SET identical to Redis's.
 *
 * A finite value is sig * 2^exp with |sig| < 2^64. Values are immutable.
 */
final class LongDouble {
    private static final int PRECISION = 64;
    /** Exponent of the smallest subnormal: 2^-16445. */
    private static final int MIN_EXP = -16445;
    /** Values at or above 2^16384 overflow to infinity. */
    private static final int MAX_BINARY_EXP = 16384;

    final BigInteger sig;
    final int exp;
    /** +1/-1 for infinities, 0 for finite values. */
    final int infinity;

    private LongDouble(BigInteger sig, int exp, int infinity) {
        this.sig = sig;
        this.exp = exp;
        this.infinity = infinity;
    }

    static final LongDouble POSITIVE_INFINITY = new LongDouble(BigInteger.ZERO, 0, 1);
    static final LongDouble NEGATIVE_INFINITY = new LongDouble(BigInteger.ZERO, 0, -1);

    boolean isInfinite() {
        return infinity != 0;
    }

    /**
     * Rounds num/den * 2^exp2 (den > 0) to the format, or returns infinity on overflow.
     * Null when a non-zero value underflows to zero (strtold's ERANGE, which Redis refuses).
     */
    private static LongDouble round(BigInteger num, BigInteger den, int exp2) {
        int signum = num.signum();
        if (signum == 0) return new LongDouble(BigInteger.ZERO, 0, 0);
        BigInteger a = num.abs();
        // Choose k so that floor(a/den * 2^k) has exactly 64 bits; the value is then q * 2^(exp2 - k).
        int k = PRECISION - (a.bitLength() - den.bitLength());
        BigInteger q;
        BigInteger[] qr;
        while (true) {
            qr = k >= 0 ? a.shiftLeft(k).divideAndRemainder(den) : a.divideAndRemainder(den.shiftLeft(-k));
            q = qr[0];
            if (q.bitLength() > PRECISION) k--;
            else if (q.bitLength() < PRECISION) k++;
            else break;
        }
        long resultExp = (long) exp2 - k;
        if (resultExp < MIN_EXP) {
            // Subnormal: fewer significant bits, fixed quantum 2^MIN_EXP.
            k = (int) (exp2 - (long) MIN_EXP);
            qr = k >= 0 ? a.shiftLeft(k).divideAndRemainder(den) : a.divideAndRemainder(den.shiftLeft(-k));
            q = qr[0];
            resultExp = MIN_EXP;
        }
        BigInteger divisor = k >= 0 ? den : den.shiftLeft(-k);
        int cmp = qr[1].shiftLeft(1).compareTo(divisor);
        if (cmp > 0 || (cmp == 0 && q.testBit(0))) q = q.add(BigInteger.ONE);
        if (q.signum() == 0) return null;
        if (q.bitLength() + resultExp > MAX_BINARY_EXP) return signum > 0 ? POSITIVE_INFINITY : NEGATIVE_INFINITY;
        return new LongDouble(signum < 0 ? q.negate() : q, (int) resultExp, 0);
    }

    private static LongDouble exactOrRounded(BigInteger sig, int exp) {
        if (sig.bitLength() <= PRECISION && exp >= MIN_EXP) return new LongDouble(sig, exp, 0);
        return round(sig, BigInteger.ONE, exp);
    }

    /** The sum, rounded once (x87 addition); NaN (inf + -inf) is null. */
    LongDouble add(LongDouble o) {
        if (infinity != 0 || o.infinity != 0) {
            if (infinity != 0 && o.infinity != 0 && infinity != o.infinity) return null;
            return infinity != 0 ? this : o;
        }
        int e = Math.min(exp, o.exp);
        BigInteger s = sig.shiftLeft(exp - e).add(o.sig.shiftLeft(o.exp - e));
        return exactOrRounded(s, e);
    }

    /**
     * strtold as Redis's string2ld uses it: decimal or hexadecimal floats, inf/infinity,
     * no leading space, nothing after the number, no NaN, no overflow, no underflow to 0.
     * Null when Redis would refuse the string.
     */
    static LongDouble parse(byte[] s) {
        if (s.length == 0 || s.length >= 5 * 1024) return null;
        String str = new String(s, StandardCharsets.ISO_8859_1);
        int i = 0;
        boolean negative = false;
        if (str.charAt(0) == '+' || str.charAt(0) == '-') {
            negative = str.charAt(0) == '-';
            i = 1;
        }
        String body = str.substring(i);
        if (body.equalsIgnoreCase("inf") || body.equalsIgnoreCase("infinity")) {
            return negative ? NEGATIVE_INFINITY : POSITIVE_INFINITY;
        }
        LongDouble v;
        if (body.length() > 2 && body.charAt(0) == '0' && (body.charAt(1) == 'x' || body.charAt(1) == 'X')) {
            v = parseHex(body.substring(2));
        } else {
            v = parseDecimal(body);
        }
        if (v == null || !negative) return v;
        return new LongDouble(v.sig.negate(), v.exp, 0);
    }

    private static LongDouble parseDecimal(String body) {
        if (!body.matches("(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?")) return null;
        BigDecimal d;
        try {
            d = new BigDecimal(body);
        } catch (NumberFormatException | ArithmeticException e) {
            return null; // exponent beyond int range: overflow or underflow either way
        }
        if (d.signum() == 0) return new LongDouble(BigInteger.ZERO, 0, 0);
        // Magnitudes far outside the format: avoid building astronomically large integers.
        long magnitude = (long) d.precision() - d.scale();
        if (magnitude > 4940) return null;
        if (magnitude < -4960) return null;
        BigInteger num = d.unscaledValue(), den = BigInteger.ONE;
        if (d.scale() > 0) den = BigInteger.TEN.pow(d.scale());
        else num = num.multiply(BigInteger.TEN.pow(-d.scale()));
        LongDouble r = round(num, den, 0);
        return r == null || r.infinity != 0 ? null : r;
    }

    private static LongDouble parseHex(String body) {
        if (!body.matches("([0-9a-fA-F]+\\.?[0-9a-fA-F]*|\\.[0-9a-fA-F]+)([pP][+-]?\\d+)?")) return null;
        int p = body.indexOf('p');
        if (p < 0) p = body.indexOf('P');
        String mant = p < 0 ? body : body.substring(0, p);
        long exp2 = 0;
        if (p >= 0) {
            String e = body.substring(p + 1);
            if (e.length() > 7) return null;
            exp2 = Long.parseLong(e.startsWith("+") ? e.substring(1) : e);
        }
        int dot = mant.indexOf('.');
        String digits = dot < 0 ? mant : mant.substring(0, dot) + mant.substring(dot + 1);
        int fraction = dot < 0 ? 0 : mant.length() - dot - 1;
        BigInteger num = new BigInteger(digits, 16);
        if (num.signum() == 0) return new LongDouble(BigInteger.ZERO, 0, 0);
        LongDouble r = round(num, BigInteger.ONE, (int) (exp2 - 4L * fraction));
        return r == null || r.infinity != 0 ? null : r;
    }

    /** The exact value (finite only). */
    BigDecimal toBigDecimal() {
        if (exp >= 0) return new BigDecimal(sig.shiftLeft(exp));
        // sig / 2^n == sig * 5^n / 10^n
        return new BigDecimal(sig.multiply(BigInteger.valueOf(5).pow(-exp)), -exp);
    }

    /** ld2string(LD_STR_HUMAN): "%.17Lf", trailing zeros and '.' stripped, "-0" as "0". */
    String toHumanString() {
        if (infinity != 0) return infinity > 0 ? "inf" : "-inf";
        String s = toBigDecimal().setScale(17, RoundingMode.HALF_EVEN).toPlainString();
        int end = s.length();
        while (s.charAt(end - 1) == '0') end--;
        if (s.charAt(end - 1) == '.') end--;
        s = s.substring(0, end);
        return s.equals("-0") ? "0" : s;
    }
}
