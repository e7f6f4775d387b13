package io.magpie.engine.commands;

import io.magpie.engine.Args;
import io.magpie.engine.Client;
import io.magpie.engine.Errors;
import io.magpie.engine.Notifications;
import io.magpie.engine.ReplyException;
import io.magpie.commands.CommandTable;
import io.magpie.engine.command.CommandHandler;
import io.magpie.engine.types.HashValue;
import io.magpie.engine.util.Numbers;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Hash commands (t_hash.c). */
public final class HashCommands {
    private HashCommands() {}

    static void register(CommandTable<CommandHandler> t) {
        t.register("hset", c -> hset(c, false));
        t.register("hmset", c -> hset(c, true));
        t.register("hsetnx", HashCommands::hsetnx);
        t.register("hget", HashCommands::hget);
        t.register("hmget", HashCommands::hmget);
        t.register("hdel", HashCommands::hdel);
        t.register("hlen", HashCommands::hlen);
        t.register("hstrlen", HashCommands::hstrlen);
        t.register("hexists", HashCommands::hexists);
        t.register("hgetall", c -> hgetall(c, true, true));
        t.register("hkeys", c -> hgetall(c, true, false));
        t.register("hvals", c -> hgetall(c, false, true));
        t.register("hincrby", HashCommands::hincrby);
        t.register("hincrbyfloat", HashCommands::hincrbyfloat);
        t.register("hrandfield", HashCommands::hrandfield);
        t.register("hscan", HashCommands::hscan);
    }

    /* ---------------- lookups ---------------- */

    /** The hash at key for reading, null if absent; WRONGTYPE otherwise. */
    static HashValue lookupRead(Client c, byte[] key) {
        return io.magpie.engine.types.Values.read(c.db, key, io.magpie.engine.types.ValueType.HASH);
    }

    /** hashTypeLookupWriteOrCreate: the hash at key, created empty if absent. */
    static HashValue lookupWriteOrCreate(Client c, byte[] key) {
        Object v = c.db.lookupWrite(key);
        if (v == null) {
            HashValue h = new HashValue();
            c.db.add(key, h);
            return h;
        }
        if (!(v instanceof HashValue h)) throw new ReplyException(Errors.WRONGTYPE);
        return h;
    }

    private static boolean setField(Client c, HashValue h, byte[] field, byte[] value) {
        return h.set(field, value, c.engine.config.hashMaxListpackEntries.value(), c.engine.config.hashMaxListpackValue.value());
    }

    private static void wrote(Client c, byte[] key, String event) {
        c.db.signalModifiedKey(key);
        c.engine.notifyKeyspaceEvent(Notifications.HASH, event, key, c.db.id);
    }

    /* ---------------- commands ---------------- */

    /** HSET key field value [field value ...] and HMSET (replies OK instead of a count). */
    static void hset(Client c, boolean hmset) {
        if (c.argc % 2 == 1) throw new ReplyException(Errors.wrongArgs(c.cmd.fullName));
        byte[] key = c.argv[1];
        HashValue h = lookupWriteOrCreate(c, key);
        int created = 0;
        for (int i = 2; i < c.argc; i += 2) if (setField(c, h, c.argv[i], c.argv[i + 1])) created++;
        if (hmset) c.addReplyOk();
        else c.addReplyLongLong(created);
        wrote(c, key, "hset");
        c.engine.dirty += (c.argc - 2) / 2;
    }

    static void hsetnx(Client c) {
        byte[] key = c.argv[1];
        HashValue h = lookupWriteOrCreate(c, key);
        if (h.contains(c.argv[2])) {
            c.addReplyLongLong(0);
            return;
        }
        setField(c, h, c.argv[2], c.argv[3]);
        c.addReplyLongLong(1);
        wrote(c, key, "hset");
        c.engine.dirty++;
    }

    static void hget(Client c) {
        HashValue h = lookupRead(c, c.argv[1]);
        byte[] kv = h == null ? null : h.getKv(c.argv[2]);
        addReplyValue(c, kv);
    }

    private static void addReplyValue(Client c, byte[] kv) {
        if (kv == null) c.addReplyNull();
        else c.addReplyBulk(kv, HashValue.valueOffset(kv), HashValue.valueLength(kv));
    }

    private static void addReplyField(Client c, byte[] kv) {
        c.addReplyBulk(kv, HashValue.fieldOffset(kv), HashValue.fieldLength(kv));
    }

