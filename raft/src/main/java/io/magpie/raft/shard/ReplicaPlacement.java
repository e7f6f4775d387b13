package io.magpie.raft.shard;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which nodes hold each data group's replicas, and which one should lead: the decisions the
 * placement group takes when nodes join or leave or groups are added. Pure functions over
 * member lists (preferred leader first), so the balance they reach is computed and tested
 * without a cluster:
 * <ul>
 *   <li>{@link #balanceReplicas}: while some node holds two or more replicas more than another,
 *       move one replica of a group from the fullest node to the emptiest node that lacks that
 *       group (in the running system: add a learner, catch up, promote, remove the old one);</li>
 *   <li>{@link #balanceLeaders}: pick each group's preferred leader among its replicas, the
 *       node leading the fewest so far (in the system: a leadership transfer);</li>
 *   <li>{@link #addGroup}: a new group's replicas go to the nodes holding the fewest.</li>
 * </ul>
 */
public final class ReplicaPlacement {
    private ReplicaPlacement() {}

    /** Replicas held per node, for every node in nodes (zero included), in their order. */
    public static Map<String, Integer> replicasPerNode(List<List<String>> groups, List<String> nodes) {
        Map<String, Integer> count = new LinkedHashMap<>();
        for (String n : nodes) count.put(n, 0);
        for (List<String> g : groups) for (String n : g) count.merge(n, 1, Integer::sum);
        return count;
    }

    /** Groups preferring each node as leader (the first member), for every node in nodes. */
    public static Map<String, Integer> leadersPerNode(List<List<String>> groups, List<String> nodes) {
        Map<String, Integer> count = new LinkedHashMap<>();
        for (String n : nodes) count.put(n, 0);
        for (List<String> g : groups) if (!g.isEmpty()) count.merge(g.get(0), 1, Integer::sum);
        return count;
    }

    /** The member lists after replica moves that bring every node within one replica of every other. */
    public static List<List<String>> balanceReplicas(List<List<String>> groups, List<String> nodes) {
        List<List<String>> next = new ArrayList<>();
        for (List<String> g : groups) next.add(new ArrayList<>(g));
        for (int moves = 0; moves < groups.size() * nodes.size(); moves++) {
            Map<String, Integer> count = replicasPerNode(next, nodes);
            String fullest = null, emptiest = null;
            for (var e : count.entrySet()) {
                if (fullest == null || e.getValue() > count.get(fullest)) fullest = e.getKey();
                if (emptiest == null || e.getValue() < count.get(emptiest)) emptiest = e.getKey();
            }
            if (count.get(fullest) - count.get(emptiest) <= 1) break;
            boolean moved = false;
            // Prefer moving a replica the fullest node does not lead, so leadership moves less.
            for (int pass = 0; pass < 2 && !moved; pass++) {
                for (List<String> g : next) {
                    int at = g.indexOf(fullest);
                    if (at < 0 || g.contains(emptiest) || (pass == 0 && at == 0)) continue;
                    g.set(at, emptiest);
                    moved = true;
                    break;
                }
            }
            if (!moved) break;
        }
        return next;
    }

    /** The member lists with each group's preferred leader (first) chosen to even out leaders per node. */
    public static List<List<String>> balanceLeaders(List<List<String>> groups, List<String> nodes) {
        Map<String, Integer> leading = new LinkedHashMap<>();
        for (String n : nodes) leading.put(n, 0);
        List<List<String>> next = new ArrayList<>();
        for (List<String> g : groups) {
            String best = g.get(0);
            for (String n : g) if (leading.getOrDefault(n, 0) < leading.getOrDefault(best, 0)) best = n;
            leading.merge(best, 1, Integer::sum);
            List<String> reordered = new ArrayList<>(g);
            reordered.remove(best);
            reordered.add(0, best);
            next.add(reordered);
        }
        return next;
    }

    /** A new group's members: the replication nodes holding the fewest replicas (ties in node order), the one leading fewest first. */
    public static List<String> addGroup(List<List<String>> groups, List<String> nodes, int replication) {
        Map<String, Integer> count = replicasPerNode(groups, nodes);
        List<String> members = new ArrayList<>(nodes);
        members.sort((a, b) -> Integer.compare(count.get(a), count.get(b)));
        members = new ArrayList<>(members.subList(0, Math.min(replication, members.size())));
        Map<String, Integer> leading = leadersPerNode(groups, nodes);
        members.sort((a, b) -> Integer.compare(leading.get(a), leading.get(b)));
        return members;
    }

    /**
     * The member lists without node leaving: each of its replicas goes to the node of nodes
     * holding the fewest replicas that lacks the group (ties in node order), at the same place
     * in the list, so a preferred leader is replaced by a preferred leader. A group for which no
     * node is left just loses the replica.
     */
    public static List<List<String>> drain(List<List<String>> groups, List<String> nodes, String leaving) {
        List<List<String>> next = new ArrayList<>();
        for (List<String> g : groups) next.add(new ArrayList<>(g));
        for (List<String> g : next) {
            int at = g.indexOf(leaving);
            if (at < 0) continue;
            Map<String, Integer> count = replicasPerNode(next, nodes);
            String best = null;
            for (String n : nodes) if (!g.contains(n) && (best == null || count.get(n) < count.get(best))) best = n;
            if (best == null) g.remove(at);
            else g.set(at, best);
        }
        return next;
    }
}
