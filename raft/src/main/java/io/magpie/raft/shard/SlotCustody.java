package io.magpie.raft.shard;

import io.magpie.commands.HashSlot;
import java.util.BitSet;
import java.util.Collection;
import java.util.List;
import java.util.function.IntFunction;
import java.util.function.Supplier;

/**
 * Which data group's log writes each slot's keys on this node.
 *
 * <p>All the groups a node replicates share its one keyspace, and each applies its own log at its
 * own pace. So when a slot moves from group A to group B, this node's replica of A may still have
 * writes of the slot from before A's fence to apply after B's copy landed here: a replica of A
 * that lags, or a restart, where each group replays its log from its own snapshot. Applied then,
 * they would land on the copy a second time (a list's elements pushed twice).
 *
 * <p>Custody of a slot passes from A to B when B's ACCEPT applies here, which the target's state
 * machine holds back until this node's replica of A has applied A's FENCE (the slot's keys are
 * then A's final ones, which the copy only repeats), or when a snapshot of B that claims the slot
 * loads. From then on A's replica here applies no write of the slot (its {@code lost} slots): the
 * keys are B's, and hold those writes' effect already.
 *
 * <p>Each custody has a rank, so that an older claim never takes a slot back: a stale ACCEPT (a
 * deposed leader's copy retried after the slot moved on), or a snapshot of A loaded after a newer
 * one of B. The rank is 2 × the map version the move started at ({@link #held}), +1 for the
 * group whose slot it is; a source that keeps a slot fenced, its keys final, while the target has
 * not opened it claims it in a snapshot at the target's rank − 1 ({@link #fencedFor}), under the
 * target's own claim but over anything older.
 *
 * <p>A node that joined a running cluster (raft-join) starts with no map: every slot's holder is
 * {@link #UNKNOWN} (rank 0, under any claim) until an ACCEPT or a snapshot's claim gives it; a
 * group replaying its log from the start writes the slots it had from the bootstrap, and its
 * snapshot claims those it owns in the map at the bootstrap rank ({@link GroupSnapshot#of}).
 * A slot {@link #RELEASED} is held by no group and its keys here are stale. Keyspace thread only.
 */
final class SlotCustody {
    /** No group is known to hold the slot here yet (a joining node, whose map was empty at its start). */
    static final int UNKNOWN = -1;
    /** No group holds the slot here: its keys here are stale (see {@link #release}). */
    static final int RELEASED = -2;

    private final short[] holder = new short[HashSlot.SLOTS];
    private final long[] rank = new long[HashSlot.SLOTS];
    /** A local group's move state, where lost slots are kept; null for a group not replicated here. */
    private final IntFunction<SlotMove.GroupSlots> groups;
    /** The indexes of the groups replicated here (those a slot of unknown holder is lost to when one takes it). */
    private final Supplier<? extends Collection<Integer>> local;

    /** Every slot with its owner in the map a new cluster starts with. */
    SlotCustody(ClusterMap initial, IntFunction<SlotMove.GroupSlots> groups) {
        this(initial, groups, List::of);
    }

    /**
     * Every slot with its owner in the map a new cluster starts with; with the empty map (a
     * node joining a running cluster), every slot's holder is {@link #UNKNOWN}.
     */
    SlotCustody(ClusterMap initial, IntFunction<SlotMove.GroupSlots> groups, Supplier<? extends Collection<Integer>> local) {
        this.groups = groups;
        this.local = local;
        for (int s = 0; s < HashSlot.SLOTS; s++) {
            holder[s] = (short) (initial.isEmpty() ? UNKNOWN : initial.groupOf(s));
            rank[s] = initial.isEmpty() ? 0 : held(0);
        }
    }

    private SlotMove.GroupSlots movesOf(int group) {
        return group < 0 ? null : groups.apply(group);
    }

    /** The rank of the slots a move of this epoch gives its target (and of a bootstrap group, epoch 0). */
    static long held(long epoch) {
        return 2 * epoch + 1;
    }

    /** The rank a source's snapshot claims a fenced slot at while its target, of this rank, has not opened it. */
    static long fencedFor(long targetRank) {
        return targetRank - 1;
    }

    int holder(int slot) {
        return holder[slot];
    }

    /**
     * A group replicated here, before it applies anything: it loses every slot it does not
     * hold, so that its log, replayed from the start or from an old snapshot, writes only the
     * slots it holds. (Before, only the group that held a slot lost it when another took it; a
     * group that had held a slot once, long ago, and whose later claim lost to another group's
     * snapshot at a restart, replayed its old writes of the slot onto the holder's keys: a
     * counter read at 34 after 237 in a sharded soak, seed 16030330.)
     */
    void register(int group, SlotMove.GroupSlots moves) {
        // A slot of unknown holder (a joined node) is written by the group whose log replays it from the bootstrap.
        for (int s = 0; s < HashSlot.SLOTS; s++) if (holder[s] != group && holder[s] != UNKNOWN) moves.lose(s);
    }

