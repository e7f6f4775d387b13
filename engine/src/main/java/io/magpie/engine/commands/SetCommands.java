package io.magpie.engine.commands;

import io.magpie.engine.Args;
import io.magpie.engine.Client;
import io.magpie.engine.Errors;
import io.magpie.engine.Notifications;
import io.magpie.engine.ReplyException;
import io.magpie.commands.CommandTable;
import io.magpie.engine.command.CommandHandler;
import io.magpie.engine.keyspace.Database;
import io.magpie.engine.types.SetValue;
import io.magpie.engine.types.ValueType;
import io.magpie.engine.types.Values;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Set commands (t_set.c). */
final class SetCommands {
    private SetCommands() {}

    static void register(CommandTable<CommandHandler> t) {
        t.register("sadd", SetCommands::sadd);
        t.register("srem", SetCommands::srem);
        t.register("smove", SetCommands::smove);
        t.register("sismember", SetCommands::sismember);
        t.register("smismember", SetCommands::smismember);
        t.register("scard", SetCommands::scard);
        t.register("spop", SetCommands::spop);
        t.register("srandmember", SetCommands::srandmember);
        t.register("smembers", c -> sinterGeneric(c, 1, 1, null, 0));
        t.register("sinter", c -> sinterGeneric(c, 1, c.argc - 1, null, 0));
        t.register("sinterstore", c -> sinterGeneric(c, 2, c.argc - 2, c.argv[1], 0));
        t.register("sintercard", SetCommands::sintercard);
        t.register("sunion", c -> sunionDiffGeneric(c, 1, c.argc - 1, null, false));
        t.register("sunionstore", c -> sunionDiffGeneric(c, 2, c.argc - 2, c.argv[1], false));
        t.register("sdiff", c -> sunionDiffGeneric(c, 1, c.argc - 1, null, true));
        t.register("sdiffstore", c -> sunionDiffGeneric(c, 2, c.argc - 2, c.argv[1], true));
        t.register("sscan", SetCommands::sscan);
    }

    static final byte[] SREM = "SREM".getBytes(StandardCharsets.US_ASCII);
    static final byte[] DEL = "DEL".getBytes(StandardCharsets.US_ASCII);
    static final byte[] UNLINK = "UNLINK".getBytes(StandardCharsets.US_ASCII);

    /** The set at key for reading, null if absent; WRONGTYPE otherwise. */
    static SetValue readSet(Database db, byte[] key) {
        return Values.read(db, key, ValueType.SET);
    }

    static SetValue writeSet(Database db, byte[] key) {
        return Values.write(db, key, ValueType.SET);
    }

    private static long maxIntset(Client c) {
        return c.engine.config.setMaxIntsetEntries.value();
    }

    static void sadd(Client c) {
        byte[] key = c.argv[1];
        SetValue set = writeSet(c.db, key);
        if (set == null) {
            set = SetValue.createFor(c.argv[2], maxIntset(c));
            c.db.add(key, set);
        }
        long max = maxIntset(c);
        int added = 0;
        for (int j = 2; j < c.argc; j++) if (set.add(c.argv[j], max)) added++;
        if (added > 0) {
            c.db.signalModifiedKey(key);
            c.engine.notifyKeyspaceEvent(Notifications.SET, "sadd", key, c.db.id);
        }
        c.engine.dirty += added;
        c.addReplyLongLong(added);
    }

    static void srem(Client c) {
        byte[] key = c.argv[1];
        SetValue set = writeSet(c.db, key);
        if (set == null) {
            c.addReplyLongLong(0);
            return;
        }
        int deleted = 0;
        boolean keyRemoved = false;
        for (int j = 2; j < c.argc; j++) {
            if (set.remove(c.argv[j])) {
                deleted++;
                if (set.size() == 0) {
                    c.db.delete(key);
                    keyRemoved = true;
                    break;
                }
            }
        }
        if (deleted > 0) {
            c.db.signalModifiedKey(key);
            c.engine.notifyKeyspaceEvent(Notifications.SET, "srem", key, c.db.id);
            if (keyRemoved) c.engine.notifyKeyspaceEvent(Notifications.GENERIC, "del", key, c.db.id);
            c.engine.dirty += deleted;
        }
        c.addReplyLongLong(deleted);
    }

