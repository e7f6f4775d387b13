package io.magpie.cluster.state;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One atomic slot migration (CLUSTER MIGRATESLOTS) seen from its source, as a pure state
 * machine: it is fed the link's events, the target's replies and the clock, and returns the
 * actions to carry out; it does no I/O. The phases:
 * <ol>
 * <li>CONNECTING, then OPENING: the target opens the slots for import;</li>
 * <li>SNAPSHOT_WAIT (another snapshot holds the keyspace's one slot), then SNAPSHOT: the slots'
 * keys go over as of one instant, through the fork-free snapshot, while the writes made to them
 * meanwhile are kept aside in order;</li>
 * <li>CATCH_UP: the kept writes, then every new one, stream to the target, until it is less than
 * {@code fenceLag} replies behind;</li>
 * <li>FENCED: commands on the slots wait here; the last writes drain;</li>
 * <li>SWITCHING: the target takes the slots (one configEpoch bump), then DONE: this node gives
 * them up and lets the waiting commands go on, which now get MOVED.</li>
 * </ol>
 * Any failure before SWITCHING (an error reply, the link lost, a timeout) ends in CANCELLED: the
 * source never stopped owning the slots, and the target is told to drop what it imported. A
 * lost link or a timeout while SWITCHING leaves the outcome undecided (RESOLVING): the slots
 * stay fenced until the target says whether it took them (the switch is one command, so it
 * took all or none).
 */
public final class SlotMigration {
    public enum Phase { CONNECTING, OPENING, SNAPSHOT_WAIT, SNAPSHOT, CATCH_UP, FENCED, SWITCHING, DONE, CANCELLED, RESOLVING }

    public enum Kind {
        /** Open the link to the target. */
        CONNECT,
        /** Have the target open the slots for import, in one command (counted here: no {@link #sent}). */
        OPEN_SLOTS,
        /** Start the snapshot of the slots and keep their writes aside; report {@link #snapshotStarted} if it could. */
        START_SNAPSHOT,
        /** Send the writes kept aside (counted by {@link #snapshotDone}), then stream each new one as it happens. */
        SEND_KEPT_WRITES,
        /** Hold every command on the slots until FINISH or ABORT. */
        FENCE,
        /** Have the target take every slot, in one command (counted here: no {@link #sent}). */
        SWITCH,
        /** The target owns every slot: give them up here, let the held commands go on, reply. */
        FINISH,
        /**
         * Stop and reply the error; the target must drop what it imported. When {@code undecided},
         * the target may have taken the slots (the link broke during the switch): they stay fenced
         * until the target says whether it owns them; otherwise they are this node's, unfenced.
         */
        ABORT
    }

    public record Action(Kind kind, String reason, boolean undecided) {
        static Action of(Kind kind) {
            return new Action(kind, null, false);
        }
    }

    private final int[] slots;
    private final long deadline, fenceTimeoutMs;
    private final long fenceLag;
    private Phase phase = Phase.CONNECTING;
    private long outstanding;
    private long fencedAt, switchAt;
    private final List<Action> ready = new ArrayList<>();

    /**
     * @param slots the slots to move
     * @param timeoutMs the bound on the whole migration up to the switch
     * @param fenceTimeoutMs the longest the slots may stay fenced before the switch starts, and
     *     the longest the switch may take
     * @param fenceLag how many replies the target may still owe when the fence starts
     */
    public SlotMigration(int[] slots, long now, long timeoutMs, long fenceTimeoutMs, long fenceLag) {
        this.slots = slots.clone();
        this.deadline = now + timeoutMs;
        this.fenceTimeoutMs = fenceTimeoutMs;
        this.fenceLag = fenceLag;
        ready.add(Action.of(Kind.CONNECT));
    }

    public Phase phase() {
        return phase;
    }

    public int[] slots() {
        return slots.clone();
    }

    /** Replies the target still owes. */
    public long outstanding() {
        return outstanding;
    }

    /** The actions since the last call, in order. */
    public List<Action> ready() {
        List<Action> out = new ArrayList<>(ready);
        ready.clear();
        return out;
    }

    public boolean finished() {
        return phase == Phase.DONE || phase == Phase.CANCELLED || phase == Phase.RESOLVING;
    }

    /** The link to the target is up. */
    public void connected(long now) {
        if (phase != Phase.CONNECTING) return;
        phase = Phase.OPENING;
        outstanding++;
        ready.add(Action.of(Kind.OPEN_SLOTS));
    }

    /** n commands went to the target; as many replies are due, in order. */
    public void sent(long n) {
        outstanding += n;
    }

    /** The target's next reply: error is null for a success. */
    public void replied(String error, long now) {
        if (finished()) return;
        if (outstanding > 0) outstanding--;
        if (error != null) {
            // The switch is one command, refused as a whole: an error reply leaves every slot here.
            fail("the target replied " + error, false);
            return;
        }
        advance(now);
    }

    /** The snapshot started: its keys and the kept writes flow from now on. */
    public void snapshotStarted(long now) {
        if (phase == Phase.SNAPSHOT_WAIT) phase = Phase.SNAPSHOT;
    }

    /** Every key of the slots as of the snapshot's instant has been sent; kept writes were kept aside meanwhile. */
    public void snapshotDone(long kept, long now) {
        if (phase != Phase.SNAPSHOT) return;
        phase = Phase.CATCH_UP;
        outstanding += kept;
        ready.add(Action.of(Kind.SEND_KEPT_WRITES));
        advance(now);
    }

    /** The link was lost, the snapshot aborted, the keyspace flushed...: the migration cannot go on. */
    public void failed(String reason, long now) {
        fail(reason, phase == Phase.SWITCHING);
    }

    /** The operator cancels (or the node shuts down). */
    public void cancel(long now) {
        fail("cancelled", phase == Phase.SWITCHING);
    }

    /** Time passes: the timeouts, and a retry of a snapshot that had to wait. */
    public void tick(long now) {
        if (finished()) return;
        if (phase == Phase.SWITCHING) {
            if (now - switchAt > fenceTimeoutMs) fail("timeout while the target took the slots", true);
            return;
        }
        if (phase == Phase.FENCED && now - fencedAt > fenceTimeoutMs) {
            fail("the target did not catch up within " + fenceTimeoutMs + " ms of the fence", false);
            return;
        }
        if (now >= deadline) {
            fail("timeout", false);
            return;
        }
        if (phase == Phase.SNAPSHOT_WAIT) ready.add(Action.of(Kind.START_SNAPSHOT));
        advance(now);
    }

    private void advance(long now) {
        if (phase == Phase.OPENING && outstanding == 0) {
            phase = Phase.SNAPSHOT_WAIT;
            ready.add(Action.of(Kind.START_SNAPSHOT));
        }
        if (phase == Phase.CATCH_UP && outstanding <= fenceLag) {
            phase = Phase.FENCED;
            fencedAt = now;
            ready.add(Action.of(Kind.FENCE));
        }
        if (phase == Phase.FENCED && outstanding == 0) {
            phase = Phase.SWITCHING;
            switchAt = now;
            outstanding++;
            ready.add(Action.of(Kind.SWITCH));
        }
        if (phase == Phase.SWITCHING && outstanding == 0) {
            phase = Phase.DONE;
            ready.add(Action.of(Kind.FINISH));
        }
    }

    /** undecided: the switch went out and its reply did not come back. */
    private void fail(String reason, boolean undecided) {
        if (finished()) return;
        phase = undecided ? Phase.RESOLVING : Phase.CANCELLED;
        ready.add(new Action(Kind.ABORT, reason, undecided));
    }

    @Override
    public String toString() {
        return "SlotMigration[" + phase + " slots=" + Arrays.toString(slots) + " outstanding=" + outstanding + "]";
    }
}
