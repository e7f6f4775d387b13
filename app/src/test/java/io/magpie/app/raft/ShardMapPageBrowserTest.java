package io.magpie.app.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.magpie.app.TestPorts;
import io.magpie.app.observability.Chromium;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisCluster;

/**
 * The map page of a sharded Raft node (raft-http-port) on 3 real processes with 6 groups,
 * placed by slots and by ring, loaded in headless Chromium: it shows the placement, the slots
 * drawn by group, each group with its members and leader, the keys of the groups the node
 * replicates, and after RAFT SHARDS 7 the seventh group. The screenshots are kept in
 * target/shard-map/.
 */
class ShardMapPageBrowserTest {
    private static final Duration START = Duration.ofSeconds(120);
    private static final Path OUTPUT = Path.of("target", "shard-map");
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    private static String page(int port) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
        return r.body();
    }

    /** Group → its members and leader, as RAFT INFO's shard lines have them on this node. */
    private static Map<Integer, String[]> groupsByRaftInfo(RaftGroup.Member m) {
        Map<Integer, String[]> out = new HashMap<>();
        for (Map.Entry<String, String> e : RaftGroup.raftInfo(m).entrySet()) {
            if (!e.getKey().matches("shard\\d+")) continue;
            Map<String, String> f = new HashMap<>();
            for (String part : e.getValue().split(",")) f.put(part.substring(0, part.indexOf('=')), part.substring(part.indexOf('=') + 1));
            out.put(Integer.parseInt(e.getKey().substring(5)), new String[] {f.get("members"), f.get("leader")});
        }
        return out;
    }

    /** Group → {leader, keys} as the page's table shows them. */
    private static Map<Integer, String[]> groupRows(String html) {
        Map<Integer, String[]> out = new LinkedHashMap<>();
        Matcher row = Pattern.compile("<tr data-group=\"(\\d+)\">.*?<td class=\"leader-cell\">(.*?)</td><td>(\\d+)</td><td>(.*?)</td>").matcher(html);
        while (row.find()) out.put(Integer.parseInt(row.group(1)), new String[] {row.group(2), row.group(4), row.group(3)});
        return out;
    }

    private static long keysShown(String html) {
        long n = 0;
        for (String[] row : groupRows(html).values()) if (row[1].matches("\\d+")) n += Long.parseLong(row[1]);
        return n;
    }

    private static int count(String html, String regex) {
        Matcher m = Pattern.compile(regex).matcher(html);
        int n = 0;
        while (m.find()) n++;
        return n;
    }

    @ParameterizedTest(name = "placement {0}, {1} replicas")
    @CsvSource({"slots, 3", "ring, 2"})
    void theMapPageShowsEveryGroupWithItsLeaderAndTheSlotsByGroupInChromium(String placement, int replicas) throws Exception {
        Map<String, Integer> httpPorts = new HashMap<>();
        try (RaftGroup cluster = RaftGroup.startEach(Files.createTempDirectory("raft-map"), 3, id -> {
            int port = TestPorts.freePort();
            httpPorts.put(id, port);
            return List.of("--raft-http-port", String.valueOf(port));
        }, "--raft-shards", "6", "--raft-replication", String.valueOf(replicas), "--raft-placement", placement, "--raft-ring-vnodes", "64")) {
            List<RaftGroup.Member> nodes = cluster.members();
            RaftGroup.Member n1 = nodes.get(0);
            int port = httpPorts.get("n1");
            try (Jedis j = n1.jedis()) {
                // Like every raft-* parameter, CONFIG GET shows it.
                assertThat(j.configGet("raft-http-port")).containsEntry("raft-http-port", String.valueOf(port));
            }
            // Every node's CLUSTER INFO ok (the map knows every node's client address: JedisCluster can route), leaders spread.
            ShardedRaftClusterTest.awaitClusterOk(cluster, nodes);
            try {
                await().atMost(START).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
                    for (RaftGroup.Member m : nodes) assertThat(RaftGroup.raftInfo(m).get("shards_led")).isEqualTo("2");
                });
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                throw ShardedRaftClusterTest.withLogs(cluster, nodes, e);
            }
            try (JedisCluster jc = new JedisCluster(new HostAndPort("127.0.0.1", n1.port), 10_000, 10_000, 10, null)) {
                for (int i = 0; i < 100; i++) {
                    String key = "map:" + i;
                    ShardedRaftClusterTest.retrying(() -> jc.set(key, "v"));
                }
            }
            // n1's page knows every group's leader (of a group it does not replicate, from the map's reports), every
            // node's client address, and
            // counts the keys of the groups it replicates as its keyspace holds them (all 100 with 3 replicas).
            await().atMost(START).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
                String html = page(port);
                assertThat(groupRows(html)).hasSize(6);
                assertThat(html).doesNotContain("none known");
                for (RaftGroup.Member m : nodes) assertThat(html).contains("<td>127.0.0.1:" + m.port + "</td>"); // NODE entries applied
                long dbsize;
                try (Jedis j = n1.jedis()) {
                    dbsize = j.dbSize();
                }
                assertThat(keysShown(html)).isEqualTo(dbsize).isPositive();
                if (replicas == 3) assertThat(dbsize).isEqualTo(100);
            });

            // Only the page is served there; HEAD gets its headers.
            HttpResponse<String> missing = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(missing.statusCode()).isEqualTo(404);
            HttpResponse<String> head = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
                    .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(head.statusCode()).isEqualTo(200);
            assertThat(head.body()).isEmpty();

            Map<Integer, String[]> before = groupsByRaftInfo(n1);
            String dom = Chromium.render("http://127.0.0.1:" + port + "/", OUTPUT, "shard-map-" + placement, "1280,1500");
            Map<Integer, String[]> after = groupsByRaftInfo(n1);

            assertThat(dom).contains("<b id=\"placement\">" + placement + "</b>").contains("<svg id=\"slot-map\"");
            if (placement.equals("ring")) {
                assertThat(dom).contains("(64 points per group)");
                for (int g = 0; g < 6; g++) assertThat(count(dom, "<circle [^>]*data-point=\"" + g + "\"")).isEqualTo(64);
            } else {
                for (int g = 0; g < 6; g++) assertThat(count(dom, "<rect [^>]*data-owner=\"" + g + "\"")).isEqualTo(1);
            }
            Map<Integer, String[]> rows = groupRows(dom);
            assertThat(rows.keySet()).containsExactly(0, 1, 2, 3, 4, 5);
            int slots = 0;
            for (Map.Entry<Integer, String[]> row : rows.entrySet()) {
                int g = row.getKey();
                String leader = row.getValue()[0];
                // The leader shown is the one RAFT INFO reported just before or just after the page was drawn
                // (a loaded machine may change a leader in between), and a member of the group.
                assertThat(leader).as("leader of shard " + g).isIn(before.get(g)[1], after.get(g)[1]);
                assertThat(Set.of(before.get(g)[0].split("\\|"))).contains(leader);
                assertThat(dom).containsPattern("<tr data-group=\"" + g + "\">.*<span class=\"leader\">" + leader + "</span>");
                slots += Integer.parseInt(row.getValue()[2]);
            }
            assertThat(slots).isEqualTo(16384);
            for (RaftGroup.Member m : nodes) {
                assertThat(dom).containsPattern("<tr data-node=\"" + m.id + "\"><td>" + m.id + "[^<]*(<span[^>]*>\\(this node\\)</span>)?</td><td>127.0.0.1:"
                        + m.raftPort + "</td><td>127.0.0.1:" + m.port + "</td><td>\\d</td><td>" + (6 * replicas / 3) + "</td></tr>");
            }
            assertThat(dom).contains("<p id=\"moves\">none</p>");

            // Seven groups: once the moves are done the page draws the seventh, which owns slots now.
            try (Jedis j = n1.jedis()) {
                assertThat(j.sendCommand(() -> "RAFT".getBytes(), "SHARDS", "7")).isEqualTo("OK".getBytes());
            }
            await().atMost(START).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
                Map<String, String> info = RaftGroup.raftInfo(n1);
                assertThat(info).containsEntry("raft_shards", "7").containsEntry("resharding", "0");
                assertThat(page(port)).doesNotContain("none known");
            });
            String grown = Chromium.render("http://127.0.0.1:" + port + "/", OUTPUT, "shard-map-" + placement + "-7-groups", "1280,1500");
            assertThat(groupRows(grown).keySet()).containsExactly(0, 1, 2, 3, 4, 5, 6);
            assertThat(Integer.parseInt(groupRows(grown).get(6)[2])).isPositive();
            assertThat(grown).contains("7 groups").contains("<p id=\"moves\">none</p>");
            if (placement.equals("ring")) assertThat(count(grown, "<circle [^>]*data-point=\"6\"")).isEqualTo(64);
            else assertThat(grown).containsPattern("<rect [^>]*data-owner=\"6\"");
        }
    }
}
