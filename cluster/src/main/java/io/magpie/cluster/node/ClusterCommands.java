package io.magpie.cluster.node;

import io.magpie.cluster.state.ClusterConfig;
import io.magpie.cluster.state.ClusterException;
import io.magpie.cluster.state.ClusterNode;
import io.magpie.cluster.state.ClusterState;
import io.magpie.cluster.state.FailoverMode;
import io.magpie.commands.CommandTable;
import io.magpie.commands.HashSlot;
import io.magpie.commands.RedisCommand;
import io.magpie.engine.Args;
import io.magpie.engine.Client;
import io.magpie.engine.Errors;
import io.magpie.engine.ReplyException;
import io.magpie.engine.command.CommandHandler;
import io.magpie.engine.keyspace.SlotIndex;
import io.magpie.protocol.RespWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * The commands of cluster mode, as Redis 7.0's clusterCommand and friends (cluster.c): every
 * CLUSTER subcommand parses its arguments here and asks the state machine, whose
 * {@link ClusterException} carries Redis's error; READONLY, READWRITE and ASKING set the
 * client's flags; SELECT, MOVE and SWAPDB refuse other databases; REPLICAOF is refused;
 * PUBLISH and SPUBLISH also go over the bus.
 */
final class ClusterCommands {
    private ClusterCommands() {}

    static final String[] HELP = {
        "CLUSTER <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "ADDSLOTS <slot> [<slot> ...]",
        "    Assign slots to current node.",
        "ADDSLOTSRANGE <start slot> <end slot> [<start slot> <end slot> ...]",
        "    Assign slots which are between <start-slot> and <end-slot> to current node.",
        "BUMPEPOCH",
        "    Advance the cluster config epoch.",
        "COUNT-FAILURE-REPORTS <node-id>",
        "    Return number of failure reports for <node-id>.",
        "COUNTKEYSINSLOT <slot>",
        "    Return the number of keys in <slot>.",
        "DELSLOTS <slot> [<slot> ...]",
        "    Delete slots information from current node.",
        "DELSLOTSRANGE <start slot> <end slot> [<start slot> <end slot> ...]",
        "    Delete slots information which are between <start-slot> and <end-slot> from current node.",
        "FAILOVER [FORCE|TAKEOVER]",
        "    Promote current replica node to being a master.",
        "FORGET <node-id>",
        "    Remove a node from the cluster.",
        "GETKEYSINSLOT <slot> <count>",
        "    Return key names stored by current node in a slot.",
        "FLUSHSLOTS",
        "    Delete current node own slots information.",
        "INFO",
        "    Return information about the cluster.",
        "KEYSLOT <key>",
        "    Return the hash slot for <key>.",
        "MEET <ip> <port> [<bus-port>]",
        "    Connect nodes into a working cluster.",
        "MYID",
        "    Return the node id.",
        "NODES",
        "    Return cluster configuration seen by node. Output format:",
        "    <id> <ip:port> <flags> <master> <pings> <pongs> <epoch> <link> <slot> ...",
        "REPLICATE <node-id>",
        "    Configure current node as replica to <node-id>.",
        "RESET [HARD|SOFT]",
        "    Reset current node (default: soft).",
        "SET-CONFIG-EPOCH <epoch>",
        "    Set config epoch of current node.",
        "SETSLOT <slot> (IMPORTING <node-id>|MIGRATING <node-id>|STABLE|NODE <node-id>)",
        "    Set slot state.",
        "REPLICAS <node-id>",
        "    Return <node-id> replicas.",
        "SAVECONFIG",
        "    Force saving cluster configuration on disk.",
        "SLOTS",
        "    Return information about slots range mappings. Each range is made of:",
        "    start, end, master and replicas IP addresses, ports and ids",
        "SHARDS",
        "    Return information about slot range mappings and the nodes associated with them.",
        "LINKS",
        "    Return information about all network links between this node and its peers.",
        "    Output format is an array where each array element is a map containing attributes of a link",
        "HELP",
        "    Prints this help.",
    };

