package io.magpie.engine.commands;

import io.magpie.engine.Args;
import io.magpie.engine.Client;
import io.magpie.engine.Errors;
import io.magpie.engine.Notifications;
import io.magpie.engine.ReplyException;
import io.magpie.engine.command.CommandTable;
import io.magpie.engine.keyspace.Database;
import io.magpie.engine.types.ValueType;
import io.magpie.engine.types.Values;
import io.magpie.engine.util.Numbers;
import java.nio.charset.StandardCharsets;

/** String commands (t_string.c). */
public final class StringCommands {
    private StringCommands() {}

    static void register(CommandTable t) {
        t.register("get", StringCommands::get);
        t.register("set", StringCommands::set);
        t.register("setnx", StringCommands::setnx);
        t.register("setex", c -> setexGeneric(c, false));
        t.register("psetex", c -> setexGeneric(c, true));
        t.register("mget", StringCommands::mget);
        t.register("mset", c -> msetGeneric(c, false));
        t.register("msetnx", c -> msetGeneric(c, true));
        t.register("incr", c -> incrDecr(c, 1));
        t.register("decr", c -> incrDecr(c, -1));
        t.register("incrby", c -> incrDecr(c, Args.parseLong(c.argv[2])));
        t.register("decrby", StringCommands::decrby);
    }

    static final byte[] SET = bytes("SET");
    static final byte[] PXAT = bytes("PXAT");

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** The string value of key for reading, null if absent; WRONGTYPE if not a string. */
    public static byte[] getString(Database db, byte[] key) {
        Object v = db.lookupRead(key);
        if (v == null) return null;
        if (!(v instanceof byte[] b)) {
            if (Values.type(v) != ValueType.STRING) throw new ReplyException(Errors.WRONGTYPE);
            return StringValues.bytes(v);
        }
        return b;
    }

    static void get(Client c) {
        c.addReplyBulk(getString(c.db, c.argv[1]));
    }

    /* ---------------- SET and its variants ---------------- */

    private static final int NX = 1, XX = 2, GET = 4, KEEPTTL = 8, EX = 16, PX = 32, EXAT = 64, PXAT_FLAG = 128;

    /** SET key value [NX|XX] [GET] [EX s|PX ms|EXAT ts|PXAT ms-ts|KEEPTTL] */
    static void set(Client c) {
        int flags = 0;
        byte[] expireArg = null;
        for (int j = 3; j < c.argc; j++) {
            boolean hasNext = j + 1 < c.argc;
            if (c.argIs(j, "nx") && (flags & XX) == 0) flags |= NX;
            else if (c.argIs(j, "xx") && (flags & NX) == 0) flags |= XX;
            else if (c.argIs(j, "get")) flags |= GET;
            else if (c.argIs(j, "keepttl") && (flags & (EX | PX | EXAT | PXAT_FLAG)) == 0) flags |= KEEPTTL;
            else if (hasNext && (flags & (KEEPTTL | EX | PX | EXAT | PXAT_FLAG)) == 0 && expireFlag(c, j) != 0) {
                flags |= expireFlag(c, j);
                expireArg = c.argv[++j];
            } else {
                throw new ReplyException(Errors.SYNTAX);
            }
        }
        long when = expireArg == null ? -1 : expireMillis(c, expireArg, flags);
        setGeneric(c, flags, c.argv[1], c.argv[2], when);
    }

    private static int expireFlag(Client c, int j) {
        if (c.argIs(j, "ex")) return EX;
        if (c.argIs(j, "px")) return PX;
        if (c.argIs(j, "exat")) return EXAT;
        if (c.argIs(j, "pxat")) return PXAT_FLAG;
        return 0;
    }

    /** Absolute expire time in ms from an EX/PX/EXAT/PXAT argument (getExpireMillisecondsOrReply). */
    private static long expireMillis(Client c, byte[] arg, int flags) {
        long ms = Args.parseLong(arg);
        boolean seconds = (flags & (EX | EXAT)) != 0;
        String err = String.format(Errors.INVALID_EXPIRE, c.cmd.fullName);
        if (ms <= 0 || (seconds && ms > Long.MAX_VALUE / 1000)) throw new ReplyException(err);
        if (seconds) ms *= 1000;
        if ((flags & (EX | PX)) != 0) {
            if (ms > Long.MAX_VALUE - c.engine.now()) throw new ReplyException(err);
            ms += c.engine.now();
        }
        return ms;
    }

