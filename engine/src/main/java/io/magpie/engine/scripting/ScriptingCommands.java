package io.magpie.engine.scripting;

import io.magpie.engine.command.CommandHandler;
import io.magpie.engine.Args;
import io.magpie.engine.Client;
import io.magpie.engine.Errors;
import io.magpie.engine.ReplyException;
import io.magpie.commands.CommandTable;
import io.magpie.protocol.Glob;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.luaj.vm2.LuaString;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;

/**
 * EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT (eval.c); FCALL, FCALL_RO and FUNCTION
 * (functions.c). FUNCTION DUMP and RESTORE, which speak the RDB encoding, are registered by
 * the persistence module.
 */
public final class ScriptingCommands {
    private ScriptingCommands() {}

    public static void register(CommandTable<CommandHandler> t) {
        t.register("eval", c -> eval(c, false, false));
        t.register("evalsha", c -> eval(c, true, false));
        t.register("eval_ro", c -> eval(c, false, true));
        t.register("evalsha_ro", c -> eval(c, true, true));
        t.register("script|load", ScriptingCommands::scriptLoad);
        t.register("script|exists", ScriptingCommands::scriptExists);
        t.register("script|flush", ScriptingCommands::scriptFlush);
        t.register("script|kill", c -> kill(c, false));
        t.register("script|help", c -> c.addReplyHelp(SCRIPT_HELP));
        t.register("fcall", c -> fcall(c, false));
        t.register("fcall_ro", c -> fcall(c, true));
        t.register("function|load", ScriptingCommands::functionLoad);
        t.register("function|delete", ScriptingCommands::functionDelete);
        t.register("function|flush", ScriptingCommands::functionFlush);
        t.register("function|list", ScriptingCommands::functionList);
        t.register("function|stats", ScriptingCommands::functionStats);
        t.register("function|kill", c -> kill(c, true));
        t.register("function|help", c -> c.addReplyHelp(FUNCTION_HELP));
    }

    /* ---------------- EVAL ---------------- */

    /** evalGenericCommand: numkeys, the script (compiled and cached), then the run. */
    static void eval(Client c, boolean bySha, boolean readOnlyCommand) {
        Scripting s = c.engine.scripting;
        long numkeys = Args.parseLong(c.argv[2]);
        if (numkeys > c.argc - 3) throw new ReplyException("ERR Number of keys can't be greater than number of args");
        if (numkeys < 0) throw new ReplyException("ERR Number of keys can't be negative");
        Scripting.CachedScript script;
        if (bySha) {
            script = s.scriptBySha(c.argv[1]);
            if (script == null) throw new ReplyException("NOSCRIPT No matching script. Please use EVAL.");
        } else {
            script = s.script(s.cacheScript(c.argv[1]));
        }
        String sha = script.sha();
        boolean compat = (script.flags() & ScriptRun.EVAL_COMPAT) != 0;
        boolean noWrites = (script.flags() & ScriptRun.NO_WRITES) != 0;
        if (readOnlyCommand && !compat && !noWrites) throw new ReplyException("ERR Can not execute a script with write flag using *_ro command.");
        ScriptRun run = new ScriptRun(c, sha, false, script.flags(), readOnlyCommand || noWrites, c.engine.clock().nanos());
        checkOutOfMemory(c, run);
        LuaEnvironment env = s.evalEnv();
        env.env.put(KEYS, argsTable(c.argv, 3, (int) numkeys));
        env.env.put(ARGV, argsTable(c.argv, 3 + (int) numkeys, c.argc - 3 - (int) numkeys));
        s.run(run, env, script.function(), LuaValue.NONE);
    }

    /**
     * scriptPrepareForRun's maxmemory rule: over maxmemory (eviction could not free enough
     * before this command), a script that declares its flags and may write is refused unless
     * allow-oom; an old-style script runs but its deny-oom commands fail (scriptVerifyOOM).
     */
    private static void checkOutOfMemory(Client c, ScriptRun run) {
        boolean oom = c.engine.config.maxmemory.value() != 0 && !c.master && c.engine.eviction().memoryToFree() > 0;
        if (!oom || (run.flags & ScriptRun.ALLOW_OOM) != 0) return;
        if ((run.flags & ScriptRun.EVAL_COMPAT) == 0 && (run.flags & ScriptRun.NO_WRITES) == 0) throw new ReplyException(Errors.OOM);
        run.oom = true;
    }

    private static final LuaString KEYS = LuaString.valueOf("KEYS"), ARGV = LuaString.valueOf("ARGV");

    private static LuaTable argsTable(byte[][] argv, int from, int n) {
        LuaTable t = new LuaTable(n, 0);
        // The request's arguments are never written to again: Lua strings can use them as they are.
        for (int i = 0; i < n; i++) t.rawset(i + 1, LuaString.valueUsing(argv[from + i]));
        return t;
    }

