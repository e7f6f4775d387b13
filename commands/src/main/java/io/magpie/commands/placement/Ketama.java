package io.magpie.commands.placement;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * twemproxy's ketama continuum (nc_ketama.c), point for point: each live node gets
 * floor(weight share × 160 / 4 × live nodes) × 4 points; every four points are the four
 * little-endian words of MD5("name-i"), i from 0. A key goes to the first point at or after its
 * hash, wrapping to the first point. The point count is computed in float as twemproxy does,
 * so that uneven weights round the same way.
 */
public final class Ketama implements Distribution {
    static final int POINTS_PER_SERVER = 160;
    private static final int POINTS_PER_HASH = 4;

    /** Point values (unsigned, sorted) and the node index of each. */
    private final int[] values;
    private final int[] owners;

    private Ketama(int[] values, int[] owners) {
        this.values = values;
        this.owners = owners;
    }

    public static Ketama of(List<Node> nodes, boolean[] live) {
        int liveCount = 0;
        long totalWeight = 0;
        for (int i = 0; i < nodes.size(); i++) {
            if (!Distribution.isLive(live, i)) continue;
            liveCount++;
            totalWeight += nodes.get(i).weight();
        }
        long[] points = new long[0]; // Points.pack(value, owner)
        int n = 0;
        for (int i = 0; i < nodes.size(); i++) {
            if (!Distribution.isLive(live, i)) continue;
            float pct = (float) nodes.get(i).weight() / (float) totalWeight;
            // As C evaluates it: float products, then + a double constant, then back to float.
            float share = pct * POINTS_PER_SERVER / 4 * (float) liveCount;
            int pointsForNode = (int) Math.floor((float) (share + 0.0000000001)) * 4;
            if (n + pointsForNode > points.length) points = Arrays.copyOf(points, Math.max(points.length * 2, n + pointsForNode));
            for (int p = 0; p < pointsForNode / POINTS_PER_HASH; p++) {
                byte[] host = (nodes.get(i).name() + "-" + p).getBytes(StandardCharsets.ISO_8859_1);
                byte[] digest = HashFunction.md5(host, 0, host.length);
                for (int x = 0; x < POINTS_PER_HASH; x++) {
                    points[n++] = Points.pack(HashFunction.md5Word(digest, x), i);
                }
            }
        }
        points = Arrays.copyOf(points, n);
        Arrays.sort(points);
        return new Ketama(Points.values(points), Points.owners(points));
    }

    @Override
    public int node(int hash) {
        return Points.successor(values, owners, hash);
    }

    /** Number of points on the continuum. */
    public int points() {
        return values.length;
    }
}