    /** setGenericCommand: when is the absolute expire in ms, or -1. */
    private static void setGeneric(Client c, int flags, byte[] key, byte[] val, long when) {
        if ((flags & GET) != 0) {
            // Reply with the old value first; WRONGTYPE aborts before anything is set.
            byte[] old = getString(c.db, key);
            c.addReplyBulk(old);
        }
        boolean found = c.db.lookupWrite(key) != null;
        if (((flags & NX) != 0 && found) || ((flags & XX) != 0 && !found)) {
            if ((flags & GET) == 0) c.addReplyNull();
            return;
        }
        c.db.setKey(c, key, val, (flags & KEEPTTL) != 0);
        c.engine.dirty++;
        c.engine.notifyKeyspaceEvent(Notifications.STRING, "set", key, c.db.id);
        if (when >= 0) {
            c.db.setExpire(key, when);
            // Propagate as SET key value PXAT <ms>: replicas and the AOF must not re-add relative times.
            c.rewriteArgv(SET, key, val, PXAT, Numbers.toBytes(when));
            c.engine.notifyKeyspaceEvent(Notifications.GENERIC, "expire", key, c.db.id);
        } else if ((flags & GET) != 0) {
            c.rewriteArgv(withoutGet(c));
        }
        if ((flags & GET) == 0) c.addReplyOk();
    }

    private static byte[][] withoutGet(Client c) {
        byte[][] out = new byte[c.argc - 1][];
        int n = 0;
        for (int i = 0; i < c.argc; i++) {
            if (i >= 3 && c.argIs(i, "get")) continue;
            out[n++] = c.argv[i];
        }
        return java.util.Arrays.copyOf(out, n);
    }

    static void setnx(Client c) {
        if (c.db.lookupWrite(c.argv[1]) != null) {
            c.addReplyLongLong(0);
            return;
        }
        c.db.setKey(c, c.argv[1], c.argv[2], false);
        c.engine.dirty++;
        c.engine.notifyKeyspaceEvent(Notifications.STRING, "set", c.argv[1], c.db.id);
        c.addReplyLongLong(1);
    }

    static void setexGeneric(Client c, boolean millis) {
        long when = expireMillis(c, c.argv[2], millis ? PX : EX);
        setGeneric(c, 0, c.argv[1], c.argv[3], when);
    }

    static void mget(Client c) {
        c.addReplyArrayLen(c.argc - 1);
        for (int j = 1; j < c.argc; j++) {
            Object v = c.db.lookupRead(c.argv[j]);
            if (v == null || !Values.isString(v)) c.addReplyNull();
            else c.addReplyBulk(StringValues.bytes(v));
        }
    }

    static void msetGeneric(Client c, boolean nx) {
        if (c.argc % 2 == 0) {
            c.addReplyErrorArity();
            return;
        }
        if (nx) {
            for (int j = 1; j < c.argc; j += 2) {
                if (c.db.lookupWrite(c.argv[j]) != null) {
                    c.addReplyLongLong(0);
                    return;
                }
            }
        }
        for (int j = 1; j < c.argc; j += 2) {
            c.db.setKey(c, c.argv[j], c.argv[j + 1], false);
            c.engine.notifyKeyspaceEvent(Notifications.STRING, "set", c.argv[j], c.db.id);
        }
        c.engine.dirty += (c.argc - 1) / 2;
        if (nx) c.addReplyLongLong(1);
        else c.addReplyOk();
    }

    static void decrby(Client c) {
        long decr = Args.parseLong(c.argv[2]);
        if (decr == Long.MIN_VALUE) throw new ReplyException("ERR decrement would overflow");
        incrDecr(c, -decr);
    }

    /** incrDecrCommand */
    static void incrDecr(Client c, long incr) {
        byte[] key = c.argv[1];
        Object o = c.db.lookupWrite(key);
        long value = 0;
        if (o != null) {
            if (!Values.isString(o)) throw new ReplyException(Errors.WRONGTYPE);
            byte[] cur = StringValues.bytes(o);
            long[] v = new long[1];
            if (!Numbers.parseLong(cur, v)) throw new ReplyException(Errors.NOT_INTEGER);
            value = v[0];
        }
        if ((incr < 0 && value < 0 && incr < Long.MIN_VALUE - value) || (incr > 0 && value > 0 && incr > Long.MAX_VALUE - value)) {
            throw new ReplyException(Errors.OVERFLOW);
        }
        value += incr;
        byte[] nv = Numbers.toBytes(value);
        if (o != null) {
            c.db.overwrite(key, nv);
            c.db.signalModifiedKey(key);
        } else {
            c.db.add(key, nv);
            c.db.signalModifiedKey(key);
        }
        c.engine.dirty++;
        c.engine.notifyKeyspaceEvent(Notifications.STRING, "incrby", key, c.db.id);
        c.addReplyLongLong(value);
    }
}
