package io.magpie.jepsen;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import redis.clients.jedis.Jedis;

/**
 * A {@link RaftCluster} in sharded mode ({@code --raft-shards n}): the placement group and the
 * data groups on the same nodes, every Raft link through its fault proxy. "The leader" is the
 * placement group's; the data groups' leaders and the moves of a reshard are read from each
 * node's INFO raft ({@code shard<g>:role=...,leader=...}, {@code move<i>:from=..,to=..}).
 */
public final class ShardedRaftCluster extends RaftCluster {
    /** Starts nodes n1..n{size} with {@code shards} data groups and waits until the cluster is whole (every group led, map known). */
    public ShardedRaftCluster(Path dir, int size, int shards, String... extraArgs) {
        super(dir, size, args(shards, extraArgs));
        try {
            awaitWholeGroup(120_000);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    private static List<String> args(int shards, String... extraArgs) {
        List<String> args = new ArrayList<>(List.of("--raft-shards", String.valueOf(shards)));
        args.addAll(List.of(extraArgs));
        return args;
    }

    /** The placement group's leader, once it has bootstrapped the map; null when none. */
    @Override
    public String leader() {
        for (String id : ids()) {
            Map<String, String> info = raftInfo(id);
            if ("leader".equals(info.get("placement_role")) && !"0".equals(info.getOrDefault("map_version", "0"))) return id;
        }
        return null;
    }

    /**
     * Whole: every node alive, naming the same placement leader, with the same number of
     * shards and no reshard in flight; every data group (those left without slots by fewer
     * shards too) led by a ready leader (the groups the nodes lead add up) that every node names; and every node's CLUSTER INFO ok (each slot's
     * leader has a known client address), so that clients are routed.
     */
    @Override
    protected boolean isWhole() {
        String placement = leader();
        if (placement == null) return false;
        String shards = null;
        int led = 0;
        Map<String, String> leaders = null;
        for (String id : ids()) {
            if (!node(id).isAlive()) return false;
            Map<String, String> info = raftInfo(id);
            if (!placement.equals(info.get("placement_leader")) || !"0".equals(info.get("resharding"))) return false;
            if (shards == null) shards = info.get("raft_shards");
            if (shards == null || !shards.equals(info.get("raft_shards"))) return false;
            led += Integer.parseInt(info.getOrDefault("shards_led", "0"));
            Map<String, String> named = shardLeaders(info);
            if (leaders == null) leaders = named;
            if (!leaders.equals(named) || named.containsValue("")) return false;
            try (Jedis j = node(id).client()) {
                if (!j.clusterInfo().contains("cluster_state:ok")) return false;
            } catch (RuntimeException e) {
                return false;
            }
        }
        return led == leaders.size();
    }

    /** shard index → leader as one node's INFO names it ("" when it knows none). */
    private static Map<String, String> shardLeaders(Map<String, String> info) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : info.entrySet()) {
            if (e.getKey().startsWith("shard") && !e.getKey().equals("shards_led")) out.put(e.getKey(), fields(e.getValue()).getOrDefault("leader", ""));
        }
        return out;
    }

