package io.magpie.protocol;

/**
 * sdscatrepr: a byte string as a double-quoted literal with \n \r \t \a \b and \xHH escapes,
 * the inverse of {@link ArgSplitter}'s quoting (MONITOR lines, CONFIG REWRITE values).
 */
public final class Repr {
    private Repr() {}

    public static String quoted(byte[] s) {
        StringBuilder sb = new StringBuilder(s.length + 2).append('"');
        for (byte b : s) {
            int x = b & 0xff;
            switch (x) {
                case '\\' -> sb.append("\\\\");
                case '"' -> sb.append("\\\"");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case 7 -> sb.append("\\a");
                case '\b' -> sb.append("\\b");
                default -> {
                    if (x >= 32 && x < 127) sb.append((char) x);
                    else sb.append(String.format("\\x%02x", x));
                }
            }
        }
        return sb.append('"').toString();
    }
}
