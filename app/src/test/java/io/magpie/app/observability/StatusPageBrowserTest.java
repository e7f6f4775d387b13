package io.magpie.app.observability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.magpie.app.TestServer;
import io.magpie.protocol.RespClient;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/**
 * The status page on metrics-port, loaded in headless Chromium (Debian's chromium package):
 * the page renders the master's role, its replica link, the keyspace, the slowlog and a
 * non-empty ops/s graph. The screenshot is kept in target/status-page/.
 */
class StatusPageBrowserTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path OUTPUT = Path.of("target", "status-page");

    private static JsonNode statusJson(int port) throws Exception {
        HttpResponse<InputStream> r = MetricsEndpointTest.get(port, "/status.json", null);
        assertThat(r.statusCode()).isEqualTo(200);
        try (InputStream in = r.body()) {
            return JSON.readTree(in);
        }
    }

    @Test
    void thePageRendersRoleReplicaKeyspaceSlowlogAndAnOpsGraphInChromium() throws Exception {
        Files.createDirectories(OUTPUT);
        int metricsPort = MetricsEndpointTest.freePort();
        try (TestServer master = new TestServer("--metrics-port", String.valueOf(metricsPort), "--slowlog-log-slower-than", "0");
                TestServer replica = new TestServer("--replicaof", "127.0.0.1", Integer.toString(master.port()))) {
            try (Jedis j = new Jedis("127.0.0.1", master.port())) {
                // Load spread over a few seconds, so the once-a-second ops history has points to draw.
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> {
                    for (int i = 0; i < 50; i++) j.set("page:" + i, "v");
                    JsonNode s = statusJson(metricsPort);
                    return s.get("ops").size() >= 3 && s.get("replication").get("replicas").size() == 1
                            && "online".equals(s.get("replication").get("replicas").get(0).get("state").asText());
                });
            }
            String dom = renderInChromium(metricsPort, "status-page");
            assertThat(dom).contains("data-rendered=\"yes\"");
            assertThat(dom).containsPattern("<span id=\"role\">master</span>");
            assertThat(dom).contains("127.0.0.1:" + replica.port()).contains("online");
            assertThat(dom).containsPattern("<td>db0</td><td>50</td>");
            // slowlog-log-slower-than 0: every command is logged, the newest first.
            assertThat(dom).containsPattern("<table id=\"slowlog\">.*<td>\\d+</td><td>20\\d\\d-");
            // The graph: a polyline with at least three points, not the empty one of the template.
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("id=\"ops-line\" points=\"([^\"]*)\"").matcher(dom);
            assertThat(m.find()).as("the ops graph's polyline in the DOM").isTrue();
            assertThat(m.group(1).trim().split(" ")).hasSizeGreaterThanOrEqualTo(3);
        }
    }

    /** The page in headless Chromium: its DOM after its script ran, kept with a screenshot in target/status-page/. */
    private static String renderInChromium(int metricsPort, String name) throws Exception {
        return Chromium.render("http://127.0.0.1:" + metricsPort + "/", OUTPUT, name, "1280,1400");
    }

    @Test
    void aClusterNodesPageDrawsTheSlotMapAndTheNodes() throws Exception {
        int metricsPort = MetricsEndpointTest.freePort();
        try (ModeServer node = ModeServer.cluster(metricsPort); RespClient c = new RespClient(node.port())) {
            c.call("CLUSTER", "ADDSLOTSRANGE", "0", "8191");
            String myId = String.valueOf(c.value("CLUSTER", "MYID"));
            JsonNode cluster = statusJson(metricsPort).get("cluster");
            assertThat(cluster.get("cluster_slots_assigned").asText()).isEqualTo("8192");
            assertThat(cluster.get("slot_ranges")).hasSize(1);
            assertThat(cluster.get("slot_ranges").get(0).get("from").asInt()).isZero();
            assertThat(cluster.get("slot_ranges").get(0).get("to").asInt()).isEqualTo(8191);
            assertThat(cluster.get("slot_ranges").get(0).get("node").asText()).isEqualTo(myId);
            assertThat(cluster.get("nodes").get(0).get("flags").asText()).isEqualTo("myself,master");
            assertThat(cluster.get("nodes").get(0).get("slots").asText()).isEqualTo("0-8191");

            String dom = renderInChromium(metricsPort, "status-page-cluster");
            assertThat(dom).contains("data-rendered=\"yes\"").contains("<div id=\"cluster-section\">")
                    .contains("<div id=\"raft-section\" hidden=\"\">");
            // Half the bar (slots 0-8191 of 16384 over 1024 px) drawn for this node, and its row in the table.
            assertThat(dom).containsPattern("<rect x=\"0.00\" y=\"0\" width=\"512.00\" height=\"36\" fill=\"#[0-9a-f]{6}\" data-owner=\"(127.0.0.1)?:"
                    + node.port() + "@\\d+"); // a lone node knows no address of its own until a MEET, as in Redis
            assertThat(dom).contains("<td>" + myId.substring(0, 8) + "</td>").contains("<td>0-8191</td>");
        }
    }

    @Test
    void aRaftMembersPageShowsTheGroup() throws Exception {
        int metricsPort = MetricsEndpointTest.freePort();
        try (ModeServer member = ModeServer.raft(metricsPort); RespClient c = new RespClient(member.port())) {
            await().atMost(Duration.ofSeconds(60)).until(() -> String.valueOf(c.value("RAFT", "INFO")).contains("leader_ready:1"));
            JsonNode raft = statusJson(metricsPort).get("raft");
            assertThat(raft.get("role").asText()).isEqualTo("leader");
            assertThat(raft.get("leader").asText()).isEqualTo("n1");
            assertThat(raft.get("members")).hasSize(1);
            assertThat(raft.get("members").get(0).get("id").asText()).isEqualTo("n1");

            String dom = renderInChromium(metricsPort, "status-page-raft");
            assertThat(dom).contains("data-rendered=\"yes\"").contains("<div id=\"raft-section\">")
                    .contains("<div id=\"cluster-section\" hidden=\"\">");
            assertThat(dom).containsPattern("n1 is leader · term \\d+ · leader n1");
            assertThat(dom).containsPattern("<td>n1</td><td>127.0.0.1:\\d+</td><td>voter</td>");
        }
    }

    @Test
    void statusJsonAndUnknownPaths() throws Exception {
        int metricsPort = MetricsEndpointTest.freePort();
        try (TestServer master = new TestServer("--metrics-port", String.valueOf(metricsPort))) {
            JsonNode s = statusJson(metricsPort);
            assertThat(s.get("role").asText()).isEqualTo("master");
            assertThat(s.get("tcp_port").asText()).isEqualTo(String.valueOf(master.port()));
            assertThat(s.get("memory").get("used_memory").asLong()).isPositive();
            assertThat(MetricsEndpointTest.get(metricsPort, "/nosuchpage", null).statusCode()).isEqualTo(404);
        }
    }
}
