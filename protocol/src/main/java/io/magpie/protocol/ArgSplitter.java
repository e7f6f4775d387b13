package io.magpie.protocol;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits a line into arguments exactly as Redis's sdssplitargs does: whitespace separates,
 * "double quotes" support \n \r \t \b \a \\ \" and \xHH escapes, 'single quotes' support \',
 * and a closing quote must be followed by a space or the end. Used for inline requests and
 * for redis.conf lines.
 */
public final class ArgSplitter {
    private ArgSplitter() {}

    /** The arguments, or null when quotes are unbalanced. */
    public static byte[][] split(byte[] line) {
        List<byte[]> args = new ArrayList<>();
        int p = 0, n = line.length;
        while (true) {
            while (p < n && isSpace(line[p])) p++;
            if (p >= n) return args.toArray(new byte[0][]);
            ByteArrayOutputStream cur = new ByteArrayOutputStream();
            boolean inq = false, insq = false, done = false;
            while (!done) {
                if (inq) {
                    if (p >= n) return null;
                    if (line[p] == '\\' && p + 3 < n && line[p + 1] == 'x' && isHex(line[p + 2]) && isHex(line[p + 3])) {
                        cur.write(hex(line[p + 2]) * 16 + hex(line[p + 3]));
                        p += 3;
                    } else if (line[p] == '\\' && p + 1 < n) {
                        p++;
                        byte c = line[p];
                        switch (c) {
                            case 'n' -> cur.write('\n');
                            case 'r' -> cur.write('\r');
                            case 't' -> cur.write('\t');
                            case 'b' -> cur.write('\b');
                            case 'a' -> cur.write(7);
                            default -> cur.write(c);
                        }
                    } else if (line[p] == '"') {
                        if (p + 1 < n && !isSpace(line[p + 1])) return null;
                        done = true;
                    } else {
                        cur.write(line[p]);
                    }
                } else if (insq) {
                    if (p >= n) return null;
                    if (line[p] == '\\' && p + 1 < n && line[p + 1] == '\'') {
                        p++;
                        cur.write('\'');
                    } else if (line[p] == '\'') {
                        if (p + 1 < n && !isSpace(line[p + 1])) return null;
                        done = true;
                    } else {
                        cur.write(line[p]);
                    }
                } else {
                    if (p >= n) {
                        done = true;
                        break;
                    }
                    switch (line[p]) {
                        case ' ', '\n', '\r', '\t', 0 -> done = true;
                        case '"' -> inq = true;
                        case '\'' -> insq = true;
                        default -> cur.write(line[p]);
                    }
                }
                if (p < n) p++;
            }
            args.add(cur.toByteArray());
        }
    }

    private static boolean isSpace(byte b) {
        return b == ' ' || b == '\t' || b == '\n' || b == '\r' || b == 0x0b || b == '\f';
    }

    private static boolean isHex(byte b) {
        return (b >= '0' && b <= '9') || (b >= 'a' && b <= 'f') || (b >= 'A' && b <= 'F');
    }

    private static int hex(byte b) {
        if (b >= '0' && b <= '9') return b - '0';
        if (b >= 'a' && b <= 'f') return b - 'a' + 10;
        return b - 'A' + 10;
    }
}
