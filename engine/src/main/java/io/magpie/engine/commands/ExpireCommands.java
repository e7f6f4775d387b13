package io.magpie.engine.commands;

import io.magpie.engine.Args;
import io.magpie.engine.Client;
import io.magpie.engine.Errors;
import io.magpie.engine.Notifications;
import io.magpie.engine.ReplyException;
import io.magpie.commands.CommandTable;
import io.magpie.engine.command.CommandHandler;
import io.magpie.engine.util.Numbers;
import java.nio.charset.StandardCharsets;

/** Expiry commands (expire.c): EXPIRE and friends, TTL and friends, PERSIST. */
final class ExpireCommands {
    private ExpireCommands() {}

    static void register(CommandTable<CommandHandler> t) {
        t.register("expire", c -> expireGeneric(c, c.engine.now(), true));
        t.register("pexpire", c -> expireGeneric(c, c.engine.now(), false));
        t.register("expireat", c -> expireGeneric(c, 0, true));
        t.register("pexpireat", c -> expireGeneric(c, 0, false));
        t.register("ttl", c -> ttlGeneric(c, false, false));
        t.register("pttl", c -> ttlGeneric(c, true, false));
        t.register("expiretime", c -> ttlGeneric(c, false, true));
        t.register("pexpiretime", c -> ttlGeneric(c, true, true));
        t.register("persist", ExpireCommands::persist);
    }

    static final byte[] PEXPIREAT = "PEXPIREAT".getBytes(StandardCharsets.US_ASCII);
    static final byte[] DEL = "DEL".getBytes(StandardCharsets.US_ASCII);
    static final byte[] UNLINK = "UNLINK".getBytes(StandardCharsets.US_ASCII);
    static final byte[] PERSIST = "PERSIST".getBytes(StandardCharsets.US_ASCII);

    private static final int NX = 1, XX = 2, GT = 4, LT = 8;

    /** parseExtendedExpireArgumentsOrReply */
    private static int parseFlags(Client c) {
        int flags = 0;
        for (int j = 3; j < c.argc; j++) {
            if (c.argIs(j, "nx")) flags |= NX;
            else if (c.argIs(j, "xx")) flags |= XX;
            else if (c.argIs(j, "gt")) flags |= GT;
            else if (c.argIs(j, "lt")) flags |= LT;
            else throw new ReplyException("ERR Unsupported option " + c.argString(j));
        }
        if ((flags & NX) != 0 && (flags & (XX | GT | LT)) != 0) {
            throw new ReplyException("ERR NX and XX, GT or LT options at the same time are not compatible");
        }
        if ((flags & GT) != 0 && (flags & LT) != 0) {
            throw new ReplyException("ERR GT and LT options at the same time are not compatible");
        }
        return flags;
    }

    /**
     * expireGenericCommand: basetime is now for relative forms, 0 for the *AT forms. A time
     * already past deletes the key (on a master outside loading) and propagates DEL.
     */
    /** Built only when thrown: String.format on every EXPIRE showed in profiles. */
    private static ReplyException invalidExpire(Client c) {
        return new ReplyException(String.format(Errors.INVALID_EXPIRE, c.cmd.fullName));
    }

    static void expireGeneric(Client c, long basetime, boolean seconds) {
        byte[] key = c.argv[1];
        int flags = parseFlags(c);
        long when = Args.parseLong(c.argv[2]);
        if (seconds) {
            if (when > Long.MAX_VALUE / 1000 || when < Long.MIN_VALUE / 1000) throw invalidExpire(c);
            when *= 1000;
        }
        if (when > Long.MAX_VALUE - basetime) throw invalidExpire(c);
        when += basetime;
        if (c.db.lookupWrite(key) == null) {
            c.addReplyLongLong(0);
            return;
        }
        if (flags != 0) {
            long current = c.db.getExpire(key);
            boolean refuse = ((flags & NX) != 0 && current != -1)
                    || ((flags & XX) != 0 && current == -1)
                    // No TTL counts as infinite: GT never beats it, LT always does.
                    || ((flags & GT) != 0 && (when <= current || current == -1))
                    || ((flags & LT) != 0 && current != -1 && when >= current);
            if (refuse) {
                c.addReplyLongLong(0);
                return;
            }
        }
        if (alreadyExpired(c, when)) {
            deleteAsExpired(c, key);
            c.addReplyLongLong(1);
            return;
        }
        c.db.setExpire(key, when);
        c.addReplyLongLong(1);
        // Replicas and the AOF get the absolute time so they expire at the same instant.
        byte[][] argv = java.util.Arrays.copyOf(c.argv, c.argc);
        argv[0] = PEXPIREAT;
        argv[2] = Numbers.toBytes(when);
        c.rewriteArgv(argv);
        c.db.signalModifiedKey(key);
        c.engine.notifyKeyspaceEvent(Notifications.GENERIC, "expire", key, c.db.id);
        c.engine.dirty++;
    }

    /** checkAlreadyExpired: replicas and AOF loading keep the key and wait for the master's DEL. */
    static boolean alreadyExpired(Client c, long when) {
        return when <= c.engine.now() && !c.engine.loading() && !c.engine.isReplica();
    }

    /** A TTL set in the past: delete now, propagate DEL (UNLINK when lazy), event "del". */
    static void deleteAsExpired(Client c, byte[] key) {
        c.db.delete(key);
        c.engine.dirty++;
        c.rewriteArgv(c.engine.lazyfreeLazyExpire() ? UNLINK : DEL, key);
        c.db.signalModifiedKey(key);
        c.engine.notifyKeyspaceEvent(Notifications.GENERIC, "del", key, c.db.id);
    }

    static void ttlGeneric(Client c, boolean millis, boolean absolute) {
        if (KeyspaceCommands.lookupReadNoTouch(c, c.argv[1]) == null) {
            c.addReplyLongLong(-2);
            return;
        }
        long expire = c.db.getExpire(c.argv[1]);
        if (expire == -1) {
            c.addReplyLongLong(-1);
            return;
        }
        long ttl = absolute ? expire : expire - c.engine.now();
        if (ttl < 0) ttl = 0;
        c.addReplyLongLong(millis ? ttl : (ttl + 500) / 1000);
    }

    static void persist(Client c) {
        byte[] key = c.argv[1];
        if (c.db.lookupWrite(key) != null && c.db.removeExpire(key)) {
            c.db.signalModifiedKey(key);
            c.engine.notifyKeyspaceEvent(Notifications.GENERIC, "persist", key, c.db.id);
            c.engine.dirty++;
            c.addReplyLongLong(1);
        } else {
            c.addReplyLongLong(0);
        }
    }
}
