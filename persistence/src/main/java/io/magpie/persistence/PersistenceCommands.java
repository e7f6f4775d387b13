package io.magpie.persistence;

import io.magpie.engine.Args;
import io.magpie.engine.Client;
import io.magpie.engine.Engine;
import io.magpie.engine.Errors;
import io.magpie.engine.Notifications;
import io.magpie.engine.ReplyException;
import io.magpie.commands.CommandTable;
import io.magpie.engine.command.CommandHandler;
import io.magpie.engine.keyspace.Database;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/** SAVE, BGSAVE, LASTSAVE (rdb.c) and DUMP, RESTORE (cluster.c). */
final class PersistenceCommands {
    private static final byte[] DEL = "DEL".getBytes(StandardCharsets.US_ASCII);

    private PersistenceCommands() {}

    static void register(Engine engine, Persistence p) {
        CommandTable<CommandHandler> t = engine.commands;
        t.register("save", c -> save(c, p));
        t.register("bgsave", c -> bgsave(c, p));
        t.register("lastsave", c -> c.addReplyLongLong(p.lastSave()));
        t.register("dump", c -> dump(c, p));
        t.register("restore", c -> restore(c, p));
        // MIGRATE's form in cluster mode: the same RESTORE, flagged "asking" so that an importing slot accepts it.
        t.register("restore-asking", c -> restore(c, p));
        FunctionCommands.register(t, p);
    }

    private static void save(Client c, Persistence p) {
        if (p.bgsaveInProgress()) throw new ReplyException("ERR Background save already in progress");
        if (p.saveNow()) c.addReplyOk();
        else c.addReplyError("ERR");
    }

    private static void bgsave(Client c, Persistence p) {
        if (c.argc > 1 && !(c.argc == 2 && c.argIs(1, "schedule"))) throw new ReplyException(Errors.SYNTAX);
        String err = p.bgsave();
        if (err != null) throw new ReplyException(err);
        c.addReplyStatus("Background saving started");
    }

    private static void dump(Client c, Persistence p) {
        Object v = c.db.lookupRead(c.argv[1]);
        if (v == null) {
            c.addReplyNull();
            return;
        }
        try {
            c.addReplyBulk(DumpPayload.create(v, p.rdbcompression.value(), p.listFill()));
        } catch (IOException | IllegalStateException e) {
            throw new ReplyException("ERR " + e.getMessage());
        }
    }

    private static final byte[] ABSTTL = "ABSTTL".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    /** RESTORE key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency]. */
    private static void restore(Client c, Persistence p) {
        boolean replace = false, absttl = false;
        long lruIdle = -1, lfuFreq = -1;
        for (int j = 4; j < c.argc; j++) {
            boolean more = j + 1 < c.argc;
            if (c.argIs(j, "replace")) {
                replace = true;
            } else if (c.argIs(j, "absttl")) {
                absttl = true;
            } else if (c.argIs(j, "idletime") && more && lfuFreq == -1) {
                // IDLETIME and FREQ exclude each other: the second one is a syntax error, as in Redis.
                lruIdle = Args.parseLong(c.argv[++j]);
                if (lruIdle < 0) throw new ReplyException("ERR Invalid IDLETIME value, must be >= 0");
            } else if (c.argIs(j, "freq") && more && lruIdle == -1) {
                lfuFreq = Args.parseLong(c.argv[++j]);
                if (lfuFreq < 0 || lfuFreq > 255) throw new ReplyException("ERR Invalid FREQ value, must be >= 0 and <= 255");
            } else {
                throw new ReplyException(Errors.SYNTAX);
            }
        }
        byte[] key = c.argv[1];
        Database db = c.db;
        if (!replace && db.lookupWrite(key) != null) throw new ReplyException(Errors.BUSYKEY);
        long ttl = Args.parseLong(c.argv[2]);
        if (ttl < 0) throw new ReplyException("ERR Invalid TTL value, must be >= 0");
        byte[] payload = c.argv[3];
        if (!DumpPayload.verify(payload, p.rdbchecksum.value())) {
            throw new ReplyException("ERR DUMP payload version or checksum are wrong");
        }
        Object value = DumpPayload.load(payload, c.engine.config);
        if (value == null) throw new ReplyException("ERR Bad data format");
        boolean deleted = replace && db.delete(key);
        Engine e = c.engine;
        if (ttl > 0 && !absttl) ttl += e.now();
        if (ttl > 0 && ttl <= e.now() && !e.loading() && !e.isReplica()) {
            // Already expired: the key is gone; propagate the deletion if there was one.
            if (deleted) {
                c.rewriteArgv(DEL, key);
                db.signalModifiedKey(key);
                e.notifyKeyspaceEvent(Notifications.GENERIC, "del", key, db.id);
                e.dirty++;
            }
            c.addReplyOk();
            return;
        }
        db.add(key, value);
        if (ttl > 0) {
            db.setExpire(key, ttl);
            // Replicas and the AOF get the absolute time, as every TTL is propagated.
            if (!absttl) {
                byte[][] argv = java.util.Arrays.copyOf(c.argv, c.argc + 1);
                argv[2] = Long.toString(ttl).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
                argv[c.argc] = ABSTTL;
                c.rewriteArgv(argv);
            }
        }
        e.eviction().restoreAccessHistory(db.entry(key), lfuFreq, lruIdle);
        db.signalModifiedKey(key);
        e.notifyKeyspaceEvent(Notifications.GENERIC, "restore", key, db.id);
        c.addReplyOk();
        e.dirty++;
    }
}
