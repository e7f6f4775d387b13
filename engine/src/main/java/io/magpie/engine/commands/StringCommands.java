package io.magpie.engine.commands;

import io.magpie.engine.Args;
import io.magpie.engine.Client;
import io.magpie.engine.Errors;
import io.magpie.engine.Notifications;
import io.magpie.engine.ReplyException;
import io.magpie.commands.CommandTable;
import io.magpie.engine.command.CommandHandler;
import io.magpie.engine.keyspace.Database;
import io.magpie.engine.types.RawString;
import io.magpie.engine.types.ValueType;
import io.magpie.engine.types.Values;
import io.magpie.engine.util.Numbers;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** String commands (t_string.c). */
public final class StringCommands {
    private StringCommands() {}

    static void register(CommandTable<CommandHandler> t) {
        t.register("get", StringCommands::get);
        t.register("set", StringCommands::set);
        t.register("setnx", c -> setGeneric(c, NX, c.argv[1], c.argv[2], -1, true));
        t.register("setex", c -> setexGeneric(c, EX));
        t.register("psetex", c -> setexGeneric(c, PX));
        t.register("getset", StringCommands::getset);
        t.register("getdel", StringCommands::getdel);
        t.register("getex", StringCommands::getex);
        t.register("mget", StringCommands::mget);
        t.register("mset", c -> msetGeneric(c, false));
        t.register("msetnx", c -> msetGeneric(c, true));
        t.register("incr", c -> incrDecr(c, 1));
        t.register("decr", c -> incrDecr(c, -1));
        t.register("incrby", c -> incrDecr(c, Args.parseLong(c.argv[2])));
        t.register("decrby", StringCommands::decrby);
        t.register("incrbyfloat", StringCommands::incrbyfloat);
        t.register("append", StringCommands::append);
        t.register("setrange", StringCommands::setrange);
        t.register("getrange", StringCommands::getrange);
        t.register("substr", StringCommands::getrange);
        t.register("strlen", StringCommands::strlen);
        t.register("lcs", StringCommands::lcs);
    }

    static final byte[] SET = bytes("SET");
    static final byte[] PXAT = bytes("PXAT");
    static final byte[] KEEPTTL_ARG = bytes("KEEPTTL");

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

    /** getGenericCommand: replies with the value (or null); WRONGTYPE before any reply. */
    private static Object getGeneric(Client c) {
        Object v = c.db.lookupRead(c.argv[1]);
        if (v != null && !Values.isString(v)) throw new ReplyException(Errors.WRONGTYPE);
        StringValues.addReplyBulk(c, v);
        return v;
    }

    static void get(Client c) {
        getGeneric(c);
    }

    /* ---------------- SET and its variants ---------------- */

    static final int NX = 1, XX = 2, GET = 4, KEEPTTL = 8, EX = 16, PX = 32, EXAT = 64, PXAT_FLAG = 128, PERSIST = 256;
    private static final int ANY_EXPIRE = EX | PX | EXAT | PXAT_FLAG;

    /**
     * parseExtendedStringArgumentsOrReply for SET (forGetex false, options from argv[3]) and
     * GETEX (options from argv[2]). As in Redis a repeated option is accepted (the last
     * expire wins) while conflicting ones are a syntax error. Returns the flags; the
     * expire argument's index is stored in expireIndex[0].
     */
    static int parseExtendedArgs(Client c, boolean forGetex, int[] expireIndex) {
        int flags = 0;
        for (int j = forGetex ? 2 : 3; j < c.argc; j++) {
            boolean hasNext = j + 1 < c.argc;
            if (!forGetex && c.argIs(j, "nx") && (flags & XX) == 0) {
                flags |= NX;
            } else if (!forGetex && c.argIs(j, "xx") && (flags & NX) == 0) {
                flags |= XX;
            } else if (!forGetex && c.argIs(j, "get")) {
                flags |= GET;
            } else if (!forGetex && c.argIs(j, "keepttl") && (flags & (PERSIST | ANY_EXPIRE)) == 0) {
                flags |= KEEPTTL;
            } else if (forGetex && c.argIs(j, "persist") && (flags & (KEEPTTL | ANY_EXPIRE)) == 0) {
                flags |= PERSIST;
            } else if (hasNext && expireFlag(c, j) != 0 && (flags & (KEEPTTL | PERSIST | (ANY_EXPIRE & ~expireFlag(c, j)))) == 0) {
                flags |= expireFlag(c, j);
                expireIndex[0] = ++j;
            } else {
                throw new ReplyException(Errors.SYNTAX);
            }
        }
        return flags;
    }