    long rank(int slot) {
        return rank[slot];
    }

    /**
     * The slots whose keys here a FLUSHALL or FLUSHDB in group's log deletes: those it holds (of
     * unknown holder, those the map gives it and it has not lost, as its snapshot claims them)
     * and has not fenced. A fenced slot's keys are final and the move's, whether its copy has
     * landed or not: a move out stays fenced in the source's log for good, so skipping it is
     * the one rule every replica of the group applies alike. (A Redis Cluster FLUSHALL sent to
     * every master races a migration the same way: a key migrated after the target's flush
     * survives.)
     */
    BitSet flushable(int group, SlotMove.GroupSlots moves, java.util.function.IntUnaryOperator owner) {
        BitSet slots = new BitSet();
        for (int s = 0; s < HashSlot.SLOTS; s++) {
            boolean writes = holder[s] == group || (holder[s] == UNKNOWN && owner.applyAsInt(s) == group && !moves.lost.get(s));
            if (writes && !moves.fenced.get(s)) slots.set(s);
        }
        return slots;
    }

    /**
     * Gives group the slots whose rank is at most the given one; returns those it got (held
     * already included). The group that held one before loses it.
     */
    BitSet take(int group, BitSet slots, long rank) {
        BitSet taken = new BitSet();
        SlotMove.GroupSlots gaining = groups.apply(group);
        for (int s = slots.nextSetBit(0); s >= 0; s = slots.nextSetBit(s + 1)) {
            if (rank < this.rank[s]) continue;
            int before = holder[s];
            if (before != group) {
                SlotMove.GroupSlots losing = movesOf(before);
                if (losing != null) losing.lose(s);
                // Whose writes of the slot this node's groups may still replay is not known: none but group's apply.
                for (int other : local.get()) {
                    SlotMove.GroupSlots o = other == group ? null : movesOf(other);
                    if (o != null) o.lose(s);
                }
                if (gaining != null) gaining.regain(s);
            }
            holder[s] = (short) group;
            this.rank[s] = rank;
            taken.set(s);
        }
        return taken;
    }

    /**
     * Group no longer holds these slots here, and nobody does until an ACCEPT takes them: a
     * snapshot of the group that does not claim them (another group opened them where it was
     * taken) replaced a state of them older than the fence, so their keys here are no one's.
     */
    void release(int group, BitSet slots) {
        SlotMove.GroupSlots losing = movesOf(group);
        for (int s = slots.nextSetBit(0); s >= 0; s = slots.nextSetBit(s + 1)) {
            if (holder[s] != group) continue;
            holder[s] = RELEASED;
            if (losing != null) losing.lose(s);
        }
    }

    /**
     * An ACCEPT that group applied: it takes custody of the slots (those it has not opened
     * already: a stale copy's ACCEPT after the move ended; nor fenced for a later move; and those
     * no later move holds) and accepts them. Returns the slots whose keys here must go before the
     * copy lands: all taken
     * but those whose keys are the source's final ones (sourceHere: its replica here applied the
     * fence, which the gate waited for; or a holder unknown here, the source's replica here
     * having written them from its log) or the group's own from an earlier try of the move.
     * Released slots' keys are stale: they go.
     */
    BitSet accept(int group, SlotMove.GroupSlots moves, SlotMove.Accept a, boolean sourceHere) {
        BitSet want = (BitSet) a.slots().clone();
        want.andNot(moves.opened);
        moves.admit(want, a.epoch()); // not the slots this group fenced since for a later move
        BitSet keep = new BitSet();
        for (int s = want.nextSetBit(0); s >= 0; s = want.nextSetBit(s + 1)) {
            if (holder[s] == group || ((holder[s] == a.source() || holder[s] == UNKNOWN) && sourceHere)) keep.set(s);
        }
        BitSet taken = take(group, want, a.rank());
        moves.accept(a.withSlots(taken));
        BitSet clear = (BitSet) taken.clone();
        clear.andNot(keep);
        return clear;
    }

    /**
     * A replica of group starts here (a replica moved to this node): the slots another group
     * holds here, or none does (released), are lost to it, so its log replayed from the start
     * writes none of their keys, whose writes are another group's now; an ACCEPT or a snapshot's
     * claim gives them back. Slots of unknown holder stay its (a joined node's bootstrap slots).
     */
    void started(int group, SlotMove.GroupSlots moves) {
        for (int s = 0; s < HashSlot.SLOTS; s++) {
            if (holder[s] != group && holder[s] != UNKNOWN) moves.lose(s);
        }
    }
}
