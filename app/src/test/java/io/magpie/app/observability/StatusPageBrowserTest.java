package io.magpie.app.observability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.magpie.app.TestServer;
import io.magpie.protocol.RespClient;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
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

    private static String chromium() {
        for (String dir : System.getenv("PATH").split(":")) {
            for (String name : new String[] {"chromium", "chromium-browser"}) {
                if (Files.isExecutable(Path.of(dir, name))) return Path.of(dir, name).toString();
            }
        }
        throw new AssertionError("chromium is not installed: this test needs Debian's chromium package (apt-get install chromium)");
    }

    /** Runs headless Chromium on the page with extra flags; returns its standard output. */
    private static String runChromium(String url, Path profile, String... flags) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(chromium(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-dev-shm-usage", "--no-first-run", "--user-data-dir=" + profile, "--virtual-time-budget=5000"));
        cmd.addAll(List.of(flags));
        cmd.add(url);
        Path out = Files.createTempFile(OUTPUT, "chromium", ".out");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(false).redirectOutput(out.toFile())
                .redirectError(OUTPUT.resolve("chromium-stderr.txt").toFile()).start();
        try {
            assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("chromium finished within 2 minutes").isTrue();
        } finally {
            p.destroyForcibly();
        }
        assertThat(p.exitValue()).as("chromium's exit status (stderr in " + OUTPUT.resolve("chromium-stderr.txt") + ")").isZero();
        String dom = Files.readString(out, StandardCharsets.UTF_8);
        Files.delete(out);
        return dom;
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

    /**
     * Loads the page in headless Chromium: returns the DOM after its script ran (kept as
     * {@code name}.html) and keeps a screenshot ({@code name}.png), which must be a rendered page.
     */
    private static String renderInChromium(int metricsPort, String name) throws Exception {
        Files.createDirectories(OUTPUT);
        String url = "http://127.0.0.1:" + metricsPort + "/";
        Path profile = Files.createTempDirectory("chromium-profile");
        String dom = runChromium(url, profile, "--dump-dom");
        Files.writeString(OUTPUT.resolve(name + ".html"), dom);
        Path screenshot = OUTPUT.resolve(name + ".png").toAbsolutePath();
        Files.deleteIfExists(screenshot);
        runChromium(url, profile, "--screenshot=" + screenshot, "--window-size=1280,1400", "--hide-scrollbars");
        assertThat(screenshot).exists();
        assertThat(Files.size(screenshot)).isGreaterThan(10_000); // a rendered page, not a blank one
        return dom;
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