    /** A CLUSTER subcommand's body; the module then carries out what the state machine returned. */
    private interface Sub {
        void call(Client c, ClusterModule m);
    }

    static void register(ClusterModule m) {
        CommandTable<CommandHandler> t = m.engine.commands;
        sub(t, m, "help", 2, (c, mod) -> c.addReplyHelp(HELP));
        sub(t, m, "meet", -4, ClusterCommands::meet);
        sub(t, m, "nodes", 2, (c, mod) -> c.addReplyVerbatim(mod.state.clusterNodes(usePport(c, mod.config)), "txt"));
        sub(t, m, "myid", 2, (c, mod) -> c.addReplyBulkString(mod.state.myId()));
        sub(t, m, "slots", 2, (c, mod) -> writeTree(c.writer(), mod.state.clusterSlots(usePport(c, mod.config))));
        sub(t, m, "shards", 2, (c, mod) -> writeTree(c.writer(), mod.state.clusterShards()));
        sub(t, m, "flushslots", 2, (c, mod) -> {
            if (mod.engine.db(0).size() != 0) throw new ReplyException("ERR DB must be empty to perform CLUSTER FLUSHSLOTS.");
            mod.state.flushSlots();
            c.addReplyOk();
        });
        sub(t, m, "addslots", -3, (c, mod) -> {
            mod.state.addSlots(slots(c, 2));
            c.addReplyOk();
        });
        sub(t, m, "delslots", -3, (c, mod) -> {
            mod.state.delSlots(slots(c, 2));
            c.addReplyOk();
        });
        sub(t, m, "addslotsrange", -4, (c, mod) -> {
            mod.state.addSlotsRange(slotRanges(c));
            c.addReplyOk();
        });
        sub(t, m, "delslotsrange", -4, (c, mod) -> {
            mod.state.delSlotsRange(slotRanges(c));
            c.addReplyOk();
        });
        sub(t, m, "setslot", -4, ClusterCommands::setslot);
        ownSub(t, m, "migrateslots", -7, MigrateSlots::command);
        ownSub(t, m, "importslots", -5, ImportSlots::command);
        sub(t, m, "bumpepoch", 2, (c, mod) -> c.addReplyStatus(mod.state.bumpEpoch()));
        sub(t, m, "info", 2, (c, mod) -> c.addReplyVerbatim(mod.state.clusterInfo(), "txt"));
        sub(t, m, "saveconfig", 2, (c, mod) -> {
            mod.lastSaveError = null;
            mod.state.saveConfig();
            mod.afterInput(); // written and fsynced here, before the reply
            if (mod.lastSaveError == null) c.addReplyOk();
            else c.addReplyError("ERR error saving the cluster node config: " + mod.lastSaveError);
        });
        sub(t, m, "keyslot", 3, (c, mod) -> c.addReplyLongLong(HashSlot.keyHashSlot(c.argv[2])));
        sub(t, m, "countkeysinslot", 3, (c, mod) -> {
            long slot = Args.parseLong(c.argv[2]);
            if (slot < 0 || slot >= ClusterState.SLOTS) throw new ReplyException("ERR Invalid slot");
            c.addReplyLongLong(mod.countKeysInSlot((int) slot));
        });
        sub(t, m, "getkeysinslot", 4, ClusterCommands::getkeysinslot);
        sub(t, m, "forget", 3, (c, mod) -> {
            mod.state.forget(c.argString(2), System.currentTimeMillis());
            c.addReplyOk();
        });
        sub(t, m, "replicate", 3, (c, mod) -> {
            mod.state.replicate(c.argString(2), mod.engine.db(0).size() == 0);
            c.addReplyOk();
        });
        sub(t, m, "slaves", 3, ClusterCommands::replicas);
        sub(t, m, "replicas", 3, ClusterCommands::replicas);
        sub(t, m, "count-failure-reports", 3,
                (c, mod) -> c.addReplyLongLong(mod.state.countFailureReports(c.argString(2), System.currentTimeMillis())));
        sub(t, m, "failover", -2, (c, mod) -> {
            if (c.argc > 3) throw new ReplyException(subcommandSyntaxError(c));
            FailoverMode mode = FailoverMode.DEFAULT;
            if (c.argc == 3) {
                if (c.argIs(2, "force")) mode = FailoverMode.FORCE;
                else if (c.argIs(2, "takeover")) mode = FailoverMode.TAKEOVER;
                else throw new ReplyException(Errors.SYNTAX);
            }
            mod.state.failover(mode, System.currentTimeMillis());
            c.addReplyOk();
        });
        sub(t, m, "set-config-epoch", 3, (c, mod) -> {
            mod.state.setConfigEpoch(Args.parseLong(c.argv[2]));
            c.addReplyOk();
        });
        sub(t, m, "reset", -2, (c, mod) -> {
            if (c.argc > 3) throw new ReplyException(subcommandSyntaxError(c));
            boolean hard = false;
            if (c.argc == 3) {
                if (c.argIs(2, "hard")) hard = true;
                else if (!c.argIs(2, "soft")) throw new ReplyException(Errors.SYNTAX);
            }
            mod.state.reset(hard, mod.engine.db(0).size() == 0, System.currentTimeMillis());
            c.addReplyOk();
        });
        sub(t, m, "links", 2, ClusterCommands::links);

        // The client flags of cluster mode.
        t.override("readonly", c -> {
            c.readonlyMode = true;
            c.addReplyOk();
        });
        t.override("readwrite", c -> {
            c.readonlyMode = false;
            c.addReplyOk();
        });
        t.override("asking", c -> {
            c.asking = true;
            c.addReplyOk();
        });
        // Only db 0 is served.
        CommandHandler select = handler(t, "select");
        t.override("select", c -> {
            // A bad index gets SELECT's own error; a good one other than 0 is refused.
            long id;
            try {
                id = Args.parseLong(c.argv[1]);
            } catch (ReplyException e) {
                id = 0;
            }
            if (id != 0) throw new ReplyException("ERR SELECT is not allowed in cluster mode");
            select.call(c);
        });
        t.override("move", c -> {
            throw new ReplyException("ERR MOVE is not allowed in cluster mode");
        });
        t.override("swapdb", c -> {
            throw new ReplyException("ERR SWAPDB is not allowed in cluster mode");
        });
        for (String name : new String[] {"replicaof", "slaveof"}) {
            t.override(name, c -> {
                throw new ReplyException("ERR REPLICAOF not allowed in cluster mode.");
            });
        }
        // PUBLISH reaches every node of the cluster, SPUBLISH the nodes of the slot's shard.
        CommandHandler publish = handler(t, "publish");
        t.override("publish", c -> {
            publish.call(c);
            m.state.publish(c.argv[1], c.argv[2], false);
            m.afterInput();
        });
        CommandHandler spublish = handler(t, "spublish");
        t.override("spublish", c -> {
            spublish.call(c);
            m.state.publish(c.argv[1], c.argv[2], true);
            m.afterInput();
        });
    }

