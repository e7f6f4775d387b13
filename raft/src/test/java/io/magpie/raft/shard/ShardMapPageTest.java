package io.magpie.raft.shard;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The map page drawn from cluster maps made by the placement code itself, without a server. */
class ShardMapPageTest {
    private static Map<String, String> members(String... ids) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < ids.length; i++) m.put(ids[i], "127.0.0.1:" + (17001 + i));
        return m;
    }

    /** Each group led by its preferred member (the first), as the map hears it once the leaders reported. */
    private static ClusterMap led(ClusterMap m) {
        for (ClusterMap.Group g : m.groups) m = m.withLeader(g.index(), g.members().get(0), 3);
        return m;
    }

    private static ShardMapPage.Local nothingLocal(String me) {
        return new ShardMapPage.Local(me, Map.of(), Map.of(), Map.of(), Set.of());
    }

    private static int count(String html, String regex) {
        Matcher m = Pattern.compile(regex).matcher(html);
        int n = 0;
        while (m.find()) n++;
        return n;
    }

    private static String row(String html, String attribute) {
        Matcher m = Pattern.compile("<tr " + Pattern.quote(attribute) + ">(.*?)</tr>").matcher(html);
        assertThat(m.find()).as("a row " + attribute).isTrue();
        return m.group(1);
    }

    @Test
    void slotsPlacementDrawsABarOfSixRangesAndEachGroupWithItsMembersLeaderSlotsAndKeys() {
        ClusterMap m = led(ClusterMap.bootstrap(members("n1", "n2", "n3"), 6, 2, SlotPlacement.Kind.SLOTS, 256))
                .withClientAddress("n2", "127.0.0.1:7002");
        // Group g's replicas are nodes g and g+1: n1 replicates groups 0, 2, 3, 5, and its replica of
        // group 2 knows a newer leader (itself) than the map's report (n3).
        Map<Integer, String> leaders = new HashMap<>(Map.of(2, "n1"));
        ShardMapPage.Local local = new ShardMapPage.Local("n1", leaders, Map.of(0, "leader", 2, "follower"), Map.of(0, 41L, 2, 7L), Set.of());
        String html = ShardMapPage.render(m, local);

        assertThat(html).contains("placement <b id=\"placement\">slots</b>").doesNotContain("points per group");
        assertThat(html).contains("<svg id=\"slot-map\"").doesNotContain("<circle");
        // Six ranges of 2730 or 2731 slots: 1024 px / 6 each.
        assertThat(count(html, "<rect [^>]*data-owner=\"\\d\"")).isEqualTo(6);
        assertThat(html).contains("<rect x=\"0.00\" y=\"0\" width=\"170.63\" height=\"36\" fill=\"" + ShardMapPage.colour(0) + "\" data-owner=\"0\">");
        assertThat(html).doesNotContain("data-target=");

        assertThat(row(html, "data-group=\"0\"")).contains("<span class=\"leader\">n1</span>, n2").contains("<td class=\"leader-cell\">n1</td>")
                .contains("<td>2730</td><td>41</td><td>leader</td>");
        assertThat(row(html, "data-group=\"2\"")).contains("n3, <span class=\"leader\">n1</span>").contains("<td class=\"leader-cell\">n1</td>")
                .contains("<td>7</td><td>follower</td>");
        assertThat(row(html, "data-group=\"1\"")).contains("<td class=\"leader-cell\">n2</td>").contains("not here").contains("not a replica");
        assertThat(count(html, "<tr data-group=")).isEqualTo(6);

        // Nodes: n1 leads 0, 3 and (as its replica knows) 2, n2 leads 1 and 4, n3 only 5; each replicates 4 of the 6.
        assertThat(row(html, "data-node=\"n1\"")).contains("(this node)").contains("<td>127.0.0.1:17001</td><td></td><td>3</td><td>4</td>");
        assertThat(row(html, "data-node=\"n2\"")).contains("<td>127.0.0.1:17002</td><td>127.0.0.1:7002</td><td>2</td><td>4</td>");
        assertThat(row(html, "data-node=\"n3\"")).contains("<td>1</td><td>4</td>");
        assertThat(html).contains("<p id=\"moves\">none</p>").contains("<meta http-equiv=\"refresh\"");
    }

    @Test
    void ringPlacementDrawsEveryGroupsPointsAndArcsThatCoverEachSlotOnce() {
        ClusterMap m = led(ClusterMap.bootstrap(members("n1", "n2", "n3"), 6, 3, SlotPlacement.Kind.RING, 64));
        String html = ShardMapPage.render(m, nothingLocal("n3"));

        assertThat(html).contains("placement <b id=\"placement\">ring</b> (64 points per group)").doesNotContain("<rect");
        for (int g = 0; g < 6; g++) {
            assertThat(count(html, "<circle [^>]*data-point=\"" + g + "\"")).as("points of group " + g).isEqualTo(64);
            assertThat(row(html, "data-group=\"" + g + "\"")).contains("<td class=\"leader-cell\">n" + (g % 3 + 1) + "</td>");
        }
        // The arcs' slot counts add up, per group, to the slot table's: every slot drawn once, in its owner's colour.
        int[] drawn = new int[6];
        Matcher arc = Pattern.compile("<path [^>]*stroke=\"([^\"]+)\"[^>]*data-owner=\"(\\d)\"><title>(\\d+) slots → shard (\\d)</title>").matcher(html);
        while (arc.find()) {
            int g = Integer.parseInt(arc.group(2));
            assertThat(arc.group(4)).isEqualTo(arc.group(2));
            assertThat(arc.group(1)).isEqualTo(ShardMapPage.colour(g));
            drawn[g] += Integer.parseInt(arc.group(3));
        }
        assertThat(drawn).containsExactly(SlotPlacement.counts(m.slotTable(), 6));
    }

    @Test
    void aReshardInFlightShowsItsMovesAndTheTableTheyMoveTowards() {
        ClusterMap slots = led(ClusterMap.bootstrap(members("n1", "n2", "n3"), 6, 3, SlotPlacement.Kind.SLOTS, 256)).withReshard(7);
        List<int[]> pending = slots.pendingMoves();
        assertThat(pending).isNotEmpty();
        String html = ShardMapPage.render(slots, new ShardMapPage.Local("n1", Map.of(), Map.of(), Map.of(), Set.of(pending.get(0)[0])));
        assertThat(html).contains("<b>resharding</b>").contains("7 groups").contains("after the moves in flight");
        assertThat(html).containsPattern("<rect [^>]*data-target=\"6\"");
        assertThat(row(html, "data-group=\"6\"")).contains("none known").contains("<td>0</td>"); // no slots yet
        assertThat(count(html, "<tr data-move=")).isEqualTo(pending.size());
        for (int i = 0; i < pending.size(); i++) {
            int[] mv = pending.get(i);
            assertThat(row(html, "data-move=\"" + mv[0] + "-" + mv[1] + "\""))
                    .isEqualTo("<td>shard " + mv[0] + "</td><td>shard " + mv[1] + "</td><td>" + mv[2] + "</td><td>" + (i == 0 ? "yes" : "no") + "</td>");
        }

        ClusterMap ring = led(ClusterMap.bootstrap(members("n1", "n2", "n3"), 6, 2, SlotPlacement.Kind.RING, 32)).withReshard(7);
        String ringHtml = ShardMapPage.render(ring, nothingLocal("n2"));
        assertThat(ringHtml).contains("inner ring: after the moves").containsPattern("<path [^>]*data-target=\"6\"");
        assertThat(count(ringHtml, "<circle [^>]*data-point=\"6\"")).isEqualTo(32);
        assertThat(count(ringHtml, "<tr data-move=")).isEqualTo(ring.pendingMoves().size()).isPositive();
    }

    @Test
    void nodeIdsAndAddressesAreEscaped() {
        Map<String, String> hostile = new LinkedHashMap<>();
        hostile.put("<script>alert(1)</script>", "127.0.0.1:1");
        hostile.put("n\"2'&", "127.0.0.1:2");
        ClusterMap m = led(ClusterMap.bootstrap(hostile, 2, 2, SlotPlacement.Kind.SLOTS, 1)).withClientAddress("n\"2'&", "<img src=x>:1");
        String html = ShardMapPage.render(m, nothingLocal("<script>alert(1)</script>"));
        assertThat(html).doesNotContain("<script").doesNotContain("<img").doesNotContain("n\"2");
        assertThat(html).contains("&lt;script&gt;alert(1)&lt;/script&gt;").contains("n&quot;2&#39;&amp;").contains("&lt;img src=x&gt;:1");
        assertThat(html).contains("<tr data-node=\"n&quot;2&#39;&amp;\">");
    }

    @Test
    void aMapNotKnownYetSaysSo() {
        String html = ShardMapPage.render(ClusterMap.EMPTY, nothingLocal("n1"));
        assertThat(html).contains("<p id=\"no-map\">").doesNotContain("<svg");
    }
}
