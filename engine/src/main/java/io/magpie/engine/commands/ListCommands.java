package io.magpie.engine.commands;

import io.magpie.engine.Args;
import io.magpie.engine.Blocking;
import io.magpie.engine.Client;
import io.magpie.engine.Errors;
import io.magpie.engine.Notifications;
import io.magpie.engine.ReplyException;
import io.magpie.commands.CommandTable;
import io.magpie.engine.command.CommandHandler;
import io.magpie.engine.keyspace.Database;
import io.magpie.engine.types.ListValue;
import io.magpie.engine.util.Numbers;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** List commands, blocking ones included (t_list.c). */
public final class ListCommands {
    private ListCommands() {}

    static void register(CommandTable<CommandHandler> t) {
        t.register("lpush", c -> push(c, true, false));
        t.register("rpush", c -> push(c, false, false));
        t.register("lpushx", c -> push(c, true, true));
        t.register("rpushx", c -> push(c, false, true));
        t.register("lpop", c -> pop(c, true));
        t.register("rpop", c -> pop(c, false));
        t.register("llen", ListCommands::llen);
        t.register("lindex", ListCommands::lindex);
        t.register("lset", ListCommands::lset);
        t.register("lrange", ListCommands::lrange);
        t.register("ltrim", ListCommands::ltrim);
        t.register("lrem", ListCommands::lrem);
        t.register("linsert", ListCommands::linsert);
        t.register("lpos", ListCommands::lpos);
        t.register("lmove", ListCommands::lmove);
        t.register("rpoplpush", c -> lmoveGeneric(c, false, true));
        t.register("lmpop", c -> lmpop(c, 1, false));
        t.register("blpop", c -> blockingPop(c, true));
        t.register("brpop", c -> blockingPop(c, false));
        t.register("blmove", ListCommands::blmove);
        t.register("brpoplpush", c -> blmoveGeneric(c, false, true, c.argv[3]));
        t.register("blmpop", c -> lmpop(c, 2, true));
    }

    static final byte[] LPOP = bytes("LPOP"), RPOP = bytes("RPOP"), LMOVE = bytes("LMOVE"), RPOPLPUSH = bytes("RPOPLPUSH");

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /* ---------------- lookups and shared write steps ---------------- */

    private static ListValue asList(Object v) {
        io.magpie.engine.types.Values.check(v, io.magpie.engine.types.ValueType.LIST);
        return (ListValue) v;
    }

    static ListValue lookupRead(Client c, byte[] key) {
        return asList(c.db.lookupRead(key));
    }

    static ListValue lookupWrite(Database db, byte[] key) {
        return asList(db.lookupWrite(key));
    }

    /** Pushes onto key in db, creating the list (dbAdd signals blocked clients); fires the event. */
    private static void pushOne(Client c, Database db, byte[] key, ListValue l, byte[] value, boolean head) {
        if (l == null) {
            l = new ListValue();
            db.add(key, l);
        }
        l.push(value, head);
        c.engine.notifyKeyspaceEvent(Notifications.LIST, head ? "lpush" : "rpush", key, db.id);
        db.signalModifiedKey(key);
    }

    /** After popping from key: the pop event, and the key's deletion if the list is empty. */
    private static void afterPop(Client c, Database db, byte[] key, ListValue l, boolean head) {
        c.engine.notifyKeyspaceEvent(Notifications.LIST, head ? "lpop" : "rpop", key, db.id);
        deleteIfEmpty(c, db, key, l);
        db.signalModifiedKey(key);
    }

    private static void deleteIfEmpty(Client c, Database db, byte[] key, ListValue l) {
        if (l.size() == 0) {
            db.delete(key);
            c.engine.notifyKeyspaceEvent(Notifications.GENERIC, "del", key, db.id);
        }
    }

    /** LEFT or RIGHT (getListPositionFromObjectOrReply): true for LEFT. */
    private static boolean parseWhere(Client c, int i) {
        if (c.argIs(i, "left")) return true;
        if (c.argIs(i, "right")) return false;
        throw new ReplyException(Errors.SYNTAX);
    }

