package io.magpie.engine.commands;

import io.magpie.engine.Client;
import io.magpie.engine.Errors;
import io.magpie.engine.ReplyException;
import io.magpie.commands.CommandTable;
import io.magpie.engine.command.CommandHandler;

/** Connection-level commands that touch only the client's own state: PING, ECHO, SELECT. */
final class ConnectionCommands {
    private ConnectionCommands() {}

    static void register(CommandTable<CommandHandler> t) {
        t.register("ping", ConnectionCommands::ping);
        t.register("echo", ConnectionCommands::echo);
        t.register("select", ConnectionCommands::select);
    }

    /** PING [message]: in RESP2 subscribed context it answers the pub/sub form ["pong", msg]. */
    static void ping(Client c) {
        if (c.argc > 2) {
            c.addReplyErrorArity();
            return;
        }
        if (c.isSubscribed() && c.resp() == 2) {
            c.addReplyArrayLen(2);
            c.addReplyBulkString("pong");
            c.addReplyBulk(c.argc == 1 ? new byte[0] : c.argv[1]);
        } else if (c.argc == 1) {
            c.addReplyStatus("PONG");
        } else {
            c.addReplyBulk(c.argv[1]);
        }
    }

    static void echo(Client c) {
        c.addReplyBulk(c.argv[1]);
    }

    static void select(Client c) {
        long id;
        try {
            id = io.magpie.engine.Args.parseLong(c.argv[1]);
        } catch (ReplyException e) {
            throw new ReplyException("ERR value is not an integer or out of range");
        }
        if (id < 0 || id >= c.engine.dbCount()) throw new ReplyException(Errors.DB_INDEX_OUT_OF_RANGE);
        c.db = c.engine.db((int) id);
        c.addReplyOk();
    }
}