    static void scriptLoad(Client c) {
        c.addReplyBulkString(c.engine.scripting.cacheScript(c.argv[2]));
    }

    static void scriptExists(Client c) {
        c.addReplyArrayLen(c.argc - 2);
        for (int i = 2; i < c.argc; i++) {
            String sha = new String(c.argv[i], StandardCharsets.ISO_8859_1).toLowerCase(Locale.ROOT);
            c.addReplyLongLong(c.engine.scripting.scriptExists(sha) ? 1 : 0);
        }
    }

    static void scriptFlush(Client c) {
        if (c.argc > 3 || c.argc == 3 && !c.argIs(2, "sync") && !c.argIs(2, "async")) {
            throw new ReplyException("ERR SCRIPT FLUSH only support SYNC|ASYNC option");
        }
        c.engine.scripting.flushScripts();
        c.addReplyOk();
    }

    static void kill(Client c, boolean function) {
        String err = c.engine.scripting.kill(function);
        if (err != null) throw new ReplyException(err);
        c.addReplyOk();
    }

    /* ---------------- FCALL ---------------- */

    static void fcall(Client c, boolean readOnlyCommand) {
        Scripting s = c.engine.scripting;
        Functions.Function f = s.functions().function(c.argString(1));
        if (f == null) throw new ReplyException("ERR Function not found");
        long numkeys;
        try {
            numkeys = Args.parseLong(c.argv[2]);
        } catch (ReplyException e) {
            throw new ReplyException("ERR Bad number of keys provided");
        }
        if (numkeys > c.argc - 3) throw new ReplyException("ERR Number of keys can't be greater than number of args");
        if (numkeys < 0) throw new ReplyException("ERR Number of keys can't be negative");
        boolean noWrites = (f.flags() & ScriptRun.NO_WRITES) != 0;
        if (readOnlyCommand && !noWrites) throw new ReplyException("ERR Can not execute a script with write flag using *_ro command.");
        ScriptRun run = new ScriptRun(c, f.name(), true, f.flags(), noWrites, c.engine.clock().nanos());
        checkOutOfMemory(c, run);
        LuaTable keys = argsTable(c.argv, 3, (int) numkeys);
        LuaTable args = argsTable(c.argv, 3 + (int) numkeys, c.argc - 3 - (int) numkeys);
        s.run(run, s.functions().lua, f.callback(), LuaValue.varargsOf(keys, args));
    }

    /* ---------------- FUNCTION ---------------- */

    static void functionLoad(Client c) {
        boolean replace = false;
        int i = 2;
        for (; i < c.argc - 1; i++) {
            if (c.argIs(i, "replace")) replace = true;
            else throw new ReplyException("ERR Unknown option given: " + c.argString(i));
        }
        if (i >= c.argc) throw new ReplyException("ERR Function code is missing");
        String name = c.engine.scripting.functions().load(c.argv[i], replace);
        c.engine.dirty++;
        c.addReplyBulkString(name);
    }

    static void functionDelete(Client c) {
        if (!c.engine.scripting.functions().delete(c.argString(2))) throw new ReplyException("ERR Library not found");
        c.engine.dirty++;
        c.addReplyOk();
    }

    static void functionFlush(Client c) {
        if (c.argc > 3) throw new ReplyException("ERR unknown subcommand or wrong number of arguments for 'FLUSH'. Try FUNCTION HELP.");
        if (c.argc == 3 && !c.argIs(2, "sync") && !c.argIs(2, "async")) {
            throw new ReplyException("ERR FUNCTION FLUSH only supports SYNC|ASYNC option");
        }
        c.engine.scripting.functions().flush();
        c.engine.dirty++;
        c.addReplyOk();
    }