    private static CommandHandler handler(CommandTable<CommandHandler> t, String name) {
        RedisCommand cmd = t.lookup(name);
        return t.handler(cmd);
    }

    /**
     * Attaches a CLUSTER subcommand. argc is Redis's own check in clusterCommand (beyond the
     * table's arity): a positive value is exact, a negative one a minimum; another count is a
     * subcommand syntax error. A {@link ClusterException} becomes its error reply; whatever the
     * state machine asked for is carried out before the reply leaves.
     */
    private static void sub(CommandTable<CommandHandler> t, ClusterModule m, String name, int argc, Sub body) {
        t.override("cluster|" + name, handler(m, argc, body));
    }

    /** Cluster mode's own subcommands (cluster-commands.json), which Redis's table lacks. */
    private static void ownSub(CommandTable<CommandHandler> t, ClusterModule m, String name, int argc, Sub body) {
        t.register("cluster|" + name, handler(m, argc, body));
    }

    private static CommandHandler handler(ClusterModule m, int argc, Sub body) {
        return c -> {
            if (argc > 0 ? c.argc != argc : c.argc < -argc) throw new ReplyException(subcommandSyntaxError(c));
            try {
                body.call(c, m);
            } catch (ClusterException e) {
                c.addReplyError(e.getMessage());
            } finally {
                m.afterInput();
            }
        };
    }

