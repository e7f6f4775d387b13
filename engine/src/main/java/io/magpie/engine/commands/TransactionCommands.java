package io.magpie.engine.commands;

import io.magpie.engine.Client;
import io.magpie.engine.Engine;
import io.magpie.engine.Errors;
import io.magpie.commands.CommandTable;
import io.magpie.engine.command.CommandHandler;
import io.magpie.commands.RedisCommand;

/**
 * MULTI/EXEC/DISCARD and WATCH/UNWATCH (multi.c). Queueing happens in
 * Engine.processCommand; the WATCH bookkeeping (per-db index, invalidation on writes,
 * FLUSH* and SWAPDB) lives in Engine and Database.
 */
final class TransactionCommands {
    private TransactionCommands() {}

    static void register(CommandTable<CommandHandler> t) {
        t.register("multi", TransactionCommands::multi);
        t.register("exec", TransactionCommands::exec);
        t.register("discard", TransactionCommands::discard);
        t.register("watch", TransactionCommands::watch);
        t.register("unwatch", TransactionCommands::unwatch);
    }

    static void multi(Client c) {
        if (c.multi) {
            c.addReplyError("ERR MULTI calls can not be nested");
            return;
        }
        c.multi = true;
        c.addReplyOk();
    }

    static void discard(Client c) {
        if (!c.multi) {
            c.addReplyError("ERR DISCARD without MULTI");
            return;
        }
        c.engine.discardTransaction(c);
        c.addReplyOk();
    }

    /**
     * Runs the queue as one unit: the engine does not end the unit (deliver writes, serve
     * blocked clients) between the queued commands, so the write stream sees the
     * transaction's writes together (wrapped in MULTI/EXEC when more than one).
     */
    static void exec(Client c) {
        Engine engine = c.engine;
        if (!c.multi) {
            c.addReplyError("ERR EXEC without MULTI");
            return;
        }
        if (engine.anyWatchedKeyExpired(c)) c.dirtyCas = true;
        if (c.dirtyExec || c.dirtyCas) {
            if (c.dirtyExec) c.addReplyError(Errors.EXECABORT);
            else c.addReplyNullArray();
            engine.discardTransaction(c);
            return;
        }
        // Watching is pointless from here on; drop it before the queued writes touch keys.
        engine.unwatchAll(c);
        byte[][] origArgv = c.argv;
        int origArgc = c.argc;
        RedisCommand origCmd = c.cmd;
        boolean wasInExec = c.inExec;
        c.inExec = true;
        int n = c.multiQueue.size();
        try {
            c.addReplyArrayLen(n);
            for (int i = 0; i < n; i++) {
                c.argv = c.multiQueue.get(i);
                c.argc = c.argv.length;
                c.cmd = c.multiCommands.get(i);
                // Permissions may have changed since the command was queued.
                String denied = engine.acl.checkQueued(c, engine.now());
                if (denied != null) c.addReplyError(denied);
                else engine.call(c);
            }
        } finally {
            c.inExec = wasInExec;
            c.argv = origArgv;
            c.argc = origArgc;
            c.cmd = origCmd;
            engine.discardTransaction(c);
        }
    }

    static void watch(Client c) {
        if (c.multi) {
            c.addReplyError("ERR WATCH inside MULTI is not allowed");
            return;
        }
        // A client already doomed to fail its EXEC gains nothing from more watches.
        if (!c.dirtyCas) {
            for (int i = 1; i < c.argc; i++) c.engine.watch(c, c.argv[i]);
        }
        c.addReplyOk();
    }

    static void unwatch(Client c) {
        c.engine.unwatchAll(c);
        c.dirtyCas = false;
        c.addReplyOk();
    }
}