    /** "a=1,b=2" as a map. */
    private static Map<String, String> fields(String value) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String part : value.split(",")) {
            int eq = part.indexOf('=');
            if (eq > 0) out.put(part.substring(0, eq), part.substring(eq + 1));
        }
        return out;
    }

    /** The node that leads data group g and says so itself, or null. */
    public String shardLeader(int g) {
        for (String id : ids()) {
            String shard = raftInfo(id).get("shard" + g);
            if (shard != null && "leader".equals(fields(shard).get("role"))) return id;
        }
        return null;
    }

    /** Waits (up to millis) for a node to lead data group g. */
    public String awaitShardLeader(int g, long millis) {
        long deadline = System.currentTimeMillis() + millis;
        while (System.currentTimeMillis() < deadline) {
            String l = shardLeader(g);
            if (l != null) return l;
            ServerProcess.sleep(50);
        }
        throw new IllegalStateException("no leader of shard " + g + " within " + millis + " ms\n" + logTails());
    }

    /** The moves of the reshard in flight as the placement leader's map has them: {source, target} each. */
    public List<int[]> pendingMoves() {
        List<int[]> out = new ArrayList<>();
        String l = leader();
        if (l == null) return out;
        for (Map.Entry<String, String> e : raftInfo(l).entrySet()) {
            if (!e.getKey().matches("move\\d+")) continue;
            Map<String, String> f = fields(e.getValue());
            out.add(new int[] {Integer.parseInt(f.get("from")), Integer.parseInt(f.get("to"))});
        }
        return out;
    }

    /** The number of shards the map has (the target of a reshard in flight), as the placement leader answers within 120 s. */
    public int shards() {
        long deadline = System.currentTimeMillis() + 120_000;
        while (System.currentTimeMillis() < deadline) {
            String shards = raftInfo(awaitLeader(120_000)).get("raft_shards"); // null: INFO not answered in time (a loaded machine)
            if (shards != null) return Integer.parseInt(shards);
            ServerProcess.sleep(50);
        }
        throw new IllegalStateException("no placement leader answered INFO raft within 120 s\n" + logTails());
    }

    /** RAFT SHARDS n on the placement leader: "OK" once the reshard is in the map (the moves follow), else the error. */
    /**
     * RAFT SHARDS n, sent again while it answers TRYAGAIN (the placement leader changing), for at
     * most 30 s. After a TRYAGAIN whose reshard may have been applied, "already in progress" or
     * "there are n raft shards already" means it was: OK.
     */
    public String reshard(int n) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 30_000;
        boolean retried = false;
        while (true) {
            Object answer = raftCommand("SHARDS", String.valueOf(n));
            String prefix = redis.clients.jedis.exceptions.JedisDataException.class.getName() + ": ";
            String reply = String.valueOf(answer).startsWith(prefix) ? String.valueOf(answer).substring(prefix.length()) : String.valueOf(answer);
            if (retried && (reply.equals("ERR a reshard is already in progress") || reply.equals("ERR there are " + n + " raft shards already"))) {
                return "OK";
            }
            if (!reply.startsWith("TRYAGAIN") || System.currentTimeMillis() > deadline) return reply;
            retried = true;
            Thread.sleep(200);
        }
    }

    /**
     * Starts node id, new to the cluster, with raft-join through via's Raft port; the placement
     * group adds it to the map and replicas move onto it. The others reach it at the address it
     * reports, without a fault proxy.
     */
    public void join(String id, String via) {
        launchWith(id, List.of("--raft-join", "127.0.0.1:" + raftPort(via)), List.of("--raft-shards"));
    }

    /**
     * RAFT REMOVENODE id on the placement leader, sent again while it answers TRYAGAIN for at most
     * 30 s: "OK" once the drain is in the map (the replica moves follow), else the error.
     */
    public String drain(String id) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 30_000;
        while (true) {
            String reply = String.valueOf(raftCommand("REMOVENODE", id));
            String prefix = redis.clients.jedis.exceptions.JedisDataException.class.getName() + ": ";
            if (reply.startsWith(prefix)) reply = reply.substring(prefix.length());
            if (!reply.startsWith("TRYAGAIN") || System.currentTimeMillis() > deadline) return reply;
            Thread.sleep(200);
        }
    }

    /**
     * Waits (up to millis) until every node but {@code except} names exactly {@code members} in
     * its map and has no replica move pending.
     */
    public void awaitMembers(java.util.Set<String> members, String except, long millis) {
        long deadline = System.currentTimeMillis() + millis;
        while (System.currentTimeMillis() < deadline) {
            boolean settled = true;
            for (String id : ids()) {
                if (id.equals(except)) continue;
                Map<String, String> info = raftInfo(id);
                String nodes = info.get("nodes");
                if (nodes == null || !new java.util.HashSet<>(List.of(nodes.split(","))).equals(members)
                        || !"0".equals(info.get("replica_moves_pending"))) {
                    settled = false;
                    break;
                }
            }
            if (settled) return;
            ServerProcess.sleep(100);
        }
        StringBuilder sb = new StringBuilder("the map does not name " + members + " with no replica move pending within " + millis + " ms\n");
        for (String id : ids()) sb.append(id).append(' ').append(raftInfo(id)).append('\n');
        throw new IllegalStateException(sb + logTails());
    }

    /** After a schedule: every fault undone ({@link RaftCluster#recover}), then the cluster whole again, its moves done. */
    @Override
    public void recover() {
        super.recover();
        awaitWholeGroup(120_000);
    }
}
