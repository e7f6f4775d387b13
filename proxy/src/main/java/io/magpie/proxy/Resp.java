package io.magpie.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;

/** Small RESP encoders for what the proxy writes itself: commands to backends and its own errors. */
final class Resp {
    private Resp() {}

    static final byte[] CRLF = {'\r', '\n'};

    static ByteBuf command(ByteBufAllocator alloc, byte[][] argv) {
        int size = 16;
        for (byte[] a : argv) size += a.length + 16;
        ByteBuf b = alloc.buffer(size);
        writeCommand(b, argv);
        return b;
    }

    static void writeCommand(ByteBuf b, byte[][] argv) {
        b.writeByte('*');
        writeDecimal(b, argv.length);
        b.writeBytes(CRLF);
        for (byte[] a : argv) {
            b.writeByte('$');
            writeDecimal(b, a.length);
            b.writeBytes(CRLF);
            b.writeBytes(a);
            b.writeBytes(CRLF);
        }
    }

    private static void writeDecimal(ByteBuf b, int v) {
        if (v < 10) {
            b.writeByte('0' + v);
            return;
        }
        b.writeCharSequence(Integer.toString(v), StandardCharsets.US_ASCII);
    }

    static ByteBuf error(String text) {
        return Unpooled.copiedBuffer("-" + text.replace('\r', ' ').replace('\n', ' ') + "\r\n", StandardCharsets.UTF_8);
    }

    static byte[][] args(String... s) {
        byte[][] a = new byte[s.length][];
        for (int i = 0; i < s.length; i++) a[i] = s[i].getBytes(StandardCharsets.UTF_8);
        return a;
    }

    static String str(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    /** A decimal integer as Redis's string2ll accepts it, or null. */
    static Long strictLong(byte[] b) {
        String s = str(b);
        if (s.isEmpty() || s.length() > 20 || s.startsWith("+") || (s.length() > 1 && (s.startsWith("0") || s.startsWith("-0")))) return null;
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
