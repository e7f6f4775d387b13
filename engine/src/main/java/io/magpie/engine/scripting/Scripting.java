package io.magpie.engine.scripting;

import io.magpie.engine.Client;
import io.magpie.engine.Engine;
import io.magpie.commands.CommandTable;
import io.magpie.commands.RedisCommand;
import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaString;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;

/**
 * Lua scripting of one engine (Redis's script.c, eval.c and function_lua.c together): the
 * EVAL script cache, the function libraries, and the one script that may be running.
 * A script runs on the keyspace thread as one unit: the commands it calls go through
 * Engine.call with the script's own client, so their effects reach the write stream as the
 * unit's writes (wrapped in MULTI/EXEC when more than one, as Redis 7.0 propagates scripts).
 */
public final class Scripting {
    public static final String REDIS_VERSION = "7.0.15";
    public static final int REDIS_VERSION_NUM = (7 << 16) | (0 << 8) | 15;

    final Engine engine;
    private LuaEnvironment evalEnv;
    /** EVAL and SCRIPT LOAD scripts by sha (Redis's lctx.lua_scripts). */
    private final Map<String, CachedScript> scripts = new HashMap<>();
    private long scriptsMemory;
    private Functions functions;
    private Client luaClient;
    ScriptRun current;
    /** Where redis.log writes (level 0..3, message); the server wires its log. */
    public static volatile BiConsumer<Integer, String> log = (level, msg) -> { };

    record CachedScript(String sha, String body, LuaValue function, int flags) {}

    /** The script EVALSHA ran last, by the sha's bytes as sent: a client repeating one EVALSHA finds it without a lookup. */
    private byte[] lastSha;
    private CachedScript lastScript;

    /** busy-reply-threshold (lua-time-limit): after this many ms a script makes other clients get BUSY. */
    final io.magpie.engine.config.Params.LongParam busyReplyThreshold;

    public Scripting(Engine engine) {
        this.engine = engine;
        this.busyReplyThreshold = engine.registry.register(
                new io.magpie.engine.config.Params.LongParam("busy-reply-threshold", 5000, 0, Long.MAX_VALUE, false, "lua-time-limit"));
    }

    public Functions functions() {
        if (functions == null) functions = new Functions(this);
        return functions;
    }

    /** Drops every FUNCTION library (before an RDB load replaces them). */
    public void flushFunctions() {
        if (functions != null) functions.flush();
    }

    /** The code of every FUNCTION library, for RDB files and FUNCTION DUMP. */
    public java.util.List<byte[]> libraryCodes() {
        if (functions == null) return java.util.List.of();
        return functions.libraries().stream().map(l -> l.code).toList();
    }

    LuaEnvironment evalEnv() {
        if (evalEnv == null) evalEnv = newEnvironment();
        return evalEnv;
    }

    LuaEnvironment newEnvironment() {
        LuaEnvironment env = new LuaEnvironment(RedisLib.create(this));
        env.hook.onCheck = this::checkRunningScript;
        return env;
    }

    private Client luaClient() {
        if (luaClient == null) {
            luaClient = Client.detached(engine);
            luaClient.name = "lua";
            // A script's blocking commands answer at once, as inside MULTI (CLIENT_DENY_BLOCKING).
            luaClient.inExec = true;
            luaClient.authenticated = true;
        }
        return luaClient;
    }

    /** The script now running, if any (for BUSY and FUNCTION STATS). */
    public boolean scriptRunning() {
        return current != null;
    }

    /* ---------------- the EVAL script cache ---------------- */