    static void functionList(Client c) {
        boolean withCode = false;
        String pattern = null;
        for (int i = 2; i < c.argc; i++) {
            if (c.argIs(i, "withcode") && !withCode) {
                withCode = true;
            } else if (c.argIs(i, "libraryname") && pattern == null) {
                if (i == c.argc - 1) throw new ReplyException("ERR library name argument was not given");
                pattern = c.argString(++i);
            } else {
                throw new ReplyException("ERR Unknown argument " + c.argString(i));
            }
        }
        Functions fs = c.engine.scripting.functions();
        int mark = c.addReplyDeferredLen();
        int n = 0;
        for (Functions.Library lib : fs.libraries()) {
            if (pattern != null && !Glob.match(pattern.getBytes(StandardCharsets.UTF_8), lib.name.getBytes(StandardCharsets.UTF_8), false)) continue;
            n++;
            c.addReplyMapLen(withCode ? 4 : 3);
            c.addReplyBulkString("library_name");
            c.addReplyBulkString(lib.name);
            c.addReplyBulkString("engine");
            c.addReplyBulkString("LUA");
            c.addReplyBulkString("functions");
            c.addReplyArrayLen(lib.functions.size());
            for (Functions.Function f : lib.functions.values()) {
                c.addReplyMapLen(3);
                c.addReplyBulkString("name");
                c.addReplyBulkString(f.name());
                c.addReplyBulkString("description");
                if (f.description() == null) c.addReplyNull();
                else c.addReplyBulkString(f.description());
                c.addReplyBulkString("flags");
                int count = Integer.bitCount(f.flags());
                c.addReplySetLen(count);
                for (int b = 0; b < ScriptFlags.NAMES.length; b++) {
                    if ((f.flags() & ScriptFlags.BITS[b]) != 0) c.addReplyStatus(ScriptFlags.NAMES[b]);
                }
            }
            if (withCode) {
                c.addReplyBulkString("library_code");
                c.addReplyBulk(lib.code);
            }
        }
        c.setDeferredArrayLen(mark, n);
    }

    static void functionStats(Client c) {
        Scripting s = c.engine.scripting;
        String busy = s.evalRunningError();
        if (busy != null) throw new ReplyException(busy);
        c.addReplyMapLen(2);
        c.addReplyBulkString("running_script");
        ScriptRun run = s.current;
        if (run == null || !run.isFunction) {
            c.addReplyNull();
        } else {
            c.addReplyMapLen(3);
            c.addReplyBulkString("name");
            c.addReplyBulkString(run.name);
            c.addReplyBulkString("command");
            c.addReplyArrayLen(run.caller.argc);
            for (int i = 0; i < run.caller.argc; i++) c.addReplyBulk(run.caller.argv[i]);
            c.addReplyBulkString("duration_ms");
            c.addReplyLongLong((c.engine.clock().nanos() - run.startNanos) / 1_000_000);
        }
        c.addReplyBulkString("engines");
        c.addReplyMapLen(1);
        c.addReplyBulkString("LUA");
        c.addReplyMapLen(2);
        c.addReplyBulkString("libraries_count");
        c.addReplyLongLong(s.functions().libraries().size());
        c.addReplyBulkString("functions_count");
        c.addReplyLongLong(s.functions().functionCount());
    }

    private static final String[] SCRIPT_HELP = {
        "SCRIPT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "DEBUG (YES|SYNC|NO)",
        "    Set the debug mode for subsequent scripts executed.",
        "EXISTS <sha1> [<sha1> ...]",
        "    Return information about the existence of the scripts in the script cache.",
        "FLUSH [ASYNC|SYNC]",
        "    Flush the Lua scripts cache. Very dangerous on replicas.",
        "    When called without the optional mode argument, the behavior is determined by the",
        "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
        "    * ASYNC: Asynchronously flush the scripts cache.",
        "    * SYNC: Synchronously flush the scripts cache.",
        "KILL",
        "    Kill the currently executing Lua script.",
        "LOAD <script>",
        "    Load a script into the scripts cache without executing it.",
        "HELP",
        "    Prints this help.",
    };

    private static final String[] FUNCTION_HELP = {
        "FUNCTION <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "LOAD [REPLACE] <FUNCTION CODE>",
        "    Create a new library with the given library name and code.",
        "DELETE <LIBRARY NAME>",
        "    Delete the given library.",
        "LIST [LIBRARYNAME PATTERN] [WITHCODE]",
        "    Return general information on all the libraries:",
        "    * Library name",
        "    * The engine used to run the Library",
        "    * Library description",
        "    * Functions list",
        "    * Library code (if WITHCODE is given)",
        "    It also possible to get only function that matches a pattern using LIBRARYNAME argument.",
        "STATS",
        "    Return information about the current function running:",
        "    * Function name",
        "    * Command used to run the function",
        "    * Duration in MS that the function is running",
        "    If no function is running, return nil",
        "    In addition, returns a list of available engines.",
        "KILL",
        "    Kill the current running function.",
        "FLUSH [ASYNC|SYNC]",
        "    Delete all the libraries.",
        "    When called without the optional mode argument, the behavior is determined by the",
        "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
        "    * ASYNC: Asynchronously flush the libraries.",
        "    * SYNC: Synchronously flush the libraries.",
        "DUMP",
        "    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command",
        "RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
        "    Restore the libraries represented by the given payload, it is possible to give a restore policy to",
        "    control how to handle existing libraries (default APPEND):",
        "    * FLUSH: delete all existing libraries.",
        "    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.",
        "    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old",
        "      libraries with the new libraries (notice that even on this option there is a chance of failure",
        "      in case of functions name collision with another library).",
        "HELP",
        "    Prints this help.",
    };
}
