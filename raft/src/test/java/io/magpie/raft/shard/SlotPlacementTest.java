package io.magpie.raft.shard;

import static org.assertj.core.api.Assertions.assertThat;

import io.magpie.commands.placement.Distribution;
import io.magpie.commands.placement.HashRing;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SlotPlacementTest {
    @Test
    void slotsPlacementStartsAsEvenContiguousRangesAsClusterCreateAssignsThem() {
        short[] t = SlotPlacement.ranges(3);
        assertThat(SlotPlacement.runs(t)).extracting(r -> r[0] + "-" + r[1] + ":" + r[2])
                .containsExactly("0-5460:0", "5461-10921:1", "10922-16383:2");
        assertThat(SlotPlacement.counts(SlotPlacement.ranges(6), 6)).containsOnly(2730, 2731);
    }

    @Test
    void growingSixGroupsToSevenMovesExactlyTheNewGroupsShareAndEvensTheCounts() {
        short[] six = SlotPlacement.ranges(6);
        short[] seven = SlotPlacement.rebalance(six, 7);
        assertThat(SlotPlacement.moved(six, seven)).isEqualTo(16384 / 7 + (6 < 16384 % 7 ? 1 : 0));
        assertThat(SlotPlacement.counts(seven, 7)).containsOnly(2340, 2341);
        for (int s = 0; s < 16384; s++) if (six[s] != seven[s]) assertThat(seven[s]).isEqualTo((short) 6);
    }

    @Test
    void removingAGroupMovesOnlyItsSlots() {
        short[] seven = SlotPlacement.rebalance(SlotPlacement.ranges(6), 7);
        short[] six = SlotPlacement.rebalance(seven, 6);
        for (int s = 0; s < 16384; s++) if (seven[s] != six[s]) assertThat(seven[s]).isEqualTo((short) 6);
        assertThat(SlotPlacement.counts(six, 6)).containsOnly(2730, 2731);
    }

    @Test
    void aGroupJoiningTheRingTakesSlotsOnlyForItself() {
        short[] six = SlotPlacement.ring(6, 256);
        short[] seven = SlotPlacement.ring(7, 256);
        int moved = 0;
        for (int s = 0; s < 16384; s++) {
            if (six[s] != seven[s]) {
                assertThat(seven[s]).isEqualTo((short) 6);
                moved++;
            }
        }
        assertThat(moved).isBetween(16384 / 7 / 2, 16384 / 7 * 2);
    }

    @Test
    void theRingIsTheProxysHashRingOverGroupsWithEachSlotHashedOntoIt() {
        List<Distribution.Node> nodes = new ArrayList<>();
        for (int g = 0; g < 4; g++) nodes.add(new Distribution.Node("g" + g, 1));
        HashRing ring = HashRing.of(nodes, null, 64);
        short[] t = SlotPlacement.ring(4, 64);
        for (int s = 0; s < 16384; s += 97) assertThat(t[s]).isEqualTo((short) ring.node(SlotPlacement.slotHash(s)));
    }
}