    /* ---------------- push and pop ---------------- */

    /** LPUSH/RPUSH and, with xx, LPUSHX/RPUSHX (pushGenericCommand). */
    static void push(Client c, boolean head, boolean xx) {
        byte[] key = c.argv[1];
        ListValue l = lookupWrite(c.db, key);
        if (l == null) {
            if (xx) {
                c.addReplyLongLong(0);
                return;
            }
            l = new ListValue();
            c.db.add(key, l);
        }
        for (int i = 2; i < c.argc; i++) l.push(c.argv[i], head);
        c.addReplyLongLong(l.size());
        c.engine.notifyKeyspaceEvent(Notifications.LIST, head ? "lpush" : "rpush", key, c.db.id);
        c.db.signalModifiedKey(key);
        c.engine.dirty += c.argc - 2;
    }

    /** LPOP/RPOP key [count] (popGenericCommand). */
    static void pop(Client c, boolean head) {
        long count = -1;
        if (c.argc > 3) throw new ReplyException(Errors.wrongArgs(c.cmd.fullName));
        if (c.argc == 3) count = Args.parsePositiveLong(c.argv[2]);
        byte[] key = c.argv[1];
        ListValue l = lookupWrite(c.db, key);
        if (l == null) {
            if (count >= 0) c.addReplyNullArray();
            else c.addReplyNull();
            return;
        }
        if (count == 0) {
            c.addReplyArrayLen(0);
            return;
        }
        if (count < 0) {
            c.addReplyBulk(l.pop(head));
        } else {
            popRangeAndReply(c, l, head, count);
        }
        afterPop(c, c.db, key, l, head);
        c.engine.dirty++;
    }

    /** Pops up to count elements and replies with them as an array; returns how many. */
    private static int popRangeAndReply(Client c, ListValue l, boolean head, long count) {
        int n = (int) Math.min(count, l.size());
        c.addReplyArrayLen(n);
        for (int i = 0; i < n; i++) c.addReplyBulk(l.pop(head));
        return n;
    }

    /**
     * Pops for LMPOP/BLMPOP/BLPOP from a non-empty list: the reply [key, value] (or
     * [key, [values...]] when multi), the events, and the propagated LPOP/RPOP.
     */
    private static void popWithKeyAndPropagate(Client c, Database db, byte[] key, ListValue l, boolean head, long count, boolean multi, boolean inCall) {
        c.addReplyArrayLen(2);
        c.addReplyBulk(key);
        byte[][] argv;
        if (multi) {
            int n = popRangeAndReply(c, l, head, count);
            argv = new byte[][] {head ? LPOP : RPOP, key, Numbers.toBytes(n)};
        } else {
            c.addReplyBulk(l.pop(head));
            argv = new byte[][] {head ? LPOP : RPOP, key};
        }
        afterPop(c, db, key, l, head);
        c.engine.dirty++;
        propagate(c, db, inCall, argv);
    }

    /**
     * The form Redis propagates for a blocking command. Inside call() it replaces what call
     * propagates; when a blocked client is served (outside call) it goes to the stream here.
     */
    private static void propagate(Client c, Database db, boolean inCall, byte[][] argv) {
        if (inCall) c.rewriteArgv(argv);
        else c.engine.writes.propagate(db.id, argv);
    }

    static void llen(Client c) {
        ListValue l = lookupRead(c, c.argv[1]);
        c.addReplyLongLong(l == null ? 0 : l.size());
    }

    static void lindex(Client c) {
        ListValue l = lookupRead(c, c.argv[1]);
        if (l == null) {
            c.addReplyNull();
            return;
        }
        long index = Args.parseLong(c.argv[2]);
        if (index < 0) index += l.size();
        c.addReplyBulk(index >= 0 && index < l.size() ? l.get((int) index) : null);
    }

