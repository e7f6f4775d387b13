package io.magpie.engine.scripting;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaString;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;
import org.luaj.vm2.lib.VarArgFunction;

/**
 * The `cmsgpack` library of Redis's Lua (lua-cmsgpack: pack, unpack, unpack_one,
 * unpack_limit). Written by hand rather than on a MessagePack library because scripts
 * depend on lua-cmsgpack's exact choices: the smallest integer encoding, float32 when the
 * number fits exactly, str8 for short strings, a table with keys 1..n as an array.
 */
final class CmsgpackLib {
    private CmsgpackLib() {}

    private static final int MAX_NESTING = 16;

    static LuaTable create() {
        LuaTable t = new LuaTable();
        t.rawset("pack", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs args) {
                if (args.narg() == 0) throw new LuaError("MessagePack pack needs input.");
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                for (int i = 1; i <= args.narg(); i++) encode(out, args.arg(i), 0);
                return LuaString.valueOf(out.toByteArray());
            }
        });
        t.rawset("unpack", unpacker(0, false));
        t.rawset("unpack_one", unpacker(1, true));
        t.rawset("unpack_limit", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs args) {
                return unpack(args.checkstring(1), args.optint(2, 0), args.optint(3, 0), true);
            }
        });
        return t;
    }

    private static VarArgFunction unpacker(int limit, boolean withOffset) {
        return new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs args) {
                return unpack(args.checkstring(1), limit, withOffset ? args.optint(2, 0) : 0, withOffset);
            }
        };
    }

    /* ---------------- pack ---------------- */

    private static void encode(ByteArrayOutputStream out, LuaValue v, int level) {
        switch (v.type()) {
            case LuaValue.TBOOLEAN -> out.write(v.toboolean() ? 0xc3 : 0xc2);
            case LuaValue.TNUMBER -> number(out, v.todouble());
            case LuaValue.TSTRING -> {
                LuaString s = (LuaString) v.checkstring();
                int n = s.m_length;
                if (n < 32) out.write(0xa0 | n);
                else if (n <= 0xff) { out.write(0xd9); out.write(n); }
                else if (n <= 0xffff) { out.write(0xda); be(out, n, 2); }
                else { out.write(0xdb); be(out, n, 4); }
                out.write(s.m_bytes, s.m_offset, n);
            }
            case LuaValue.TTABLE -> {
                if (level >= MAX_NESTING) {
                    out.write(0xc0);
                    return;
                }
                table(out, (LuaTable) v, level + 1);
            }
            default -> out.write(0xc0);
        }
    }

    private static void number(ByteArrayOutputStream out, double d) {
        if (d == Math.rint(d) && !Double.isInfinite(d) && Math.abs(d) < 9.2e18) {
            long n = (long) d;
            if (n >= 0) {
                if (n <= 127) out.write((int) n);
                else if (n <= 0xff) { out.write(0xcc); out.write((int) n); }
                else if (n <= 0xffff) { out.write(0xcd); be(out, n, 2); }
                else if (n <= 0xffffffffL) { out.write(0xce); be(out, n, 4); }
                else { out.write(0xcf); be(out, n, 8); }
            } else {
                if (n >= -32) out.write((int) (n & 0xff));
                else if (n >= -128) { out.write(0xd0); out.write((int) (n & 0xff)); }
                else if (n >= -32768) { out.write(0xd1); be(out, n, 2); }
                else if (n >= -2147483648L) { out.write(0xd2); be(out, n, 4); }
                else { out.write(0xd3); be(out, n, 8); }
            }
        } else if ((float) d == d) {
            out.write(0xca);
            be(out, Float.floatToIntBits((float) d), 4);
        } else {
            out.write(0xcb);
            be(out, Double.doubleToLongBits(d), 8);
        }
    }

    private static void table(ByteArrayOutputStream out, LuaTable t, int level) {
        long count = 0, max = 0;
        boolean array = true;
        for (Varargs e = t.next(LuaValue.NIL); !e.arg1().isnil(); e = t.next(e.arg1())) {
            count++;
            LuaValue k = e.arg1();
            double d = k.type() == LuaValue.TNUMBER ? k.todouble() : -1;
            if (d < 1 || d != Math.floor(d)) array = false;
            else max = Math.max(max, (long) d);
        }
        if (array && max == count) {
            if (count <= 15) out.write(0x90 | (int) count);
            else if (count <= 0xffff) { out.write(0xdc); be(out, count, 2); }
            else { out.write(0xdd); be(out, count, 4); }
            for (int i = 1; i <= count; i++) encode(out, t.rawget(i), level);
            return;
        }
        if (count <= 15) out.write(0x80 | (int) count);
        else if (count <= 0xffff) { out.write(0xde); be(out, count, 2); }
        else { out.write(0xdf); be(out, count, 4); }
        for (Varargs e = t.next(LuaValue.NIL); !e.arg1().isnil(); e = t.next(e.arg1())) {
            encode(out, e.arg1(), level);
            encode(out, e.arg(2), level);
        }
    }

    private static void be(ByteArrayOutputStream out, long v, int n) {
        for (int i = n - 1; i >= 0; i--) out.write((int) (v >>> (8 * i)) & 0xff);
    }

    /* ---------------- unpack ---------------- */

    /** Decodes up to limit objects (0: all) from offset; unpack_one/unpack_limit also return the next offset. */
    private static Varargs unpack(LuaString s, int limit, int offset, boolean withOffset) {
        Reader r = new Reader(s, offset);
        List<LuaValue> values = new ArrayList<>();
        while (r.pos < s.m_length && (limit <= 0 || values.size() < limit)) values.add(r.value());
        if (!withOffset) return LuaValue.varargsOf(values.toArray(new LuaValue[0]));
        List<LuaValue> all = new ArrayList<>();
        all.add(LuaValue.valueOf(r.pos >= s.m_length ? -1 : r.pos));
        all.addAll(values);
        return LuaValue.varargsOf(all.toArray(new LuaValue[0]));
    }

    private static final class Reader {
        final LuaString s;
        int pos;

        Reader(LuaString s, int pos) {
            this.s = s;
            this.pos = pos;
        }

        int u8() {
            if (pos >= s.m_length) throw new LuaError("Missing bytes in input.");
            return s.m_bytes[s.m_offset + pos++] & 0xff;
        }

        long be(int n) {
            long v = 0;
            for (int i = 0; i < n; i++) v = (v << 8) | u8();
            return v;
        }

        LuaValue str(long n) {
            if (pos + n > s.m_length) throw new LuaError("Missing bytes in input.");
            LuaValue v = s.substring(pos, pos + (int) n);
            pos += (int) n;
            return v;
        }

        LuaValue array(long n) {
            LuaTable t = new LuaTable();
            for (int i = 1; i <= n; i++) t.rawset(i, value());
            return t;
        }

        LuaValue map(long n) {
            LuaTable t = new LuaTable();
            for (long i = 0; i < n; i++) {
                LuaValue k = value();
                LuaValue v = value();
                if (!k.isnil()) t.rawset(k, v);
            }
            return t;
        }

        LuaValue value() {
            int b = u8();
            if (b <= 0x7f) return LuaValue.valueOf(b);
            if (b >= 0xe0) return LuaValue.valueOf(b - 256);
            if ((b & 0xe0) == 0xa0) return str(b & 0x1f);
            if ((b & 0xf0) == 0x90) return array(b & 0x0f);
            if ((b & 0xf0) == 0x80) return map(b & 0x0f);
            return switch (b) {
                case 0xc0 -> LuaValue.NIL;
                case 0xc2 -> LuaValue.FALSE;
                case 0xc3 -> LuaValue.TRUE;
                case 0xcc -> num(be(1));
                case 0xcd -> num(be(2));
                case 0xce -> num(be(4));
                case 0xcf -> { long v = be(8); yield LuaValue.valueOf(v < 0 ? (double) (v >>> 1) * 2 + (v & 1) : (double) v); }
                case 0xd0 -> num((byte) be(1));
                case 0xd1 -> num((short) be(2));
                case 0xd2 -> num((int) be(4));
                case 0xd3 -> num(be(8));
                case 0xca -> LuaValue.valueOf(Float.intBitsToFloat((int) be(4)));
                case 0xcb -> LuaValue.valueOf(Double.longBitsToDouble(be(8)));
                case 0xd9, 0xc4 -> str(be(1));
                case 0xda, 0xc5 -> str(be(2));
                case 0xdb, 0xc6 -> str(be(4));
                case 0xdc -> array(be(2));
                case 0xdd -> array(be(4));
                case 0xde -> map(be(2));
                case 0xdf -> map(be(4));
                default -> throw new LuaError("Bad data format in input.");
            };
        }

        private static LuaValue num(long v) {
            return v == (int) v ? LuaValue.valueOf((int) v) : LuaValue.valueOf((double) v);
        }
    }
}
