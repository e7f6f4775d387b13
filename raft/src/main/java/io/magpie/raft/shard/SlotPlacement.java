package io.magpie.raft.shard;

import io.magpie.commands.HashSlot;
import io.magpie.commands.placement.Distribution;
import io.magpie.commands.placement.HashFunction;
import io.magpie.commands.placement.HashRing;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Where the 16384 hash slots go among the data groups. The slot is always the unit of
 * ownership and movement; the two placements differ only in how the slot → group table is
 * made:
 * <ul>
 *   <li>{@code slots}: an explicit table, first as even contiguous ranges (as
 *       {@code redis-cli --cluster create} assigns them), then changed by {@link #rebalance},
 *       which moves the fewest slots that even out the counts;</li>
 *   <li>{@code ring}: each group puts vnodes points on the ring of the proxy's {@link HashRing}
 *       (murmur of "g&lt;i&gt;#j"); a slot is hashed onto the ring (murmur of its two bytes) and
 *       belongs to the group of the next point clockwise. A group joining or leaving moves only
 *       the slots whose arc changes.</li>
 * </ul>
 */
public final class SlotPlacement {
    public static final int SLOTS = HashSlot.SLOTS;

    public enum Kind {
        SLOTS, RING;

        public static Kind byName(String name) {
            for (Kind k : values()) if (k.name().equalsIgnoreCase(name)) return k;
            return null;
        }
    }

    private SlotPlacement() {}

    /** Even contiguous ranges: group g owns [g·16384/n, (g+1)·16384/n). */
    public static short[] ranges(int groups) {
        short[] table = new short[SLOTS];
        for (int g = 0; g < groups; g++) {
            Arrays.fill(table, (int) ((long) g * SLOTS / groups), (int) ((long) (g + 1) * SLOTS / groups), (short) g);
        }
        return table;
    }

    /** The ring of these groups (group i named "g&lt;i&gt;", vnodes points each) as a slot table. */
    public static short[] ring(int groups, int vnodes) {
        return table(ringOf(groups, vnodes));
    }

    static Distribution ringOf(int groups, int vnodes) {
        List<Distribution.Node> nodes = new ArrayList<>(groups);
        for (int g = 0; g < groups; g++) nodes.add(new Distribution.Node("g" + g, 1));
        return HashRing.of(nodes, null, vnodes);
    }

    /** A slot table from any distribution of groups (the ring, or ketama's continuum to compare). */
    public static short[] table(Distribution d) {
        short[] table = new short[SLOTS];
        for (int s = 0; s < SLOTS; s++) table[s] = (short) d.node(slotHash(s));
        return table;
    }

    /** Where slot s sits on the ring: murmur of its two big-endian bytes. */
    static int slotHash(int slot) {
        return HashFunction.MURMUR.hash(new byte[] {(byte) (slot >>> 8), (byte) slot});
    }

    /**
     * The slots table with groups groups, moving the fewest slots: each group keeps up to its
     * fair share (16384/groups, the remainder to the lowest indexes) of the slots it has, and
     * the surplus and the slots of removed groups go to the groups below their share, in slot
     * order. Going from n to n+1 groups moves 16384/(n+1) slots: the ideal.
     */
    public static short[] rebalance(short[] current, int groups) {
        int[] share = new int[groups];
        for (int g = 0; g < groups; g++) share[g] = SLOTS / groups + (g < SLOTS % groups ? 1 : 0);
        short[] next = current.clone();
        int[] kept = new int[groups];
        List<Integer> free = new ArrayList<>();
        for (int s = 0; s < SLOTS; s++) {
            int g = current[s];
            if (g < groups && kept[g] < share[g]) {
                kept[g]++;
            } else {
                free.add(s);
            }
        }
        int g = 0;
        for (int s : free) {
            while (kept[g] >= share[g]) g++;
            next[s] = (short) g;
            kept[g]++;
        }
        return next;
    }

    /** Slots per group. */
    public static int[] counts(short[] table, int groups) {
        int[] counts = new int[groups];
        for (short g : table) counts[g]++;
        return counts;
    }

    /** How many slots have another group in b than in a. */
    public static int moved(short[] a, short[] b) {
        int n = 0;
        for (int s = 0; s < SLOTS; s++) if (a[s] != b[s]) n++;
        return n;
    }

    /** The table's maximal runs of consecutive slots of one group: {start, end, group} each. */
    public static List<int[]> runs(short[] table) {
        List<int[]> out = new ArrayList<>();
        if (table.length == 0) return out;
        int start = 0;
        for (int s = 1; s <= SLOTS; s++) {
            if (s == SLOTS || table[s] != table[start]) {
                out.add(new int[] {start, s - 1, table[start]});
                start = s;
            }
        }
        return out;
    }
}