    static void smove(Client c) {
        byte[] src = c.argv[1], dst = c.argv[2], ele = c.argv[3];
        Object so = c.db.lookupWrite(src), dobj = c.db.lookupWrite(dst);
        if (so == null) {
            c.addReplyLongLong(0);
            return;
        }
        Values.check(so, ValueType.SET);
        Values.check(dobj, ValueType.SET);
        SetValue srcset = (SetValue) so, dstset = (SetValue) dobj;
        if (srcset == dstset) {
            c.addReplyLongLong(srcset.contains(ele) ? 1 : 0);
            return;
        }
        if (!srcset.remove(ele)) {
            c.addReplyLongLong(0);
            return;
        }
        c.engine.notifyKeyspaceEvent(Notifications.SET, "srem", src, c.db.id);
        if (srcset.size() == 0) {
            c.db.delete(src);
            c.engine.notifyKeyspaceEvent(Notifications.GENERIC, "del", src, c.db.id);
        }
        if (dstset == null) {
            dstset = SetValue.createFor(ele, maxIntset(c));
            c.db.add(dst, dstset);
        }
        c.db.signalModifiedKey(src);
        c.engine.dirty++;
        if (dstset.add(ele, maxIntset(c))) {
            c.engine.dirty++;
            c.engine.notifyKeyspaceEvent(Notifications.SET, "sadd", dst, c.db.id);
        }
        c.db.signalModifiedKey(dst);
        c.addReplyLongLong(1);
    }

    static void sismember(Client c) {
        SetValue set = readSet(c.db, c.argv[1]);
        c.addReplyLongLong(set != null && set.contains(c.argv[2]) ? 1 : 0);
    }

    static void smismember(Client c) {
        SetValue set = readSet(c.db, c.argv[1]);
        c.addReplyArrayLen(c.argc - 2);
        for (int j = 2; j < c.argc; j++) c.addReplyLongLong(set != null && set.contains(c.argv[j]) ? 1 : 0);
    }

    static void scard(Client c) {
        SetValue set = readSet(c.db, c.argv[1]);
        c.addReplyLongLong(set == null ? 0 : set.size());
    }

    /* ---------------- SPOP / SRANDMEMBER ---------------- */

    static void spop(Client c) {
        if (c.argc == 3) {
            spopWithCount(c);
            return;
        }
        if (c.argc > 3) throw new ReplyException(Errors.SYNTAX);
        byte[] key = c.argv[1];
        SetValue set = writeSet(c.db, key);
        if (set == null) {
            c.addReplyNull();
            return;
        }
        byte[] ele = set.random(c.engine.random);
        set.remove(ele);
        c.engine.notifyKeyspaceEvent(Notifications.SET, "spop", key, c.db.id);
        c.rewriteArgv(SREM, key, ele);
        c.addReplyBulk(ele);
        if (set.size() == 0) {
            c.db.delete(key);
            c.engine.notifyKeyspaceEvent(Notifications.GENERIC, "del", key, c.db.id);
        }
        c.db.signalModifiedKey(key);
        c.engine.dirty++;
    }

