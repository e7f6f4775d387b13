package io.magpie.raft.shard;

import io.magpie.commands.HashSlot;
import io.magpie.commands.KeyExtraction;
import io.magpie.commands.KeyReferences;
import io.magpie.commands.RedisCommand;
import io.magpie.engine.Engine;
import io.magpie.engine.keyspace.Database;
import io.magpie.persistence.DumpPayload;
import io.magpie.raft.LogEntry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * Moving slots from a source group to a target group, driven by the source's leader:
 * <ol>
 *   <li>FENCE: an entry in the source's log names the moving slots. Every source replica
 *       applies it in log order: from there on the source applies no write to those slots (a
 *       write ordered after the fence is refused alike everywhere, its client told TRYAGAIN),
 *       so their keys are final;</li>
 *   <li>copy: the leader DUMPs those keys (on the keyspace thread, after the fence applied)
 *       and proposes them to the target's log, after an ACCEPT entry that lifts a fence of
 *       those slots the target may have from moving them away before, as atomic batches of
 *       RESTORE ... REPLACE ABSTTL, which every target replica applies;</li>
 *   <li>switch: one placement entry gives the slots to the target; from then on every node
 *       routes them there, and the source, fenced, can never answer a stale write.</li>
 * </ol>
 * Every step is idempotent, so a move that fails (a leader lost, the target unreachable) is
 * simply run again by the source's next leader: a fence again, a copy again (RESTORE
 * REPLACE), and the switch once. Writes to the moving slots are refused from the fence to the
 * switch: the time the copy takes.
 */
final class SlotMove {
    /** The command name a fence entry carries: not a command of the table, so never a client's. */
    static final byte[] FENCE = "MAGPIE.FENCE".getBytes(StandardCharsets.US_ASCII);
    /**
     * The command name of the entry that opens a move's slots in the target's log: a group
     * that moved them away once (to fewer shards and back, say) still has them fenced.
     */
    static final byte[] ACCEPT = "MAGPIE.ACCEPT".getBytes(StandardCharsets.US_ASCII);
    /** The command name of the entry after which the target serves a move's slots. */
    static final byte[] OPEN = "MAGPIE.OPEN".getBytes(StandardCharsets.US_ASCII);
    static final String FENCED = "TRYAGAIN Slot is moving to another raft shard";
    private static final int KEYS_PER_ENTRY = 200;

    private SlotMove() {}

    /** The open entry of these slots: their target's leader serves them from there on. */
    static LogEntry open(BitSet slots, long nowMs) {
        return slotsEntry(OPEN, slots, nowMs);
    }

    /**
     * An ACCEPT entry: the slots, the map version the move started at (its epoch: a later move
     * of a slot always has a greater one), the source group and the index of the source's
     * FENCE entry (this node's replica of the source must have applied it before the copy
     * applies here: {@link SlotCustody}).
     */
    record Accept(BitSet slots, long epoch, int source, long fenceIndex) {
        /** The custody rank the target takes the slots with. */
        long rank() {
            return SlotCustody.held(epoch);
        }

        Accept withSlots(BitSet s) {
            return new Accept(s, epoch, source, fenceIndex);
        }
    }

    /**
     * A group's state of the slots moving in and out of it, changed by the entries of its log in
     * order, so alike on every replica (keyspace thread): FENCE (moving away: no more writes),
     * ACCEPT (moving in: the copy's RESTOREs apply, clients are refused), OPEN (moved in: the
     * leader serves them, and copies are dropped). A copy that arrives after the OPEN (its
     * sender, a source leader cut off and deposed, retried it after the move ended under the
     * next leader) would overwrite the writes the target took since: it is dropped. Besides,
     * {@code lost}: the slots another group holds on this node now ({@link SlotCustody}), whose
     * writes this group's replica here must not apply, whatever its log says.
     *
     * <p>Per slot, the epoch of the latest move of it this log took part in (a FENCE or ACCEPT):
     * a FENCE or ACCEPT of an older move is stale for that slot and changes nothing. Without it,
     * a copy of an earlier move into this group, retried late by its deposed driver, could land
     * after this group had fenced the slot to move it on: its ACCEPT lifted the fence and its
     * RESTOREs put the slot back to the earlier move's keys, which a retry of the later move
     * then copied on.
     */
    static final class GroupSlots {
        final BitSet fenced = new BitSet(), accepting = new BitSet(), opened = new BitSet(), lost = new BitSet();
        /** Per slot, the epoch of the latest FENCE or ACCEPT of it applied (0: none). */
        final long[] epochs = new long[HashSlot.SLOTS];
        /** The ACCEPTs whose slots are still accepting (their source and fence, for a snapshot). */
        final List<Accept> accepts = new ArrayList<>();
        /** fenced | accepting | lost, kept as they change: every applied entry is checked against it. */
        private final BitSet refused = new BitSet();
        /** An OPEN proposal of this group is in flight (its leader). */
        boolean openInFlight;