    public static String sha1hex(byte[] body) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-1").digest(body);
            StringBuilder sb = new StringBuilder(40);
            for (byte b : d) sb.append(Character.forDigit((b >> 4) & 0xf, 16)).append(Character.forDigit(b & 0xf, 16));
            return sb.toString();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Compiles and caches a script body (luaCreateFunction); returns its sha. */
    String cacheScript(byte[] body) {
        String sha = sha1hex(body);
        if (scripts.containsKey(sha)) return sha;
        // Latin-1 maps each byte to one char and back: a binary string literal keeps its bytes.
        String code = new String(body, StandardCharsets.ISO_8859_1);
        int flags = ScriptFlags.ofEvalBody(code);
        if ((flags & ScriptRun.EVAL_COMPAT) == 0) code = code.substring(code.indexOf('\n') < 0 ? code.length() : code.indexOf('\n'));
        LuaValue fn;
        try {
            fn = evalEnv().compile(code.getBytes(StandardCharsets.ISO_8859_1), "@user_script", evalEnv().env);
        } catch (LuaError e) {
            throw new io.magpie.engine.ReplyException("ERR Error compiling script (new function): " + LuaReplies.oneLine(plainMessage(e)));
        }
        scripts.put(sha, new CachedScript(sha, code, fn, flags));
        scriptsMemory += body.length;
        return sha;
    }

    CachedScript script(String sha) {
        return scripts.get(sha);
    }

    /** EVALSHA's script for a sha in any case, or null. */
    CachedScript scriptBySha(byte[] sha) {
        if (lastScript != null && java.util.Arrays.equals(sha, lastSha)) return lastScript;
        CachedScript script = scripts.get(new String(sha, StandardCharsets.ISO_8859_1).toLowerCase(java.util.Locale.ROOT));
        if (script != null) {
            lastSha = sha.clone();
            lastScript = script;
        }
        return script;
    }

    public boolean scriptExists(String sha) {
        return scripts.containsKey(sha);
    }

    /** SCRIPT FLUSH: drops the cache and starts a fresh Lua state (scriptingReset). */
    void flushScripts() {
        scripts.clear();
        lastSha = null;
        lastScript = null;
        scriptsMemory = 0;
        evalEnv = null;
    }

    public int cachedScripts() {
        return scripts.size();
    }

    public long scriptsMemory() {
        return scriptsMemory;
    }

    /* ---------------- running ---------------- */

    /**
     * Runs a compiled script or function for caller and writes its reply (luaCallFunction).
     * Errors come back as Redis does: "<error> script: <name>, on @user_script:<line>."
     */
    void run(ScriptRun run, LuaEnvironment env, LuaValue fn, Varargs args) {
        Client lua = luaClient();
        lua.db = run.caller.db;
        lua.propagateTargets = io.magpie.engine.WriteUnit.ALL;
        current = run;
        runningHook = env.hook;
        env.hook.reset();
        try {
            Varargs r = fn.invoke(args);
            LuaReplies.write(run.caller, r.arg1(), run.resp);
        } catch (LuaError e) {
            // Stopped by SHUTDOWN NOSAVE: its client is closed with the others, without a reply, as Redis exits.
            if (!stopping) run.caller.addReplyError(errorReply(e, run, env.hook.lastLocation()));
        } catch (StackOverflowError e) {
            run.caller.addReplyError("ERR Error running script (call to " + run.name + "): @user_script: stack overflow");
        } finally {
            current = null;
            runningHook = null;
        }
    }

    private static final Pattern LOCATION = Pattern.compile("^(@user_script|@user_function):(\\d+) ", Pattern.DOTALL);

    /** The reply for an error a script raised, with Redis's "script: ..., on @source:line." tail. */
    static String errorReply(LuaError e, ScriptRun run, String lastLocation) {
        String msg = e.getMessage();
        if (msg == null) msg = "";
        int tb = msg.indexOf("\nstack traceback:");
        if (tb >= 0) msg = msg.substring(0, tb);
        String source = null, line = null;
        Matcher m = LOCATION.matcher(msg);
        if (m.find()) {
            source = m.group(1);
            line = m.group(2);
            msg = msg.substring(m.end());
        } else if (lastLocation != null && (m = LOCATION.matcher(lastLocation + " ")).find()) {
            source = m.group(1);
            line = m.group(2);
        }
        LuaValue obj = e.getMessageObject();
        String err;
        if (obj != null && obj.istable()) {
            LuaValue ev = obj.rawget(LuaReplies.ERR);
            err = ev.isstring() ? ev.tojstring() : "ERR " + obj.tojstring();
        } else {
            err = "ERR " + (source != null ? source.substring(1) + ":" + line + ": " : "") + msg;
        }
        err = LuaReplies.oneLine(err);
        return source == null ? err : err + " script: " + run.name + ", on " + source + ":" + line + ".";
    }

