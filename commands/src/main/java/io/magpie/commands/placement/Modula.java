package io.magpie.commands.placement;

import java.util.Arrays;
import java.util.List;

/**
 * twemproxy's modula distribution: one slot per unit of weight of each live node, in list
 * order, and a key goes to slot hash % slots (unsigned). Adding or removing a node remaps
 * almost every key, which is the cost this option shows.
 */
public final class Modula implements Distribution {
    private final int[] slots;

    private Modula(int[] slots) {
        this.slots = slots;
    }

    public static Modula of(List<Node> nodes, boolean[] live) {
        int total = 0;
        for (int i = 0; i < nodes.size(); i++) if (Distribution.isLive(live, i)) total += nodes.get(i).weight();
        int[] slots = new int[total];
        int at = 0;
        for (int i = 0; i < nodes.size(); i++) {
            if (!Distribution.isLive(live, i)) continue;
            Arrays.fill(slots, at, at + nodes.get(i).weight(), i);
            at += nodes.get(i).weight();
        }
        return new Modula(slots);
    }

    @Override
    public int node(int hash) {
        if (slots.length == 0) return -1;
        return slots[(int) Integer.remainderUnsigned(hash, slots.length)];
    }
}