    private static void spopWithCount(Client c) {
        long count = Args.parsePositiveLong(c.argv[2]);
        byte[] key = c.argv[1];
        SetValue set = writeSet(c.db, key);
        if (set == null || count == 0) {
            c.addReplySetLen(0);
            return;
        }
        int size = set.size();
        c.engine.notifyKeyspaceEvent(Notifications.SET, "spop", key, c.db.id);
        if (count >= size) {
            // The whole set goes: reply with it, delete the key, propagate a DEL.
            replyMembers(c, set);
            c.db.delete(key);
            c.engine.notifyKeyspaceEvent(Notifications.GENERIC, "del", key, c.db.id);
            c.rewriteArgv(c.engine.config.lazyfreeLazyServerDel.value() ? UNLINK : DEL, key);
            c.db.signalModifiedKey(key);
            c.engine.dirty++;
            return;
        }
        // Redis 7.0 propagates one SREM per popped member (wrapped in MULTI/EXEC as a unit).
        c.addReplySetLen(count);
        for (long i = 0; i < count; i++) {
            byte[] ele = set.random(c.engine.random);
            set.remove(ele);
            c.addReplyBulk(ele);
            c.engine.writes.propagate(c.db.id, new byte[][] {SREM, key, ele});
        }
        c.preventPropagation();
        c.db.signalModifiedKey(key);
        c.engine.dirty += count;
    }

    static void srandmember(Client c) {
        if (c.argc == 3) {
            srandmemberWithCount(c);
            return;
        }
        if (c.argc > 3) throw new ReplyException(Errors.SYNTAX);
        SetValue set = readSet(c.db, c.argv[1]);
        c.addReplyBulk(set == null ? null : set.random(c.engine.random));
    }

    private static void srandmemberWithCount(Client c) {
        long count = RandomElements.parseCount(c.argv[2]);
        SetValue set = readSet(c.db, c.argv[1]);
        RandomElements.reply(c, count, set == null ? null : new RandomElements.Source<>(set.size(), set::random, set::forEach, set::members), false, Client::addReplyBulk);
    }

    private static void replyMembers(Client c, SetValue set) {
        c.addReplySetLen(set.size());
        set.forEach(c::addReplyBulk);
    }

    /* ---------------- SINTER / SUNION / SDIFF ---------------- */

    /**
     * sinterGenericCommand behind SMEMBERS, SINTER, SINTERSTORE: every key is type-checked,
     * then a missing key makes the result empty. limit (SINTERCARD) > 0 stops counting there; cardOnly replies the count.
     */
    static void sinterGeneric(Client c, int first, int numkeys, byte[] dstkey, long limit) {
        sinterGeneric(c, first, numkeys, dstkey, limit, false);
    }

    private static void sinterGeneric(Client c, int first, int numkeys, byte[] dstkey, long limit, boolean cardOnly) {
        SetValue[] sets = new SetValue[numkeys];
        boolean anyMissing = false;
        for (int j = 0; j < numkeys; j++) {
            byte[] k = c.argv[first + j];
            // Redis 7.0 reads every source with lookupKeyRead, even for SINTERSTORE: a missing one fires keymiss.
            Object o = c.db.lookupRead(k);
            Values.check(o, ValueType.SET);
            sets[j] = (SetValue) o;
            if (o == null) anyMissing = true;
        }
        if (anyMissing) {
            if (dstkey != null) {
                if (c.db.delete(dstkey)) {
                    c.db.signalModifiedKey(dstkey);
                    c.engine.notifyKeyspaceEvent(Notifications.GENERIC, "del", dstkey, c.db.id);
                    c.engine.dirty++;
                }
                c.addReplyLongLong(0);
            } else if (cardOnly) {
                c.addReplyLongLong(0);
            } else {
                c.addReplySetLen(0);
            }
            return;
        }
        // Iterate the smallest set, probing the others.
        int min = 0;
        for (int j = 1; j < numkeys; j++) if (sets[j].size() < sets[min].size()) min = j;
        final int smallest = min;
        SetValue base = sets[smallest];
        if (cardOnly) {
            long[] card = {0};
            for (byte[] m : base.members()) {
                if (inAll(m, sets, smallest)) {
                    card[0]++;
                    if (limit > 0 && card[0] >= limit) break;
                }
            }
            c.addReplyLongLong(card[0]);
            return;
        }
        if (dstkey == null) {
            int mark = c.addReplyDeferredLen();
            long[] n = {0};
            base.forEach(m -> {
                if (inAll(m, sets, smallest)) {
                    c.addReplyBulk(m);
                    n[0]++;
                }
            });
            c.setDeferredSetLen(mark, n[0]);
            return;
        }
        SetValue dst = SetValue.intset();
        long max = maxIntset(c);
        base.forEach(m -> {
            if (inAll(m, sets, smallest)) dst.add(m, max);
        });
        storeResult(c, dstkey, dst, "sinterstore");
    }