    static void hmget(Client c) {
        HashValue h = lookupRead(c, c.argv[1]);
        c.addReplyArrayLen(c.argc - 2);
        for (int i = 2; i < c.argc; i++) addReplyValue(c, h == null ? null : h.getKv(c.argv[i]));
    }

    static void hdel(Client c) {
        byte[] key = c.argv[1];
        Object v = c.db.lookupWrite(key);
        if (v == null) {
            c.addReplyLongLong(0);
            return;
        }
        if (!(v instanceof HashValue h)) throw new ReplyException(Errors.WRONGTYPE);
        int deleted = 0;
        boolean keyRemoved = false;
        for (int i = 2; i < c.argc; i++) {
            if (h.delete(c.argv[i])) {
                deleted++;
                if (h.size() == 0) {
                    c.db.delete(key);
                    keyRemoved = true;
                    break;
                }
            }
        }
        if (deleted > 0) {
            wrote(c, key, "hdel");
            if (keyRemoved) c.engine.notifyKeyspaceEvent(Notifications.GENERIC, "del", key, c.db.id);
            c.engine.dirty += deleted;
        }
        c.addReplyLongLong(deleted);
    }

    static void hlen(Client c) {
        HashValue h = lookupRead(c, c.argv[1]);
        c.addReplyLongLong(h == null ? 0 : h.size());
    }

    static void hstrlen(Client c) {
        HashValue h = lookupRead(c, c.argv[1]);
        byte[] kv = h == null ? null : h.getKv(c.argv[2]);
        c.addReplyLongLong(kv == null ? 0 : HashValue.valueLength(kv));
    }

    static void hexists(Client c) {
        HashValue h = lookupRead(c, c.argv[1]);
        c.addReplyLongLong(h != null && h.contains(c.argv[2]) ? 1 : 0);
    }

    /** HGETALL, HKEYS, HVALS (genericHgetallCommand). */
    static void hgetall(Client c, boolean fields, boolean values) {
        HashValue h = lookupRead(c, c.argv[1]);
        boolean map = fields && values;
        if (h == null) {
            if (map) c.addReplyMapLen(0);
            else c.addReplyArrayLen(0);
            return;
        }
        if (map) c.addReplyMapLen(h.size());
        else c.addReplyArrayLen(h.size());
        h.forEach(kv -> {
            if (fields) addReplyField(c, kv);
            if (values) addReplyValue(c, kv);
        });
    }

    static void hincrby(Client c) {
        long incr = Args.parseLong(c.argv[3]);
        byte[] key = c.argv[1];
        HashValue h = lookupWriteOrCreate(c, key);
        byte[] cur = h.get(c.argv[2]);
        long value = 0;
        if (cur != null) {
            value = Numbers.toLongOrInvalid(cur);
            if (value == Numbers.INVALID && !Numbers.isLong(cur)) throw new ReplyException("ERR hash value is not an integer");
        }
        if ((incr < 0 && value < 0 && incr < Long.MIN_VALUE - value) || (incr > 0 && value > 0 && incr > Long.MAX_VALUE - value)) {
            throw new ReplyException(Errors.OVERFLOW);
        }
        value += incr;
        setField(c, h, c.argv[2], Numbers.toBytes(value));
        c.addReplyLongLong(value);
        wrote(c, key, "hincrby");
        c.engine.dirty++;
    }

    static void hincrbyfloat(Client c) {
        BigDecimal incr = parseLongDouble(c.argv[3], Errors.NOT_FLOAT);
        if (incr == null) throw new ReplyException("ERR value is NaN or Infinity");
        byte[] key = c.argv[1];
        HashValue h = lookupWriteOrCreate(c, key);
        byte[] cur = h.get(c.argv[2]);
        BigDecimal value = cur == null ? BigDecimal.ZERO : parseLongDouble(cur, "ERR hash value is not a float");
        if (value == null) throw new ReplyException(Errors.NAN_OR_INF);
        byte[] result = formatHuman(roundToLongDouble(value.add(incr)));
        setField(c, h, c.argv[2], result);
        c.addReplyBulk(result);
        wrote(c, key, "hincrbyfloat");
        c.engine.dirty++;
        // Replicas and the AOF get the exact result, not a float sum they could round differently.
        c.rewriteArgv(HSET, key, c.argv[2], result);
    }

    private static final byte[] HSET = "HSET".getBytes(StandardCharsets.US_ASCII);

