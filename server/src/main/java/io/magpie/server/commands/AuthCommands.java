package io.magpie.server.commands;

import io.magpie.engine.Client;
import io.magpie.engine.ReplyException;
import io.magpie.commands.CommandTable;
import io.magpie.engine.command.CommandHandler;
import io.magpie.server.ConfigLoader;
import io.magpie.server.MagpieServer;
import io.magpie.engine.acl.Acl;

/**
 * AUTH, HELLO, QUIT and RESET: authentication against requirepass (the "default" user of
 * Redis's ACL), protocol negotiation, and ending or resetting a connection.
 */
final class AuthCommands {
    private AuthCommands() {}

    static void register(MagpieServer server) {
        CommandTable<CommandHandler> t = server.engine().commands;
        t.register("auth", AuthCommands::auth);
        t.register("hello", c -> hello(server, c));
        t.register("quit", AuthCommands::quit);
        t.register("reset", AuthCommands::reset);
    }

    static final String WRONGPASS = "WRONGPASS invalid username-password pair or user is disabled.";

    static void auth(Client c) {
        if (c.argc > 3) {
            throw new ReplyException(io.magpie.engine.Errors.SYNTAX);
        }
        String user = c.argc == 3 ? Acl.string(c.argv[1]) : "default";
        byte[] pass = c.argv[c.argc - 1];
        for (int j = 1; j < c.argc; j++) Acl.redact(c, j);
        if (c.argc == 2 && c.engine.acl.defaultUser().nopass()) {
            throw new ReplyException("ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?");
        }
        if (!authenticate(c, user, pass)) throw new ReplyException(WRONGPASS);
        c.addReplyOk();
    }

    /** ACLAuthenticateUser: the client becomes the user, or the failure goes to the ACL LOG. */
    static boolean authenticate(Client c, String user, byte[] pass) {
        return c.engine.acl.authenticate(c, user, pass, System.currentTimeMillis());
    }

    /** HELLO [protover [AUTH username password] [SETNAME clientname]] */
    static void hello(MagpieServer server, Client c) {
        int ver = 0;
        int next = 1;
        if (c.argc >= 2) {
            long v;
            try {
                v = io.magpie.engine.Args.parseLong(c.argv[1]);
            } catch (ReplyException e) {
                throw new ReplyException("ERR Protocol version is not an integer or out of range");
            }
            if (v < 2 || v > 3) throw new ReplyException("NOPROTO unsupported protocol version");
            ver = (int) v;
            next = 2;
        }
        String setName = null;
        String user = null;
        byte[] pass = null;
        for (int j = next; j < c.argc; j++) {
            int left = c.argc - j - 1;
            if (c.argIs(j, "auth") && left >= 2) {
                user = Acl.string(c.argv[j + 1]);
                pass = c.argv[j + 2];
                Acl.redact(c, j + 1);
                Acl.redact(c, j + 2);
                j += 2;
            } else if (c.argIs(j, "setname") && left >= 1) {
                setName = c.argString(j + 1);
                j++;
            } else {
                throw new ReplyException("ERR Syntax error in HELLO option '" + c.argString(j) + "'");
            }
        }
        if (user != null) {
            if (!authenticate(c, user, pass)) throw new ReplyException(WRONGPASS);
        }
        if (!c.authenticated && c.engine.authRequired()) {
            throw new ReplyException("NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time");
        }
        if (setName != null) {
            String err = ClientNames.validate(setName);
            if (err != null) throw new ReplyException(err);
            c.name = setName;
        }
        if (ver != 0) c.setResp(ver);
        String mode = server.modules().mode();
        boolean sentinel = mode.equals("sentinel"); // a Sentinel has no replication role to report
        c.addReplyMapLen(sentinel ? 6 : 7);
        c.addReplyBulkString("server");
        c.addReplyBulkString("redis");
        c.addReplyBulkString("version");
        c.addReplyBulkString(ConfigLoader.REDIS_VERSION);
        c.addReplyBulkString("proto");
        c.addReplyLongLong(c.resp());
        c.addReplyBulkString("id");
        c.addReplyLongLong(c.id);
        c.addReplyBulkString("mode");
        c.addReplyBulkString(mode);
        if (!sentinel) {
            c.addReplyBulkString("role");
            c.addReplyBulkString(c.engine.isReplica() ? "replica" : "master");
        }
        c.addReplyBulkString("modules");
        c.addReplyArrayLen(0);
    }

    static void quit(Client c) {
        c.addReplyOk();
        c.closeAfterReply = true;
    }

    /** RESET: back to a fresh connection's state (resetCommand / clearClientConnectionState). */
    static void reset(Client c) {
        c.engine.discardTransaction(c);
        c.engine.pubsub.removeClient(c);
        c.engine.tracking.disable(c);
        c.db = c.engine.db(0);
        c.setResp(2);
        c.name = "";
        c.replyMode = Client.ReplyMode.ON;
        c.suppressReplies(false);
        c.authenticated = !c.engine.authRequired();
        c.user = "default";
        c.aclUser = c.engine.acl.defaultUser();
        c.readonlyMode = false;
        c.asking = false;
        c.noEvict = false;
        if (c.monitor) c.monitor = false;
        c.addReplyStatus("RESET");
    }
}
