package io.magpie.engine.scripting;

import org.luaj.vm2.Globals;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaValue;

/**
 * A Lua table scripts may read but not change, as Redis 7.0's readonly tables (its patched
 * Lua VM's lua_enablereadonlytable): any store raises "Attempt to modify a readonly table".
 * As a globals table it also refuses reads of names it lacks (Redis's globals protection).
 * The owner fills it before {@link #lock()} and may still store through {@link #put}.
 *
 * It is a Globals because LuaJ runs its debug hooks (the instruction count that lets a
 * long script be killed) only for functions whose environment is a Globals.
 */
final class ProtectedTable extends Globals {
    private final boolean strictReads;
    private boolean locked;

    ProtectedTable(boolean strictReads) {
        this.strictReads = strictReads;
    }

    /** Makes this environment share the interpreter state of the real globals (hooks, compiler). */
    void adopt(Globals g) {
        running = g.running;
        baselib = g.baselib;
        debuglib = g.debuglib;
        loader = g.loader;
        compiler = g.compiler;
        undumper = g.undumper;
        STDOUT = g.STDOUT;
        STDERR = g.STDERR;
        STDIN = g.STDIN;
        finder = g.finder;
    }

    void lock() {
        locked = true;
    }

    /** The owner's store (KEYS, ARGV), past the lock. */
    void put(LuaValue key, LuaValue value) {
        boolean was = locked;
        locked = false;
        try {
            super.rawset(key, value);
        } finally {
            locked = was;
        }
    }

    @Override
    public LuaValue get(LuaValue key) {
        LuaValue v = rawget(key);
        if (v.isnil() && strictReads && locked) {
            throw new LuaError("Script attempted to access nonexistent global variable '" + key.tojstring() + "'");
        }
        return v;
    }

    @Override
    public void rawset(LuaValue key, LuaValue value) {
        if (locked) throw new LuaError("Attempt to modify a readonly table");
        super.rawset(key, value);
    }

    @Override
    public void rawset(int key, LuaValue value) {
        if (locked) throw new LuaError("Attempt to modify a readonly table");
        super.rawset(key, value);
    }

    /** A locked copy of a library table (string, table, math...). */
    static ProtectedTable readOnlyCopy(LuaValue table) {
        ProtectedTable t = new ProtectedTable(false);
        LuaValue k = LuaValue.NIL;
        while (true) {
            var n = table.next(k);
            if ((k = n.arg1()).isnil()) break;
            t.rawset(k, n.arg(2));
        }
        t.lock();
        return t;
    }
}