    private static String subcommandSyntaxError(Client c) {
        return "ERR unknown subcommand or wrong number of arguments for '" + Errors.truncate(c.argString(1))
                + "'. Try CLUSTER HELP.";
    }

    /** CLUSTER MEET ip port [bus-port]. */
    private static void meet(Client c, ClusterModule m) {
        if (c.argc > 5) throw new ReplyException(subcommandSyntaxError(c));
        long port, cport;
        try {
            port = Long.parseLong(c.argString(3));
        } catch (NumberFormatException e) {
            throw new ReplyException("ERR Invalid TCP base port specified: " + c.argString(3));
        }
        if (c.argc == 5) {
            try {
                cport = Long.parseLong(c.argString(4));
            } catch (NumberFormatException e) {
                throw new ReplyException("ERR Invalid TCP bus port specified: " + c.argString(4));
            }
        } else {
            cport = port + ClusterState.PORT_INCR;
        }
        int p = port < 0 || port > 65535 ? 0 : (int) port;
        int cp = cport < 0 || cport > 65535 ? 0 : (int) cport;
        try {
            m.state.meet(c.argString(2), p, cp, System.currentTimeMillis());
        } catch (ClusterException e) {
            throw new ReplyException("ERR Invalid node address specified: " + c.argString(2) + ":" + c.argString(3));
        }
        c.addReplyOk();
    }

    /** The slots of argv[from..], each checked first (getSlotOrReply), as ADDSLOTS/DELSLOTS do. */
    private static int[] slots(Client c, int from) {
        int[] out = new int[c.argc - from];
        for (int j = from; j < c.argc; j++) out[j - from] = ClusterState.parseSlot(c.argString(j));
        return out;
    }

    /** ADDSLOTSRANGE/DELSLOTSRANGE start end [start end ...]. */
    private static int[] slotRanges(Client c) {
        if (c.argc % 2 == 1) throw new ReplyException(Errors.wrongArgs(c.cmd.fullName));
        int[] pairs = slots(c, 2);
        for (int j = 0; j < pairs.length; j += 2) {
            if (pairs[j] > pairs[j + 1]) {
                throw new ReplyException("ERR start slot number " + pairs[j] + " is greater than end slot number " + pairs[j + 1]);
            }
        }
        return pairs;
    }

    /** CLUSTER SETSLOT slot IMPORTING|MIGRATING|NODE node-id, or STABLE. */
    private static void setslot(Client c, ClusterModule m) {
        ClusterState s = m.state;
        if (s.myself().isSlave()) throw new ReplyException("ERR Please use SETSLOT only with masters.");
        int slot = ClusterState.parseSlot(c.argString(2));
        if (c.argIs(3, "migrating") && c.argc == 5) {
            s.setSlotMigrating(slot, c.argString(4));
        } else if (c.argIs(3, "importing") && c.argc == 5) {
            s.setSlotImporting(slot, c.argString(4));
        } else if (c.argIs(3, "stable") && c.argc == 4) {
            s.setSlotStable(slot);
        } else if (c.argIs(3, "node") && c.argc == 5) {
            s.setSlotNode(slot, c.argString(4), m.countKeysInSlot(slot));
            // The slot moved away: its keys left (MIGRATE) or are no longer ours.
        } else {
            throw new ReplyException("ERR Invalid CLUSTER SETSLOT action or number of arguments. Try CLUSTER HELP");
        }
        c.addReplyOk();
    }

