package io.magpie.server.replication;

import io.magpie.engine.Args;
import io.magpie.engine.Client;
import io.magpie.engine.ReplyException;
import io.magpie.commands.CommandTable;
import io.magpie.engine.command.CommandHandler;
import io.magpie.server.Log;

/** REPLICAOF/SLAVEOF, REPLCONF, PSYNC, SYNC, ROLE and WAIT, with Redis's replies and errors. */
final class ReplicationCommands {
    private ReplicationCommands() {}

    static void register(Replication repl) {
        CommandTable<CommandHandler> t = repl.engine.commands;
        t.register("replicaof", c -> replicaof(repl, c));
        t.register("slaveof", c -> replicaof(repl, c));
        t.register("replconf", c -> replconf(repl, c));
        t.register("psync", c -> repl.syncCommand(c, true));
        t.register("sync", c -> repl.syncCommand(c, false));
        t.register("role", repl::role);
        t.register("wait", c -> waitCommand(repl, c));
        t.register("failover", repl.failover::command);
    }

    private static void replicaof(Replication repl, Client c) {
        if (repl.failover.inProgress()) {
            throw new ReplyException("ERR REPLICAOF not allowed while failing over.");
        }
        if (c.argIs(1, "no") && c.argIs(2, "one")) {
            if (repl.isReplica()) {
                repl.becomeMaster();
                Log.notice("MASTER MODE enabled (user request from '%s')", repl.server.clientInfo(c));
            }
            c.addReplyOk();
            return;
        }
        if (c.replica) throw new ReplyException("ERR Command is not valid when client is a replica.");
        int port = (int) Args.parseLongInRange(c.argv[2], 0, 65535, "ERR Invalid master port");
        String host = c.argString(1);
        MasterLink link = repl.link;
        if (link != null && link.host.equalsIgnoreCase(host) && link.port == port) {
            Log.notice("REPLICAOF would result into synchronization with the master we are already connected with. "
                    + "No operation performed.");
            c.addReplyStatus("OK Already connected to specified master");
            return;
        }
        repl.becomeReplicaOf(host, port, link == null);
        Log.notice("REPLICAOF %s:%d enabled (user request from '%s')", host, port, repl.server.clientInfo(c));
        c.addReplyOk();
    }

    /** REPLCONF option value [option value ...] (replconfCommand). */
    private static void replconf(Replication repl, Client c) {
        if (c.argc % 2 == 0) throw new ReplyException("ERR syntax error");
        for (int j = 1; j < c.argc; j += 2) {
            String opt = c.argString(j);
            switch (opt.toLowerCase(java.util.Locale.ROOT)) {
                case "listening-port" -> {
                    long port = Args.parseLong(c.argv[j + 1]);
                    repl.handshakeState(c).listeningPort = (int) port;
                }
                case "ip-address" -> repl.handshakeState(c).announcedIp = c.argString(j + 1);
                case "capa" -> {
                    if (c.argIs(j + 1, "eof")) repl.handshakeState(c).capaEof = true;
                    else if (c.argIs(j + 1, "psync2")) repl.handshakeState(c).capaPsync2 = true;
                }
                case "ack" -> {
                    // Acks are never answered: the replica's link carries only the stream.
                    long offset;
                    try {
                        offset = Long.parseLong(c.argString(j + 1));
                    } catch (NumberFormatException e) {
                        return;
                    }
                    repl.ack(c, offset);
                    return;
                }
                case "getack" -> {
                    // Only the master link asks this, and MasterLink answers it before it gets here.
                    return;
                }
                case "rdb-only", "rdb-filter-only" -> { /* accepted: used by redis-cli --rdb */ }
                default -> throw new ReplyException("ERR Unrecognized REPLCONF option: " + opt);
            }
        }
        c.addReplyOk();
    }

    private static void waitCommand(Replication repl, Client c) {
        if (repl.isReplica()) {
            throw new ReplyException("ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 "
                    + "if a replica is configured to be writable (which is not the default) writes to replicas are just "
                    + "local and are not propagated.");
        }
        long numReplicas = Args.parseLong(c.argv[1]);
        long timeoutMs;
        try {
            timeoutMs = Long.parseLong(c.argString(2));
        } catch (NumberFormatException e) {
            throw new ReplyException("ERR timeout is not an integer or out of range");
        }
        if (timeoutMs < 0) throw new ReplyException("ERR timeout is negative");
        repl.waitCommand(c, numReplicas, timeoutMs == 0 ? 0 : repl.engine.now() + timeoutMs);
    }
}
