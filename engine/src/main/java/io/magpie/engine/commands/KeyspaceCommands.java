package io.magpie.engine.commands;

import io.magpie.engine.Args;
import io.magpie.engine.Client;
import io.magpie.engine.Engine;
import io.magpie.engine.Errors;
import io.magpie.engine.Notifications;
import io.magpie.engine.ReplyException;
import io.magpie.commands.CommandTable;
import io.magpie.engine.command.CommandHandler;
import io.magpie.engine.keyspace.Database;
import io.magpie.engine.keyspace.Dict;
import io.magpie.engine.types.RedisValue;
import io.magpie.engine.types.Values;
import io.magpie.protocol.Glob;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Generic keyspace commands (db.c): DEL, EXISTS, RENAME, COPY, MOVE, SCAN, FLUSH*, SWAPDB... */
final class KeyspaceCommands {
    private KeyspaceCommands() {}

    static void register(CommandTable<CommandHandler> t) {
        t.register("del", KeyspaceCommands::del);
        // UNLINK frees in the background in Redis; here dropping the references is already
        // O(1) on this thread and the GC reclaims the value elsewhere, so both are one path.
        t.register("unlink", KeyspaceCommands::del);
        t.register("exists", KeyspaceCommands::exists);
        t.register("type", KeyspaceCommands::type);
        t.register("rename", c -> rename(c, false));
        t.register("renamenx", c -> rename(c, true));
        t.register("copy", KeyspaceCommands::copy);
        t.register("move", KeyspaceCommands::move);
        t.register("randomkey", KeyspaceCommands::randomkey);
        t.register("keys", KeyspaceCommands::keys);
        t.register("scan", KeyspaceCommands::scan);
        t.register("touch", KeyspaceCommands::touch);
        t.register("dbsize", c -> c.addReplyLongLong(c.db.size()));
        t.register("swapdb", KeyspaceCommands::swapdb);
        t.register("flushdb", KeyspaceCommands::flushdb);
        t.register("flushall", KeyspaceCommands::flushall);
    }

    /**
     * lookupKeyReadWithFlags(LOOKUP_NOTOUCH): lazy expiry and hit/miss stats, but the
     * key's LRU/LFU is left alone (EXISTS, TYPE, TTL must not make a key look used).
     */
    static Object lookupReadNoTouch(Client c, byte[] key) {
        Object v = c.db.lookupNoTouch(key);
        if (v == null) {
            c.engine.stats.keyspaceMisses++;
            c.engine.notifyKeyspaceEvent(Notifications.KEY_MISS, "keymiss", key, c.db.id);
        } else {
            c.engine.stats.keyspaceHits++;
        }
        return v;
    }

    /* ---------------- DEL, UNLINK, EXISTS, TOUCH, TYPE ---------------- */

    static void del(Client c) {
        long deleted = 0;
        for (int j = 1; j < c.argc; j++) {
            byte[] key = c.argv[j];
            c.db.expireIfNeeded(key);
            if (c.db.delete(key)) {
                c.db.signalModifiedKey(key);
                c.engine.notifyKeyspaceEvent(Notifications.GENERIC, "del", key, c.db.id);
                c.engine.dirty++;
                deleted++;
            }
        }
        c.addReplyLongLong(deleted);
    }

    static void exists(Client c) {
        long count = 0;
        for (int j = 1; j < c.argc; j++) if (lookupReadNoTouch(c, c.argv[j]) != null) count++;
        c.addReplyLongLong(count);
    }

    static void touch(Client c) {
        long count = 0;
        for (int j = 1; j < c.argc; j++) if (c.db.lookupRead(c.argv[j]) != null) count++;
        c.addReplyLongLong(count);
    }

    static void type(Client c) {
        Object v = lookupReadNoTouch(c, c.argv[1]);
        c.addReplyStatus(v == null ? "none" : Values.type(v).typeName());
    }

    /* ---------------- RENAME, COPY, MOVE ---------------- */

