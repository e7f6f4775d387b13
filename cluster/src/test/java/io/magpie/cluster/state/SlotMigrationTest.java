package io.magpie.cluster.state;

import static org.assertj.core.api.Assertions.assertThat;

import io.magpie.cluster.state.SlotMigration.Action;
import io.magpie.cluster.state.SlotMigration.Kind;
import io.magpie.cluster.state.SlotMigration.Phase;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The phases of an atomic slot migration, fed events and time by hand. */
class SlotMigrationTest {
    private static final int[] SLOTS = {5, 6, 7};

    private static List<Kind> kinds(SlotMigration m) {
        return m.ready().stream().map(Action::kind).toList();
    }

    /** A migration brought to the catch-up phase with `owed` replies outstanding. */
    private static SlotMigration catchingUp(long owed) {
        SlotMigration m = new SlotMigration(SLOTS, 0, 10_000, 1_000, 2);
        assertThat(kinds(m)).containsExactly(Kind.CONNECT);
        m.connected(1);
        assertThat(kinds(m)).containsExactly(Kind.OPEN_SLOTS);
        m.replied(null, 2);
        assertThat(kinds(m)).containsExactly(Kind.START_SNAPSHOT);
        m.snapshotStarted(3);
        m.sent(owed);
        m.snapshotDone(0, 4);
        return m;
    }

    @Test
    void theSlotsAreFencedOnlyOnceTheTargetIsCloseBehindThenSwitchOnceNothingIsOwed() {
        SlotMigration m = catchingUp(5);
        assertThat(kinds(m)).containsExactly(Kind.SEND_KEPT_WRITES);
        assertThat(m.phase()).isEqualTo(Phase.CATCH_UP);
        m.replied(null, 5);
        m.replied(null, 5);
        assertThat(m.ready()).isEmpty();
        m.replied(null, 5); // 2 owed: within the lag
        assertThat(kinds(m)).containsExactly(Kind.FENCE);
        m.replied(null, 6);
        assertThat(m.ready()).isEmpty();
        m.replied(null, 6);
        assertThat(kinds(m)).containsExactly(Kind.SWITCH);
        m.tick(7);
        assertThat(m.ready()).isEmpty();
        m.replied(null, 7);
        assertThat(kinds(m)).containsExactly(Kind.FINISH);
        assertThat(m.phase()).isEqualTo(Phase.DONE);
    }

    @Test
    void theWritesKeptDuringTheSnapshotCountBeforeTheFence() {
        SlotMigration m = new SlotMigration(SLOTS, 0, 10_000, 1_000, 2);
        m.connected(1);
        m.replied(null, 2);
        m.snapshotStarted(3);
        m.ready();
        m.snapshotDone(5, 4); // every key answered already, five kept writes still to send
        assertThat(kinds(m)).containsExactly(Kind.SEND_KEPT_WRITES);
        for (int i = 0; i < 3; i++) m.replied(null, 5);
        assertThat(kinds(m)).containsExactly(Kind.FENCE);
    }

    @Test
    void aSnapshotThatMustWaitIsRetriedOnTheTick() {
        SlotMigration m = new SlotMigration(SLOTS, 0, 10_000, 1_000, 2);
        m.ready();
        m.connected(1);
        m.replied(null, 2);
        assertThat(kinds(m)).containsExactly(Kind.OPEN_SLOTS, Kind.START_SNAPSHOT);
        m.tick(100);
        assertThat(kinds(m)).containsExactly(Kind.START_SNAPSHOT);
        m.snapshotStarted(101);
        m.tick(200);
        assertThat(m.ready()).isEmpty();
        assertThat(m.phase()).isEqualTo(Phase.SNAPSHOT);
    }

    @Test
    void anErrorBeforeTheSwitchCancelsEverySlotAndNothingIsTaken() {
        SlotMigration m = catchingUp(5);
        m.ready();
        m.replied("OOM command not allowed", 5);
        List<Action> out = m.ready();
        assertThat(out).hasSize(1);
        Action abort = out.get(0);
        assertThat(abort.kind()).isEqualTo(Kind.ABORT);
        assertThat(abort.reason()).isEqualTo("the target replied OOM command not allowed");
        assertThat(abort.undecided()).isFalse();
        assertThat(m.phase()).isEqualTo(Phase.CANCELLED);
        m.replied(null, 6);
        m.tick(100_000);
        assertThat(m.ready()).isEmpty();
    }

    @Test
    void theLinkLostWhileFencedCancelsAndLiftsTheFence() {
        SlotMigration m = catchingUp(1);
        assertThat(kinds(m)).containsExactly(Kind.SEND_KEPT_WRITES, Kind.FENCE);
        m.failed("connection lost", 5);
        Action abort = m.ready().get(0);
        assertThat(abort.kind()).isEqualTo(Kind.ABORT);
        assertThat(abort.undecided()).isFalse(); // the switch did not go out: every slot is still ours
        assertThat(m.phase()).isEqualTo(Phase.CANCELLED);
    }

    @Test
    void aTargetThatNeverCatchesUpIsCancelledAtTheFenceTimeout() {
        SlotMigration m = catchingUp(1);
        m.ready();
        m.tick(1_004);
        assertThat(m.ready()).isEmpty();
        m.tick(1_005);
        Action abort = m.ready().get(0);
        assertThat(abort.kind()).isEqualTo(Kind.ABORT);
        assertThat(abort.reason()).contains("did not catch up");
    }

    @Test
    void theWholeMigrationIsBoundedByItsTimeout() {
        SlotMigration m = new SlotMigration(SLOTS, 0, 10_000, 1_000, 2);
        m.ready();
        m.tick(9_999);
        assertThat(m.ready()).isEmpty();
        m.tick(10_000);
        Action abort = m.ready().get(0);
        assertThat(abort.reason()).isEqualTo("timeout");
        assertThat(m.phase()).isEqualTo(Phase.CANCELLED);
    }

    @Test
    void theLinkLostDuringTheSwitchLeavesTheOutcomeUndecided() {
        SlotMigration m = catchingUp(0);
        assertThat(kinds(m)).containsExactly(Kind.SEND_KEPT_WRITES, Kind.FENCE, Kind.SWITCH);
        m.failed("connection lost", 6);
        Action abort = m.ready().get(0);
        assertThat(abort.kind()).isEqualTo(Kind.ABORT);
        assertThat(abort.undecided()).isTrue();
        assertThat(m.phase()).isEqualTo(Phase.RESOLVING);
    }

    @Test
    void aRefusedSwitchLeavesEverySlotHere() {
        SlotMigration m = catchingUp(0);
        m.ready();
        m.replied("ERR Slot 6 is not being imported", 5);
        Action abort = m.ready().get(0);
        assertThat(abort.undecided()).isFalse();
        assertThat(m.phase()).isEqualTo(Phase.CANCELLED);
    }

    @Test
    void aSwitchThatHangsIsBoundedByTheFenceTimeoutAndUndecided() {
        SlotMigration m = catchingUp(0);
        m.ready();
        m.tick(1_004);
        assertThat(m.ready()).isEmpty();
        m.tick(1_005);
        Action abort = m.ready().get(0);
        assertThat(abort.undecided()).isTrue();
    }
}
