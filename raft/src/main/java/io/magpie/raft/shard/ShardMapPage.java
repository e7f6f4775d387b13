package io.magpie.raft.shard;

import io.magpie.commands.placement.HashRing;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The map page of a sharded Raft node (raft-http-port): the placement, the 16384 slots drawn
 * by owning group (a bar for {@code slots}; for {@code ring}, the groups' points on a circle
 * and the slots' arcs), the groups with their members, leader, slots and keys, the nodes with
 * the groups they lead and replicate, and the slot moves in flight.
 *
 * A pure function of the map and of what this node knows beyond it ({@link Local}): plain
 * HTML with inline SVG, no script and nothing loaded from elsewhere, so that it renders
 * anywhere and its tests need no server. Node ids and addresses come from the operator's
 * settings and are escaped like any text.
 */
public final class ShardMapPage {
    /** Seconds between reloads of the page (a meta refresh: the page has no script). */
    static final int REFRESH_SECONDS = 10;
    private static final int BAR_WIDTH = 1024, BAR_HEIGHT = 36;
    private static final double RING_CENTER = 260, RING_RADIUS = 200, TARGET_RADIUS = 168, POINT_RADIUS = 236;

    private ShardMapPage() {}

    /**
     * What this node knows beyond the map: each group's leader as its replica sees it (fresher
     * than the map's report) or as the map last heard it, the role of its own replicas, the keys
     * of the groups it replicates (its per-slot index; unknown for the others), and the moves
     * it drives now (by source group).
     */
    public record Local(String nodeId, Map<Integer, String> leaders, Map<Integer, String> roles, Map<Integer, Long> keys,
            Set<Integer> movesDrivenHere) {}

    public static String render(ClusterMap map, Local local) {
        StringBuilder h = new StringBuilder(64 * 1024);
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
                .append("<meta http-equiv=\"refresh\" content=\"").append(REFRESH_SECONDS).append("\">")
                .append("<title>Magpie sharded Raft · ").append(esc(local.nodeId())).append("</title><style>")
                .append("body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;background:#fafafa}")
                .append("h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:24px 0 8px}")
                .append("table{border-collapse:collapse;background:#fff}td,th{border:1px solid #ddd;padding:4px 10px;text-align:left}")
                .append("th{background:#f0f0f0}.swatch{display:inline-block;width:12px;height:12px;margin-right:6px;vertical-align:-1px}")
                .append(".leader{font-weight:bold}.muted{color:#888}svg text{font:12px system-ui,sans-serif}")
                .append("</style></head><body>\n");
        String placement = map.placement.name().toLowerCase(Locale.ROOT);
        h.append("<h1>Sharded Raft map</h1>\n<p id=\"summary\">node <b>").append(esc(local.nodeId())).append("</b> · placement <b id=\"placement\">")
                .append(placement).append("</b>");
        if (map.placement == SlotPlacement.Kind.RING) h.append(" (").append(map.vnodes).append(" points per group)");
        h.append(" · ").append(map.groups.size()).append(" groups · ").append(map.nodes.size()).append(" nodes · map version ")
                .append(map.version).append(map.resharding() ? " · <b>resharding</b>" : "").append("</p>\n");
        if (map.isEmpty()) {
            h.append("<p id=\"no-map\">The cluster map is not known yet.</p>\n</body></html>\n");
            return h.toString();
        }
        h.append("<h2>Slots</h2>\n");
        if (map.placement == SlotPlacement.Kind.RING) ring(h, map);
        else bar(h, map);
        legend(h, map);
        groups(h, map, local);
        nodes(h, map, local);
        moves(h, map, local);
        h.append("</body></html>\n");
        return h.toString();
    }

    /* ---------------- the slots: a bar, or the ring ---------------- */

    private static void bar(StringBuilder h, ClusterMap map) {
        boolean moving = map.resharding();
        int height = moving ? 2 * BAR_HEIGHT + 40 : BAR_HEIGHT + 20;
        h.append("<svg id=\"slot-map\" xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(BAR_WIDTH).append("\" height=\"")
                .append(height).append("\">");
        barRow(h, map.slotTable(), 0, "owner");
        if (moving) {
            short[] target = new short[SlotPlacement.SLOTS];
            for (int s = 0; s < target.length; s++) target[s] = (short) map.targetOf(s);
            h.append("<text x=\"0\" y=\"").append(BAR_HEIGHT + 16).append("\">after the moves in flight</text>");
            barRow(h, target, BAR_HEIGHT + 22, "target");
        }
        h.append("<text x=\"0\" y=\"").append(height - 4).append("\">0</text><text x=\"").append(BAR_WIDTH)
                .append("\" y=\"").append(height - 4).append("\" text-anchor=\"end\">16383</text></svg>\n");
    }

    private static void barRow(StringBuilder h, short[] table, int y, String kind) {
        double perSlot = (double) BAR_WIDTH / SlotPlacement.SLOTS;
        for (int[] run : SlotPlacement.runs(table)) {
            h.append("<rect x=\"").append(fmt(run[0] * perSlot)).append("\" y=\"").append(y).append("\" width=\"")
                    .append(fmt((run[1] - run[0] + 1) * perSlot)).append("\" height=\"").append(BAR_HEIGHT).append("\" fill=\"")
                    .append(colour(run[2])).append("\" data-").append(kind).append("=\"").append(run[2]).append("\"><title>slots ")
                    .append(run[0]).append('-').append(run[1]).append(" → shard ").append(run[2]).append("</title></rect>");
        }
    }

    /**
     * The ring: each group's points (murmur of "g&lt;i&gt;#j", the proxy's ring) as dots outside
     * the circle; the circle itself the slots, each at murmur of its two bytes, in arcs coloured
     * by the group that owns them now, and inside it, during a reshard, the arcs it moves to.
     */
    private static void ring(StringBuilder h, ClusterMap map) {
        int size = (int) (2 * RING_CENTER);
        h.append("<svg id=\"slot-map\" xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(size).append("\" height=\"").append(size)
                .append("\">");
        Integer[] order = new Integer[SlotPlacement.SLOTS];
        long[] position = new long[SlotPlacement.SLOTS];
        for (int s = 0; s < order.length; s++) {
            order[s] = s;
            position[s] = Integer.toUnsignedLong(SlotPlacement.slotHash(s));
        }
        java.util.Arrays.sort(order, Comparator.comparingLong(s -> position[s]));
        arcs(h, order, position, map, RING_RADIUS, 26, false);
        if (map.resharding()) arcs(h, order, position, map, TARGET_RADIUS, 12, true);
        HashRing points = (HashRing) SlotPlacement.ringOf(map.groups.size(), Math.max(1, map.vnodes));
        int[] values = points.pointValues(), owners = points.pointOwners();
        for (int j = 0; j < values.length; j++) {
            double[] p = onCircle(Integer.toUnsignedLong(values[j]), POINT_RADIUS);
            h.append("<circle cx=\"").append(fmt(p[0])).append("\" cy=\"").append(fmt(p[1])).append("\" r=\"2.5\" fill=\"")
                    .append(colour(owners[j])).append("\" data-point=\"").append(owners[j]).append("\"/>");
        }
        h.append("<text x=\"").append(fmt(RING_CENTER)).append("\" y=\"").append(fmt(RING_CENTER)).append("\" text-anchor=\"middle\">")
                .append(map.groups.size()).append(" groups · ").append(values.length).append(" points</text>");
        if (map.resharding()) {
            h.append("<text x=\"").append(fmt(RING_CENTER)).append("\" y=\"").append(fmt(RING_CENTER + 18))
                    .append("\" text-anchor=\"middle\">inner ring: after the moves</text>");
        }
        h.append("</svg>\n");
    }

    /** The slots in ring order, cut into runs of one group; a run's arc starts where the previous slot sits. */
    private static void arcs(StringBuilder h, Integer[] order, long[] position, ClusterMap map, double radius, int width, boolean target) {
        int n = order.length;
        java.util.function.IntUnaryOperator owner = i -> target ? map.targetOf(order[i]) : map.groupOf(order[i]);
        // Start at a change of owner, so that no run wraps past the end of the array.
        int start = 0;
        while (start < n && owner.applyAsInt(start) == owner.applyAsInt((start + n - 1) % n)) start++;
        String kind = target ? "target" : "owner";
        if (start == n) { // one group owns every slot
            h.append("<circle cx=\"").append(fmt(RING_CENTER)).append("\" cy=\"").append(fmt(RING_CENTER)).append("\" r=\"")
                    .append(fmt(radius)).append("\" fill=\"none\" stroke=\"").append(colour(owner.applyAsInt(0))).append("\" stroke-width=\"")
                    .append(width).append("\" data-").append(kind).append("=\"").append(owner.applyAsInt(0)).append("\"/>");
            return;
        }
        for (int k = 0; k < n; ) {
            int first = (start + k) % n, g = owner.applyAsInt(first), count = 0;
            while (k < n && owner.applyAsInt((start + k) % n) == g) {
                k++;
                count++;
            }
            long from = position[order[(first + n - 1) % n]], to = position[order[(first + count - 1) % n]];
            long span = Math.floorMod(to - from, 1L << 32);
            double[] a = onCircle(from, radius), b = onCircle(to, radius);
            h.append("<path d=\"M").append(fmt(a[0])).append(' ').append(fmt(a[1])).append(" A").append(fmt(radius)).append(' ')
                    .append(fmt(radius)).append(" 0 ").append(span > (1L << 31) ? 1 : 0).append(" 1 ").append(fmt(b[0])).append(' ')
                    .append(fmt(b[1])).append("\" fill=\"none\" stroke=\"").append(colour(g)).append("\" stroke-width=\"").append(width)
                    .append("\" data-").append(kind).append("=\"").append(g).append("\"><title>").append(count).append(" slots → shard ")
                    .append(g).append("</title></path>");
        }
    }

    /** Where an unsigned 32-bit ring position sits: 0 at the top, clockwise. */
    private static double[] onCircle(long position, double radius) {
        double angle = 2 * Math.PI * position / (double) (1L << 32) - Math.PI / 2;
        return new double[] {RING_CENTER + radius * Math.cos(angle), RING_CENTER + radius * Math.sin(angle)};
    }

    private static void legend(StringBuilder h, ClusterMap map) {
        h.append("<p id=\"legend\">");
        for (ClusterMap.Group g : map.groups) {
            h.append("<span><span class=\"swatch\" style=\"background:").append(colour(g.index())).append("\"></span>shard ")
                    .append(g.index()).append("</span> &nbsp; ");
        }
        h.append("</p>\n");
    }

    /* ---------------- the tables ---------------- */

    private static void groups(StringBuilder h, ClusterMap map, Local local) {
        int[] slots = SlotPlacement.counts(map.slotTable(), map.groups.size());
        h.append("<h2>Groups</h2>\n<table id=\"groups\"><tr><th>shard</th><th>members</th><th>leader</th><th>slots</th><th>keys</th>")
                .append("<th>role here</th></tr>\n");
        for (ClusterMap.Group g : map.groups) {
            String leader = leaderOf(map, local, g.index());
            List<String> members = new ArrayList<>();
            for (String m : g.members()) members.add(m.equals(leader) ? "<span class=\"leader\">" + esc(m) + "</span>" : esc(m));
            Long keys = local.keys().get(g.index());
            h.append("<tr data-group=\"").append(g.index()).append("\"><td><span class=\"swatch\" style=\"background:")
                    .append(colour(g.index())).append("\"></span>shard ").append(g.index()).append("</td><td>")
                    .append(String.join(", ", members)).append("</td><td class=\"leader-cell\">")
                    .append(leader.isEmpty() ? "<span class=\"muted\">none known</span>" : esc(leader)).append("</td><td>")
                    .append(slots[g.index()]).append("</td><td>").append(keys == null ? "<span class=\"muted\">not here</span>" : keys)
                    .append("</td><td>").append(esc(local.roles().getOrDefault(g.index(), "not a replica"))).append("</td></tr>\n");
        }
        h.append("</table>\n");
    }

    private static void nodes(StringBuilder h, ClusterMap map, Local local) {
        h.append("<h2>Nodes</h2>\n<table id=\"nodes\"><tr><th>node</th><th>raft address</th><th>client address</th><th>leads</th>")
                .append("<th>replicates</th></tr>\n");
        for (ClusterMap.Node n : map.nodes.values()) {
            int leads = 0, replicates = 0;
            for (ClusterMap.Group g : map.groups) {
                if (leaderOf(map, local, g.index()).equals(n.id())) leads++;
                if (g.members().contains(n.id())) replicates++;
            }
            h.append("<tr data-node=\"").append(esc(n.id())).append("\"><td>").append(esc(n.id()))
                    .append(n.id().equals(local.nodeId()) ? " <span class=\"muted\">(this node)</span>" : "").append("</td><td>")
                    .append(esc(n.raftAddress())).append("</td><td>").append(esc(n.clientAddress())).append("</td><td>").append(leads)
                    .append("</td><td>").append(replicates).append("</td></tr>\n");
        }
        h.append("</table>\n");
    }

    private static void moves(StringBuilder h, ClusterMap map, Local local) {
        h.append("<h2>Moves in flight</h2>\n");
        List<int[]> pending = map.pendingMoves();
        if (pending.isEmpty()) {
            h.append("<p id=\"moves\">none</p>\n");
            return;
        }
        h.append("<table id=\"moves\"><tr><th>from</th><th>to</th><th>slots</th><th>driven here</th></tr>\n");
        for (int[] m : pending) {
            h.append("<tr data-move=\"").append(m[0]).append('-').append(m[1]).append("\"><td>shard ").append(m[0]).append("</td><td>shard ")
                    .append(m[1]).append("</td><td>").append(m[2]).append("</td><td>")
                    .append(local.movesDrivenHere().contains(m[0]) ? "yes" : "no").append("</td></tr>\n");
        }
        h.append("</table>\n");
    }

    private static String leaderOf(ClusterMap map, Local local, int g) {
        String known = local.leaders().get(g);
        if (known != null && !known.isEmpty()) return known;
        return map.groups.get(g).leader();
    }

    /* ---------------- helpers ---------------- */

    /** Tableau's ten categorical colours, told apart at a glance (and by most colour-blind readers). */
    private static final String[] PALETTE = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
        "#9c755f", "#bab0ac"};

    /** Group g's colour: the palette, then hues a golden angle apart, darker, so that neighbours differ however many groups there are. */
    static String colour(int g) {
        return g < PALETTE.length ? PALETTE[g] : "hsl(" + fmt((g * 137.508) % 360) + ",55%,38%)";
    }

    static String esc(String s) {
        StringBuilder out = new StringBuilder(s.length() + 8);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.2f", v);
    }
}