    /** renameGenericCommand: the value, TTL and access clock move to the new name. */
    static void rename(Client c, boolean nx) {
        byte[] src = c.argv[1], dst = c.argv[2];
        boolean sameKey = Arrays.equals(src, dst);
        Object v = c.db.lookupWrite(src);
        if (v == null) throw new ReplyException(Errors.NO_SUCH_KEY);
        if (sameKey) {
            if (nx) c.addReplyLongLong(0);
            else c.addReplyOk();
            return;
        }
        long expire = c.db.getExpire(src);
        int lru = c.db.entry(src).lru;
        if (c.db.lookupWrite(dst) != null) {
            if (nx) {
                c.addReplyLongLong(0);
                return;
            }
            c.db.delete(dst);
        }
        c.db.add(dst, v);
        c.db.entry(dst).lru = lru;
        if (expire != -1) c.db.setExpire(dst, expire);
        c.db.delete(src);
        c.db.signalModifiedKey(src);
        c.db.signalModifiedKey(dst);
        c.engine.notifyKeyspaceEvent(Notifications.GENERIC, "rename_from", src, c.db.id);
        c.engine.notifyKeyspaceEvent(Notifications.GENERIC, "rename_to", dst, c.db.id);
        c.engine.dirty++;
        if (nx) c.addReplyLongLong(1);
        else c.addReplyOk();
    }

    /** A db index argument (getIntFromObjectOrReply then selectDb's range check). */
    private static Database dbArg(Client c, byte[] arg) {
        long id = Args.parseLong(arg);
        if (id < Integer.MIN_VALUE || id > Integer.MAX_VALUE) {
            throw new ReplyException("ERR value is out of range, value must between -2147483648 and 2147483647");
        }
        if (id < 0 || id >= c.engine.dbCount()) throw new ReplyException(Errors.DB_INDEX_OUT_OF_RANGE);
        return c.engine.db((int) id);
    }

    private static final String SAME_OBJECT = "ERR source and destination objects are the same";

    /** COPY source destination [DB destination-db] [REPLACE] */
    static void copy(Client c) {
        Database dst = c.db;
        boolean replace = false;
        for (int j = 3; j < c.argc; j++) {
            int additional = c.argc - j - 1;
            if (c.argIs(j, "replace")) {
                replace = true;
            } else if (c.argIs(j, "db") && additional >= 1) {
                dst = dbArg(c, c.argv[j + 1]);
                j++;
            } else {
                throw new ReplyException(Errors.SYNTAX);
            }
        }
        byte[] key = c.argv[1], newKey = c.argv[2];
        if (dst == c.db && Arrays.equals(key, newKey)) throw new ReplyException(SAME_OBJECT);
        Object v = c.db.lookupWrite(key);
        if (v == null) {
            c.addReplyLongLong(0);
            return;
        }
        long expire = c.db.getExpire(key);
        if (dst.lookupWrite(newKey) != null) {
            if (!replace) {
                c.addReplyLongLong(0);
                return;
            }
            dst.delete(newKey);
        }
        // Plain byte[] strings are immutable once stored, so the copy may share them.
        Object copy = v instanceof RedisValue r ? r.duplicate() : v;
        dst.add(newKey, copy);
        if (expire != -1) dst.setExpire(newKey, expire);
        dst.signalModifiedKey(newKey);
        c.engine.notifyKeyspaceEvent(Notifications.GENERIC, "copy_to", newKey, dst.id);
        c.engine.dirty++;
        c.addReplyLongLong(1);
    }

    static void move(Client c) {
        Database src = c.db;
        Database dst = dbArg(c, c.argv[2]);
        if (src == dst) throw new ReplyException(SAME_OBJECT);
        byte[] key = c.argv[1];
        Object v = src.lookupWrite(key);
        if (v == null) {
            c.addReplyLongLong(0);
            return;
        }
        long expire = src.getExpire(key);
        if (dst.lookupWrite(key) != null) {
            c.addReplyLongLong(0);
            return;
        }
        int lru = src.entry(key).lru;
        dst.add(key, v);
        dst.entry(key).lru = lru;
        if (expire != -1) dst.setExpire(key, expire);
        src.delete(key);
        src.signalModifiedKey(key);
        dst.signalModifiedKey(key);
        c.engine.notifyKeyspaceEvent(Notifications.GENERIC, "move_from", key, src.id);
        c.engine.notifyKeyspaceEvent(Notifications.GENERIC, "move_to", key, dst.id);
        c.engine.dirty++;
        c.addReplyLongLong(1);
    }

    /* ---------------- RANDOMKEY, KEYS, SCAN ---------------- */

    /** dbRandomKey: skips (and lazily deletes) expired keys. */
    static void randomkey(Client c) {
        Database db = c.db;
        boolean allVolatile = db.size() == db.expires().size();
        int maxTries = 100;
        while (true) {
            Dict.Entry e = c.engine.sampleEntry(db.dict());
            if (e == null) {
                c.addReplyNull();
                return;
            }
            byte[] key = e.key();
            if (db.getExpire(key) != -1) {
                // On a replica expired keys are never deleted here: give up after a few
                // tries when every key is volatile rather than loop forever.
                if (allVolatile && c.engine.isReplica() && --maxTries == 0) {
                    c.addReplyBulk(key);
                    return;
                }
                if (db.expireIfNeeded(key)) continue;
            }
            c.addReplyBulk(key);
            return;
        }
    }

