package io.magpie.engine.scripting;

import java.math.BigDecimal;
import java.math.MathContext;

/** C's "%.<precision>g" for Lua numbers, as Redis formats them (redis.call arguments, cjson). */
final class LuaNumbers {
    private LuaNumbers() {}

    static String format(double d, int precision) {
        if (Double.isNaN(d)) return d > 0 ? "nan" : "-nan";
        if (Double.isInfinite(d)) return d > 0 ? "inf" : "-inf";
        if (d == 0) return (1 / d < 0) ? "-0" : "0";
        if (d == Math.rint(d) && Math.abs(d) < Math.pow(10, precision)) return Long.toString((long) d);
        BigDecimal bd = new BigDecimal(d).round(new MathContext(precision));
        int exp = bd.precision() - bd.scale() - 1;
        if (exp < -4 || exp >= precision) {
            String digits = bd.unscaledValue().abs().toString().replaceAll("0+$", "");
            String mant = digits.length() > 1 ? digits.charAt(0) + "." + digits.substring(1) : digits;
            return (d < 0 ? "-" : "") + mant + "e" + (exp < 0 ? "-" : "+") + (Math.abs(exp) < 10 ? "0" : "") + Math.abs(exp);
        }
        String s = bd.toPlainString();
        if (s.indexOf('.') >= 0) s = s.replaceAll("0+$", "").replaceAll("\\.$", "");
        return s;
    }
}
