package io.magpie.raft.shard;

import io.magpie.commands.HashSlot;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.IntFunction;
import java.util.function.IntUnaryOperator;

/**
 * A data group's slot state as its snapshot records it, in the RDB's aux field
 * {@value #AUX}: the slots whose keys in the file are the group's (by custody rank, see
 * {@link SlotCustody}) and its {@link SlotMove.GroupSlots} (fenced, opened, the ACCEPTs still
 * accepting, each slot's latest move epoch). Without it a snapshot's fences were lost on loading (a source replica that
 * installed one mid-move took writes of moving slots again), and which slots to load came from
 * the map, which a restarted node may not have replayed yet.
 *
 * <p>Text: {@code claims=RANK:SLOTS/...;fenced=SLOTS;opened=SLOTS;accepts=EPOCH:SOURCE:FENCE:SLOTS/...;epochs=EPOCH:SLOTS/...},
 * SLOTS as runs {@code 0-5460+5470}.
 */
record GroupSnapshot(Map<Long, BitSet> claims, BitSet fenced, BitSet opened, List<SlotMove.Accept> accepts, Map<Long, BitSet> epochs) {
    static final String AUX = "magpie-shard";

    /** What group's snapshot taken now records (keyspace thread), on a node whose custody knows every slot's holder. */
    static GroupSnapshot of(int group, SlotMove.GroupSlots moves, SlotCustody custody, IntFunction<SlotMove.GroupSlots> groups) {
        return of(group, moves, custody, groups, slot -> SlotCustody.UNKNOWN);
    }

    /**
     * What group's snapshot taken now records (keyspace thread). owner: the slot's group in the
     * map now (-1 while not known). A slot whose holder is {@link SlotCustody#UNKNOWN} here (a
     * joined node's group replaying its log from the start) is claimed at the bootstrap rank
     * by the group that owns it in the map: its keys here are that group's, written by its log.
     */
    static GroupSnapshot of(int group, SlotMove.GroupSlots moves, SlotCustody custody, IntFunction<SlotMove.GroupSlots> groups,
            IntUnaryOperator owner) {
        Map<Long, BitSet> claims = new TreeMap<>();
        for (int s = 0; s < HashSlot.SLOTS; s++) {
            int holder = custody.holder(s);
            SlotMove.GroupSlots holding = holder < 0 ? null : groups.apply(holder);
            long rank;
            if (holder == group) {
                rank = custody.rank(s);
            } else if (holder == SlotCustody.UNKNOWN && owner.applyAsInt(s) == group && !moves.lost.get(s)) {
                rank = SlotCustody.held(0);
            } else if (moves.fenced.get(s) && holding != null && !holding.opened.get(s)) {
                rank = SlotCustody.fencedFor(custody.rank(s)); // the target has its copy, no write yet: these keys are still ours, final
            } else {
                continue;
            }
            claims.computeIfAbsent(rank, r -> new BitSet()).set(s);
        }
        List<SlotMove.Accept> accepts = new ArrayList<>();
        for (SlotMove.Accept a : moves.accepts) accepts.add(a.withSlots((BitSet) a.slots().clone()));
        Map<Long, BitSet> epochs = new TreeMap<>();
        for (int s = 0; s < HashSlot.SLOTS; s++) if (moves.epochs[s] != 0) epochs.computeIfAbsent(moves.epochs[s], e -> new BitSet()).set(s);
        return new GroupSnapshot(claims, (BitSet) moves.fenced.clone(), (BitSet) moves.opened.clone(), accepts, epochs);
    }

    String encode() {
        StringBuilder sb = new StringBuilder("claims=");
        bySlots(sb, claims);
        sb.append(";fenced=").append(runs(fenced)).append(";opened=").append(runs(opened)).append(";accepts=");
        String sep = "";
        for (SlotMove.Accept a : accepts) {
            sb.append(sep).append(a.epoch()).append(':').append(a.source()).append(':').append(a.fenceIndex()).append(':').append(runs(a.slots()));
            sep = "/";
        }
        sb.append(";epochs=");
        bySlots(sb, epochs);
        return sb.toString();
    }

    private static void bySlots(StringBuilder sb, Map<Long, BitSet> map) {
        String sep = "";
        for (var e : map.entrySet()) {
            sb.append(sep).append(e.getKey()).append(':').append(runs(e.getValue()));
            sep = "/";
        }
    }

    private static Map<Long, BitSet> bySlots(String field) {
        Map<Long, BitSet> out = new TreeMap<>();
        for (String item : items(field)) {
            String[] f = item.split(":", -1);
            out.put(Long.parseLong(f[0]), slots(f[1]));
        }
        return out;
    }

    static GroupSnapshot decode(String text) {
        Map<String, String> fields = new TreeMap<>();
        for (String part : text.split(";", -1)) {
            int eq = part.indexOf('=');
            if (eq < 0) throw new IllegalArgumentException("bad " + AUX + " field: " + text);
            fields.put(part.substring(0, eq), part.substring(eq + 1));
        }
        Map<Long, BitSet> claims = bySlots(fields.get("claims"));
        List<SlotMove.Accept> accepts = new ArrayList<>();
        for (String item : items(fields.get("accepts"))) {
            String[] f = item.split(":", -1);
            accepts.add(new SlotMove.Accept(slots(f[3]), Long.parseLong(f[0]), Integer.parseInt(f[1]), Long.parseLong(f[2])));
        }
        return new GroupSnapshot(claims, slots(fields.get("fenced")), slots(fields.get("opened")), accepts, bySlots(fields.get("epochs")));
    }

    private static List<String> items(String s) {
        return s == null || s.isEmpty() ? List.of() : List.of(s.split("/"));
    }

    static String runs(BitSet slots) {
        StringBuilder sb = new StringBuilder();
        for (int s = slots.nextSetBit(0); s >= 0; ) {
            int end = slots.nextClearBit(s) - 1;
            if (sb.length() > 0) sb.append('+');
            sb.append(s);
            if (end > s) sb.append('-').append(end);
            s = slots.nextSetBit(end + 1);
        }
        return sb.toString();
    }

    static BitSet slots(String runs) {
        BitSet out = new BitSet();
        if (runs == null || runs.isEmpty()) return out;
        for (String run : runs.split("\\+")) {
            int dash = run.indexOf('-');
            if (dash < 0) {
                out.set(Integer.parseInt(run));
            } else {
                out.set(Integer.parseInt(run.substring(0, dash)), Integer.parseInt(run.substring(dash + 1)) + 1);
            }
        }
        return out;
    }
}
