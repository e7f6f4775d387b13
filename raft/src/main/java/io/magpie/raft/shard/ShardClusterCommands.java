package io.magpie.raft.shard;

import io.magpie.commands.HashSlot;
import io.magpie.engine.Args;
import io.magpie.engine.Client;
import io.magpie.engine.Engine;
import io.magpie.engine.ReplyException;
import io.magpie.engine.keyspace.SlotIndex;
import io.magpie.protocol.RespWriter;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * CLUSTER SLOTS, SHARDS, NODES, INFO, MYID, KEYSLOT, COUNTKEYSINSLOT and GETKEYSINSLOT of a
 * sharded node, generated from the cluster map so that Redis Cluster clients (JedisCluster,
 * Lettuce) route by them unchanged. A data group appears as a master (its leader) with its
 * followers as replicas; in CLUSTER NODES, where a node has one line, a node is a master of
 * the slots of the groups it leads. Node ids are the SHA-1 of the raft id, 40 hex digits as
 * Redis's. Also RAFT INFO, and REPLICAOF refused.
 */
final class ShardClusterCommands {
    private final ShardedRaftModule module;
    private final Engine engine;

    ShardClusterCommands(ShardedRaftModule module) {
        this.module = module;
        this.engine = module.engine();
    }

    void register() {
        var t = engine.commands;
        t.override("cluster|slots", this::slots);
        t.override("cluster|shards", this::shards);
        t.override("cluster|nodes", c -> c.addReplyVerbatim(nodes(), "txt"));
        t.override("cluster|info", c -> c.addReplyVerbatim(info(), "txt"));
        t.override("cluster|myid", c -> c.addReplyBulkString(nodeId(module.myId())));
        t.override("cluster|keyslot", c -> c.addReplyLongLong(HashSlot.keyHashSlot(c.argv[2])));
        t.override("cluster|countkeysinslot", c -> {
            long slot = Args.parseLong(c.argv[2]);
            if (slot < 0 || slot >= HashSlot.SLOTS) throw new ReplyException("ERR Invalid slot");
            c.addReplyLongLong(engine.db(0).slotIndex().countKeysInSlot((int) slot));
        });
        t.override("cluster|getkeysinslot", c -> {
            long slot = Args.parseLong(c.argv[2]), count = Args.parseLong(c.argv[3]);
            if (slot < 0 || slot >= HashSlot.SLOTS || count < 0) throw new ReplyException("ERR Invalid slot or number of keys");
            SlotIndex index = engine.db(0).slotIndex();
            List<byte[]> keys = index.getKeysInSlot((int) slot, (int) Math.min(count, Integer.MAX_VALUE));
            c.addReplyArrayLen(keys.size());
            for (byte[] k : keys) c.addReplyBulk(k);
        });
        t.register("raft", c -> {
            if (c.argIs(1, "info") && c.argc == 2) {
                StringBuilder sb = new StringBuilder();
                module.infoFields(sb);
                c.addReplyVerbatim(sb.toString(), "txt");
            } else if (c.argIs(1, "shards") && c.argc == 3) {
                int n = (int) Args.parseLongInRange(c.argv[2], 1, ShardConfig.MAX_SHARDS,
                        "ERR the number of raft shards must be between 1 and " + ShardConfig.MAX_SHARDS);
                replyWhenDone(c, module.reshard(n));
            } else if (c.argIs(1, "removenode")) {
                if (c.argc != 3) {
                    c.addReplyError("ERR wrong number of arguments for 'raft|removenode' command");
                    return;
                }
                replyWhenDone(c, module.drain(c.argString(2)));
            } else {
                c.addReplyError("ERR unknown subcommand '" + c.argString(1) + "'. Try RAFT INFO, SHARDS, REMOVENODE.");
            }
        });
        t.override("replicaof", c -> c.addReplyError("ERR REPLICAOF not allowed in raft mode"));
        t.override("slaveof", c -> c.addReplyError("ERR REPLICAOF not allowed in raft mode"));
        t.override("readonly", c -> {
            c.readonlyMode = true;
            c.addReplyOk();
        });
        t.override("readwrite", c -> {
            c.readonlyMode = false;
            c.addReplyOk();
        });
    }

    /** Parks the client until a placement change is done: +OK, or the error it completes with. */
    private void replyWhenDone(Client c, java.util.concurrent.CompletableFuture<String> done) {
        var pipeline = engine.pipeline();
        pipeline.park(c);
        done.whenComplete((error, thrown) -> module.mainLoopExecute(() -> {
            if (!c.blocked) return;
            if (error == null && thrown == null) c.addReplyOk();
            else c.addReplyError(error != null ? error : "ERR " + thrown.getMessage());
            pipeline.unpark(c);
        }));
    }

    /** Redis's 40-hex-digit node id, stable for a raft id. */
    static String nodeId(String raftId) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-1").digest(("magpie-raft-node:" + raftId).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A group's members that serve clients, leader first; empty when it has no known leader. */
    private List<String> servingMembers(ClusterMap m, int g) {
        String leader = module.leaderOf(g);
        List<String> out = new ArrayList<>();
        if (leader == null || module.clientAddress(leader).isEmpty()) return out;
        out.add(leader);
        for (String id : m.groups.get(g).members()) if (!id.equals(leader) && !module.clientAddress(id).isEmpty()) out.add(id);
        return out;
    }

