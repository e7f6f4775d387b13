package io.magpie.engine.scripting;

import java.io.ByteArrayOutputStream;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaString;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;
import org.luaj.vm2.lib.VarArgFunction;

/**
 * The `struct` library of Redis's Lua (pack, unpack, size of binary records: "<>!" for
 * endianness and alignment, b/B h/H i/I[n] l/L T integers, f d floats, c[n] strings, s
 * zero-terminated strings, x padding). Written by hand: no Java library implements this
 * format language. Redisson's rate limiter stores its permits with it.
 */
final class StructLib {
    private StructLib() {}

    static LuaTable create() {
        LuaTable t = new LuaTable();
        t.rawset("pack", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs args) {
                return pack(args);
            }
        });
        t.rawset("unpack", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs args) {
                return unpack(args);
            }
        });
        t.rawset("size", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs args) {
                return valueOf(size(args.checkjstring(1)));
            }
        });
        return t;
    }

    /** The parsing state of a format: position, endianness, alignment. */
    private static final class Format {
        final String fmt;
        int pos;
        boolean little = true;
        int maxAlign = 1;

        Format(String fmt) {
            this.fmt = fmt;
        }

        boolean more() {
            return pos < fmt.length();
        }

        int number(int dflt) {
            if (pos >= fmt.length() || !Character.isDigit(fmt.charAt(pos))) return dflt;
            int n = 0;
            while (pos < fmt.length() && Character.isDigit(fmt.charAt(pos))) n = n * 10 + (fmt.charAt(pos++) - '0');
            return n;
        }

        /** The size of option opt (reading its count), or -1 for the controls. */
        int optSize(char opt) {
            switch (opt) {
                case 'B': case 'b': return 1;
                case 'H': case 'h': return 2;
                case 'L': case 'l': case 'T': return 8;
                case 'f': return 4;
                case 'd': return 8;
                case 'x': return 1;
                case 'c': return number(1);
                case 'i': case 'I': {
                    int sz = number(4);
                    if (sz > 8) throw new LuaError("integral size " + sz + " is larger than limit of 8");
                    return sz;
                }
                default: return 0;
            }
        }

        /** Controls and padding for alignment; returns the padding before an item of this size. */
        int align(long total, char opt, int size) {
            if (size <= 1 || opt == 'c' || maxAlign <= 1) return 0;
            int a = Math.min(size, maxAlign);
            if ((a & (a - 1)) != 0) throw new LuaError("alignment must be power of 2");
            return (int) ((a - (total & (a - 1))) & (a - 1));
        }

        /** Applies a control option; true if opt was one. */
        boolean control(char opt) {
            switch (opt) {
                case ' ': return true;
                case '>': little = false; return true;
                case '<': little = true; return true;
                case '!': maxAlign = number(8); return true;
                default: return false;
            }
        }
    }

    private static Varargs pack(Varargs args) {
        Format f = new Format(args.checkjstring(1));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int arg = 2;
        while (f.more()) {
            char opt = f.fmt.charAt(f.pos++);
            if (f.control(opt)) continue;
            int size = f.optSize(opt);
            int pad = f.align(out.size(), opt, size);
            for (int i = 0; i < pad; i++) out.write(0);
            switch (opt) {
                case 'b': case 'B': case 'h': case 'H': case 'l': case 'L': case 'T': case 'i': case 'I': {
                    double d = args.checkdouble(arg++);
                    long v = d < 0 ? (long) d : d >= 9.223372036854775807E18 ? (long) (d - 18446744073709551616.0) : (long) d;
                    writeInt(out, v, size, f.little);
                    break;
                }
                case 'x': out.write(0); break;
                case 'f': writeInt(out, Float.floatToIntBits((float) args.checkdouble(arg++)), 4, f.little); break;
                case 'd': writeInt(out, Double.doubleToLongBits(args.checkdouble(arg++)), 8, f.little); break;
                case 'c': case 's': {
                    LuaString s = args.checkstring(arg++);
                    int n = opt == 's' || size == 0 ? s.m_length : size;
                    if (s.m_length < n) throw new LuaError("bad argument #" + (arg - 1) + " to 'pack' (string too short)");
                    out.write(s.m_bytes, s.m_offset, n);
                    if (opt == 's') out.write(0);
                    break;
                }
                default: throw new LuaError("invalid format option '" + opt + "'");
            }
        }
        return LuaString.valueOf(out.toByteArray());
    }

    private static void writeInt(ByteArrayOutputStream out, long v, int size, boolean little) {
        for (int i = 0; i < size; i++) {
            int shift = little ? i : size - 1 - i;
            out.write(shift < 8 ? (int) (v >>> (8 * shift)) & 0xff : (v < 0 ? 0xff : 0));
        }
    }

    private static Varargs unpack(Varargs args) {
        Format f = new Format(args.checkjstring(1));
        LuaString data = args.checkstring(2);
        int pos = args.optint(3, 1) - 1;
        if (pos < 0 || pos > data.m_length) throw new LuaError("bad argument #3 to 'unpack' (offset must be 1 or greater)");
        java.util.ArrayList<LuaValue> results = new java.util.ArrayList<>();
        while (f.more()) {
            char opt = f.fmt.charAt(f.pos++);
            if (f.control(opt)) continue;
            int size = f.optSize(opt);
            pos += f.align(pos, opt, size);
            if (opt != 's' && (long) pos + size > data.m_length) throw new LuaError("bad argument #2 to 'unpack' (data string too short)");
            switch (opt) {
                case 'b': case 'B': case 'h': case 'H': case 'l': case 'L': case 'T': case 'i': case 'I': {
                    long v = 0;
                    for (int i = 0; i < size; i++) {
                        int b = data.m_bytes[data.m_offset + pos + (f.little ? size - 1 - i : i)] & 0xff;
                        v = (v << 8) | b;
                    }
                    boolean signed = Character.isLowerCase(opt);
                    if (signed && size < 8) {
                        long mask = 1L << (size * 8 - 1);
                        v = (v ^ mask) - mask;
                    }
                    double d = !signed && v < 0 ? (double) (v >>> 1) * 2.0 + (v & 1) : (double) v;
                    results.add(d == Math.rint(d) && Math.abs(d) <= Integer.MAX_VALUE ? LuaValue.valueOf((int) d) : LuaValue.valueOf(d));
                    break;
                }
                case 'x': break;
                case 'f': results.add(LuaValue.valueOf(Float.intBitsToFloat((int) readInt(data, pos, 4, f.little)))); break;
                case 'd': results.add(LuaValue.valueOf(Double.longBitsToDouble(readInt(data, pos, 8, f.little)))); break;
                case 'c': {
                    if (size == 0) {
                        if (results.isEmpty() || results.get(results.size() - 1).type() != LuaValue.TNUMBER) {
                            throw new LuaError("format 'c0' needs a previous size");
                        }
                        size = results.remove(results.size() - 1).toint();
                        if ((long) pos + size > data.m_length) throw new LuaError("bad argument #2 to 'unpack' (data string too short)");
                    }
                    results.add(data.substring(pos, pos + size));
                    break;
                }
                case 's': {
                    int end = pos;
                    while (end < data.m_length && data.m_bytes[data.m_offset + end] != 0) end++;
                    if (end >= data.m_length) throw new LuaError("unfinished string in data");
                    results.add(data.substring(pos, end));
                    size = end - pos + 1;
                    break;
                }
                default: throw new LuaError("invalid format option '" + opt + "'");
            }
            pos += size;
        }
        results.add(LuaValue.valueOf(pos + 1));
        return LuaValue.varargsOf(results.toArray(new LuaValue[0]));
    }

    private static long readInt(LuaString data, int pos, int size, boolean little) {
        long v = 0;
        for (int i = 0; i < size; i++) v = (v << 8) | (data.m_bytes[data.m_offset + pos + (little ? size - 1 - i : i)] & 0xff);
        return v;
    }

    private static int size(String fmt) {
        Format f = new Format(fmt);
        long total = 0;
        while (f.more()) {
            char opt = f.fmt.charAt(f.pos++);
            if (f.control(opt)) continue;
            int size = f.optSize(opt);
            if (opt == 's' || opt == 'c' && size == 0) throw new LuaError("options 'c0' - 's' have undefined sizes");
            total += f.align(total, opt, size) + size;
        }
        return (int) total;
    }
}