        /** Applies a FENCE or OPEN entry; false when the entry is neither (an ACCEPT goes to {@link #accept}). */
        boolean apply(LogEntry e) {
            BitSet fence = fencedSlots(e), open = slotsOf(e, OPEN, 1);
            if (fence != null) {
                admit(fence, number(e.commands().get(0)[1]));
                fenced.or(fence);
                accepting.andNot(fence);
                opened.andNot(fence);
            } else if (open != null) {
                open.and(accepting);
                accepting.andNot(open);
                opened.or(open);
            } else {
                return false;
            }
            changed();
            return true;
        }

        /**
         * Keeps in slots those whose latest move here is not newer than epoch, and records epoch
         * for them: they are the move's; the others are stale for it.
         */
        void admit(BitSet slots, long epoch) {
            for (int s = slots.nextSetBit(0); s >= 0; s = slots.nextSetBit(s + 1)) {
                if (epochs[s] > epoch) {
                    slots.clear(s);
                } else {
                    epochs[s] = epoch;
                }
            }
        }

        /** An ACCEPT of these slots (those this node gave the group custody of). */
        void accept(Accept a) {
            accepting.or(a.slots());
            fenced.andNot(a.slots());
            if (!a.slots().isEmpty()) accepts.add(a);
            changed();
        }

        void lose(int slot) {
            lost.set(slot);
            refused.set(slot);
        }

        void regain(int slot) {
            lost.clear(slot);
            if (!fenced.get(slot) && !accepting.get(slot)) refused.clear(slot);
        }

        /** The state a snapshot recorded (keyspace thread, loading it). */
        void restore(BitSet fenced, BitSet opened, List<Accept> accepts, java.util.Map<Long, BitSet> epochs) {
            java.util.Arrays.fill(this.epochs, 0);
            for (var e : epochs.entrySet()) {
                BitSet slots = e.getValue();
                for (int s = slots.nextSetBit(0); s >= 0; s = slots.nextSetBit(s + 1)) this.epochs[s] = e.getKey();
            }
            this.fenced.clear();
            this.fenced.or(fenced);
            this.opened.clear();
            this.opened.or(opened);
            this.accepting.clear();
            this.accepts.clear();
            for (Accept a : accepts) accept(a);
            changed();
        }

        private void changed() {
            accepts.removeIf(a -> {
                a.slots().and(accepting);
                return a.slots().isEmpty();
            });
            refused.clear();
            refused.or(fenced);
            refused.or(accepting);
            refused.or(lost);
        }

        /** Clients are refused on the slot: it is moving away or in. */
        boolean refuses(int slot) {
            return fenced.get(slot) || accepting.get(slot);
        }

        /** The slots whose writes this replica does not apply; read only (it is the state itself, not a copy). */
        BitSet refused() {
            return refused;
        }

        /**
         * A move's copy entry (RESTOREs from no client) that may apply: every key's slot is
         * accepting, for the copy's own move (its epoch). A copy of an earlier move, sent late
         * by its deposed driver while the slot is accepting again for a later move into this
         * group, would put the slot back to the earlier move's keys (a register read at a value
         * written 190 writes before, sharded soak seed 16010110).
         */
        boolean copyApplies(Engine engine, LogEntry e) {
            BitSet notThisMove = new BitSet(HashSlot.SLOTS);
            long epoch = copyEpoch(e);
            for (int s = accepting.nextSetBit(0); s >= 0; s = accepting.nextSetBit(s + 1)) if (epochs[s] == epoch) notThisMove.set(s);
            notThisMove.flip(0, HashSlot.SLOTS);
            return !touches(engine, e, notThisMove);
        }
    }

    /** Whether the entry is a move's copy: RESTOREs proposed by no client. */
    static boolean isCopy(LogEntry e) {
        return e.type() == LogEntry.WRITE && e.origin().isEmpty() && !e.commands().isEmpty() && e.commands().get(0).length > 0
                && java.util.Arrays.equals(e.commands().get(0)[0], "RESTORE".getBytes(StandardCharsets.US_ASCII));
    }

    /** The fence entry of these slots in a move of this epoch: {@code MAGPIE.FENCE epoch slot...}. */
    static LogEntry fence(BitSet slots, long epoch, long nowMs) {
        return slotsEntry(FENCE, slots, nowMs, Long.toString(epoch));
    }

    /** The slots a fence entry names, or null when the entry is not a fence. */
    static BitSet fencedSlots(LogEntry e) {
        return slotsOf(e, FENCE, 2);
    }