    private static int expireFlag(Client c, int j) {
        if (c.argIs(j, "ex")) return EX;
        if (c.argIs(j, "px")) return PX;
        if (c.argIs(j, "exat")) return EXAT;
        if (c.argIs(j, "pxat")) return PXAT_FLAG;
        return 0;
    }

    /** getExpireMillisecondsOrReply: absolute ms of an EX/PX/EXAT/PXAT argument. */
    static long expireMillis(Client c, byte[] arg, int flags) {
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

    /** SET key value [NX|XX] [GET] [EX s|PX ms|EXAT ts|PXAT ms-ts|KEEPTTL] */
    static void set(Client c) {
        if (c.argc == 3) {
            setGeneric(c, 0, c.argv[1], c.argv[2], -1, false); // the hot path: no options to parse
            return;
        }
        int[] expireIndex = {0};
        int flags = parseExtendedArgs(c, false, expireIndex);
        long when = (flags & ANY_EXPIRE) == 0 ? -1 : expireMillis(c, c.argv[expireIndex[0]], flags);
        setGeneric(c, flags, c.argv[1], c.argv[2], when, false);
    }

    /**
     * setGenericCommand: when is the absolute expire in ms, or -1. A time in the past is
     * stored as is in 7.0 (the key then expires lazily), and propagated as PXAT.
     * intReply: SETNX's 1/0 replies instead of OK/null.
     */
    private static void setGeneric(Client c, int flags, byte[] key, byte[] val, long when, boolean intReply) {
        if ((flags & GET) != 0) getGeneric(c);
        boolean found = c.db.lookupWrite(key) != null;
        if (((flags & NX) != 0 && found) || ((flags & XX) != 0 && !found)) {
            if ((flags & GET) == 0) {
                if (intReply) c.addReplyLongLong(0);
                else c.addReplyNull();
            }
            return;
        }
        c.db.setKey(c, key, val, (flags & KEEPTTL) != 0);
        c.engine.dirty++;
        c.engine.notifyKeyspaceEvent(Notifications.STRING, "set", key, c.db.id);
        if (when >= 0) {
            c.db.setExpire(key, when);
            // Replicas and the AOF must not re-add relative times.
            c.rewriteArgv(SET, key, val, PXAT, Numbers.toBytes(when));
            c.engine.notifyKeyspaceEvent(Notifications.GENERIC, "expire", key, c.db.id);
        } else if ((flags & GET) != 0) {
            c.rewriteArgv(withoutGet(c));
        }
        if ((flags & GET) == 0) {
            if (intReply) c.addReplyLongLong(1);
            else c.addReplyOk();
        }
    }

    private static byte[][] withoutGet(Client c) {
        byte[][] out = new byte[c.argc][];
        int n = 0;
        for (int i = 0; i < c.argc; i++) {
            if (i >= 3 && c.argIs(i, "get")) continue;
            out[n++] = c.argv[i];
        }
        return Arrays.copyOf(out, n);
    }

    static void setexGeneric(Client c, int unitFlag) {
        long when = expireMillis(c, c.argv[2], unitFlag);
        setGeneric(c, 0, c.argv[1], c.argv[3], when, false);
    }

    /* ---------------- GETSET, GETDEL, GETEX ---------------- */

    static void getset(Client c) {
        getGeneric(c);
        c.db.setKey(c, c.argv[1], c.argv[2], false);
        c.engine.notifyKeyspaceEvent(Notifications.STRING, "set", c.argv[1], c.db.id);
        c.engine.dirty++;
        c.rewriteArgv(SET, c.argv[1], c.argv[2]);
    }

    static void getdel(Client c) {
        Object v = getGeneric(c);
        if (v == null) return;
        byte[] key = c.argv[1];
        c.db.delete(key);
        c.rewriteArgv(c.engine.config.lazyfreeLazyUserDel.value() ? ExpireCommands.UNLINK : ExpireCommands.DEL, key);
        c.db.signalModifiedKey(key);
        c.engine.notifyKeyspaceEvent(Notifications.GENERIC, "del", key, c.db.id);
        c.engine.dirty++;
    }

    /** GETEX key [EX s|PX ms|EXAT ts|PXAT ms-ts|PERSIST]: never propagated as itself. */
    static void getex(Client c) {
        int[] expireIndex = {0};
        int flags = parseExtendedArgs(c, true, expireIndex);
        byte[] key = c.argv[1];
        Object v = c.db.lookupRead(key);
        if (v == null) {
            c.addReplyNull();
            return;
        }
        if (!Values.isString(v)) throw new ReplyException(Errors.WRONGTYPE);
        boolean hasExpire = (flags & ANY_EXPIRE) != 0;
        long when = hasExpire ? expireMillis(c, c.argv[expireIndex[0]], flags) : 0;
        StringValues.addReplyBulk(c, v);
        if ((flags & (EXAT | PXAT_FLAG)) != 0 && ExpireCommands.alreadyExpired(c, when)) {
            ExpireCommands.deleteAsExpired(c, key);
        } else if (hasExpire) {
            c.db.setExpire(key, when);
            c.rewriteArgv(ExpireCommands.PEXPIREAT, key, Numbers.toBytes(when));
            c.db.signalModifiedKey(key);
            c.engine.notifyKeyspaceEvent(Notifications.GENERIC, "expire", key, c.db.id);
            c.engine.dirty++;
        } else if ((flags & PERSIST) != 0 && c.db.removeExpire(key)) {
            c.db.signalModifiedKey(key);
            c.rewriteArgv(ExpireCommands.PERSIST, key);
            c.engine.notifyKeyspaceEvent(Notifications.GENERIC, "persist", key, c.db.id);
            c.engine.dirty++;
        }
    }

    /* ---------------- MGET, MSET, MSETNX ---------------- */

    static void mget(Client c) {
        c.addReplyArrayLen(c.argc - 1);
        for (int j = 1; j < c.argc; j++) {
            Object v = c.db.lookupRead(c.argv[j]);
            StringValues.addReplyBulk(c, v == null || !Values.isString(v) ? null : v);
        }
    }

    static void msetGeneric(Client c, boolean nx) {
        if (c.argc % 2 == 0) throw new ReplyException(Errors.wrongArgs(c.cmd.fullName));
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

    /* ---------------- INCR family ---------------- */

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
            value = parseLongValue(o);
        }
        if ((incr < 0 && value < 0 && incr < Long.MIN_VALUE - value) || (incr > 0 && value > 0 && incr > Long.MAX_VALUE - value)) {
            throw new ReplyException(Errors.OVERFLOW);
        }
        value += incr;
        byte[] nv = Numbers.toBytes(value);
        if (o != null) c.db.overwrite(key, nv);
        else c.db.add(key, nv);
        c.db.signalModifiedKey(key);
        c.engine.dirty++;
        c.engine.notifyKeyspaceEvent(Notifications.STRING, "incrby", key, c.db.id);
        c.addReplyLongLong(value);
    }