    /**
     * Parses a number as Redis's string2ld (strtold, no leading space); returns null for
     * "inf" (a valid long double whose sum Redis then rejects as NaN or Infinity).
     */
    static BigDecimal parseLongDouble(byte[] s, String error) {
        if (s.length == 0 || s.length >= 5 * 1024 || Character.isWhitespace(s[0])) throw new ReplyException(error);
        String str = new String(s, StandardCharsets.ISO_8859_1);
        String lower = str.toLowerCase(java.util.Locale.ROOT);
        String unsigned = lower.startsWith("-") || lower.startsWith("+") ? lower.substring(1) : lower;
        if (unsigned.equals("inf") || unsigned.equals("infinity")) return null;
        try {
            if (str.startsWith("+")) str = str.substring(1);
            if (unsigned.startsWith("0x") && unsigned.length() > 2) {
                java.math.BigInteger hex = new java.math.BigInteger(unsigned.substring(2), 16);
                return new BigDecimal(lower.startsWith("-") ? hex.negate() : hex);
            }
            return roundToLongDouble(new BigDecimal(str));
        } catch (NumberFormatException e) {
            throw new ReplyException(error);
        }
    }

    private static final BigDecimal TWO = BigDecimal.valueOf(2);

    /**
     * Rounds to the nearest x87 long double (64-bit mantissa, ties to even), the type Redis
     * parses and sums in, so that results print as Redis prints them.
     */
    static BigDecimal roundToLongDouble(BigDecimal x) {
        if (x.signum() == 0) return BigDecimal.ZERO;
        BigDecimal a = x.abs();
        int bits = a.toBigInteger().bitLength();
        int e;
        if (bits >= 64) {
            e = bits - 64;
        } else {
            // Scale up by powers of two until the integer part has 64 bits (long double's
            // smallest exponents are about -16445: bounded).
            int k = 64 - bits;
            while (k < 17000 && a.multiply(TWO.pow(k)).toBigInteger().bitLength() < 64) k++;
            e = -k;
        }
        BigDecimal scaled = e >= 0 ? a.divide(TWO.pow(e)) : a.multiply(TWO.pow(-e));
        BigDecimal m = scaled.setScale(0, RoundingMode.HALF_EVEN);
        BigDecimal r = e >= 0 ? m.multiply(TWO.pow(e)) : m.divide(TWO.pow(-e));
        return x.signum() < 0 ? r.negate() : r;
    }

    /** ld2string(LD_STR_HUMAN): %.17Lf with trailing zeros (and a bare dot) removed. */
    static byte[] formatHuman(BigDecimal v) {
        String s = v.setScale(17, RoundingMode.HALF_EVEN).stripTrailingZeros().toPlainString();
        if (s.equals("-0")) s = "0";
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /* ---------------- HRANDFIELD ---------------- */

    static void hrandfield(Client c) {
        if (c.argc >= 3) {
            long count = RandomElements.parseCount(c.argv[2]);
            boolean withValues = RandomElements.parseWithOption(c, count, "withvalues");
            HashValue h = lookupRead(c, c.argv[1]);
            RandomElements.reply(c, count, h == null ? null : new RandomElements.Source<>(h.size(), h::randomKv, h::forEach, h::toArray), withValues, (rc, kv) -> {
                if (withValues && rc.resp() > 2) rc.addReplyArrayLen(2);
                addReplyField(rc, kv);
                if (withValues) addReplyValue(rc, kv);
            });
            return;
        }
        HashValue h = lookupRead(c, c.argv[1]);
        if (h == null) {
            c.addReplyNull();
            return;
        }
        addReplyField(c, h.randomKv(c.engine.random));
    }

    /* ---------------- HSCAN ---------------- */

    static void hscan(Client c) {
        long cursor = Scan.parseCursor(c.argv[2]);
        HashValue h = lookupRead(c, c.argv[1]);
        if (h == null) {
            Scan.addReplyEmpty(c);
            return;
        }
        Scan.Options opt = Scan.parseOptions(c, 3, false);
        List<byte[]> found = new ArrayList<>();
        if (h.isListpack()) {
            // A listpack has no buckets: Redis returns it whole in one call.
            h.forEach(found::add);
            cursor = 0;
        } else {
            cursor = Scan.collect(h::scan, cursor, opt.count, 2, found);
        }
        if (opt.pattern != null) found.removeIf(kv -> !opt.matches(HashValue.field(kv)));
        Scan.addReplyHeader(c, cursor, found.size() * 2L);
        for (byte[] kv : found) {
            addReplyField(c, kv);
            addReplyValue(c, kv);
        }
    }
}
