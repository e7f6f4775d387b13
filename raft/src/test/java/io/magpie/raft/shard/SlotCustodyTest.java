package io.magpie.raft.shard;

import static org.assertj.core.api.Assertions.assertThat;

import io.magpie.raft.LogEntry;
import java.util.BitSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Custody of slots on one node whose groups share its keyspace: the moves' state machines as a
 * node applies them, with the groups' logs in the orders a lagging replica or a restart gives.
 */
class SlotCustodyTest {
    /** Groups 0, 1 and 2 over 3 nodes, all replicated on this node; slots in three ranges. */
    private final ClusterMap map = ClusterMap.bootstrap(members(3), 3, 3, SlotPlacement.Kind.SLOTS, 0);
    private final Map<Integer, SlotMove.GroupSlots> groups = new HashMap<>();
    private final SlotCustody custody;

    SlotCustodyTest() {
        for (int g = 0; g < 3; g++) groups.put(g, new SlotMove.GroupSlots());
        custody = new SlotCustody(map, groups::get);
        for (int g = 0; g < 3; g++) custody.register(g, groups.get(g));
    }

    private static Map<String, String> members(int n) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 1; i <= n; i++) m.put("n" + i, "127.0.0.1:" + (17000 + i));
        return m;
    }

    private static BitSet slots(int from, int to) {
        BitSet b = new BitSet();
        b.set(from, to);
        return b;
    }

    private static LogEntry set(String key) {
        return LogEntry.write("n1", 1, 0, 1, 1, false, List.<byte[][]>of(new byte[][] {"SET".getBytes(), key.getBytes(), "v".getBytes()}));
    }

    @Test
    void everySlotStartsWithItsBootstrapGroup() {
        assertThat(custody.holder(0)).isEqualTo(map.groupOf(0)).isZero();
        assertThat(custody.holder(16383)).isEqualTo(2);
        BitSet others = without(map, 0, new BitSet());
        others.flip(0, io.magpie.commands.HashSlot.SLOTS);
        assertThat(groups.get(0).refused()).as("a group writes only the slots it holds").isEqualTo(others);
        assertThat(groups.get(1).refused().get(0)).isTrue();
    }

    @Test
    void anAcceptTakesTheSlotsAndTheSourceReplicaHereAppliesNoMoreOfTheirWrites() {
        BitSet moving = slots(100, 102);
        BitSet clear = custody.accept(1, groups.get(1), new SlotMove.Accept(moving, 5, 0, 40), true);
        assertThat(clear.isEmpty()).as("the source's final keys are kept: its replica here applied the fence").isTrue();
        assertThat(custody.holder(100)).isEqualTo(1);
        assertThat(groups.get(1).accepting).isEqualTo(moving);
        // The source's replica here, replaying writes from before its fence, must not apply them now.
        assertThat(groups.get(0).refused().get(100)).isTrue();
        assertThat(groups.get(0).refuses(100)).as("its clients are told by its own log, not by this node's custody").isFalse();
        assertThat(groups.get(0).refused().get(99)).isFalse();
    }

    @Test
    void aCopyFromASourceNotReplicatedHereReplacesWhatTheSlotsHeldHere() {
        BitSet moving = slots(100, 102);
        assertThat(custody.accept(1, groups.get(1), new SlotMove.Accept(moving, 5, 0, 40), false)).isEqualTo(moving);
    }

    @Test
    void aStaleAcceptTakesNothingAndItsCopyDoesNotApply() {
        BitSet moving = slots(100, 102);
        custody.accept(1, groups.get(1), new SlotMove.Accept(moving, 7, 0, 40), true);
        // A deposed leader's copy of an older move (epoch 5) into group 2, retried late.
        assertThat(custody.accept(2, groups.get(2), new SlotMove.Accept(moving, 5, 0, 30), true).isEmpty()).isTrue();
        assertThat(custody.holder(100)).isEqualTo(1);
        assertThat(groups.get(2).accepting.isEmpty()).isTrue();
        // A later move of the slots (epoch 9) does take them.
        custody.accept(2, groups.get(2), new SlotMove.Accept(moving, 9, 1, 60), true);
        assertThat(custody.holder(101)).isEqualTo(2);
        assertThat(groups.get(1).refused().get(101)).isTrue();
    }

    @Test
    void aSlotMovedInIsRefusedUntilOpenAndAStaleAcceptAfterTheOpenChangesNothing() {
        BitSet moving = slots(100, 102);
        SlotMove.GroupSlots g = groups.get(1);
        custody.accept(1, g, new SlotMove.Accept(moving, 5, 0, 40), true);
        assertThat(g.refuses(100)).isTrue();
        assertThat(g.apply(SlotMove.open(moving, 2))).isTrue();
        assertThat(g.refuses(100)).isFalse();
        assertThat(g.accepting.isEmpty()).isTrue();
        // A deposed source leader's copy, retried after the move ended, under the same epoch.
        assertThat(custody.accept(1, g, new SlotMove.Accept(moving, 5, 0, 40), true).isEmpty()).isTrue();
        assertThat(g.accepting.isEmpty()).isTrue();
        assertThat(g.refuses(101)).isFalse();
        g.apply(SlotMove.fence(moving, 6, 4)); // moving away again, then back: accepted anew
        assertThat(g.refuses(100)).isTrue();
        custody.accept(1, g, new SlotMove.Accept(moving, 8, 2, 70), true);
        assertThat(g.accepting).isEqualTo(moving);
        assertThat(g.fenced.isEmpty()).isTrue();
        assertThat(g.apply(set("k"))).isFalse();
    }

    @Test
    void aCopyOfAnEarlierMoveRetriedAfterTheTargetFencedTheSlotsToMoveThemOnChangesNothing() {
        BitSet moving = slots(100, 102);
        SlotMove.GroupSlots g = groups.get(1);
        custody.accept(1, g, new SlotMove.Accept(moving, 5, 0, 40), true);
        g.apply(SlotMove.open(moving, 2));
        assertThat(g.apply(SlotMove.fence(moving, 9, 3))).isTrue(); // the next reshard moves them on to group 2
        // The first move's copy, sent again late by its deposed driver, lands in group 1's log now.
        assertThat(custody.accept(1, g, new SlotMove.Accept(moving, 5, 0, 41), true).isEmpty()).isTrue();
        assertThat(g.fenced).as("the stale ACCEPT lifts no fence").isEqualTo(moving);
        assertThat(g.accepting.isEmpty()).isTrue();
        assertThat(g.refused().get(100)).as("so its RESTOREs are refused as writes of fenced slots").isTrue();
        // The later move's own ACCEPT into group 2 takes them.
        assertThat(custody.accept(2, groups.get(2), new SlotMove.Accept(moving, 9, 1, 50), true).isEmpty()).isTrue();
        assertThat(custody.holder(100)).isEqualTo(2);
        assertThat(groups.get(2).accepting).isEqualTo(moving);
    }

    @Test
    void aCopyAppliesOnlyToSlotsAcceptingForItsOwnMove() throws Exception {
        io.magpie.engine.Engine engine = new io.magpie.engine.Engine(new io.magpie.engine.config.Config(), io.magpie.engine.Clock.SYSTEM, 42);
        engine.enableSlotIndex();
        engine.commands.register("restore", c -> {}); // the persistence module's on a node: here only its key specs matter
        engine.start();
        byte[] key = "{reg}:1".getBytes();
        int slot = io.magpie.commands.HashSlot.keyHashSlot(key);
        BitSet moving = slots(slot, slot + 1);
        engine.db(0).add(key, "w9-17".getBytes());
        LogEntry first = SlotMove.copy(engine, moving, 5, 1, new long[2]).get(0); // the copy of the reshard of epoch 5
        assertThat(SlotMove.isCopy(first)).isTrue();
        assertThat(SlotMove.copyEpoch(first)).isEqualTo(5);
        SlotMove.GroupSlots g = groups.get(1);
        custody.accept(1, g, new SlotMove.Accept(moving, 5, 0, 40), true);
        assertThat(g.copyApplies(engine, first)).isTrue();
        g.apply(SlotMove.open(moving, 2));
        assertThat(g.copyApplies(engine, first)).as("after the open").isFalse();
        g.apply(SlotMove.fence(moving, 7, 3));
        custody.accept(0, groups.get(0), new SlotMove.Accept(moving, 7, 1, 50), true);
        // The slot comes back to group 1 in the reshard of epoch 9: it accepts again, and the late copy of epoch 5 must not land.
        custody.accept(1, g, new SlotMove.Accept(moving, 9, 0, 60), true);
        assertThat(g.accepting).isEqualTo(moving);
        assertThat(g.copyApplies(engine, first)).isFalse();
        assertThat(g.copyApplies(engine, SlotMove.copy(engine, moving, 9, 1, new long[2]).get(0))).isTrue();
    }

    @Test
    void aFenceOfAnEarlierMoveLeavesSlotsThatCameBackSinceServed() {
        BitSet moving = slots(100, 102);
        SlotMove.GroupSlots g = groups.get(0);
        g.apply(SlotMove.fence(moving, 5, 1)); // moved to group 1 in the reshard of epoch 5
        custody.accept(1, groups.get(1), new SlotMove.Accept(moving, 5, 0, 40), true);
        custody.accept(0, g, new SlotMove.Accept(moving, 9, 1, 60), true); // and back in the reshard of epoch 9
        g.apply(SlotMove.open(moving, 2));
        // A node that restarted with the map of epoch 5, leading group 0, drives that move again.
        assertThat(g.apply(SlotMove.fence(moving, 5, 3))).isTrue();
        assertThat(g.fenced.isEmpty()).isTrue();
        assertThat(g.refuses(100)).isFalse();
        GroupSnapshot back = GroupSnapshot.decode(GroupSnapshot.of(0, g, custody, groups::get).encode());
        assertThat(back.epochs()).isEqualTo(Map.of(9L, moving));
        SlotMove.GroupSlots restored = new SlotMove.GroupSlots();
        restored.restore(back.fenced(), back.opened(), back.accepts(), back.epochs());
        restored.apply(SlotMove.fence(moving, 5, 4));
        assertThat(restored.fenced.isEmpty()).as("the epochs come back with a snapshot").isTrue();
    }

    @Test
    void aGroupWhoseOldClaimLostAtARestartReplaysNoWriteOfTheSlot() {
        // Slot 100 went 0 -> 1 (epoch 5), then back 1 -> 0 (epoch 9). At a restart group 1 has no
        // snapshot and replays its log from the start, after group 0's snapshot claimed the slot.
        Map<Integer, SlotMove.GroupSlots> fresh = new HashMap<>();
        for (int g = 0; g < 3; g++) fresh.put(g, new SlotMove.GroupSlots());
        SlotCustody c = new SlotCustody(map, fresh::get);
        for (int g = 0; g < 3; g++) c.register(g, fresh.get(g));
        BitSet moving = slots(100, 101);
        c.take(0, moving, SlotCustody.held(9)); // group 0's snapshot
        // Group 1's replay: its ACCEPT of epoch 5 takes nothing, and its writes of the slot after it must not apply.
        assertThat(c.accept(1, fresh.get(1), new SlotMove.Accept(moving, 5, 0, 40), true).isEmpty()).isTrue();
        assertThat(c.holder(100)).isZero();
        assertThat(fresh.get(1).refused().get(100)).as("group 1 never held it in this run, yet must not write it").isTrue();
        assertThat(fresh.get(0).refused().get(100)).isFalse();
    }

    @Test
    void anAcceptEntryCarriesItsMoveAndIsNoFence() {
        BitSet moving = slots(7, 9);
        LogEntry e = SlotMove.accept(new SlotMove.Accept(moving, 12, 3, 456), 1);
        assertThat(SlotMove.acceptOf(LogEntry.decode(e.encode()))).isEqualTo(new SlotMove.Accept(moving, 12, 3, 456));
        assertThat(SlotMove.fencedSlots(e)).isNull();
        assertThat(SlotMove.acceptOf(SlotMove.fence(moving, 1, 1))).isNull();
        assertThat(SlotMove.acceptOf(set("k"))).isNull();
    }

    @Test
    void aSnapshotClaimsItsSlotsAndTheFencedOnesTheTargetHasNotOpened() {
        BitSet moving = slots(100, 102);
        groups.get(0).apply(SlotMove.fence(moving, 5, 1));
        custody.accept(1, groups.get(1), new SlotMove.Accept(moving, 5, 0, 40), true);
        GroupSnapshot source = GroupSnapshot.of(0, groups.get(0), custody, groups::get);
        assertThat(source.claims().get(SlotCustody.held(0))).isEqualTo(without(map, 0, moving));
        assertThat(source.claims().get(SlotCustody.fencedFor(SlotCustody.held(5)))).isEqualTo(moving);
        GroupSnapshot back = GroupSnapshot.decode(source.encode());
        assertThat(back).isEqualTo(source);
        groups.get(1).apply(SlotMove.open(moving, 2));
        assertThat(GroupSnapshot.of(0, groups.get(0), custody, groups::get).claims().get(SlotCustody.fencedFor(SlotCustody.held(5))))
                .as("once the target opened them, the source's keys are no longer the slots'").isNull();
        GroupSnapshot target = GroupSnapshot.decode(GroupSnapshot.of(1, groups.get(1), custody, groups::get).encode());
        assertThat(target.claims().get(SlotCustody.held(5))).isEqualTo(moving);
        assertThat(target.opened()).isEqualTo(moving);
    }

    private static BitSet without(ClusterMap m, int group, BitSet moved) {
        BitSet b = new BitSet();
        for (int s = 0; s < io.magpie.commands.HashSlot.SLOTS; s++) if (m.groupOf(s) == group) b.set(s);
        b.andNot(moved);
        return b;
    }

    @Test
    void onARestartTheNewerSnapshotKeepsTheSlotsWhicheverLoadsFirst() {
        BitSet moving = slots(100, 102);
        long targetRank = SlotCustody.held(5);
        for (boolean targetFirst : new boolean[] {true, false}) {
            Map<Integer, SlotMove.GroupSlots> fresh = new HashMap<>();
            for (int g = 0; g < 3; g++) fresh.put(g, new SlotMove.GroupSlots());
            SlotCustody restarted = new SlotCustody(map, fresh::get);
            BitSet byTarget = null, bySource;
            if (targetFirst) byTarget = restarted.take(1, moving, targetRank);
            bySource = restarted.take(0, without(map, 0, new BitSet()), SlotCustody.held(0)); // the source's snapshot from before the fence
            if (!targetFirst) byTarget = restarted.take(1, moving, targetRank);
            assertThat(byTarget).isEqualTo(moving);
            assertThat(bySource.get(100)).isEqualTo(!targetFirst);
            assertThat(restarted.holder(100)).isEqualTo(1);
            // The source's log after its snapshot replays writes of the slots from before its fence: not applied.
            assertThat(fresh.get(0).refused().get(100)).isTrue();
        }
    }

    @Test
    void aSourceReplicaReleasesSlotsItsInstalledSnapshotNoLongerClaimsAndTheCopyThenReplacesTheirKeys() {
        BitSet moving = slots(100, 102);
        // Where the snapshot was taken the target (1) had opened the slots: the source (0) claims them no more.
        custody.release(0, moving);
        assertThat(custody.holder(100)).isEqualTo(SlotCustody.RELEASED);
        assertThat(groups.get(0).refused().get(100)).isTrue();
        assertThat(GroupSnapshot.of(0, groups.get(0), custody, groups::get).claims().values()).noneMatch(b -> b.get(100));
        // The target's ACCEPT, applied here after the source's fence: this replica's keys are older than the fence, so they go.
        assertThat(custody.accept(1, groups.get(1), new SlotMove.Accept(moving, 5, 0, 40), true)).isEqualTo(moving);
        assertThat(custody.holder(101)).isEqualTo(1);
    }

    /* ---------------- a node that joined a running cluster: no map at its start ---------------- */

    /** A joined node's custody: the empty map, groups 0, 1 and 2 replicated here. */
    /** This node's custody had it joined a running cluster: its groups made afresh and registered with it. */
    private SlotCustody joined() {
        for (int g = 0; g < 3; g++) groups.put(g, new SlotMove.GroupSlots());
        SlotCustody c = new SlotCustody(ClusterMap.EMPTY, groups::get, groups::keySet);
        for (int g = 0; g < 3; g++) c.register(g, groups.get(g));
        return c;
    }

    @Test
    void withTheEmptyMapOfAJoiningNodeEverySlotsHolderIsUnknownAndNoWriteIsRefused() {
        SlotCustody c = joined();
        for (int s = 0; s < io.magpie.commands.HashSlot.SLOTS; s++) assertThat(c.holder(s)).isEqualTo(SlotCustody.UNKNOWN);
        for (SlotMove.GroupSlots g : groups.values()) assertThat(g.refused().isEmpty()).isTrue();
        // A snapshot taken before any claim: no holder to look up, the map's owner claims at the bootstrap rank.
        GroupSnapshot none = GroupSnapshot.of(0, groups.get(0), c, groups::get);
        assertThat(none.claims()).isEmpty();
        GroupSnapshot byMap = GroupSnapshot.of(0, groups.get(0), c, groups::get, map::groupOf);
        assertThat(byMap.claims().keySet()).containsExactly(SlotCustody.held(0));
        assertThat(byMap.claims().get(SlotCustody.held(0))).isEqualTo(without(map, 0, new BitSet()));
    }

    @Test
    void onAJoinedNodeAnAcceptKeepsTheSourcesKeysOfUnknownHolderOnlyWhenTheSourceReplicaIsHere() {
        SlotCustody c = joined();
        BitSet moving = slots(100, 102);
        assertThat(c.accept(1, groups.get(1), new SlotMove.Accept(moving, 5, 0, 40), true).isEmpty())
                .as("the source's replica here wrote them from its log and applied the fence").isTrue();
        assertThat(c.holder(100)).isEqualTo(1);
        assertThat(groups.get(0).refused().get(100)).as("taken from an unknown holder: every other group here loses it").isTrue();
        assertThat(groups.get(2).refused().get(100)).isTrue();
        assertThat(groups.get(1).lost.get(100)).as("accepting, not lost").isFalse();
        BitSet other = slots(200, 202);
        assertThat(c.accept(2, groups.get(2), new SlotMove.Accept(other, 6, 0, 41), false)).isEqualTo(other);
    }

    @Test
    void onAJoinedNodeASnapshotClaimAtTheBootstrapRankGivesWayToAMove() {
        SlotCustody c = joined();
        BitSet moving = slots(100, 102);
        assertThat(c.take(1, moving, SlotCustody.held(5))).isEqualTo(moving);
        BitSet byBootstrap = slots(0, 200);
        byBootstrap.andNot(moving);
        assertThat(c.take(0, slots(0, 200), SlotCustody.held(0))).isEqualTo(byBootstrap);
        assertThat(c.holder(100)).isEqualTo(1);
        assertThat(c.holder(99)).isZero();
        assertThat(groups.get(1).refused().get(99)).isTrue();
    }

    @Test
    void aReleasedSlotIsNotAnUnknownOne() {
        SlotCustody c = joined();
        BitSet moving = slots(100, 102);
        c.take(0, moving, SlotCustody.held(0));
        c.release(0, moving);
        assertThat(c.holder(100)).isEqualTo(SlotCustody.RELEASED);
        assertThat(GroupSnapshot.of(0, groups.get(0), c, groups::get, map::groupOf).claims().values()).noneMatch(b -> b.get(100));
        assertThat(c.accept(1, groups.get(1), new SlotMove.Accept(moving, 5, 0, 40), true))
                .as("released: the keys here are stale, the copy replaces them").isEqualTo(moving);
    }

    @Test
    void aReplicaStartedHereLosesTheSlotsOtherGroupsHoldHere() {
        BitSet moving = slots(100, 102);
        custody.accept(1, groups.get(1), new SlotMove.Accept(moving, 5, 0, 40), false);
        SlotMove.GroupSlots fresh = new SlotMove.GroupSlots();
        custody.started(0, fresh);
        assertThat(fresh.refused().get(100)).as("moved to group 1 before this replica of group 0 started").isTrue();
        assertThat(fresh.refused().get(0)).isFalse();
        assertThat(fresh.refused().get(16383)).isTrue();
        SlotMove.GroupSlots onJoiner = new SlotMove.GroupSlots();
        joined().started(0, onJoiner);
        assertThat(onJoiner.refused().isEmpty()).isTrue();
    }
    /**
     * A FLUSHALL in a group's log deletes the slots it holds and has not fenced: a fenced slot's
     * keys are the move's. After the target's ACCEPT the slots are the target's to flush. A
     * joined node's group flushes the slots of unknown holder the map gives it.
     */
    @Test
    void aFlushDeletesTheSlotsTheGroupHoldsAndHasNotFenced() {
        SlotMove.GroupSlots source = groups.get(0), target = groups.get(1);
        BitSet own = without(map, 0, new BitSet());
        assertThat(custody.flushable(0, source, map::groupOf).equals(own)).as("the bootstrap slots").isTrue();
        BitSet moving = slots(100, 102);
        source.apply(SlotMove.fence(moving, 5, 1));
        BitSet rest = (BitSet) own.clone();
        rest.andNot(moving);
        assertThat(custody.flushable(0, source, map::groupOf).equals(rest)).as("fenced, not accepted yet").isTrue();
        assertThat(custody.flushable(1, target, map::groupOf).intersects(moving)).isFalse();
        custody.accept(1, target, new SlotMove.Accept(moving, 5, 0, 40), true);
        assertThat(custody.flushable(0, source, map::groupOf).equals(rest)).as("moved away").isTrue();
        assertThat(custody.flushable(1, target, map::groupOf).get(100)).as("accepted: the target's").isTrue();

        Map<Integer, SlotMove.GroupSlots> joined = new HashMap<>();
        for (int g = 0; g < 3; g++) joined.put(g, new SlotMove.GroupSlots());
        SlotCustody c = new SlotCustody(ClusterMap.EMPTY, joined::get, joined::keySet);
        for (int g = 0; g < 3; g++) c.register(g, joined.get(g));
        assertThat(c.flushable(0, joined.get(0), map::groupOf).equals(own)).as("unknown holders: the map's").isTrue();
    }
}