    /** The integer held by a string value (string2ll), else "not an integer" error. */
    private static long parseLongValue(Object o) {
        byte[] cur = o instanceof byte[] b ? b : StringValues.bytes(o);
        long v = Numbers.toLongOrInvalid(cur);
        if (v == Numbers.INVALID && !Numbers.isLong(cur)) throw new ReplyException(Errors.NOT_INTEGER);
        return v;
    }

    /**
     * INCRBYFLOAT in long double arithmetic (see {@link LongDouble}); stored as Redis's
     * createStringObjectFromLongDouble (never "int" encoded) and propagated as
     * SET key value KEEPTTL so replicas need not redo the float math.
     */
    static void incrbyfloat(Client c) {
        byte[] key = c.argv[1];
        Object o = c.db.lookupWrite(key);
        if (o != null && !Values.isString(o)) throw new ReplyException(Errors.WRONGTYPE);
        LongDouble value = o == null ? LongDouble.parse(ZERO) : LongDouble.parse(StringValues.bytes(o));
        if (value == null) throw new ReplyException(Errors.NOT_FLOAT);
        LongDouble incr = LongDouble.parse(c.argv[2]);
        if (incr == null) throw new ReplyException(Errors.NOT_FLOAT);
        LongDouble sum = value.add(incr);
        if (sum == null || sum.isInfinite()) throw new ReplyException(Errors.NAN_OR_INF);
        byte[] nv = sum.toHumanString().getBytes(StandardCharsets.US_ASCII);
        Object stored = RawString.unencoded(nv);
        if (o != null) c.db.overwrite(key, stored);
        else c.db.add(key, stored);
        c.db.signalModifiedKey(key);
        c.engine.notifyKeyspaceEvent(Notifications.STRING, "incrbyfloat", key, c.db.id);
        c.engine.dirty++;
        c.addReplyBulk(nv);
        c.rewriteArgv(SET, key, nv, KEEPTTL_ARG);
    }

