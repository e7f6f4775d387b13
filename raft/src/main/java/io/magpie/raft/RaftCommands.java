package io.magpie.raft;

import io.magpie.engine.Client;
import io.magpie.engine.Engine;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.ratis.protocol.RaftClientReply;

/**
 * RAFT INFO | ADDNODE id host:port | REMOVENODE id | TRANSFER-LEADER id. A membership change
 * waits for Ratis (a new member catches up first), so it runs on a thread of its own while the
 * calling client is parked. REPLICAOF is refused: a group member follows its log, not a master.
 */
final class RaftCommands {
    private final RaftModule module;
    private final Engine engine;
    private final ExecutorService admin = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "magpie-raft-admin");
        t.setDaemon(true);
        return t;
    });

    RaftCommands(RaftModule module, Engine engine) {
        this.module = module;
        this.engine = engine;
    }

    void register() {
        engine.commands.register("raft", this::raft);
        engine.commands.override("replicaof", c -> c.writer().error("ERR REPLICAOF not allowed in raft mode"));
        engine.commands.override("slaveof", c -> c.writer().error("ERR REPLICAOF not allowed in raft mode"));
        // As on a cluster replica: READONLY lets this connection read a follower's own (possibly stale) keyspace.
        engine.commands.override("readonly", c -> {
            c.readonlyMode = true;
            c.writer().ok();
        });
        engine.commands.override("readwrite", c -> {
            c.readonlyMode = false;
            c.writer().ok();
        });
    }

    private void raft(Client c) {
        String sub = new String(c.argv[1], StandardCharsets.UTF_8).toLowerCase(Locale.ROOT);
        RaftNode n = module.node();
        switch (sub) {
            case "info" -> {
                if (c.argc != 2) {
                    wrongArgs(c, sub);
                    return;
                }
                StringBuilder sb = new StringBuilder();
                RaftInfo.fields(module, sb);
                c.writer().verbatim(sb.toString(), "txt");
            }
            case "addnode" -> {
                if (c.argc != 4) {
                    wrongArgs(c, sub);
                    return;
                }
                String id = arg(c, 2), address = arg(c, 3);
                if (address.lastIndexOf(':') <= 0) {
                    c.writer().error("ERR Invalid address, expected host:port");
                    return;
                }
                admin(c, n, () -> {
                    n.addNode(id, address);
                    return null;
                });
            }
            case "removenode" -> {
                if (c.argc != 3) {
                    wrongArgs(c, sub);
                    return;
                }
                String id = arg(c, 2);
                admin(c, n, () -> {
                    n.removeNode(id);
                    return null;
                });
            }
            case "transfer-leader" -> {
                if (c.argc != 3) {
                    wrongArgs(c, sub);
                    return;
                }
                String id = arg(c, 2);
                admin(c, n, () -> n.transferLeader(id));
            }
            default -> c.writer().error("ERR unknown subcommand '" + arg(c, 1) + "'. Try RAFT INFO, ADDNODE, REMOVENODE, TRANSFER-LEADER.");
        }
    }

    /** A membership call: null when it is done, or Ratis's failed reply. */
    private interface AdminCall {
        RaftClientReply run() throws IOException;
    }

    /** Runs a membership call on the leader off the keyspace thread; the client waits parked. */
    private void admin(Client c, RaftNode n, AdminCall call) {
        if (n == null || !n.isLeaderReady()) {
            c.writer().error(n == null || n.leaderId() == null ? "CLUSTERDOWN No raft leader" : "ERR not the raft leader, send it to " + n.leaderId());
            return;
        }
        var pipeline = engine.pipeline();
        pipeline.park(c);
        admin.execute(() -> {
            String error;
            try {
                RaftClientReply reply = call.run();
                error = reply == null || reply.isSuccess() ? null : "ERR " + String.valueOf(reply.getException()).replace('\n', ' ');
            } catch (IOException | RuntimeException e) {
                String m = String.valueOf(e.getMessage()).replace('\n', ' ');
                error = m.startsWith("ERR ") ? m : "ERR " + m;
            }
            String result = error;
            module.mainLoopExecute(() -> {
                if (!c.blocked) return;
                if (result == null) c.writer().ok();
                else c.writer().error(result);
                pipeline.unpark(c);
            });
        });
    }

    private static String arg(Client c, int i) {
        return new String(c.argv[i], StandardCharsets.UTF_8);
    }

    private static void wrongArgs(Client c, String sub) {
        c.writer().error("ERR wrong number of arguments for 'raft|" + sub + "' command");
    }
}