    static void keys(Client c) {
        byte[] pattern = c.argv[1];
        boolean all = pattern.length == 1 && pattern[0] == '*';
        Database db = c.db;
        List<byte[]> out = new ArrayList<>();
        db.dict().forEach(e -> {
            byte[] key = e.key();
            if ((all || Glob.match(pattern, key, false)) && !db.keyIsExpired(key)) out.add(key);
        });
        c.addReplyArrayLen(out.size());
        for (byte[] k : out) c.addReplyBulk(k);
    }

    static void scan(Client c) {
        long cursor = Scan.parseCursor(c.argv[1]);
        Scan.Options o = Scan.parseOptions(c, 2, true);
        List<Dict.Entry> batch = new ArrayList<>();
        cursor = Scan.collect(c.db.dict()::scan, cursor, o.count, 1, batch);
        List<byte[]> keys = new ArrayList<>(batch.size());
        String type = o.type == null ? null : new String(o.type, java.nio.charset.StandardCharsets.ISO_8859_1);
        for (Dict.Entry e : batch) {
            byte[] key = e.key();
            if (!o.matches(key)) continue;
            if (type != null) {
                Object v = c.db.lookupNoTouch(key);
                String name = v == null ? "none" : Values.type(v).typeName();
                if (!name.equalsIgnoreCase(type)) continue;
            }
            if (c.db.expireIfNeeded(key)) continue;
            keys.add(key);
        }
        Scan.addReply(c, cursor, keys);
    }

    /* ---------------- SWAPDB, FLUSHDB, FLUSHALL ---------------- */

    static void swapdb(Client c) {
        long id1 = Args.parseLongInRange(c.argv[1], Integer.MIN_VALUE, Integer.MAX_VALUE, "ERR invalid first DB index");
        long id2 = Args.parseLongInRange(c.argv[2], Integer.MIN_VALUE, Integer.MAX_VALUE, "ERR invalid second DB index");
        Engine e = c.engine;
        if (id1 < 0 || id1 >= e.dbCount() || id2 < 0 || id2 >= e.dbCount()) throw new ReplyException(Errors.DB_INDEX_OUT_OF_RANGE);
        if (id1 != id2) {
            Database a = e.db((int) id1), b = e.db((int) id2);
            // Clients stay in their db: watchers of either db see their keys change (judged
            // on the contents before the swap), and clients blocked on keys of either db may
            // now be served.
            a.touchAllWatchedKeys(b);
            b.touchAllWatchedKeys(a);
            a.swapWith(b);
            e.blocking.signalAllKeysOf(a);
            e.blocking.signalAllKeysOf(b);
        }
        e.dirty++;
        c.addReplyOk();
    }

    /** getFlushCommandFlags: [ASYNC|SYNC]; both are the same here (see UNLINK). */
    private static void checkFlushFlags(Client c) {
        if (c.argc > 2) throw new ReplyException(Errors.SYNTAX);
        if (c.argc == 2 && !c.argIs(1, "sync") && !c.argIs(1, "async")) throw new ReplyException(Errors.SYNTAX);
    }

    static void flushdb(Client c) {
        checkFlushFlags(c);
        c.db.touchAllWatchedKeys(null);
        c.engine.tracking.invalidateKeysOnFlush();
        c.engine.dirty += c.db.empty();
        // Propagated even when the db was already empty (forceCommandPropagation).
        c.engine.writes.propagate(c.db.id, Arrays.copyOf(c.argv, c.argc), c.propagateTargets);
        c.preventPropagation();
        c.addReplyOk();
    }

    static void flushall(Client c) {
        checkFlushFlags(c);
        Engine e = c.engine;
        long removed = 0;
        for (int i = 0; i < e.dbCount(); i++) {
            Database db = e.db(i);
            db.touchAllWatchedKeys(null);
            removed += db.empty();
        }
        e.tracking.invalidateKeysOnFlush();
        e.dirty += removed;
        e.flushedAll(); // flushAllDataAndResetRDB: the empty dataset is saved at once where save points exist
        e.dirty++;
        e.writes.propagate(c.db.id, Arrays.copyOf(c.argv, c.argc), c.propagateTargets);
        c.preventPropagation();
        c.addReplyOk();
    }
}