    private static final byte[] ZERO = {'0'};

    /* ---------------- APPEND, SETRANGE, GETRANGE, STRLEN ---------------- */

    static void append(Client c) {
        byte[] key = c.argv[1], tail = c.argv[2];
        Object o = c.db.lookupWrite(key);
        long total;
        if (o == null) {
            c.db.add(key, tail);
            total = tail.length;
        } else {
            if (!Values.isString(o)) throw new ReplyException(Errors.WRONGTYPE);
            StringValues.checkStringLength(c, StringValues.length(o), tail.length);
            RawString r = StringValues.unshare(c.db, key, o);
            r.append(tail);
            total = r.length();
        }
        c.db.signalModifiedKey(key);
        c.engine.notifyKeyspaceEvent(Notifications.STRING, "append", key, c.db.id);
        c.engine.dirty++;
        c.addReplyLongLong(total);
    }

    static void setrange(Client c) {
        byte[] key = c.argv[1], value = c.argv[3];
        long offset = Args.parseLong(c.argv[2]);
        if (offset < 0) throw new ReplyException("ERR offset is out of range");
        Object o = c.db.lookupWrite(key);
        RawString r;
        if (o == null) {
            // Nothing to write on a missing key: no key is created.
            if (value.length == 0) {
                c.addReplyLongLong(0);
                return;
            }
            StringValues.checkStringLength(c, offset, value.length);
            r = new RawString(new byte[0]);
            c.db.add(key, r);
        } else {
            if (!Values.isString(o)) throw new ReplyException(Errors.WRONGTYPE);
            if (value.length == 0) {
                c.addReplyLongLong(StringValues.length(o));
                return;
            }
            StringValues.checkStringLength(c, offset, value.length);
            r = StringValues.unshare(c.db, key, o);
        }
        r.setRange((int) offset, value);
        c.db.signalModifiedKey(key);
        c.engine.notifyKeyspaceEvent(Notifications.STRING, "setrange", key, c.db.id);
        c.engine.dirty++;
        c.addReplyLongLong(r.length());
    }

    static void getrange(Client c) {
        long start = Args.parseLong(c.argv[2]);
        long end = Args.parseLong(c.argv[3]);
        Object o = c.db.lookupRead(c.argv[1]);
        if (o == null) {
            c.addReplyBulk(EMPTY);
            return;
        }
        if (!Values.isString(o)) throw new ReplyException(Errors.WRONGTYPE);
        byte[] s;
        int off = 0;
        if (o instanceof RawString r) {
            s = r.array();
        } else {
            s = (byte[]) o;
        }
        long len = StringValues.length(o);
        if (start < 0 && end < 0 && start > end) {
            c.addReplyBulk(EMPTY);
            return;
        }
        if (start < 0) start += len;
        if (end < 0) end += len;
        if (start < 0) start = 0;
        if (end < 0) end = 0;
        if (end >= len) end = len - 1;
        if (start > end || len == 0) c.addReplyBulk(EMPTY);
        else c.addReplyBulk(s, off + (int) start, (int) (end - start + 1));
    }

    private static final byte[] EMPTY = {};

    static void strlen(Client c) {
        Object o = c.db.lookupRead(c.argv[1]);
        if (o == null) {
            c.addReplyLongLong(0);
            return;
        }
        if (!Values.isString(o)) throw new ReplyException(Errors.WRONGTYPE);
        c.addReplyLongLong(StringValues.length(o));
    }

    /* ---------------- LCS ---------------- */

