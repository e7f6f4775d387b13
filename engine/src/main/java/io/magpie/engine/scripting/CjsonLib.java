package io.magpie.engine.scripting;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaString;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaUserdata;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;
import org.luaj.vm2.lib.VarArgFunction;

/**
 * The `cjson` library of Redis's Lua (lua-cjson 2.1's encode and decode). Decoding parses
 * with Jackson's streaming parser; encoding is written here because lua-cjson's output has
 * its own rules that scripts compare byte for byte: numbers as "%.14g", '/' escaped, an
 * empty table as {}, a table with keys 1..n as an array (too sparse ones refused).
 */
final class CjsonLib {
    private CjsonLib() {}

    /** cjson.null: JSON null, distinct from nil so that arrays keep their holes. */
    static final LuaValue NULL = new LuaUserdata(new Object()) {
        @Override
        public String tojstring() {
            return "userdata: NULL";
        }
    };
    private static final JsonFactory JSON = new JsonFactory();
    private static final int MAX_DEPTH = 1000;

    static LuaTable create() {
        LuaTable t = new LuaTable();
        t.rawset("encode", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs args) {
                if (args.narg() != 1) throw new LuaError("bad argument #1 to 'encode' (expected 1 argument)");
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                encode(out, args.arg1(), 0);
                return LuaString.valueOf(out.toByteArray());
            }
        });
        t.rawset("decode", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs args) {
                if (args.narg() != 1) throw new LuaError("bad argument #1 to 'decode' (expected 1 argument)");
                return decode(RedisLib.bytes(args.checkstring(1)));
            }
        });
        t.rawset("null", NULL);
        // Settings: accepted and reported back, the defaults stay in force.
        for (String setting : new String[] {"encode_sparse_array", "encode_max_depth", "decode_max_depth", "encode_number_precision",
                "encode_keep_buffer", "encode_invalid_numbers", "decode_invalid_numbers"}) {
            t.rawset(setting, new VarArgFunction() {
                @Override
                public Varargs invoke(Varargs args) {
                    return args;
                }
            });
        }
        return t;
    }

    /* ---------------- encode ---------------- */

    private static void encode(ByteArrayOutputStream out, LuaValue v, int depth) {
        switch (v.type()) {
            case LuaValue.TNIL -> out.writeBytes(bytes("null"));
            case LuaValue.TBOOLEAN -> out.writeBytes(bytes(v.toboolean() ? "true" : "false"));
            case LuaValue.TNUMBER -> out.writeBytes(bytes(number(v.todouble())));
            case LuaValue.TSTRING -> string(out, (LuaString) v.checkstring());
            case LuaValue.TTABLE -> table(out, (LuaTable) v, depth + 1);
            default -> {
                if (v == NULL) out.writeBytes(bytes("null"));
                else throw new LuaError("Cannot serialise " + v.typename() + ": type not supported");
            }
        }
    }

    private static String number(double d) {
        if (Double.isNaN(d) || Double.isInfinite(d)) throw new LuaError("Cannot serialise number: must not be NaN or Inf");
        return LuaNumbers.format(d, 14);
    }

    private static void table(ByteArrayOutputStream out, LuaTable t, int depth) {
        if (depth > MAX_DEPTH) throw new LuaError("Cannot serialise, excessive nesting (" + depth + ")");
        int max = arrayLength(t);
        if (max > 0) {
            out.write('[');
            for (int i = 1; i <= max; i++) {
                if (i > 1) out.write(',');
                encode(out, t.rawget(i), depth);
            }
            out.write(']');
            return;
        }
        out.write('{');
        boolean first = true;
        for (Varargs e = t.next(LuaValue.NIL); !e.arg1().isnil(); e = t.next(e.arg1())) {
            if (!first) out.write(',');
            first = false;
            LuaValue k = e.arg1();
            if (k.type() == LuaValue.TSTRING) string(out, (LuaString) k.checkstring());
            else if (k.type() == LuaValue.TNUMBER) string(out, LuaString.valueOf(number(k.todouble())));
            else throw new LuaError("Cannot serialise table: table key must be a number or string");
            out.write(':');
            encode(out, e.arg(2), depth);
        }
        out.write('}');
    }

    /** lua_array_length: n when every key is an integer 1..n, 0 for an object; too sparse is an error. */
    private static int arrayLength(LuaTable t) {
        long max = 0, items = 0;
        for (Varargs e = t.next(LuaValue.NIL); !e.arg1().isnil(); e = t.next(e.arg1())) {
            LuaValue k = e.arg1();
            if (k.type() != LuaValue.TNUMBER) return 0;
            double d = k.todouble();
            if (d < 1 || d != Math.floor(d)) return 0;
            max = Math.max(max, (long) d);
            items++;
        }
        if (max > items * 2 && max > 10) throw new LuaError("Cannot serialise table: excessively sparse array");
        return (int) max;
    }

    private static void string(ByteArrayOutputStream out, LuaString s) {
        out.write('"');
        for (int i = 0; i < s.m_length; i++) {
            int c = s.m_bytes[s.m_offset + i] & 0xff;
            switch (c) {
                case '"' -> out.writeBytes(bytes("\\\""));
                case '\\' -> out.writeBytes(bytes("\\\\"));
                case '/' -> out.writeBytes(bytes("\\/"));
                case '\b' -> out.writeBytes(bytes("\\b"));
                case '\f' -> out.writeBytes(bytes("\\f"));
                case '\n' -> out.writeBytes(bytes("\\n"));
                case '\r' -> out.writeBytes(bytes("\\r"));
                case '\t' -> out.writeBytes(bytes("\\t"));
                default -> {
                    if (c < 0x20 || c == 0x7f) out.writeBytes(bytes(String.format("\\u%04x", c)));
                    else out.write(c);
                }
            }
        }
        out.write('"');
    }

    private static byte[] bytes(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    /* ---------------- decode ---------------- */

    private static LuaValue decode(byte[] json) {
        try (JsonParser p = JSON.createParser(json)) {
            JsonToken tok = p.nextToken();
            if (tok == null) throw new LuaError("Expected value but found T_END at character 1");
            LuaValue v = value(p, tok, 1);
            if (p.nextToken() != null) {
                throw new LuaError("Expected the end but found invalid token at character " + (p.currentLocation().getCharOffset() + 1));
            }
            return v;
        } catch (IOException e) {
            throw new LuaError("Expected value but found invalid token at character " + 1);
        }
    }

    private static LuaValue value(JsonParser p, JsonToken tok, int depth) throws IOException {
        if (depth > MAX_DEPTH) throw new LuaError("Found too many nested data structures (" + depth + ") at character " + (p.currentLocation().getCharOffset() + 1));
        switch (tok) {
            case START_OBJECT: {
                LuaTable t = new LuaTable();
                while ((tok = p.nextToken()) == JsonToken.FIELD_NAME) {
                    LuaValue k = LuaString.valueOf(p.currentName().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                    t.rawset(k, value(p, p.nextToken(), depth + 1));
                }
                return t;
            }
            case START_ARRAY: {
                LuaTable t = new LuaTable();
                int i = 1;
                while ((tok = p.nextToken()) != JsonToken.END_ARRAY) t.rawset(i++, value(p, tok, depth + 1));
                return t;
            }
            case VALUE_STRING: return LuaString.valueOf(p.getText().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            case VALUE_NUMBER_INT:
            case VALUE_NUMBER_FLOAT: {
                double d = p.getDoubleValue();
                return d == Math.rint(d) && Math.abs(d) <= Integer.MAX_VALUE ? LuaValue.valueOf((int) d) : LuaValue.valueOf(d);
            }
            case VALUE_TRUE: return LuaValue.TRUE;
            case VALUE_FALSE: return LuaValue.FALSE;
            case VALUE_NULL: return NULL;
            default: throw new LuaError("Expected value but found invalid token at character " + (p.currentLocation().getCharOffset() + 1));
        }
    }
}
