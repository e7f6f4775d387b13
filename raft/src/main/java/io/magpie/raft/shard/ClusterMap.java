package io.magpie.raft.shard;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The cluster map the placement group keeps: the nodes (raft and client addresses), the data
 * groups (members, the leader last reported and its term), and the slot → group table with
 * the placement that made it. Immutable: each placement entry applied makes the next map, so
 * the keyspace thread reads one consistent map without locks. version counts the entries
 * that changed it (CLUSTER INFO's current epoch).
 */
public final class ClusterMap {
    /** A node; a draining one (RAFT REMOVENODE) gets no replicas and leaves the map once it holds none. */
    public record Node(String id, String raftAddress, String clientAddress, boolean draining) {
        Node(String id, String raftAddress, String clientAddress) {
            this(id, raftAddress, clientAddress, false);
        }
    }

    /**
     * A data group: members are its Ratis voters as the map last recorded them (preferred leader
     * first), target the replicas it should have (the same list when no replica moves). A node
     * joining or draining changes target; the group's leader changes the Ratis membership to
     * match ({@link ReplicaMoves}) and then records it as members.
     */
    public record Group(int index, List<String> members, String leader, long leaderTerm, List<String> target) {
        Group(int index, List<String> members, String leader, long leaderTerm) {
            this(index, members, leader, leaderTerm, members);
        }

        /** The nodes that hold or are about to hold a replica. */
        public boolean names(String id) {
            return members.contains(id) || target.contains(id);
        }

        Group withMembers(List<String> m) {
            return new Group(index, List.copyOf(m), leader, leaderTerm, target);
        }

        Group withTarget(List<String> t) {
            return new Group(index, members, leader, leaderTerm, List.copyOf(t));
        }
    }

    public static final ClusterMap EMPTY = new ClusterMap(0, SlotPlacement.Kind.SLOTS, 0, Map.of(), List.of(), null);

    public final long version;
    public final SlotPlacement.Kind placement;
    /** Ring points per group (ring placement). */
    public final int vnodes;
    /** By id, in the order of raft-members. */
    public final Map<String, Node> nodes;
    public final List<Group> groups;
    /** Slot → group index; null while the map is empty. */
    private final short[] slots;
    /** The table a reshard in flight moves towards (slots move one source → target pair at a time); null when none. */
    private final short[] target;
    /**
     * The version of the map the reshard in flight started at (its RESHARD entry applied), 0
     * when none: the epoch of its moves. Each reshard moves a slot at most once, so a later move
     * of a slot always has a greater epoch, and every entry of a move carries it (FENCE, ACCEPT,
     * SWITCH), so that one of an earlier move, retried late by a deposed leader or driven again
     * from a stale map, is known as such wherever it lands.
     */
    public final long reshardVersion;

    private ClusterMap(long version, SlotPlacement.Kind placement, int vnodes, Map<String, Node> nodes, List<Group> groups, short[] slots) {
        this(version, placement, vnodes, nodes, groups, slots, null, 0);
    }

    private ClusterMap(long version, SlotPlacement.Kind placement, int vnodes, Map<String, Node> nodes, List<Group> groups, short[] slots,
            short[] target, long reshardVersion) {
        this.version = version;
        this.placement = placement;
        this.vnodes = vnodes;
        this.nodes = nodes;
        this.groups = groups;
        this.slots = slots;
        this.target = target;
        this.reshardVersion = target == null ? 0 : reshardVersion;
    }

    /**
     * The map a new cluster starts with, the same on every node for the same settings: group
     * g's replicas are the nodes g, g+1, ... (in raft-members order, wrapping), and node g is
     * the one it prefers as leader, so leaders spread evenly over the nodes.
     */
    public static ClusterMap bootstrap(Map<String, String> raftMembers, int groupCount, int replication, SlotPlacement.Kind placement,
            int vnodes) {
        if (groupCount < 1) throw new IllegalArgumentException("raft-shards must be at least 1");
        List<String> ids = new ArrayList<>(raftMembers.keySet());
        if (ids.isEmpty()) throw new IllegalArgumentException("no raft members");
        int r = Math.min(replication, ids.size());
        Map<String, Node> nodes = new LinkedHashMap<>();
        for (var e : raftMembers.entrySet()) nodes.put(e.getKey(), new Node(e.getKey(), e.getValue(), ""));
        List<Group> groups = new ArrayList<>();
        for (int g = 0; g < groupCount; g++) {
            List<String> members = new ArrayList<>();
            for (int k = 0; k < r; k++) members.add(ids.get((g + k) % ids.size()));
            groups.add(new Group(g, List.copyOf(members), "", 0));
        }
        short[] table = placement == SlotPlacement.Kind.RING ? SlotPlacement.ring(groupCount, vnodes) : SlotPlacement.ranges(groupCount);
        return new ClusterMap(1, placement, vnodes, Collections.unmodifiableMap(nodes), List.copyOf(groups), table);
    }

    public boolean isEmpty() {
        return slots == null;
    }

    /** The group owning slot; -1 while the map is empty (a joining node before it received the map). */
    public int groupOf(int slot) {
        return slots == null ? -1 : slots[slot];
    }

    /** A copy of the slot table (no slots while the map is empty). */
    public short[] slotTable() {
        return slots == null ? new short[0] : slots.clone();
    }

    /** The node's client address is known ("host:port"); the same map when nothing changes. */
    public ClusterMap withClientAddress(String id, String clientAddress) {
        Node n = nodes.get(id);
        if (n == null || n.clientAddress().equals(clientAddress)) return this;
        Map<String, Node> next = new LinkedHashMap<>(nodes);
        next.put(id, new Node(id, n.raftAddress(), clientAddress, n.draining()));
        return new ClusterMap(version + 1, placement, vnodes, Collections.unmodifiableMap(next), groups, slots, target, reshardVersion);
    }

    /** A leader reported for group g in term; ignored when the map knows a leader of a later term. */
    public ClusterMap withLeader(int g, String leader, long term) {
        if (g < 0 || g >= groups.size()) return this;
        Group old = groups.get(g);
        if (term < old.leaderTerm() || (term == old.leaderTerm() && leader.equals(old.leader()))) return this;
        List<Group> next = new ArrayList<>(groups);
        next.set(g, new Group(g, old.members(), leader, term, old.target()));
        return new ClusterMap(version + 1, placement, vnodes, nodes, List.copyOf(next), slots, target, reshardVersion);
    }

    /* ---------------- nodes joining and leaving ---------------- */

    /** The nodes that take replicas: every node but the draining ones, in map order. */
    public List<String> activeNodes() {
        List<String> out = new ArrayList<>();
        for (Node n : nodes.values()) if (!n.draining()) out.add(n.id());
        return out;
    }

    private List<List<String>> targets() {
        List<List<String>> out = new ArrayList<>();
        for (Group g : groups) out.add(g.target());
        return out;
    }

    private ClusterMap withTargets(Map<String, Node> nextNodes, List<List<String>> targets) {
        List<Group> next = new ArrayList<>();
        for (Group g : groups) next.add(g.withTarget(targets.get(g.index())));
        return new ClusterMap(version + 1, placement, vnodes, Collections.unmodifiableMap(nextNodes), List.copyOf(next), slots, target, reshardVersion);
    }

    /**
     * A node joins (--raft-join): it is added, and the groups' target replicas are rebalanced
     * so that it takes its share of replicas and of preferred leaders. A node already in the map
     * at the same raft address only updates its client address (a join sent again); one at
     * another address, or one draining, is refused (the same map).
     */
    public ClusterMap withJoin(String id, String raftAddress, String clientAddress) {
        if (isEmpty() || joinRefusal(id, raftAddress) != null) return this;
        Node n = nodes.get(id);
        if (n != null) return withClientAddress(id, clientAddress);
        Map<String, Node> next = new LinkedHashMap<>(nodes);
        next.put(id, new Node(id, raftAddress, clientAddress, false));
        List<String> active = new ArrayList<>(activeNodes());
        active.add(id);
        return withTargets(next, ReplicaPlacement.balanceLeaders(ReplicaPlacement.balanceReplicas(targets(), active), active));
    }

    /** Why a node may not join under id from raftAddress (Redis-style error), or null when it may. */
    public String joinRefusal(String id, String raftAddress) {
        Node n = nodes.get(id);
        if (n == null) return null;
        if (n.draining()) return "ERR raft node " + id + " is leaving the cluster; join under another id";
        if (!n.raftAddress().equals(raftAddress)) return "ERR raft node " + id + " is already in the cluster at " + n.raftAddress();
        return null;
    }

    /** RAFT REMOVENODE: the node drains; each of its replicas gets a new home on the node holding fewest. */
    public ClusterMap withDrain(String id) {
        Node n = nodes.get(id);
        if (isEmpty() || n == null || n.draining()) return this;
        Map<String, Node> next = new LinkedHashMap<>(nodes);
        next.put(id, new Node(id, n.raftAddress(), n.clientAddress(), true));
        List<String> active = new ArrayList<>(activeNodes());
        active.remove(id);
        List<List<String>> t = ReplicaPlacement.drain(targets(), active, id);
        return withTargets(next, ReplicaPlacement.balanceLeaders(ReplicaPlacement.balanceReplicas(t, active), active));
    }

    /** Group g's Ratis voters are now members (a replica move done). */
    public ClusterMap withMembers(int g, List<String> members) {
        if (g < 0 || g >= groups.size() || groups.get(g).members().equals(members)) return this;
        List<Group> next = new ArrayList<>(groups);
        next.set(g, groups.get(g).withMembers(members));
        return new ClusterMap(version + 1, placement, vnodes, nodes, List.copyOf(next), slots, target, reshardVersion);
    }

    /** A drained node leaves the map; refused (the same map) while it is not draining or a group still names it. */
    public ClusterMap without(String id) {
        Node n = nodes.get(id);
        if (n == null || !n.draining()) return this;
        for (Group g : groups) if (g.names(id)) return this;
        Map<String, Node> next = new LinkedHashMap<>(nodes);
        next.remove(id);
        return new ClusterMap(version + 1, placement, vnodes, Collections.unmodifiableMap(next), groups, slots, target, reshardVersion);
    }

    /** A draining node that no group names any more: it may leave the placement group and the map. */
    public boolean drained(String id) {
        Node n = nodes.get(id);
        if (n == null || !n.draining()) return false;
        for (Group g : groups) if (g.names(id)) return false;
        return true;
    }

    /* ---------------- resharding ---------------- */

    public boolean resharding() {
        return target != null;
    }

    /** The group slot moves to in the reshard in flight, or its owner when it does not move. */
    public int targetOf(int slot) {
        return target == null ? groupOf(slot) : target[slot];
    }

    /**
     * The number of shards: the groups that own slots (or will, once the reshard in flight
     * ends). Groups are never taken away, so after RAFT SHARDS to fewer the groups past the
     * count stay, owning no slots, and a later growth gives slots to them again.
     */
    public int shards() {
        if (isEmpty()) return groups.size();
        short[] table = target != null ? target : slots;
        int max = 0;
        for (short g : table) max = Math.max(max, g);
        return max + 1;
    }

    /**
     * RAFT SHARDS n: n shards, the groups that do not exist yet placed on the nodes holding the
     * fewest replicas, and the table to reach (the slots table rebalanced with the fewest moves,
     * or the ring of n groups); to fewer shards, the slots of groups n and up move to the
     * others. Ignored (the same map) while a reshard runs or when n is the shard count now.
     */
    public ClusterMap withReshard(int n) {
        if (isEmpty() || target != null || n < 1 || n == shards()) return this;
        List<String> ids = activeNodes();
        List<List<String>> members = new ArrayList<>();
        for (Group g : groups) members.add(g.target());
        List<Group> next = new ArrayList<>(groups);
        for (int g = groups.size(); g < n; g++) {
            List<String> m = ReplicaPlacement.addGroup(members, ids, groups.get(0).members().size());
            members.add(m);
            next.add(new Group(g, List.copyOf(m), "", 0));
        }
        short[] to = placement == SlotPlacement.Kind.RING ? SlotPlacement.ring(n, vnodes) : SlotPlacement.rebalance(slots, n);
        return new ClusterMap(version + 1, placement, vnodes, nodes, List.copyOf(next), slots, to, version + 1);
    }

    /**
     * The slots of source that move to target in the reshard that started at map version
     * {@code reshard} now belong to target; the reshard ends with its last move. A switch of an
     * earlier reshard (its driver deposed or its map stale) is ignored: applied to this one's
     * pair of the same groups, it would give the target slots no fence and copy moved.
     * {@code reshard} < 0: an entry written before switches named their reshard.
     */
    public ClusterMap withSwitch(int source, int to, long reshard) {
        if (target == null || (reshard >= 0 && reshard != reshardVersion)) return this;
        short[] next = slots.clone();
        boolean done = true;
        for (int s = 0; s < next.length; s++) {
            if (next[s] == source && target[s] == to) next[s] = (short) to;
            if (next[s] != target[s]) done = false;
        }
        return new ClusterMap(version + 1, placement, vnodes, nodes, groups, next, done ? null : target, reshardVersion);
    }

    /** The moves a reshard still has to make: {source, target, slots} each. */
    public List<int[]> pendingMoves() {
        List<int[]> out = new ArrayList<>();
        if (target == null) return out;
        Map<Long, int[]> byPair = new LinkedHashMap<>();
        for (int s = 0; s < slots.length; s++) {
            if (slots[s] == target[s]) continue;
            byPair.computeIfAbsent(((long) slots[s] << 32) | target[s], k -> new int[3]);
            int[] m = byPair.get(((long) slots[s] << 32) | target[s]);
            m[0] = slots[s];
            m[1] = target[s];
            m[2]++;
        }
        out.addAll(byPair.values());
        return out;
    }

    /** The slot ranges of group g, as {start, end} pairs in slot order. */
    public List<int[]> ranges(int g) {
        List<int[]> out = new ArrayList<>();
        for (int[] run : SlotPlacement.runs(slotTable())) if (run[2] == g) out.add(new int[] {run[0], run[1]});
        return out;
    }

    /* ---------------- encoding (placement entries and snapshots) ---------------- */

    public byte[] encode() {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(SlotPlacement.SLOTS * 2 + 256);
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeLong(version);
            out.writeUTF(placement.name());
            out.writeInt(vnodes);
            out.writeInt(nodes.size());
            for (Node n : nodes.values()) {
                out.writeUTF(n.id());
                out.writeUTF(n.raftAddress());
                out.writeUTF(n.clientAddress());
            }
            out.writeInt(groups.size());
            for (Group g : groups) {
                out.writeInt(g.members().size());
                for (String m : g.members()) out.writeUTF(m);
                out.writeUTF(g.leader());
                out.writeLong(g.leaderTerm());
            }
            out.writeBoolean(slots != null);
            if (slots != null) for (short s : slots) out.writeShort(s);
            out.writeBoolean(target != null);
            if (target != null) for (short s : target) out.writeShort(s);
            // Added with joins and drains, after the fields above so that an older map still decodes.
            for (Node n : nodes.values()) out.writeBoolean(n.draining());
            for (Group g : groups) {
                out.writeInt(g.target().size());
                for (String m : g.target()) out.writeUTF(m);
            }
            out.writeLong(reshardVersion);
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static ClusterMap decode(byte[] data) {
        try {
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(data));
            long version = in.readLong();
            SlotPlacement.Kind placement = SlotPlacement.Kind.valueOf(in.readUTF());
            int vnodes = in.readInt();
            Map<String, Node> nodes = new LinkedHashMap<>();
            for (int i = in.readInt(); i > 0; i--) {
                Node n = new Node(in.readUTF(), in.readUTF(), in.readUTF());
                nodes.put(n.id(), n);
            }
            List<Group> groups = new ArrayList<>();
            int count = in.readInt();
            for (int g = 0; g < count; g++) {
                List<String> members = new ArrayList<>();
                for (int i = in.readInt(); i > 0; i--) members.add(in.readUTF());
                groups.add(new Group(g, List.copyOf(members), in.readUTF(), in.readLong()));
            }
            short[] slots = null;
            if (in.readBoolean()) {
                slots = new short[SlotPlacement.SLOTS];
                for (int s = 0; s < slots.length; s++) slots[s] = in.readShort();
            }
            short[] target = null;
            if (in.readBoolean()) {
                target = new short[SlotPlacement.SLOTS];
                for (int s = 0; s < target.length; s++) target[s] = in.readShort();
            }
            if (in.available() > 0) {
                for (Node n : List.copyOf(nodes.values())) if (in.readBoolean()) nodes.put(n.id(), new Node(n.id(), n.raftAddress(), n.clientAddress(), true));
                for (int g = 0; g < count; g++) {
                    List<String> t = new ArrayList<>();
                    for (int i = in.readInt(); i > 0; i--) t.add(in.readUTF());
                    groups.set(g, groups.get(g).withTarget(t));
                }
            }
            long reshardVersion = in.available() >= Long.BYTES ? in.readLong() : version; // a map written before it was kept
            return new ClusterMap(version, placement, vnodes, Collections.unmodifiableMap(nodes), List.copyOf(groups), slots, target, reshardVersion);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