    private void slots(Client c) {
        ClusterMap m = module.map();
        List<int[]> runs = new ArrayList<>();
        List<List<String>> serving = new ArrayList<>();
        for (int g = 0; g < m.groups.size(); g++) serving.add(servingMembers(m, g));
        for (int[] run : SlotPlacement.runs(m.slotTable())) if (!serving.get(run[2]).isEmpty()) runs.add(run);
        RespWriter w = c.writer();
        w.arrayLen(runs.size());
        for (int[] run : runs) {
            List<String> members = serving.get(run[2]);
            w.arrayLen(2 + members.size());
            w.integer(run[0]);
            w.integer(run[1]);
            for (String id : members) {
                String address = module.clientAddress(id);
                int colon = address.lastIndexOf(':');
                w.arrayLen(4);
                w.bulk(address.substring(0, colon));
                w.integer(Long.parseLong(address.substring(colon + 1)));
                w.bulk(nodeId(id));
                w.mapLen(0);
            }
        }
    }

    private void shards(Client c) {
        ClusterMap m = module.map();
        RespWriter w = c.writer();
        w.arrayLen(m.groups.size());
        for (ClusterMap.Group g : m.groups) {
            w.mapLen(2);
            w.bulk("slots");
            List<int[]> ranges = m.ranges(g.index());
            w.arrayLen(ranges.size() * 2L);
            for (int[] r : ranges) {
                w.integer(r[0]);
                w.integer(r[1]);
            }
            w.bulk("nodes");
            List<String> members = servingMembers(m, g.index());
            w.arrayLen(members.size());
            for (int i = 0; i < members.size(); i++) {
                String id = members.get(i);
                String address = module.clientAddress(id);
                int colon = address.lastIndexOf(':');
                DataGroup d = module.localGroups().get(g.index());
                w.mapLen(7);
                w.bulk("id");
                w.bulk(nodeId(id));
                w.bulk("port");
                w.integer(Long.parseLong(address.substring(colon + 1)));
                w.bulk("ip");
                w.bulk(address.substring(0, colon));
                w.bulk("endpoint");
                w.bulk(address.substring(0, colon));
                w.bulk("role");
                w.bulk(i == 0 ? "master" : "replica");
                w.bulk("replication-offset");
                w.integer(d == null ? 0 : Math.max(0, d.appliedIndex()));
                w.bulk("health");
                w.bulk("online");
            }
        }
    }

    /** One line per node whose client address is known: a master of the slots of the groups it leads. */
    String nodes() {
        ClusterMap m = module.map();
        short[] table = m.slotTable();
        String[] leaders = new String[m.groups.size()];
        for (int g = 0; g < leaders.length; g++) leaders[g] = module.leaderOf(g);
        StringBuilder sb = new StringBuilder();
        for (ClusterMap.Node n : m.nodes.values()) {
            String address = module.clientAddress(n.id());
            if (address.isEmpty()) continue;
            int raftPort = Integer.parseInt(n.raftAddress().substring(n.raftAddress().lastIndexOf(':') + 1));
            sb.append(nodeId(n.id())).append(' ').append(address).append('@').append(raftPort).append(' ')
                    .append(n.id().equals(module.myId()) ? "myself,master" : "master").append(" - 0 0 ").append(m.version)
                    .append(" connected");
            // Adjacent runs of groups this node leads read as one range, as a cluster node's slots do.
            int start = -1;
            for (int s = 0; s <= HashSlot.SLOTS; s++) {
                boolean mine = s < HashSlot.SLOTS && n.id().equals(leaders[table[s]]);
                if (mine && start < 0) start = s;
                if (!mine && start >= 0) {
                    sb.append(' ').append(start);
                    if (s - 1 != start) sb.append('-').append(s - 1);
                    start = -1;
                }
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    String info() {
        ClusterMap m = module.map();
        int ok = 0, known = 0;
        for (int g = 0; g < m.groups.size(); g++) {
            if (servingMembers(m, g).isEmpty()) continue;
            for (int[] r : m.ranges(g)) ok += r[1] - r[0] + 1;
        }
        for (ClusterMap.Node n : m.nodes.values()) if (!module.clientAddress(n.id()).isEmpty()) known++;
        StringBuilder sb = new StringBuilder();
        sb.append("cluster_state:").append(ok == HashSlot.SLOTS ? "ok" : "fail").append("\r\n");
        sb.append("cluster_slots_assigned:").append(HashSlot.SLOTS).append("\r\n");
        sb.append("cluster_slots_ok:").append(ok).append("\r\n");
        sb.append("cluster_slots_pfail:0\r\n");
        sb.append("cluster_slots_fail:").append(HashSlot.SLOTS - ok).append("\r\n");
        sb.append("cluster_known_nodes:").append(known).append("\r\n");
        sb.append("cluster_size:").append(m.shards()).append("\r\n");
        sb.append("cluster_current_epoch:").append(m.version).append("\r\n");
        sb.append("cluster_my_epoch:").append(m.version).append("\r\n");
        sb.append("cluster_stats_messages_sent:0\r\n");
        sb.append("cluster_stats_messages_received:0\r\n");
        sb.append("total_cluster_links_buffer_limit_exceeded:0\r\n");
        return sb.toString();
    }
}
