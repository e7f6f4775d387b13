package io.magpie.raft.shard;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ClusterMapTest {
    private static Map<String, String> members(int n) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 1; i <= n; i++) m.put("n" + i, "127.0.0.1:" + (17000 + i));
        return m;
    }

    @Test
    void bootstrapSpreadsReplicasAndPreferredLeadersEvenlyOverTheNodes() {
        ClusterMap m = ClusterMap.bootstrap(members(3), 6, 2, SlotPlacement.Kind.SLOTS, 0);
        Map<String, Integer> replicas = new HashMap<>(), preferred = new HashMap<>();
        for (ClusterMap.Group g : m.groups) {
            assertThat(g.members()).hasSize(2).doesNotHaveDuplicates();
            for (String id : g.members()) replicas.merge(id, 1, Integer::sum);
            preferred.merge(g.members().get(0), 1, Integer::sum);
        }
        assertThat(replicas).containsOnly(Map.entry("n1", 4), Map.entry("n2", 4), Map.entry("n3", 4));
        assertThat(preferred).containsOnly(Map.entry("n1", 2), Map.entry("n2", 2), Map.entry("n3", 2));
        assertThat(ClusterMap.bootstrap(members(3), 6, 5, SlotPlacement.Kind.SLOTS, 0).groups.get(0).members()).hasSize(3);
    }

    @Test
    void theMapSurvivesEncodingWithItsSlotTableNodesAndLeaders() {
        ClusterMap m = ClusterMap.bootstrap(members(3), 6, 3, SlotPlacement.Kind.RING, 64).withClientAddress("n2", "127.0.0.1:7002")
                .withLeader(4, "n3", 7);
        ClusterMap back = ClusterMap.decode(m.encode());
        assertThat(back.version).isEqualTo(m.version);
        assertThat(back.placement).isEqualTo(SlotPlacement.Kind.RING);
        assertThat(back.vnodes).isEqualTo(64);
        assertThat(back.nodes).isEqualTo(m.nodes);
        assertThat(back.groups).isEqualTo(m.groups);
        assertThat(back.slotTable()).isEqualTo(m.slotTable());
    }

    @Test
    void raftShardsSevenAddsAGroupAndItsMovesEndInTheRebalancedTable() {
        ClusterMap six = ClusterMap.bootstrap(members(3), 6, 3, SlotPlacement.Kind.SLOTS, 0);
        ClusterMap m = PlacementStateMachine.apply(six, PlacementStateMachine.reshard(7));
        assertThat(m.groups).hasSize(7);
        assertThat(m.groups.get(6).members()).hasSize(3).doesNotHaveDuplicates();
        assertThat(m.resharding()).isTrue();
        // Until a move switches, the slots stay where they are; the moves all go into the new group.
        assertThat(m.slotTable()).isEqualTo(six.slotTable());
        assertThat(m.pendingMoves()).hasSize(6).allSatisfy(mv -> assertThat(mv[1]).isEqualTo(6));
        assertThat(ClusterMap.decode(m.encode()).pendingMoves()).hasSize(6);
        assertThat(PlacementStateMachine.apply(m, PlacementStateMachine.reshard(8))).isSameAs(m);
        for (int[] mv : m.pendingMoves()) {
            m = PlacementStateMachine.apply(m, PlacementStateMachine.switchSlots(mv[0], mv[1], m.reshardVersion));
            m = PlacementStateMachine.apply(m, PlacementStateMachine.switchSlots(mv[0], mv[1], m.reshardVersion)); // a retried switch changes nothing
        }
        assertThat(m.resharding()).isFalse();
        assertThat(m.slotTable()).isEqualTo(SlotPlacement.rebalance(six.slotTable(), 7));
        assertThat(PlacementStateMachine.apply(m, PlacementStateMachine.reshard(7))).isSameAs(m);
    }

    @Test
    void raftShardsToFewerMovesTheSlotsOfTheGroupsPastTheCountAndKeepsTheGroupsForALaterGrowth() {
        ClusterMap five = ClusterMap.bootstrap(members(3), 5, 3, SlotPlacement.Kind.SLOTS, 0);
        ClusterMap m = PlacementStateMachine.apply(five, PlacementStateMachine.reshard(3));
        assertThat(m.resharding()).isTrue();
        assertThat(m.shards()).isEqualTo(3);
        assertThat(m.groups).isEqualTo(five.groups);
        assertThat(m.pendingMoves()).allSatisfy(mv -> assertThat(mv[0]).isGreaterThanOrEqualTo(3)).allSatisfy(mv -> assertThat(mv[1]).isLessThan(3));
        for (int[] mv : m.pendingMoves()) m = m.withSwitch(mv[0], mv[1], m.reshardVersion);
        assertThat(m.resharding()).isFalse();
        assertThat(m.slotTable()).isEqualTo(SlotPlacement.rebalance(five.slotTable(), 3));
        assertThat(m.ranges(3)).isEmpty();
        assertThat(PlacementStateMachine.apply(m, PlacementStateMachine.reshard(3))).isSameAs(m);

        ClusterMap grown = m.withReshard(4);
        assertThat(grown.groups).hasSize(5);
        assertThat(grown.pendingMoves()).allSatisfy(mv -> assertThat(mv[1]).isEqualTo(3));
        for (int[] mv : grown.pendingMoves()) grown = grown.withSwitch(mv[0], mv[1], grown.reshardVersion);
        assertThat(grown.shards()).isEqualTo(4);
        assertThat(grown.ranges(4)).isEmpty();
    }

    @Test
    void aSwitchOfAnEarlierReshardIsIgnoredThoughTheLaterOneMovesTheSameGroups() {
        ClusterMap m = ClusterMap.bootstrap(members(3), 2, 3, SlotPlacement.Kind.SLOTS, 0);
        m = PlacementStateMachine.apply(m, PlacementStateMachine.reshard(3));
        long first = m.reshardVersion;
        assertThat(first).isEqualTo(m.version);
        assertThat(ClusterMap.decode(m.encode()).reshardVersion).isEqualTo(first);
        for (int[] mv : m.pendingMoves()) m = PlacementStateMachine.apply(m, PlacementStateMachine.switchSlots(mv[0], mv[1], first));
        assertThat(m.resharding()).isFalse();
        assertThat(m.reshardVersion).isZero();
        m = PlacementStateMachine.apply(m, PlacementStateMachine.reshard(2));
        for (int[] mv : m.pendingMoves()) m = m.withSwitch(mv[0], mv[1], m.reshardVersion);
        m = PlacementStateMachine.apply(m, PlacementStateMachine.reshard(3)); // 0 -> 2 and 1 -> 2 again
        assertThat(m.pendingMoves()).anySatisfy(mv -> assertThat(mv[0] == 0 && mv[1] == 2).isTrue());
        assertThat(m.reshardVersion).isGreaterThan(first);
        // A deposed driver's switch of the first reshard's 0 -> 2, applied now: no fence and no copy of this reshard's 0 -> 2 ran.
        assertThat(PlacementStateMachine.apply(m, PlacementStateMachine.switchSlots(0, 2, first))).isSameAs(m);
        ClusterMap switched = PlacementStateMachine.apply(m, PlacementStateMachine.switchSlots(0, 2, m.reshardVersion));
        assertThat(switched.pendingMoves()).noneSatisfy(mv -> assertThat(mv[0] == 0 && mv[1] == 2).isTrue());
    }

    @Test
    void aRingGrowsToTheRingOfMoreGroups() {
        ClusterMap m = ClusterMap.bootstrap(members(3), 6, 3, SlotPlacement.Kind.RING, 64).withReshard(7);
        for (int[] mv : m.pendingMoves()) m = m.withSwitch(mv[0], mv[1], m.reshardVersion);
        assertThat(m.resharding()).isFalse();
        assertThat(m.slotTable()).isEqualTo(SlotPlacement.ring(7, 64));
    }

    @Test
    void aFenceEntryNamesItsSlotsAndNoOtherEntryIsOne() {
        java.util.BitSet slots = new java.util.BitSet();
        slots.set(0);
        slots.set(5000, 5003);
        assertThat(SlotMove.fencedSlots(SlotMove.fence(slots, 3, 1))).isEqualTo(slots);
        byte[][] set = {"SET".getBytes(), "MAGPIE.FENCE".getBytes()};
        assertThat(SlotMove.fencedSlots(io.magpie.raft.LogEntry.write("n1", 1, 0, 1, 1, false, java.util.List.<byte[][]>of(set)))).isNull();
    }

    @Test
    void placementEntriesBootstrapOnceAndKeepTheLeaderOfTheLatestTerm() {
        ClusterMap first = ClusterMap.bootstrap(members(3), 6, 3, SlotPlacement.Kind.SLOTS, 0);
        ClusterMap other = ClusterMap.bootstrap(members(3), 3, 3, SlotPlacement.Kind.SLOTS, 0);
        ClusterMap m = PlacementStateMachine.apply(ClusterMap.EMPTY, PlacementStateMachine.leader(0, "n1", 1));
        assertThat(m.isEmpty()).isTrue();
        m = PlacementStateMachine.apply(m, PlacementStateMachine.bootstrap(first));
        m = PlacementStateMachine.apply(m, PlacementStateMachine.bootstrap(other));
        assertThat(m.groups).hasSize(6);
        m = PlacementStateMachine.apply(m, PlacementStateMachine.node("n1", "127.0.0.1:7001"));
        assertThat(m.nodes.get("n1").clientAddress()).isEqualTo("127.0.0.1:7001");
        m = PlacementStateMachine.apply(m, PlacementStateMachine.leader(2, "n2", 5));
        m = PlacementStateMachine.apply(m, PlacementStateMachine.leader(2, "n1", 4));
        assertThat(m.groups.get(2).leader()).isEqualTo("n2");
        m = PlacementStateMachine.apply(m, PlacementStateMachine.leader(2, "n3", 6));
        assertThat(m.groups.get(2).leader()).isEqualTo("n3");
        assertThat(m.groups.get(2).leaderTerm()).isEqualTo(6);
    }
}