    /** CLUSTER GETKEYSINSLOT slot count. */
    private static void getkeysinslot(Client c, ClusterModule m) {
        long slot = Args.parseLong(c.argv[2]);
        long maxKeys = Args.parseLong(c.argv[3]);
        if (slot < 0 || slot >= ClusterState.SLOTS || maxKeys < 0) throw new ReplyException("ERR Invalid slot or number of keys");
        SlotIndex index = m.engine.db(0).slotIndex();
        List<byte[]> keys = index.getKeysInSlot((int) slot, (int) Math.min(Integer.MAX_VALUE, maxKeys));
        c.addReplyArrayLen(keys.size());
        for (byte[] k : keys) c.addReplyBulk(k);
    }

    /**
     * Whether a reply gives nodes' plaintext ports (pport): in a TLS cluster, to a client that
     * did not come in over TLS, as Redis does for CLUSTER NODES, SLOTS, REPLICAS and redirections.
     */
    static boolean usePport(Client c, ClusterConfig config) {
        return config.tlsCluster && c.conn != null && !c.conn.tls();
    }

    /** CLUSTER REPLICAS|SLAVES node-id. */
    private static void replicas(Client c, ClusterModule m) {
        ClusterNode n = m.state.lookupNode(c.argString(2));
        if (n == null) throw new ReplyException("ERR Unknown node " + c.argString(2));
        if (n.isSlave()) throw new ReplyException("ERR The specified node is not a master");
        List<String> lines = m.state.replicas(n.name(), usePport(c, m.config));
        c.addReplyArrayLen(lines.size());
        for (String l : lines) c.addReplyBulkString(l);
    }

    /** CLUSTER LINKS: one map per link. */
    private static void links(Client c, ClusterModule m) {
        List<ClusterState.LinkInfo> links = m.state.clusterLinks();
        c.addReplyArrayLen(links.size());
        for (ClusterState.LinkInfo l : links) {
            c.addReplyMapLen(6);
            c.addReplyBulkString("direction");
            c.addReplyBulkString(l.inbound() ? "from" : "to");
            c.addReplyBulkString("node");
            c.addReplyBulkString(l.node());
            c.addReplyBulkString("create-time");
            c.addReplyLongLong(l.createTime());
            c.addReplyBulkString("events");
            c.addReplyBulkString(m.pendingBytes(l.link()) > 0 ? "rw" : "r");
            c.addReplyBulkString("send-buffer-allocated");
            c.addReplyLongLong(m.pendingBytes(l.link()));
            c.addReplyBulkString("send-buffer-used");
            c.addReplyLongLong(m.pendingBytes(l.link()));
        }
    }

    /** Writes a reply tree of the state machine: Long, String (bulk), null, List, Map. */
    @SuppressWarnings("unchecked")
    static void writeTree(RespWriter w, Object v) {
        if (v == null) {
            w.nullBulk();
        } else if (v instanceof Long l) {
            w.integer(l);
        } else if (v instanceof Integer i) {
            w.integer(i);
        } else if (v instanceof String s) {
            w.bulk(s.getBytes(StandardCharsets.UTF_8));
        } else if (v instanceof byte[] b) {
            w.bulk(b);
        } else if (v instanceof List<?> list) {
            w.arrayLen(list.size());
            for (Object o : list) writeTree(w, o);
        } else if (v instanceof Map<?, ?> map) {
            w.mapLen(map.size());
            for (Map.Entry<?, ?> e : ((Map<Object, Object>) map).entrySet()) {
                writeTree(w, e.getKey());
                writeTree(w, e.getValue());
            }
        } else {
            throw new IllegalArgumentException("reply of type " + v.getClass());
        }
    }
}