    /** The text of a Lua error as Lua would print it ("user_script:1: boom"), without a traceback. */
    static String plainMessage(LuaError e) {
        String msg = e.getMessage();
        if (msg == null) return "";
        int tb = msg.indexOf("\nstack traceback:");
        if (tb >= 0) msg = msg.substring(0, tb);
        Matcher m = LOCATION.matcher(msg);
        if (m.find()) msg = m.group(1).substring(1) + ":" + m.group(2) + ": " + msg.substring(m.end());
        return msg;
    }

    /**
     * redis.set_repl (scriptSetRepl): where the script's following writes go, the AOF, the
     * replicas, both or neither; REPL_AOF and REPL_REPLICA are WriteUnit's AOF and REPLICA.
     */
    void setRepl(int flags) {
        if (current != null) luaClient().propagateTargets = flags;
    }

    /* ---------------- redis.call ---------------- */

    /**
     * redis.call / redis.pcall (luaRedisGenericCommand and scriptCall): checks the command
     * may run from this script, runs it with the script's client and returns its reply as a
     * Lua value. An error reply is raised (call) or returned (pcall) as {err=...}.
     */
    LuaValue call(Varargs args, boolean raise) {
        ScriptRun run = current;
        if (run == null) return fail(raise, "ERR redis.call can only be called while a script runs");
        int n = args.narg();
        if (n == 0) return fail(raise, "ERR Please specify at least one argument for this redis lib call");
        byte[][] argv = redisArgv(args);
        if (argv == null) return fail(raise, "ERR Lua redis lib command arguments must be strings or integers");
        String refused = checkCommand(run, argv, callCommand(args.arg1(), argv));
        if (refused != null) return fail(raise, refused);
        Client lua = luaClient();
        lua.argv = argv;
        lua.argc = n;
        lua.setResp(run.resp);
        if (lua.cmd.write) run.wrote = true;
        engine.call(lua);
        ByteBuf out = lua.output();
        LuaValue reply;
        try {
            reply = LuaReplies.toLua(out);
        } finally {
            out.clear();
        }
        if (raise && reply.istable() && reply.rawget(LuaReplies.ERR).isstring()) throw new LuaError((LuaTable) reply);
        return reply;
    }

    /** A redis.call's arguments as the command's argv (luaArgsToRedisArgv); null when one is neither string nor number. */
    static byte[][] redisArgv(Varargs args) {
        int n = args.narg();
        byte[][] argv = new byte[n][];
        for (int i = 0; i < n; i++) {
            LuaValue v = args.arg(i + 1);
            if (v.type() == LuaValue.TNUMBER) {
                argv[i] = numberArgument(v);
            } else if (v.type() == LuaValue.TSTRING) {
                LuaString s = v.checkstring();
                argv[i] = new byte[s.m_length];
                System.arraycopy(s.m_bytes, s.m_offset, argv[i], 0, s.m_length);
            } else {
                return null;
            }
        }
        return argv;
    }

    /** lookupCommand: the command, or its subcommand when it has them and one is given; null if unknown. */
    RedisCommand lookupCommand(byte[][] argv) {
        RedisCommand cmd = engine.commands.lookup(argv[0]);
        if (cmd != null && cmd.hasSubcommands() && (cmd.handler() == null || argv.length > 1)) {
            cmd = argv.length == 1 ? cmd : cmd.subcommand(CommandTable.lowerAscii(argv[1]));
        }
        return cmd;
    }

    /**
     * redis.acl_check_cmd: whether the script's caller's user may run this command with these
     * arguments (ACLCheckAllUserCommandPerm, nothing logged).
     */
    boolean aclPermits(byte[][] argv) {
        ScriptRun run = current;
        RedisCommand cmd = lookupCommand(argv);
        if (cmd == null) throw RedisLib.raise("Invalid command passed to redis.acl_check_cmd()");
        return run == null || run.caller.obeyed
                || engine.acl.check(run.caller.aclUser, cmd, argv, 0, argv.length) == io.magpie.engine.acl.Acl.OK;
    }

