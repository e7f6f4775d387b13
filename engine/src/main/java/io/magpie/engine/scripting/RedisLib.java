package io.magpie.engine.scripting;

import java.nio.charset.StandardCharsets;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaString;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;
import org.luaj.vm2.lib.OneArgFunction;
import org.luaj.vm2.lib.VarArgFunction;
import org.luaj.vm2.lib.ZeroArgFunction;

/**
 * The `redis` table scripts see (script_lua.c luaRegisterRedisAPI): call, pcall,
 * error_reply, status_reply, sha1hex, log and its levels, setresp, set_repl and its
 * constants, replicate_commands, breakpoint, debug, acl_check_cmd and the version.
 */
final class RedisLib {
    private RedisLib() {}

    static final int LOG_DEBUG = 0, LOG_VERBOSE = 1, LOG_NOTICE = 2, LOG_WARNING = 3;
    static final int REPL_NONE = 0, REPL_AOF = 1, REPL_REPLICA = 2, REPL_ALL = 3;

    static LuaTable create(Scripting s) {
        LuaTable r = new LuaTable();
        r.rawset("call", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs args) {
                return s.call(args, true);
            }
        });
        r.rawset("pcall", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs args) {
                return s.call(args, false);
            }
        });
        addCommon(r);
        r.rawset("setresp", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs args) {
                if (args.narg() != 1) throw raise("redis.setresp() requires one argument.");
                int resp = args.checkint(1);
                if (resp != 2 && resp != 3) throw raise("RESP version must be 2 or 3.");
                if (s.current != null) s.current.resp = resp;
                return NONE;
            }
        });
        r.rawset("set_repl", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs args) {
                if (args.narg() != 1) throw raise("redis.set_repl() requires one argument.");
                int flags = args.checkint(1);
                if ((flags & ~REPL_ALL) != 0) throw raise("Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.");
                s.setRepl(flags);
                return NONE;
            }
        });
        // Scripts always replicate their effects since Redis 7.0: the call is kept for old scripts.
        r.rawset("replicate_commands", new ZeroArgFunction() {
            @Override
            public LuaValue call() {
                return TRUE;
            }
        });
        r.rawset("breakpoint", new ZeroArgFunction() {
            @Override
            public LuaValue call() {
                return FALSE;
            }
        });
        r.rawset("debug", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs args) {
                return NONE;
            }
        });
        r.rawset("acl_check_cmd", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs args) {
                byte[][] argv = Scripting.redisArgv(args);
                if (argv == null) throw raise("Lua redis lib command arguments must be strings or integers");
                if (argv.length == 0) throw raise("Please specify at least one argument for this redis lib call");
                return valueOf(s.aclPermits(argv));
            }
        });
        r.rawset("REPL_NONE", REPL_NONE);
        r.rawset("REPL_AOF", REPL_AOF);
        r.rawset("REPL_SLAVE", REPL_REPLICA);
        r.rawset("REPL_REPLICA", REPL_REPLICA);
        r.rawset("REPL_ALL", REPL_ALL);
        return r;
    }

    /** What both the running and the loading (FUNCTION LOAD) redis tables hold. */
    static void addCommon(LuaTable r) {
        r.rawset("error_reply", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs args) {
                if (args.narg() != 1 || !args.arg1().isstring()) throw raise("wrong number or type of arguments");
                return LuaReplies.single(LuaReplies.ERR, LuaValue.valueOf(withErrorCode(args.arg1().tojstring())));
            }
        });
        r.rawset("status_reply", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs args) {
                if (args.narg() != 1 || !args.arg1().isstring()) throw raise("wrong number or type of arguments");
                return LuaReplies.single(LuaReplies.OK, args.arg1());
            }
        });
        r.rawset("sha1hex", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs args) {
                if (args.narg() != 1) throw raise("wrong number of arguments");
                LuaString str = args.arg1().checkstring();
                byte[] b = new byte[str.m_length];
                System.arraycopy(str.m_bytes, str.m_offset, b, 0, b.length);
                return LuaValue.valueOf(Scripting.sha1hex(b));
            }
        });
        r.rawset("log", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs args) {
                if (args.narg() < 2) throw raise("redis.log() requires two arguments or more.");
                if (args.arg1().type() != TNUMBER) throw raise("First argument must be a number (log level).");
                int level = args.arg1().toint();
                if (level < LOG_DEBUG || level > LOG_WARNING) throw raise("Invalid debug level.");
                StringBuilder sb = new StringBuilder();
                for (int i = 2; i <= args.narg(); i++) {
                    if (i > 2) sb.append(' ');
                    sb.append(args.arg(i).tojstring());
                }
                Scripting.log.accept(level, sb.toString());
                return NONE;
            }
        });
        r.rawset("LOG_DEBUG", LOG_DEBUG);
        r.rawset("LOG_VERBOSE", LOG_VERBOSE);
        r.rawset("LOG_NOTICE", LOG_NOTICE);
        r.rawset("LOG_WARNING", LOG_WARNING);
        r.rawset("REDIS_VERSION", Scripting.REDIS_VERSION);
        r.rawset("REDIS_VERSION_NUM", Scripting.REDIS_VERSION_NUM);
    }

    /** luaPushErrorBuff: an error without a code ("-msg" or "msg") gets the generic ERR. */
    static String withErrorCode(String err) {
        if (!err.startsWith("-")) err = "-" + err;
        {
            int sp = err.indexOf(' ');
            if (sp < 0) return "ERR " + err.substring(1);
            return err.substring(1);
        }
    }

    /** Errors of the redis lib are raised as error tables with the generic ERR code (luaPushError). */
    static LuaError raise(String msg) {
        return new LuaError(LuaReplies.single(LuaReplies.ERR, LuaValue.valueOf("ERR " + msg)));
    }

    static byte[] bytes(LuaValue v) {
        LuaString s = v.checkstring();
        byte[] b = new byte[s.m_length];
        System.arraycopy(s.m_bytes, s.m_offset, b, 0, b.length);
        return b;
    }

    static String utf8(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