    /** LCS key1 key2 [LEN] [IDX] [MINMATCHLEN len] [WITHMATCHLEN] */
    static void lcs(Client c) {
        Object oa = c.db.lookupRead(c.argv[1]);
        Object ob = c.db.lookupRead(c.argv[2]);
        if ((oa != null && !Values.isString(oa)) || (ob != null && !Values.isString(ob))) {
            throw new ReplyException("ERR The specified keys must contain string values");
        }
        byte[] a = oa == null ? EMPTY : StringValues.bytes(oa);
        byte[] b = ob == null ? EMPTY : StringValues.bytes(ob);
        boolean getLen = false, getIdx = false, withMatchLen = false;
        long minMatchLen = 0;
        for (int j = 3; j < c.argc; j++) {
            boolean more = j < c.argc - 1;
            if (c.argIs(j, "idx")) getIdx = true;
            else if (c.argIs(j, "len")) getLen = true;
            else if (c.argIs(j, "withmatchlen")) withMatchLen = true;
            else if (c.argIs(j, "minmatchlen") && more) {
                minMatchLen = Math.max(0, Args.parseLong(c.argv[++j]));
            } else {
                throw new ReplyException(Errors.SYNTAX);
            }
        }
        if (getIdx && getLen) throw new ReplyException("ERR If you want both the length and indexes, please just use IDX.");
        int alen = a.length, blen = b.length;
        long cells = (long) (alen + 1) * (blen + 1);
        if (cells > Integer.MAX_VALUE - 16) {
            throw new ReplyException("ERR Insufficient memory, failed allocating transient memory for LCS");
        }
        // lcs[i * (blen+1) + j] = length of the LCS of a[0..i) and b[0..j).
        int w = blen + 1;
        int[] lcs = new int[(int) cells];
        for (int i = 1; i <= alen; i++) {
            for (int j = 1; j <= blen; j++) {
                if (a[i - 1] == b[j - 1]) lcs[i * w + j] = lcs[(i - 1) * w + j - 1] + 1;
                else lcs[i * w + j] = Math.max(lcs[(i - 1) * w + j], lcs[i * w + j - 1]);
            }
        }
        int idx = lcs[alen * w + blen];
        if (getLen) {
            c.addReplyLongLong(idx);
            return;
        }
        byte[] result = new byte[idx];
        int mark = -1;
        if (getIdx) {
            c.addReplyMapLen(2);
            c.addReplyBulkString("matches");
            mark = c.addReplyDeferredLen();
        }
        // Walk back from the end, emitting each maximal run of matches (Redis's order:
        // from the end of the strings towards the start).
        int i = alen, j = blen, ranges = 0;
        int aStart = alen, aEnd = 0, bStart = 0, bEnd = 0; // aStart == alen: no open range
        while (i > 0 && j > 0) {
            boolean emit = false;
            if (a[i - 1] == b[j - 1]) {
                result[idx - 1] = a[i - 1];
                if (aStart == alen) {
                    aStart = aEnd = i - 1;
                    bStart = bEnd = j - 1;
                } else if (aStart == i && bStart == j) {
                    aStart--;
                    bStart--;
                } else {
                    emit = true;
                }
                if (aStart == 0 || bStart == 0) emit = true;
                idx--;
                i--;
                j--;
            } else {
                if (lcs[(i - 1) * w + j] > lcs[i * w + j - 1]) i--;
                else j--;
                if (aStart != alen) emit = true;
            }
            if (emit) {
                long matchLen = aEnd - aStart + 1;
                if (getIdx && (minMatchLen == 0 || matchLen >= minMatchLen)) {
                    c.addReplyArrayLen(withMatchLen ? 3 : 2);
                    c.addReplyArrayLen(2);
                    c.addReplyLongLong(aStart);
                    c.addReplyLongLong(aEnd);
                    c.addReplyArrayLen(2);
                    c.addReplyLongLong(bStart);
                    c.addReplyLongLong(bEnd);
                    if (withMatchLen) c.addReplyLongLong(matchLen);
                    ranges++;
                }
                aStart = alen;
            }
        }
        if (getIdx) {
            c.setDeferredArrayLen(mark, ranges);
            c.addReplyBulkString("len");
            c.addReplyLongLong(lcs[alen * w + blen]);
        } else {
            c.addReplyBulk(result);
        }
    }
}
