package io.magpie.engine.scripting;

import io.magpie.engine.Client;
import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import org.luaj.vm2.LuaString;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;

/**
 * The conversion rules between Redis replies and Lua values (script_lua.c's
 * redisProtocolToLuaType and luaReplyToRedisReply). A command called from a script writes
 * its reply in RESP (2 or 3, per redis.setresp) into the script client's buffer, which is
 * read back here into Lua; a script's return value is written to the caller as a reply.
 */
final class LuaReplies {
    private LuaReplies() {}

    static final LuaString ERR = LuaString.valueOf("err");
    static final LuaString OK = LuaString.valueOf("ok");
    private static final LuaString DOUBLE = LuaString.valueOf("double");
    private static final LuaString BIG_NUMBER = LuaString.valueOf("big_number");
    private static final LuaString VERBATIM = LuaString.valueOf("verbatim_string");
    private static final LuaString FORMAT = LuaString.valueOf("format");
    private static final LuaString STRING = LuaString.valueOf("string");
    private static final LuaString MAP = LuaString.valueOf("map");
    private static final LuaString SET = LuaString.valueOf("set");

    /* ---------------- RESP reply -> Lua ---------------- */

    /** Reads one reply from buf (RESP2 or RESP3) as the Lua value a script sees. */
    static LuaValue toLua(ByteBuf buf) {
        byte type = buf.readByte();
        switch (type) {
            case '+': return single(OK, LuaString.valueUsing(line(buf)));
            case '-': return single(ERR, LuaString.valueUsing(line(buf)));
            case ':': return number(integerLine(buf));
            case '$': {
                int len = (int) integerLine(buf);
                if (len < 0) return LuaValue.FALSE;
                byte[] b = new byte[len];
                buf.readBytes(b);
                buf.skipBytes(2);
                return LuaString.valueUsing(b);
            }
            case '*': {
                int len = (int) integerLine(buf);
                if (len < 0) return LuaValue.FALSE;
                LuaTable t = new LuaTable(len, 0);
                for (int i = 1; i <= len; i++) t.rawset(i, toLua(buf));
                return t;
            }
            case '%': {
                int len = Integer.parseInt(ascii(line(buf)));
                LuaTable m = new LuaTable();
                for (int i = 0; i < len; i++) {
                    LuaValue k = toLua(buf);
                    m.rawset(k, toLua(buf));
                }
                return single(MAP, m);
            }
            case '~': {
                int len = Integer.parseInt(ascii(line(buf)));
                LuaTable s = new LuaTable();
                for (int i = 0; i < len; i++) s.rawset(toLua(buf), LuaValue.TRUE);
                return single(SET, s);
            }
            case '_': line(buf); return LuaValue.NIL;
            case '#': return line(buf)[0] == 't' ? LuaValue.TRUE : LuaValue.FALSE;
            case ',': return single(DOUBLE, LuaValue.valueOf(parseDouble(ascii(line(buf)))));
            case '(': return single(BIG_NUMBER, LuaString.valueOf(line(buf)));
            case '=': {
                int len = Integer.parseInt(ascii(line(buf)));
                byte[] b = new byte[len];
                buf.readBytes(b);
                buf.skipBytes(2);
                LuaTable v = new LuaTable();
                v.rawset(FORMAT, LuaString.valueOf(b, 0, 3));
                v.rawset(STRING, LuaString.valueOf(b, 4, len - 4));
                return single(VERBATIM, v);
            }
            default:
                throw new IllegalStateException("unexpected reply type " + (char) type);
        }
    }

    static LuaTable single(LuaString key, LuaValue v) {
        LuaTable t = new LuaTable();
        t.rawset(key, v);
        return t;
    }

    /** Lua 5.1 numbers are doubles; LuaJ keeps small integers apart, which is only a representation. */
    static LuaValue number(long v) {
        return v == (int) v ? LuaValue.valueOf((int) v) : LuaValue.valueOf((double) v);
    }

    private static double parseDouble(String s) {
        return switch (s) {
            case "inf" -> Double.POSITIVE_INFINITY;
            case "-inf" -> Double.NEGATIVE_INFINITY;
            case "nan" -> Double.NaN;
            default -> Double.parseDouble(s);
        };
    }

