package io.magpie.engine.scripting;

import io.magpie.engine.ReplyException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;
import org.luaj.vm2.lib.VarArgFunction;

/**
 * FUNCTION libraries (functions.c and function_lua.c): each library is Lua code with a
 * `#!lua name=<lib>` shebang whose top level registers functions with
 * redis.register_function. Libraries live in their own Lua state; while a library loads,
 * its globals are only the load API (redis.register_function, redis.log, the version).
 */
public final class Functions {
    public record Function(String name, LuaValue callback, String description, int flags, Library library) {}

    public static final class Library {
        public final String name;
        public final byte[] code;
        public final Map<String, Function> functions = new LinkedHashMap<>();

        Library(String name, byte[] code) {
            this.name = name;
            this.code = code;
        }
    }

    private final Scripting scripting;
    final LuaEnvironment lua;
    private final ProtectedTable loadGlobals = new ProtectedTable(true);
    private final LuaValue chunkEnv;
    private final Map<String, Library> libraries = new LinkedHashMap<>();
    private final Map<String, Function> functions = new LinkedHashMap<>();
    /** The library being loaded: register_function adds to it. */
    private Library loading;

    Functions(Scripting scripting) {
        this.scripting = scripting;
        this.lua = scripting.newEnvironment();
        LuaTable redis = new ProtectedTable(true);
        redis.rawset("register_function", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs args) {
                registerFunction(args);
                return NONE;
            }
        });
        RedisLib.addCommon(redis);
        redis.rawset("error_reply", LuaValue.NIL);
        redis.rawset("status_reply", LuaValue.NIL);
        redis.rawset("sha1hex", LuaValue.NIL);
        ((ProtectedTable) redis).lock();
        loadGlobals.rawset("redis", redis);
        loadGlobals.lock();
        ProtectedTable runGlobals = lua.env;
        org.luaj.vm2.Globals dispatch = new org.luaj.vm2.Globals() {
            @Override
            public LuaValue get(LuaValue key) {
                return loading != null ? loadGlobals.get(key) : runGlobals.get(key);
            }

            @Override
            public void rawset(LuaValue key, LuaValue value) {
                throw new LuaError("Attempt to modify a readonly table");
            }

            @Override
            public void rawset(int key, LuaValue value) {
                throw new LuaError("Attempt to modify a readonly table");
            }
        };
        dispatch.running = lua.globals.running;
        dispatch.debuglib = lua.globals.debuglib;
        dispatch.baselib = lua.globals.baselib;
        chunkEnv = dispatch;
    }

    public Collection<Library> libraries() {
        return libraries.values();
    }

    public Library library(String name) {
        return libraries.get(name);
    }

    public Function function(String name) {
        return functions.get(name);
    }

    public int functionCount() {
        return functions.size();
    }

    /**
     * FUNCTION LOAD (functionsCreateWithLibraryCtx): parses the shebang, runs the code to
     * register its functions and installs the library; returns its name. Errors are
     * Redis's replies, thrown as ReplyException.
     */
    public String load(byte[] codeBytes, boolean replace) {
        // Latin-1: one char per byte, so the shebang is parsed as text and the code keeps its bytes.
        String code = new String(codeBytes, java.nio.charset.StandardCharsets.ISO_8859_1);
        int eol = code.indexOf('\n');
        String shebang = eol < 0 ? code : code.substring(0, eol);
        if (!shebang.startsWith("#!")) throw new ReplyException("ERR Missing library metadata");
        String[] parts = shebang.substring(2).split(" ", -1);
        if (!parts[0].equals("lua")) throw new ReplyException("ERR Engine '" + parts[0] + "' not found");
        String name = null;
        for (int i = 1; i < parts.length; i++) {
            String p = parts[i];
            if (p.isEmpty()) continue;
            if (!p.startsWith("name=")) throw new ReplyException("ERR Invalid metadata value given: " + p);
            if (name != null) throw new ReplyException("ERR Invalid metadata value, name argument was given multiple times");
            name = p.substring(5);
        }
        if (name == null) throw new ReplyException("ERR Library name was not given");
        if (!validName(name)) {
            throw new ReplyException("ERR Library names can only contain letters, numbers, or underscores(_) and must be at least one character long");
        }
        Library old = libraries.get(name);
        if (old != null && !replace) throw new ReplyException("ERR Library '" + name + "' already exists");
        LuaValue chunk;
        try {
            // The shebang line goes, its newline stays: line numbers in errors match the code.
            chunk = lua.compile(eol < 0 ? new byte[0] : java.util.Arrays.copyOfRange(codeBytes, eol, codeBytes.length), "@user_function",
                    (LuaTable) chunkEnv);
        } catch (LuaError e) {
            throw new ReplyException("ERR Error compiling function: " + LuaReplies.oneLine(Scripting.plainMessage(e)));
        }
        Library lib = new Library(name, codeBytes);
        loading = lib;
        try {
            chunk.call();
        } catch (LuaError e) {
            throw new ReplyException("ERR Error registering functions: " + LuaReplies.oneLine(loadError(e)));
        } finally {
            loading = null;
        }
        if (lib.functions.isEmpty()) throw new ReplyException("ERR No functions registered");
        for (String f : lib.functions.keySet()) {
            Function existing = functions.get(f);
            if (existing != null && existing.library() != old) throw new ReplyException("ERR Function " + f + " already exists");
        }
        if (old != null) remove(old);
        install(lib);
        return name;
    }

    private static String loadError(LuaError e) {
        LuaValue obj = e.getMessageObject();
        if (obj != null && obj.istable() && obj.rawget(LuaReplies.ERR).isstring()) return obj.rawget(LuaReplies.ERR).tojstring();
        return "ERR " + Scripting.plainMessage(e);
    }

    private void install(Library lib) {
        libraries.put(lib.name, lib);
        functions.putAll(lib.functions);
    }

    private void remove(Library lib) {
        libraries.remove(lib.name);
        for (String f : lib.functions.keySet()) functions.remove(f);
    }

    /** FUNCTION DELETE: false when no such library. */
    public boolean delete(String name) {
        Library lib = libraries.get(name);
        if (lib == null) return false;
        remove(lib);
        return true;
    }

    /** FUNCTION FLUSH, and FUNCTION RESTORE FLUSH. */
    public void flush() {
        libraries.clear();
        functions.clear();
    }

    /** A snapshot of the libraries for FUNCTION RESTORE's all-or-nothing replace. */
    public List<Library> snapshot() {
        return new ArrayList<>(libraries.values());
    }

    /** Puts back a snapshot taken before a failed FUNCTION RESTORE. */
    public void restore(List<Library> saved) {
        flush();
        for (Library l : saved) install(l);
    }

    /** redis.register_function(name, callback) or redis.register_function{function_name=..., callback=..., flags=..., description=...}. */
    private void registerFunction(Varargs args) {
        Library lib = loading;
        if (lib == null) throw RedisLib.raise("redis.register_function can only be called on FUNCTION LOAD command");
        String name;
        LuaValue callback;
        String description = null;
        int flags = 0;
        if (args.narg() == 1 && args.arg1().istable()) {
            LuaTable t = (LuaTable) args.arg1();
            LuaValue n = LuaValue.NIL, cb = LuaValue.NIL, fl = LuaValue.NIL, desc = LuaValue.NIL;
            for (Varargs e = t.next(LuaValue.NIL); !e.arg1().isnil(); e = t.next(e.arg1())) {
                if (!e.arg1().isstring() || e.arg1().type() != LuaValue.TSTRING) throw RedisLib.raise("named argument key given to redis.register_function is not a string");
                switch (e.arg1().tojstring()) {
                    case "function_name" -> n = e.arg(2);
                    case "callback" -> cb = e.arg(2);
                    case "flags" -> fl = e.arg(2);
                    case "description" -> desc = e.arg(2);
                    default -> throw RedisLib.raise("unknown argument given to redis.register_function");
                }
            }
            if (n.type() != LuaValue.TSTRING) throw RedisLib.raise("function_name argument given to redis.register_function must be a string");
            if (!cb.isfunction()) throw RedisLib.raise("callback argument given to redis.register_function must be a function");
            if (!desc.isnil()) {
                if (desc.type() != LuaValue.TSTRING) throw RedisLib.raise("description argument given to redis.register_function must be a string");
                description = desc.tojstring();
            }
            if (!fl.isnil()) {
                if (!fl.istable()) throw RedisLib.raise("flags argument to redis.register_function must be a table representing function flags");
                for (int i = 1; !fl.rawget(i).isnil(); i++) {
                    LuaValue f = fl.rawget(i);
                    int b = f.type() == LuaValue.TSTRING ? ScriptFlags.bit(f.tojstring()) : 0;
                    if (b == 0) throw RedisLib.raise("unknown flag given");
                    flags |= b;
                }
            }
            name = n.tojstring();
            callback = cb;
        } else {
            if (args.narg() != 2) throw RedisLib.raise("wrong number of arguments to redis.register_function");
            if (args.arg1().type() != LuaValue.TSTRING) throw RedisLib.raise("first argument to redis.register_function must be a string");
            if (!args.arg(2).isfunction()) throw RedisLib.raise("second argument to redis.register_function must be a function");
            name = args.arg1().tojstring();
            callback = args.arg(2);
        }
        if (!validName(name)) {
            throw RedisLib.raise("Library names can only contain letters, numbers, or underscores(_) and must be at least one character long");
        }
        if (lib.functions.containsKey(name)) throw RedisLib.raise("Function already exists in the library");
        lib.functions.put(name, new Function(name, callback, description, flags, lib));
    }

    static boolean validName(String name) {
        if (name.isEmpty()) return false;
        for (int i = 0; i < name.length(); i++) {
            char ch = name.charAt(i);
            if (!(ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || ch == '_')) return false;
        }
        return true;
    }
}