    /**
     * The command a redis.call names. Its name is nearly always one of the script's string
     * constants, so a small cache by the name's Lua string (whose hash LuaJ keeps) saves the
     * table lookup; commands with subcommands are looked up each time.
     */
    private RedisCommand callCommand(LuaValue name, byte[][] argv) {
        if (!(name instanceof LuaString ls)) return lookupCommand(argv);
        int i = ls.hashCode() & (callNames.length - 1);
        LuaString cached = callNames[i];
        if (cached != null && cached.raweq(ls)) return callCommands[i];
        RedisCommand cmd = lookupCommand(argv);
        if (cmd != null && !cmd.hasSubcommands()) {
            callNames[i] = ls;
            callCommands[i] = cmd;
        }
        return cmd;
    }

    private final LuaString[] callNames = new LuaString[64];
    private final RedisCommand[] callCommands = new RedisCommand[64];

    /** scriptCall's checks, in its order; sets the script client's cmd. Returns the refusal or null. */
    private String checkCommand(ScriptRun run, byte[][] argv, RedisCommand cmd) {
        if (cmd == null) return "ERR Unknown Redis command called from script";
        if (!cmd.arityOk(argv.length)) return "ERR Wrong number of args calling Redis command from script";
        if (cmd.noscript) return "ERR This Redis command is not allowed from script";
        // scriptVerifyACL: the caller's user, the denial logged in the "lua" context.
        String denied = engine.acl.checkScriptCall(run.caller, cmd, argv, argv.length, engine.now());
        if (denied != null) return "ERR " + denied;
        if (cmd.write) {
            if (run.readOnly) return "ERR Write commands are not allowed from read-only scripts.";
            if (engine.isReplica() && !run.caller.master && replicaReadOnly()) {
                return "READONLY You can't write against a read only replica.";
            }
        }
        if (cmd.denyOom && run.oom) return io.magpie.engine.Errors.OOM;
        luaClient().cmd = cmd;
        return checkClusterState(run, cmd, argv);
    }

    /**
     * scriptVerifyClusterState: in cluster mode a script's command must find its keys here, and
     * (unless allow-cross-slot-keys, or an EVAL without flags) in the slot of the script's first keys.
     */
    private String checkClusterState(ScriptRun run, RedisCommand cmd, byte[][] argv) {
        io.magpie.engine.dispatch.CommandPipeline pipeline = engine.pipeline();
        String refused = pipeline.checkScriptTopology(run.caller, luaClient(), cmd, argv);
        if (refused != null) return refused;
        int slot = pipeline.scriptKeysSlot();
        // An EVAL script without a shebang may cross slots, as before 7.0.
        if (slot < 0 || (run.flags & (ScriptRun.ALLOW_CROSS_SLOT | ScriptRun.EVAL_COMPAT)) != 0) return null;
        if (run.slot == -2) run.slot = pipeline.declaredKeysSlot(run.caller);
        if (run.slot == -1) run.slot = slot;
        else if (run.slot != slot) return "ERR Script attempted to access keys that do not hash to the same slot";
        return null;
    }

    private boolean replicaReadOnly() {
        var p = engine.registry.find("replica-read-only");
        return p == null || p.get().equals("yes");
    }

    private static LuaValue fail(boolean raise, String error) {
        LuaTable t = LuaReplies.single(LuaReplies.ERR, LuaValue.valueOf(error));
        if (raise) throw new LuaError(t);
        return t;
    }

    /** A Lua number as redis.call passes it: an integral one as its digits (what "%.17g" prints for it), without a String. */
    static byte[] numberArgument(LuaValue v) {
        if (v.isinttype()) return io.magpie.protocol.NumberFormat.toBytes(v.toint());
        double d = v.todouble();
        if (d == Math.rint(d) && Math.abs(d) < 1e15 && d != 0) return io.magpie.protocol.NumberFormat.toBytes((long) d);
        return formatNumber(d).getBytes(StandardCharsets.US_ASCII);
    }

