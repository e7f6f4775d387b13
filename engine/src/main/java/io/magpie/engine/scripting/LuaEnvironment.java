package io.magpie.engine.scripting;

import org.luaj.vm2.Globals;
import org.luaj.vm2.LoadState;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;
import org.luaj.vm2.compiler.LuaC;
import org.luaj.vm2.lib.CoroutineLib;
import org.luaj.vm2.lib.DebugLib;
import org.luaj.vm2.lib.OneArgFunction;
import org.luaj.vm2.lib.PackageLib;
import org.luaj.vm2.lib.StringLib;
import org.luaj.vm2.lib.TableLib;
import org.luaj.vm2.lib.VarArgFunction;
import org.luaj.vm2.lib.jse.JseBaseLib;
import org.luaj.vm2.lib.jse.JseMathLib;

/**
 * One Lua interpreter state as Redis prepares it (script_lua.c luaLoadLibraries and
 * scriptingInit): the base, table, string, math and debug libraries, cjson, cmsgpack, bit
 * and struct, the redis table, and the Lua 5.1 names scripts use on top of LuaJ's 5.2
 * (unpack, loadstring, table.getn...). Scripts run with a protected globals table: reading a
 * missing global or storing any global is an error.
 */
final class LuaEnvironment {
    final Globals globals = new Globals();
    /** The environment scripts see: a locked copy of the globals. */
    final ProtectedTable env = new ProtectedTable(true);
    final ScriptHook hook = new ScriptHook();