    private static boolean inAll(byte[] m, SetValue[] sets, int skip) {
        for (int j = 0; j < sets.length; j++) {
            if (j != skip && sets[j] != sets[skip] && !sets[j].contains(m)) return false;
        }
        return true;
    }

    private static void storeResult(Client c, byte[] dstkey, SetValue dst, String event) {
        if (dst.size() > 0) {
            c.db.setKey(c, dstkey, dst, false);
            c.addReplyLongLong(dst.size());
            c.engine.notifyKeyspaceEvent(Notifications.SET, event, dstkey, c.db.id);
            c.engine.dirty++;
        } else {
            c.addReplyLongLong(0);
            if (c.db.delete(dstkey)) {
                c.engine.dirty++;
                c.db.signalModifiedKey(dstkey);
                c.engine.notifyKeyspaceEvent(Notifications.GENERIC, "del", dstkey, c.db.id);
            }
        }
    }

    /** SINTERCARD numkeys key [key ...] [LIMIT limit] */
    static void sintercard(Client c) {
        long numkeys = Args.parseAtLeast(c.argv[1], 1, "ERR numkeys should be greater than 0");
        if (numkeys > c.argc - 2) throw new ReplyException("ERR Number of keys can't be greater than number of args");
        long limit = 0;
        for (int j = 2 + (int) numkeys; j < c.argc; j++) {
            if (c.argIs(j, "limit") && j + 1 < c.argc) {
                limit = Args.parseAtLeast(c.argv[++j], 0, "ERR LIMIT can't be negative");
            } else {
                throw new ReplyException(Errors.SYNTAX);
            }
        }
        sinterGeneric(c, 2, (int) numkeys, null, limit, true);
    }

    /** sunionDiffGenericCommand: missing keys are empty sets; any WRONGTYPE fails the command. */
    static void sunionDiffGeneric(Client c, int first, int numkeys, byte[] dstkey, boolean diff) {
        SetValue[] sets = new SetValue[numkeys];
        for (int j = 0; j < numkeys; j++) {
            byte[] k = c.argv[first + j];
            Object o = dstkey != null ? c.db.lookupWrite(k) : c.db.lookupRead(k);
            Values.check(o, ValueType.SET);
            sets[j] = (SetValue) o;
        }
        SetValue dst = SetValue.intset();
        long max = maxIntset(c);
        if (!diff) {
            for (SetValue s : sets) if (s != null) s.forEach(m -> dst.add(m, max));
        } else if (sets[0] != null) {
            sets[0].forEach(m -> {
                for (int j = 1; j < numkeys; j++) {
                    if (sets[j] == null) continue;
                    if (sets[j] == sets[0] || sets[j].contains(m)) return;
                }
                dst.add(m, max);
            });
        }
        if (dstkey == null) {
            replyMembers(c, dst);
        } else {
            storeResult(c, dstkey, dst, diff ? "sdiffstore" : "sunionstore");
        }
    }

    /* ---------------- SSCAN ---------------- */

    static void sscan(Client c) {
        long cursor = Scan.parseCursor(c.argv[2]);
        SetValue set = readSet(c.db, c.argv[1]);
        if (set == null) {
            Scan.addReplyEmpty(c);
            return;
        }
        Scan.Options opt = Scan.parseOptions(c, 3, false);
        List<byte[]> found = new ArrayList<>();
        if (set.isIntset()) {
            // An intset has no buckets: Redis returns it whole in one call.
            set.forEach(found::add);
            cursor = 0;
        } else {
            cursor = Scan.collect(set::scan, cursor, opt.count, 1, found);
        }
        if (opt.pattern != null) found.removeIf(m -> !opt.matches(m));
        Scan.addReply(c, cursor, found);
    }
}