    static void lset(Client c) {
        byte[] key = c.argv[1];
        ListValue l = lookupWrite(c.db, key);
        if (l == null) throw new ReplyException(Errors.NO_SUCH_KEY);
        long index = Args.parseLong(c.argv[2]);
        if (index < 0) index += l.size();
        if (index < 0 || index >= l.size()) throw new ReplyException(Errors.OUT_OF_RANGE);
        l.set((int) index, c.argv[3]);
        c.addReplyOk();
        c.db.signalModifiedKey(key);
        c.engine.notifyKeyspaceEvent(Notifications.LIST, "lset", key, c.db.id);
        c.engine.dirty++;
    }

    static void lrange(Client c) {
        long start = Args.parseLong(c.argv[2]);
        long end = Args.parseLong(c.argv[3]);
        ListValue l = lookupRead(c, c.argv[1]);
        if (l == null) {
            c.addReplyArrayLen(0);
            return;
        }
        int size = l.size();
        if (start < 0) start += size;
        if (end < 0) end += size;
        if (start < 0) start = 0;
        if (start > end || start >= size) {
            c.addReplyArrayLen(0);
            return;
        }
        if (end >= size) end = size - 1;
        c.addReplyArrayLen(end - start + 1);
        for (int i = (int) start; i <= end; i++) c.addReplyBulk(l.get(i));
    }

    static void ltrim(Client c) {
        long start = Args.parseLong(c.argv[2]);
        long end = Args.parseLong(c.argv[3]);
        byte[] key = c.argv[1];
        ListValue l = lookupWrite(c.db, key);
        if (l == null) {
            c.addReplyOk();
            return;
        }
        int size = l.size();
        if (start < 0) start += size;
        if (end < 0) end += size;
        if (start < 0) start = 0;
        long removed;
        if (start > end || start >= size) {
            removed = size;
            l.clear();
        } else {
            if (end >= size) end = size - 1;
            removed = size - (end - start + 1);
            l.trim((int) start, (int) end);
        }
        c.engine.notifyKeyspaceEvent(Notifications.LIST, "ltrim", key, c.db.id);
        deleteIfEmpty(c, c.db, key, l);
        c.db.signalModifiedKey(key);
        c.engine.dirty += removed;
        c.addReplyOk();
    }

    static void lrem(Client c) {
        long count = Args.parseLong(c.argv[2]);
        byte[] key = c.argv[1];
        ListValue l = lookupWrite(c.db, key);
        if (l == null) {
            c.addReplyLongLong(0);
            return;
        }
        int removed = l.removeMatching(c.argv[3], count);
        if (removed > 0) {
            c.engine.notifyKeyspaceEvent(Notifications.LIST, "lrem", key, c.db.id);
            deleteIfEmpty(c, c.db, key, l);
            c.db.signalModifiedKey(key);
            c.engine.dirty += removed;
        }
        c.addReplyLongLong(removed);
    }

    static void linsert(Client c) {
        boolean after;
        if (c.argIs(2, "after")) after = true;
        else if (c.argIs(2, "before")) after = false;
        else throw new ReplyException(Errors.SYNTAX);
        byte[] key = c.argv[1];
        ListValue l = lookupWrite(c.db, key);
        if (l == null) {
            c.addReplyLongLong(0);
            return;
        }
        byte[] pivot = c.argv[3];
        int size = l.size();
        for (int i = 0; i < size; i++) {
            if (Arrays.equals(l.get(i), pivot)) {
                l.insert(after ? i + 1 : i, c.argv[4]);
                c.engine.notifyKeyspaceEvent(Notifications.LIST, "linsert", key, c.db.id);
                c.db.signalModifiedKey(key);
                c.engine.dirty++;
                c.addReplyLongLong(l.size());
                return;
            }
        }
        c.addReplyLongLong(-1);
    }