    /** A Lua number as redis.call passes it: C's "%.17g". */
    static String formatNumber(double d) {
        return LuaNumbers.format(d, 17);
    }

    /* ---------------- long scripts ---------------- */

    /** The hook of the script now running: a killed script is checked at every instruction. */
    private LuaEnvironment.ScriptHook runningHook;
    /** The server is stopping (SHUTDOWN NOSAVE while a script runs): the script ends at its next check. */
    private volatile boolean stopping;

    /**
     * Called by the instruction hook (scriptInterrupt): once the script has run past
     * busy-reply-threshold, other clients are served at each check (busyHandler), and a
     * script killed meanwhile raises its error. From then on every instruction raises it
     * again, so that a pcall cannot catch it and carry on (Redis's LUA_MASKLINE hook).
     */
    private void checkRunningScript() {
        ScriptRun run = current;
        if (run == null) return;
        if (!run.busy && !stopping) {
            long elapsed = (engine.clock().nanos() - run.startNanos) / 1_000_000;
            if (elapsed < busyReplyThreshold.value()) return;
            run.busy = true;
            log.accept(3, "Slow script detected: still in execution after " + elapsed + " milliseconds. You can try killing the script using the "
                    + (run.isFunction ? "FUNCTION KILL" : "SCRIPT KILL") + " command. Script name is: " + run.name + ".");
        }
        if (busyHandler != null && !run.killRequested && !stopping) busyHandler.run();
        if (run.killRequested || stopping) {
            if (runningHook != null && runningHook.checkEveryInstruction()) {
                if (run.killRequested) log.accept(3, "Lua script killed by user with SCRIPT KILL.");
            }
            throw new LuaError(LuaReplies.single(LuaReplies.ERR, LuaValue.valueOf(KILLED)));
        }
    }

    /** What a killed script or function raises (Redis names SCRIPT KILL for both). */
    private static final String KILLED = "ERR Script killed by user with SCRIPT KILL...";

    /**
     * Called every so many instructions once a script is past busy-reply-threshold: the
     * place to serve other clients (BUSY replies, SCRIPT KILL) while it runs
     * (processEventsWhileBlocked). Null: nothing is served until the script ends.
     */
    public Runnable busyHandler;

    /** The client whose script or function is running, or null: busyHandler leaves its connection unread (protectClient). */
    public Client scriptCaller() {
        ScriptRun run = current;
        return run == null ? null : run.caller;
    }

    /**
     * The server stops (SHUTDOWN NOSAVE while a script runs past its limit): the script ends
     * at its next instruction check, so the keyspace thread can finish. Any thread may call it.
     */
    public void stopRunningScript() {
        stopping = true;
    }

    /**
     * SCRIPT KILL / FUNCTION KILL from another client (scriptKill): refused when none runs,
     * when it has written (only SHUTDOWN NOSAVE can stop it), or when it is of the other kind.
     */
    public String kill(boolean function) {
        ScriptRun run = current;
        if (run == null) return "NOTBUSY No scripts in execution right now.";
        if (run.caller.master) return "UNKILLABLE The busy script was sent by a master instance in the context of replication and cannot be killed.";
        if (run.wrote) return "UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.";
        // The other kind: the BUSY error its own clients get, which names the right KILL.
        if (function != run.isFunction) return busyError(run);
        run.killRequested = true;
        return null;
    }

    /** The BUSY error for a command from another client while a script runs long, or null (isInsideYieldingLongCommand). */
    public String busyError() {
        ScriptRun run = current;
        if (run == null || !run.busy) return null;
        return busyError(run);
    }

    /** Redis's slowevalerr and slowscripterr: both say "running a script". */
    private static String busyError(ScriptRun run) {
        return run.isFunction
                ? "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE."
                : "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.";
    }

    /** FUNCTION STATS while an EVAL script runs: Redis answers its BUSY error (a function's run is what it reports). */
    String evalRunningError() {
        ScriptRun run = current;
        return run != null && !run.isFunction ? busyError(run) : null;
    }
}