    LuaEnvironment(LuaTable redis) {
        globals.load(new JseBaseLib());
        globals.load(new PackageLib());
        globals.load(new CoroutineLib());
        globals.load(new TableLib());
        globals.load(new StringLib());
        globals.load(new JseMathLib());
        globals.load(hook);
        LoadState.install(globals);
        LuaC.install(globals);
        addLua51Names();
        // Redis's Lua has no package library and no file access.
        // Redis's Lua has no package library, no file access, no print, and keeps debug to itself.
        for (String gone : new String[] {"package", "require", "dofile", "loadfile", "module", "print", "debug", "rawlen"}) {
            globals.rawset(gone, LuaValue.NIL);
        }
        globals.rawset("pcall", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs args) {
                // As Redis 7.0's pcall: an error table {err=...} (redis.call's errors) comes back
                // as its message; a string error has Lua 5.1's text ("user_script:1: boom").
                LuaValue f = args.checkvalue(1);
                try {
                    return varargsOf(TRUE, f.invoke(args.subargs(2)));
                } catch (LuaError e) {
                    LuaValue obj = e.getMessageObject();
                    if (obj != null && obj.istable() && obj.rawget(LuaReplies.ERR).isstring()) return varargsOf(FALSE, obj.rawget(LuaReplies.ERR));
                    return varargsOf(FALSE, obj != null && !obj.isstring() ? obj : valueOf(Scripting.plainMessage(e)));
                } catch (StackOverflowError e) {
                    return varargsOf(FALSE, valueOf("stack overflow"));
                }
            }
        });
        globals.rawset("xpcall", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs args) {
                // LuaJ hands the handler a string even for an error table; Lua passes the value.
                LuaValue f = args.checkvalue(1), handler = args.checkvalue(2);
                try {
                    return varargsOf(TRUE, f.invoke(args.subargs(3)));
                } catch (LuaError e) {
                    LuaValue obj = e.getMessageObject();
                    LuaValue err = obj != null && !obj.isstring() ? obj : valueOf(Scripting.plainMessage(e));
                    return varargsOf(FALSE, handler.invoke(err));
                } catch (StackOverflowError e) {
                    return varargsOf(FALSE, handler.invoke(valueOf("stack overflow")));
                }
            }
        });
        globals.rawset("cjson", CjsonLib.create());
        globals.rawset("cmsgpack", CmsgpackLib.create());
        globals.rawset("bit", BitLib.create());
        globals.rawset("struct", StructLib.create());
        globals.rawset("redis", redis);
        for (Varargs e = globals.next(LuaValue.NIL); !e.arg1().isnil(); e = globals.next(e.arg1())) {
            LuaValue v = e.arg(2);
            env.rawset(e.arg1(), v.istable() && v != globals ? ProtectedTable.readOnlyCopy(v) : v);
        }
        env.rawset("_G", env);
        env.adopt(globals);
        env.lock();
    }

    private void addLua51Names() {
        LuaValue table = globals.get("table");
        globals.rawset("unpack", table.get("unpack"));
        globals.rawset("loadstring", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs args) {
                // loadstring(s [, chunkname]) of Lua 5.1: compiled in the scripts' own environment.
                try {
                    return globals.load(args.checkjstring(1), args.optjstring(2, "=(load)"), env);
                } catch (LuaError e) {
                    return varargsOf(NIL, valueOf(e.getMessage()));
                }
            }
        });
        globals.rawset("gcinfo", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs args) {
                Runtime r = Runtime.getRuntime();
                return valueOf((int) ((r.totalMemory() - r.freeMemory()) / 1024));
            }
        });
        table.rawset("getn", new OneArgFunction() {
            @Override
            public LuaValue call(LuaValue t) {
                return valueOf(t.checktable().length());
            }
        });
        table.rawset("maxn", new OneArgFunction() {
            @Override
            public LuaValue call(LuaValue t) {
                double max = 0;
                LuaTable tt = t.checktable();
                for (Varargs e = tt.next(NIL); !e.arg1().isnil(); e = tt.next(e.arg1())) {
                    if (e.arg1().type() == TNUMBER) max = Math.max(max, e.arg1().todouble());
                }
                return valueOf(max);
            }
        });
        // LuaJ 3.0.1 prints a non-integral number through a float (tostring(1/3) = "0.33333334");
        // Lua 5.1 uses "%.14g". Concatenation still goes through LuaJ's own conversion.
        LuaValue luajTostring = globals.get("tostring");
        globals.rawset("tostring", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs args) {
                LuaValue v = args.arg1();
                if (v.type() == TNUMBER) return valueOf(LuaNumbers.format(v.todouble(), 14));
                return luajTostring.invoke(args);
            }
        });
        LuaValue math = globals.get("math");
        math.rawset("mod", math.get("fmod"));
        LuaValue string = globals.get("string");
        string.rawset("gfind", string.get("gmatch"));
        globals.rawset("_VERSION", LuaValue.valueOf("Lua 5.1"));
    }

    /** Compiles code under a chunk name ("@user_script") in the protected environment. */
    LuaValue compile(byte[] code, String chunkName, LuaTable environment) {
        // From bytes, not a String: LuaJ's lexer keeps the bytes of string literals as they are.
        return globals.load(new java.io.ByteArrayInputStream(code), chunkName, "t", environment);
    }

    /**
     * Runs every few thousand instructions (Redis's luaMaskCountHook): lets a script that
     * runs past busy-reply-threshold be observed and killed.
     */
    static final class ScriptHook extends DebugLib {
        /** Redis's luaMaskCountHook runs every 100000 instructions. */
        private static final int CHECK_INTERVAL = 100_000;
        Runnable onCheck;
        private int count;
        private int interval = CHECK_INTERVAL;
        /** The Lua functions now running, innermost last, and where the last instruction ran. */
        private final java.util.ArrayList<org.luaj.vm2.LuaClosure> frames = new java.util.ArrayList<>();
        private org.luaj.vm2.Prototype lastProto;
        private int lastPc;

        @Override
        public void onCall(org.luaj.vm2.LuaClosure c, Varargs varargs, LuaValue[] stack) {
            super.onCall(c, varargs, stack);
            frames.add(c);
        }

        @Override
        public void onCall(org.luaj.vm2.LuaFunction f) {
            super.onCall(f);
            frames.add(null);
        }

        @Override
        public void onReturn() {
            super.onReturn();
            if (!frames.isEmpty()) frames.remove(frames.size() - 1);
        }

        /**
         * "@user_script:3" for the last Lua line that ran. LuaJ loses the position of an
         * error raised in a tail call (return redis.call(...)), which Lua 5.1 keeps.
         */
        String lastLocation() {
            if (lastProto == null) return null;
            int line = lastProto.lineinfo != null && lastPc >= 0 && lastPc < lastProto.lineinfo.length ? lastProto.lineinfo[lastPc] : 0;
            return lastProto.source.tojstring() + ":" + line;
        }

        void reset() {
            frames.clear();
            lastProto = null;
            interval = CHECK_INTERVAL;
        }

        /** From now on onCheck runs at every instruction (a killed script); false if it already did. */
        boolean checkEveryInstruction() {
            if (interval == 1) return false;
            interval = 1;
            return true;
        }

        @Override
        public void onInstruction(int pc, Varargs v, int top) {
            if (!frames.isEmpty()) {
                org.luaj.vm2.LuaClosure c = frames.get(frames.size() - 1);
                if (c != null) {
                    lastProto = c.p;
                    lastPc = pc;
                }
            }
            if (++count >= interval) {
                count = 0;
                if (onCheck != null) onCheck.run();
            }
        }
    }
}