    /** LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len] */
    static void lpos(Client c) {
        long rank = 1, count = -1, maxlen = 0;
        for (int j = 3; j < c.argc; j++) {
            boolean more = j + 1 < c.argc;
            if (c.argIs(j, "rank") && more) {
                rank = Args.parseLong(c.argv[++j]);
                if (rank == 0) {
                    throw new ReplyException("ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list");
                }
            } else if (c.argIs(j, "count") && more) {
                count = Args.parseAtLeast(c.argv[++j], 0, "ERR COUNT can't be negative");
            } else if (c.argIs(j, "maxlen") && more) {
                maxlen = Args.parseAtLeast(c.argv[++j], 0, "ERR MAXLEN can't be negative");
            } else {
                throw new ReplyException(Errors.SYNTAX);
            }
        }
        boolean fromTail = false;
        if (rank < 0) {
            rank = -rank; // LONG_MIN stays negative, as in Redis: then the first match counts
            fromTail = true;
        }
        ListValue l = lookupRead(c, c.argv[1]);
        if (l == null) {
            if (count != -1) c.addReplyArrayLen(0);
            else c.addReplyNull();
            return;
        }
        byte[] ele = c.argv[2];
        int size = l.size();
        int mark = count != -1 ? c.addReplyDeferredLen() : -1;
        long matches = 0, arrayLen = 0, matchIndex = -1;
        for (long index = 0; index < size && (maxlen == 0 || index < maxlen); index++) {
            int pos = (int) (fromTail ? size - index - 1 : index);
            if (!Arrays.equals(l.get(pos), ele)) continue;
            matches++;
            if (matches >= rank) {
                if (mark >= 0) {
                    arrayLen++;
                    c.addReplyLongLong(pos);
                    if (count != 0 && matches - rank + 1 >= count) break;
                } else {
                    matchIndex = pos;
                    break;
                }
            }
        }
        if (mark >= 0) c.setDeferredArrayLen(mark, arrayLen);
        else if (matchIndex != -1) c.addReplyLongLong(matchIndex);
        else c.addReplyNull();
    }

    /* ---------------- LMOVE family ---------------- */

    static void lmove(Client c) {
        boolean fromHead = parseWhere(c, 3);
        boolean toHead = parseWhere(c, 4);
        lmoveGeneric(c, fromHead, toHead);
    }

    /** LMOVE/RPOPLPUSH on the current client (lmoveGenericCommand). */
    static void lmoveGeneric(Client c, boolean fromHead, boolean toHead) {
        ListValue src = lookupWrite(c.db, c.argv[1]);
        if (src == null) {
            c.addReplyNull();
            return;
        }
        moveAndReply(c, c.db, c.argv[1], src, c.argv[2], fromHead, toHead);
    }

    /**
     * Moves one element from a non-empty src to dst and replies with it. WRONGTYPE on dst
     * is thrown before anything changes. The pushed-to key's event precedes the pop's, as
     * in Redis.
     */
    private static byte[] moveAndReply(Client c, Database db, byte[] srcKey, ListValue src, byte[] dstKey, boolean fromHead, boolean toHead) {
        ListValue dst = lookupWrite(db, dstKey);
        byte[] value = src.pop(fromHead);
        pushOne(c, db, dstKey, dst, value, toHead);
        c.addReplyBulk(value);
        afterPop(c, db, srcKey, src, fromHead);
        c.engine.dirty++;
        return value;
    }

    /* ---------------- LMPOP ---------------- */

    /** LMPOP numkeys key... LEFT|RIGHT [COUNT n] and BLMPOP timeout numkeys ... (lmpopGenericCommand). */
    static void lmpop(Client c, int numkeysIdx, boolean blocking) {
        MultiPop args = MultiPop.parse(c, numkeysIdx, "left", "right");
        boolean head = args.first();
        long count = args.count();
        byte[][] keys = args.keys();
        if (blocking) {
            long timeoutAt = Args.parseTimeoutSeconds(c.engine, c.argv[1]);
            blockingPopGeneric(c, keys, head, count, true, timeoutAt);
            return;
        }
        for (byte[] key : keys) {
            ListValue l = lookupWrite(c.db, key);
            if (l == null) continue;
            popWithKeyAndPropagate(c, c.db, key, l, head, count, true, true);
            return;
        }
        c.addReplyNullArray();
    }