    /** A reply's integer or length line, read in place: the server wrote it, so it is a canonical long. */
    private static long integerLine(ByteBuf buf) {
        int i = buf.readerIndex();
        boolean negative = buf.getByte(i) == '-';
        if (negative) i++;
        long v = 0;
        for (byte b; (b = buf.getByte(i)) != '\r'; i++) v = v * 10 + (b - '0');
        buf.readerIndex(i + 2);
        return negative ? -v : v;
    }

    private static byte[] line(ByteBuf buf) {
        int end = buf.indexOf(buf.readerIndex(), buf.writerIndex(), (byte) '\r');
        byte[] b = new byte[end - buf.readerIndex()];
        buf.readBytes(b);
        buf.skipBytes(2);
        return b;
    }

    private static String ascii(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    /* ---------------- Lua -> reply ---------------- */

    /**
     * Writes a script's value as the reply (luaReplyToRedisReply). luaResp is the protocol
     * the script chose with redis.setresp: it decides how booleans come out.
     */
    static void write(Client c, LuaValue v, int luaResp) {
        switch (v.type()) {
            case LuaValue.TSTRING -> {
                LuaString s = v.checkstring();
                c.addReplyBulk(s.m_bytes, s.m_offset, s.m_length);
            }
            case LuaValue.TBOOLEAN -> {
                if (luaResp == 2) {
                    if (v.toboolean()) c.addReplyLongLong(1);
                    else c.addReplyNull();
                } else {
                    c.addReplyBool(v.toboolean());
                }
            }
            case LuaValue.TNUMBER -> c.addReplyLongLong((long) v.todouble());
            case LuaValue.TTABLE -> writeTable(c, (LuaTable) v, luaResp);
            default -> c.addReplyNull();
        }
    }

    private static void writeTable(Client c, LuaTable t, int luaResp) {
        LuaValue err = t.rawget(ERR);
        if (err.type() == LuaValue.TSTRING) {
            c.addReplyError(oneLine(err.tojstring()));
            return;
        }
        LuaValue ok = t.rawget(OK);
        if (ok.type() == LuaValue.TSTRING) {
            c.addReplyStatus(oneLine(ok.tojstring()));
            return;
        }
        LuaValue d = t.rawget(DOUBLE);
        if (d.type() == LuaValue.TNUMBER) {
            c.addReplyDouble(d.todouble());
            return;
        }
        LuaValue big = t.rawget(BIG_NUMBER);
        if (big.type() == LuaValue.TSTRING) {
            c.addReplyBigNum(oneLine(big.tojstring()));
            return;
        }
        LuaValue verbatim = t.rawget(VERBATIM);
        if (verbatim.istable()) {
            LuaValue format = verbatim.rawget(FORMAT), text = verbatim.rawget(STRING);
            if (format.type() == LuaValue.TSTRING && text.type() == LuaValue.TSTRING && format.length() == 3) {
                c.addReplyVerbatim(text.tojstring(), format.tojstring());
                return;
            }
        }
        LuaValue map = t.rawget(MAP);
        if (map.istable()) {
            int mark = c.addReplyDeferredLen();
            long n = 0;
            for (Varargs e = map.next(LuaValue.NIL); !e.arg1().isnil(); e = map.next(e.arg1())) {
                write(c, e.arg1(), luaResp);
                write(c, e.arg(2), luaResp);
                n++;
            }
            c.setDeferredMapLen(mark, n);
            return;
        }
        LuaValue set = t.rawget(SET);
        if (set.istable()) {
            int mark = c.addReplyDeferredLen();
            long n = 0;
            for (Varargs e = set.next(LuaValue.NIL); !e.arg1().isnil(); e = set.next(e.arg1())) {
                write(c, e.arg1(), luaResp);
                n++;
            }
            c.setDeferredSetLen(mark, n);
            return;
        }
        // An array: elements 1..n up to the first nil, as Redis does.
        int n = 0;
        while (!t.rawget(n + 1).isnil()) n++;
        c.addReplyArrayLen(n);
        for (int i = 1; i <= n; i++) write(c, t.rawget(i), luaResp);
    }

    /** Redis's error and status replies cannot hold newlines: they become spaces. */
    static String oneLine(String s) {
        return s.indexOf('\r') < 0 && s.indexOf('\n') < 0 ? s : s.replace('\r', ' ').replace('\n', ' ');
    }
}
