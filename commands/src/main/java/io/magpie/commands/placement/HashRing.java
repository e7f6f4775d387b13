package io.magpie.commands.placement;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * A consistent-hash ring with virtual nodes: node i has weight × vnodesPerWeight points, the
 * point j of a node at murmur("name#j"). A key's hash goes to the first point at or after it,
 * wrapping. Adding a node takes about 1/N of the keys, from every other node evenly; removing
 * one spreads its keys over all the others. Shared by the proxy's ring distribution and Raft
 * placement by ring, so both place a key the same way.
 */
public final class HashRing implements Distribution {
    public static final int DEFAULT_VNODES_PER_WEIGHT = 128;

    private final int[] values;
    private final int[] owners;

    private HashRing(int[] values, int[] owners) {
        this.values = values;
        this.owners = owners;
    }

    public static HashRing of(List<Node> nodes, boolean[] live, int vnodesPerWeight) {
        if (vnodesPerWeight <= 0) throw new IllegalArgumentException("vnodes must be positive");
        int total = 0;
        for (int i = 0; i < nodes.size(); i++) if (Distribution.isLive(live, i)) total += nodes.get(i).weight() * vnodesPerWeight;
        long[] points = new long[total];
        int n = 0;
        for (int i = 0; i < nodes.size(); i++) {
            if (!Distribution.isLive(live, i)) continue;
            int count = nodes.get(i).weight() * vnodesPerWeight;
            for (int j = 0; j < count; j++) {
                byte[] label = (nodes.get(i).name() + "#" + j).getBytes(StandardCharsets.UTF_8);
                points[n++] = Points.pack(HashFunction.MURMUR.hash(label), i);
            }
        }
        Arrays.sort(points);
        return new HashRing(Points.values(points), Points.owners(points));
    }

    /** The points in ring order (unsigned), for drawing the ring: each point's value. */
    public int[] pointValues() {
        return values.clone();
    }

    /** The node index of each point, in the order of {@link #pointValues()}. */
    public int[] pointOwners() {
        return owners.clone();
    }

    @Override
    public int node(int hash) {
        return Points.successor(values, owners, hash);
    }
}
