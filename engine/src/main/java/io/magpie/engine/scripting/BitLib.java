package io.magpie.engine.scripting;

import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;
import org.luaj.vm2.lib.VarArgFunction;

/**
 * The `bit` library of Redis's Lua (LuaBitOp): 32-bit operations on numbers. No Java
 * library offers LuaBitOp's exact semantics (results are signed 32-bit, tohex's digit
 * count), so it is written here: a number is first normalized as tobit does (modulo 2^32).
 */
final class BitLib {
    private BitLib() {}

    static LuaTable create() {
        LuaTable t = new LuaTable();
        t.rawset("tobit", op(a -> tobit(a.arg1())));
        t.rawset("bnot", op(a -> ~tobit(a.arg1())));
        t.rawset("band", op(a -> fold(a, 0)));
        t.rawset("bor", op(a -> fold(a, 1)));
        t.rawset("bxor", op(a -> fold(a, 2)));
        t.rawset("lshift", op(a -> tobit(a.arg1()) << (tobit(a.arg(2)) & 31)));
        t.rawset("rshift", op(a -> tobit(a.arg1()) >>> (tobit(a.arg(2)) & 31)));
        t.rawset("arshift", op(a -> tobit(a.arg1()) >> (tobit(a.arg(2)) & 31)));
        t.rawset("rol", op(a -> Integer.rotateLeft(tobit(a.arg1()), tobit(a.arg(2)) & 31)));
        t.rawset("ror", op(a -> Integer.rotateRight(tobit(a.arg1()), tobit(a.arg(2)) & 31)));
        t.rawset("bswap", op(a -> Integer.reverseBytes(tobit(a.arg1()))));
        t.rawset("tohex", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs a) {
                int b = tobit(a.arg1());
                int n = a.isnoneornil(2) ? 8 : tobit(a.arg(2));
                boolean upper = n < 0;
                if (upper) n = -n;
                if (n > 8) n = 8;
                String hex = String.format(upper ? "%08X" : "%08x", b);
                return valueOf(hex.substring(8 - n));
            }
        });
        return t;
    }

    private interface IntOp {
        int apply(Varargs a);
    }

    private static VarArgFunction op(IntOp f) {
        return new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs a) {
                return valueOf(f.apply(a));
            }
        };
    }

    private static int fold(Varargs a, int kind) {
        int r = tobit(a.arg1());
        for (int i = 2; i <= a.narg(); i++) {
            int x = tobit(a.arg(i));
            r = kind == 0 ? r & x : kind == 1 ? r | x : r ^ x;
        }
        return r;
    }

    /** LuaBitOp's tobit: the number modulo 2^32 as a signed 32-bit integer. */
    static int tobit(LuaValue v) {
        double d = v.checkdouble();
        // LuaBitOp adds 2^52+2^51 and keeps the low word: round to nearest even, then mod 2^32.
        return (int) (long) Math.rint(d);
    }
}
