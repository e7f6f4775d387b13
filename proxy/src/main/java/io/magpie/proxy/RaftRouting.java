package io.magpie.proxy;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * What backend raft adds to the cluster routing of {@link ClusterRouter}. A sharded Magpie Raft
 * cluster answers CLUSTER SLOTS (each group's leader as master, its followers as replicas), MOVED
 * from a node that does not lead the slot's group, TRYAGAIN while a group elects or a slot's move
 * is fenced, CLUSTERDOWN while a group has no leader; a TRYAGAIN always means "not applied" (a
 * write whose fate is open is held until the log decides). A single Raft group has no CLUSTER
 * SLOTS: RAFT INFO names its leader, which owns every slot.
 */
final class RaftRouting {
    /** With back-off doubling from 10 ms up to 500 ms: about 12 s, beyond an election after a leader is killed. */
    static final int MAX_RETRIES = 30;
    static final long MAX_DELAY_MS = 500;

    private RaftRouting() {}

    /** CLUSTER SLOTS refused: a single Raft group, not sharded. */
    static boolean singleGroup(Object clusterSlotsReply) {
        return clusterSlotsReply instanceof Replies.Err e && e.text().startsWith("ERR This instance has cluster support disabled");
    }

    /** RAFT INFO's leader_address (the leader's client host:port); null when none is known yet. */
    static String leaderAddress(Object raftInfoReply) {
        if (!(raftInfoReply instanceof byte[] text)) return null;
        for (String line : new String(text, StandardCharsets.UTF_8).split("\r?\n")) {
            if (line.startsWith("leader_address:")) {
                String a = line.substring("leader_address:".length()).strip();
                return a.isEmpty() ? null : a;
            }
        }
        return null;
    }

    /**
     * An error that says the request never reached a node, or a read that may be sent again:
     * safe to retry. A write in flight on a connection that broke (its leader killed) may have
     * applied, so its error goes to the client.
     */
    static boolean notSent(ByteBuf frame, boolean read) {
        if (!Replies.isError(frame, "ERR magpie-proxy: backend ")) return false;
        String text = Replies.lineText(frame);
        if (text.endsWith(" connection closed")) return true; // sent on a connection already closed: never written
        return read && (text.endsWith(" closed the connection") || text.contains(" connection error ("));
    }

    /**
     * Where DBSIZE, KEYS and SCAN go. A Raft node's keyspace holds every group it replicates, led
     * or not, so summing the leaders would count a key once per replica: one node that is a
     * member of every group answers for all. When no node is (replication below the node count),
     * the leaders, each counted whole.
     */
    static List<Backend> oneKeyspace(List<Backend> leaders, List<List<Backend>> groups) {
        Set<Backend> everywhere = new LinkedHashSet<>();
        for (List<Backend> g : groups) everywhere.addAll(g);
        for (List<Backend> g : groups) everywhere.retainAll(g);
        if (everywhere.isEmpty()) return leaders;
        // A leader first (its keyspace is the freshest), else any member of every group.
        for (Backend b : leaders) if (everywhere.contains(b)) return List.of(b);
        return List.of(everywhere.iterator().next());
    }
}