    /**
     * The accept entry of a move, the first the target's log gets of it:
     * {@code MAGPIE.ACCEPT epoch source fence-index slot...}.
     */
    static LogEntry accept(Accept a, long nowMs) {
        return slotsEntry(ACCEPT, a.slots(), nowMs, Long.toString(a.epoch()), Integer.toString(a.source()), Long.toString(a.fenceIndex()));
    }

    /** The ACCEPT an entry is, or null when it is not one. */
    static Accept acceptOf(LogEntry e) {
        BitSet slots = slotsOf(e, ACCEPT, 4);
        if (slots == null) return null;
        byte[][] argv = e.commands().get(0);
        return new Accept(slots, number(argv[1]), (int) number(argv[2]), number(argv[3]));
    }

    private static long number(byte[] arg) {
        return Long.parseLong(new String(arg, StandardCharsets.US_ASCII));
    }

    private static LogEntry slotsEntry(byte[] name, BitSet slots, long nowMs, String... head) {
        List<byte[]> argv = new ArrayList<>();
        argv.add(name);
        for (String h : head) argv.add(h.getBytes(StandardCharsets.US_ASCII));
        for (int s = slots.nextSetBit(0); s >= 0; s = slots.nextSetBit(s + 1)) argv.add(Integer.toString(s).getBytes(StandardCharsets.US_ASCII));
        return LogEntry.write("", 0, 0, nowMs, 0, false, List.<byte[][]>of(argv.toArray(new byte[0][])));
    }

    /** The slots of an entry named name whose slots start at argument first, or null. */
    private static BitSet slotsOf(LogEntry e, byte[] name, int first) {
        if (e.type() != LogEntry.WRITE || e.commands().size() != 1) return null;
        byte[][] argv = e.commands().get(0);
        if (argv.length < first || !java.util.Arrays.equals(argv[0], name)) return null;
        BitSet slots = new BitSet(HashSlot.SLOTS);
        for (int i = first; i < argv.length; i++) slots.set((int) number(argv[i]));
        return slots;
    }

    /** Whether a write entry touches a key of a fenced slot. */
    static boolean touches(Engine engine, LogEntry e, BitSet fenced) {
        if (fenced.isEmpty() || e.type() != LogEntry.WRITE) return false;
        KeyReferences keys = new KeyReferences();
        for (byte[][] argv : e.commands()) {
            RedisCommand cmd = engine.commands.lookup(argv[0]);
            // A container command's subcommand holds the key specs.
            if (cmd != null && cmd.hasSubcommands() && argv.length > 1 && cmd.subcommand(argv[1]) != null) cmd = cmd.subcommand(argv[1]);
            if (cmd == null || !KeyExtraction.hasKeys(cmd)) continue;
            keys.clear();
            KeyExtraction.getKeys(cmd, argv, 0, argv.length, keys);
            for (int i = 0; i < keys.count(); i++) if (fenced.get(HashSlot.keyHashSlot(argv[keys.position(i)]))) return true;
        }
        return false;
    }

    /** The epoch of the move a copy entry belongs to: a copy has no client, so its seq carries it. */
    static long copyEpoch(LogEntry e) {
        return e.seq();
    }

    /**
     * The RESTORE entries that copy the keys of slots (as this replica holds them, fenced) into
     * another group in the move of this epoch: per db, atomic batches of RESTORE key abs-expire
     * payload REPLACE ABSTTL.
     */
    static List<LogEntry> copy(Engine engine, BitSet slots, long epoch, long nowMs, long[] keysAndBytes) throws IOException {
        List<LogEntry> out = new ArrayList<>();
        for (int i = 0; i < engine.dbCount(); i++) {
            Database db = engine.db(i);
            List<byte[]> keys = new ArrayList<>();
            for (int s = slots.nextSetBit(0); s >= 0; s = slots.nextSetBit(s + 1)) db.slotIndex().forEachKeyInSlot(s, keys::add);
            List<byte[][]> batch = new ArrayList<>();
            for (byte[] key : keys) {
                Object value = db.lookupNoTouch(key);
                if (value == null) continue;
                long expire = db.getExpire(key);
                byte[] payload = DumpPayload.create(value, false, 128);
                batch.add(new byte[][] {"RESTORE".getBytes(StandardCharsets.US_ASCII), key,
                        Long.toString(Math.max(expire, 0)).getBytes(StandardCharsets.US_ASCII), payload,
                        "REPLACE".getBytes(StandardCharsets.US_ASCII), "ABSTTL".getBytes(StandardCharsets.US_ASCII)});
                keysAndBytes[0]++;
                keysAndBytes[1] += key.length + payload.length;
                if (batch.size() == KEYS_PER_ENTRY) {
                    out.add(LogEntry.write("", epoch, i, nowMs, 0, true, batch));
                    batch = new ArrayList<>();
                }
            }
            if (!batch.isEmpty()) out.add(LogEntry.write("", epoch, i, nowMs, 0, true, batch));
        }
        return out;
    }
}