    /* ---------------- blocking commands ---------------- */

    /** BLPOP/BRPOP key [key ...] timeout */
    static void blockingPop(Client c, boolean head) {
        long timeoutAt = Args.parseTimeoutSeconds(c.engine, c.argv[c.argc - 1]);
        blockingPopGeneric(c, Arrays.copyOfRange(c.argv, 1, c.argc - 1), head, 1, false, timeoutAt);
    }

    /** blockingPopGenericCommand: serve the first non-empty key now, else block on all. */
    private static void blockingPopGeneric(Client c, byte[][] keys, boolean head, long count, boolean multi, long timeoutAt) {
        for (byte[] key : keys) {
            ListValue l = lookupWrite(c.db, key);
            if (l == null) continue;
            popWithKeyAndPropagate(c, c.db, key, l, head, count, multi, true);
            return;
        }
        if (!Blocking.mayBlock(c)) {
            c.addReplyNullArray();
            return;
        }
        c.engine.blocking.block(c, c.db, keys, timeoutAt, new PopWaiter(head, count, multi));
    }

    static void blmove(Client c) {
        boolean fromHead = parseWhere(c, 3);
        boolean toHead = parseWhere(c, 4);
        blmoveGeneric(c, fromHead, toHead, c.argv[5]);
    }

    /** BLMOVE/BRPOPLPUSH: propagated as LMOVE/RPOPLPUSH. */
    static void blmoveGeneric(Client c, boolean fromHead, boolean toHead, byte[] timeoutArg) {
        long timeoutAt = Args.parseTimeoutSeconds(c.engine, timeoutArg);
        byte[] srcKey = c.argv[1], dstKey = c.argv[2];
        ListValue src = lookupWrite(c.db, srcKey);
        // What is propagated: RPOPLPUSH src dst, or LMOVE src dst with the where arguments as given.
        byte[][] moveArgv = c.argc == 4 ? new byte[][] {RPOPLPUSH, srcKey, dstKey} : new byte[][] {LMOVE, srcKey, dstKey, c.argv[3], c.argv[4]};
        if (src != null) {
            moveAndReply(c, c.db, srcKey, src, dstKey, fromHead, toHead);
            c.rewriteArgv(moveArgv);
            return;
        }
        if (!Blocking.mayBlock(c)) {
            c.addReplyNull();
            return;
        }
        c.engine.blocking.block(c, c.db, new byte[][] {srcKey}, timeoutAt, new MoveWaiter(dstKey, fromHead, toHead, moveArgv));
    }

    /** A client blocked in BLPOP/BRPOP/BLMPOP. */
    private record PopWaiter(boolean head, long count, boolean multi) implements Blocking.Waiter {
        @Override public boolean tryServe(Client c, Database db, byte[] key) {
            if (!(db.lookupWrite(key) instanceof ListValue l) || l.size() == 0) return false;
            popWithKeyAndPropagate(c, db, key, l, head, count, multi, false);
            return true;
        }

        @Override public void timeout(Client c) {
            c.addReplyNullArray();
        }
    }

    /** A client blocked in BLMOVE/BRPOPLPUSH. */
    private record MoveWaiter(byte[] dstKey, boolean fromHead, boolean toHead, byte[][] propagated) implements Blocking.Waiter {
        @Override public boolean tryServe(Client c, Database db, byte[] key) {
            if (!(db.lookupWrite(key) instanceof ListValue src) || src.size() == 0) return false;
            Object dst = db.lookupWrite(dstKey);
            if (dst != null && !(dst instanceof ListValue)) {
                // Redis answers the waiter WRONGTYPE and unblocks it, leaving the source as it was.
                c.addReplyError(Errors.WRONGTYPE);
                return true;
            }
            moveAndReply(c, db, key, src, dstKey, fromHead, toHead);
            c.engine.writes.propagate(db.id, propagated);
            return true;
        }

        @Override public void timeout(Client c) {
            // Redis answers every list-blocking timeout with a null array, BLMOVE's included.
            c.addReplyNullArray();
        }
    }
}
