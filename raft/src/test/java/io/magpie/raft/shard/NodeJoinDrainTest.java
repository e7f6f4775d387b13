package io.magpie.raft.shard;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The cluster map's side of nodes joining and draining: the target replicas it sets, and when a node may leave. */
class NodeJoinDrainTest {
    private static ClusterMap threeNodes(int groups, int replication) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 1; i <= 3; i++) m.put("n" + i, "127.0.0.1:" + (17000 + i));
        return ClusterMap.bootstrap(m, groups, replication, SlotPlacement.Kind.SLOTS, 0);
    }

    private static Map<String, Integer> count(ClusterMap m, boolean leadersOnly) {
        Map<String, Integer> out = new HashMap<>();
        for (ClusterMap.Group g : m.groups) {
            if (leadersOnly) out.merge(g.target().get(0), 1, Integer::sum);
            else for (String n : g.target()) out.merge(n, 1, Integer::sum);
        }
        return out;
    }

    /** Apply a map's targets as if every group's replicas had moved (MEMBERS of each group). */
    private static ClusterMap moved(ClusterMap m) {
        for (ClusterMap.Group g : m.groups) m = m.withMembers(g.index(), g.target());
        return m;
    }

    @Test
    void aJoiningNodeGetsItsShareOfReplicasAndOfPreferredLeadersAndTheMembersStayUntilTheMovesAreDone() {
        ClusterMap m = threeNodes(6, 3);
        ClusterMap joined = m.withJoin("n4", "127.0.0.1:17004", "127.0.0.1:7004");
        assertThat(joined.nodes).containsKey("n4");
        assertThat(joined.nodes.get("n4").clientAddress()).isEqualTo("127.0.0.1:7004");
        // 18 replicas on 4 nodes: 4 or 5 each; 6 preferred leaders: 1 or 2 each.
        assertThat(count(joined, false)).containsOnlyKeys("n1", "n2", "n3", "n4").allSatisfy((n, c) -> assertThat(c).isBetween(4, 5));
        assertThat(count(joined, true)).containsOnlyKeys("n1", "n2", "n3", "n4").allSatisfy((n, c) -> assertThat(c).isBetween(1, 2));
        for (ClusterMap.Group g : joined.groups) {
            assertThat(g.target()).hasSize(3).doesNotHaveDuplicates();
            assertThat(g.members()).isEqualTo(m.groups.get(g.index()).members()); // nothing moved yet
        }
        // A join sent again (a lost reply) changes nothing; the same id at another address is refused, and told why.
        assertThat(joined.withJoin("n4", "127.0.0.1:17004", "127.0.0.1:7004")).isSameAs(joined);
        assertThat(joined.joinRefusal("n4", "127.0.0.1:17004")).isNull();
        assertThat(joined.withJoin("n4", "127.0.0.1:29999", "127.0.0.1:7004")).isSameAs(joined);
        byte[] impostor = PlacementStateMachine.join("n4", "127.0.0.1:29999", "127.0.0.1:7009");
        assertThat(PlacementStateMachine.refusal(joined, impostor)).isEqualTo("ERR raft node n4 is already in the cluster at 127.0.0.1:17004");
        assertThat(PlacementStateMachine.refusal(joined.withDrain("n4"), PlacementStateMachine.join("n4", "127.0.0.1:17004", "")))
                .isEqualTo("ERR raft node n4 is leaving the cluster; join under another id");
        // RAFT SHARDS is checked by the log too, on the map as of its entry: a node's own copy may lag.
        assertThat(PlacementStateMachine.refusal(m, PlacementStateMachine.reshard(m.shards()))).isEqualTo("ERR there are " + m.shards() + " raft shards already");
        assertThat(PlacementStateMachine.refusal(m, PlacementStateMachine.reshard(m.shards() + 1))).isNull();
        ClusterMap resharding = PlacementStateMachine.apply(m, PlacementStateMachine.reshard(m.shards() + 1));
        assertThat(PlacementStateMachine.refusal(resharding, PlacementStateMachine.reshard(m.shards() + 1))).isEqualTo("ERR a reshard is already in progress");
        // The targets survive encoding (a placement snapshot).
        ClusterMap back = ClusterMap.decode(joined.encode());
        assertThat(back.groups).isEqualTo(joined.groups);
        assertThat(back.nodes).isEqualTo(joined.nodes);
    }

    @Test
    void aDrainingNodeLosesEveryReplicaAndLeavesTheMapOnlyOnceNoGroupNamesIt() {
        ClusterMap m = moved(threeNodes(6, 3).withJoin("n4", "127.0.0.1:17004", ""));
        ClusterMap draining = m.withDrain("n2");
        assertThat(draining.nodes.get("n2").draining()).isTrue();
        assertThat(draining.activeNodes()).containsExactly("n1", "n3", "n4");
        for (ClusterMap.Group g : draining.groups) assertThat(g.target()).hasSize(3).doesNotContain("n2").doesNotHaveDuplicates();
        assertThat(count(draining, true)).allSatisfy((n, c) -> assertThat(c).isEqualTo(2));
        // While a group still has n2 as a member, n2 stays in the map.
        assertThat(draining.drained("n2")).isFalse();
        assertThat(draining.without("n2")).isSameAs(draining);
        ClusterMap done = moved(draining);
        assertThat(done.drained("n2")).isTrue();
        ClusterMap gone = done.without("n2");
        assertThat(gone.nodes).doesNotContainKey("n2");
        // An active node never leaves by FORGET; a draining one does not rejoin under the same id.
        assertThat(gone.without("n1")).isSameAs(gone);
        assertThat(done.withJoin("n2", "127.0.0.1:17002", "")).isSameAs(done);
        assertThat(ClusterMap.decode(draining.encode()).nodes.get("n2").draining()).isTrue();
    }

    @Test
    void aReshardPlacesNewGroupsOnActiveNodesOnly() {
        ClusterMap m = moved(moved(threeNodes(3, 2).withJoin("n4", "127.0.0.1:17004", "")).withDrain("n1"));
        ClusterMap grown = m.withReshard(5);
        for (int g = 3; g < 5; g++) assertThat(grown.groups.get(g).members()).doesNotContain("n1").hasSize(2);
    }

    @Test
    void theEntriesApplyThroughThePlacementStateMachine() {
        ClusterMap m = threeNodes(6, 3);
        ClusterMap joined = PlacementStateMachine.apply(m, PlacementStateMachine.join("n4", "127.0.0.1:17004", "127.0.0.1:7004"));
        assertThat(joined.nodes).containsKey("n4");
        ClusterMap recorded = PlacementStateMachine.apply(joined, PlacementStateMachine.members(2, List.of("n4", "n3", "n1")));
        assertThat(recorded.groups.get(2).members()).containsExactly("n4", "n3", "n1");
        ClusterMap draining = PlacementStateMachine.apply(recorded, PlacementStateMachine.drain("n4"));
        assertThat(draining.nodes.get("n4").draining()).isTrue();
        assertThat(PlacementStateMachine.apply(draining, PlacementStateMachine.forget("n4"))).isSameAs(draining); // still named
        assertThat(PlacementStateMachine.apply(ClusterMap.EMPTY, PlacementStateMachine.join("n4", "a:1", "b:2"))).isSameAs(ClusterMap.EMPTY);
    }
}
