package io.magpie.app.raft;

import static org.assertj.core.api.Assertions.assertThat;

import io.magpie.app.observability.Scrape;
import io.magpie.app.RealRedis;
import io.magpie.engine.config.Config;
import io.magpie.protocol.RespClient;
import io.magpie.raft.RaftModule;
import io.magpie.server.ConfigLoader;
import io.magpie.server.MagpieServer;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Raft member's metrics-port serves its role, term, commit/applied/snapshot indexes, apply
 * lag and members' match indexes; the applied index moves with the writes (a one-member group,
 * which commits on its own fsync).
 */
class RaftMetricsTest {
    @TempDir
    Path dir;


    private static double value(String text, String series) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(text);
        assertThat(m.find()).as("%s in the scrape", series).isTrue();
        return Double.parseDouble(m.group(1));
    }

    @Test
    void aMemberExportsItsRoleIndexesAndMembers() throws Exception {
        int port = RealRedis.freePort(), raftPort = RealRedis.freePort(), metricsPort = RealRedis.freePort();
        Config registry = new Config();
        MagpieServer server = new MagpieServer(registry);
        String text = ConfigLoader.configText(new String[] {"--port", String.valueOf(port), "--bind", "127.0.0.1", "--dir", dir.toString(),
            "--metrics-port", String.valueOf(metricsPort), "--raft-enabled", "yes", "--raft-id", "n1", "--raft-port", String.valueOf(raftPort),
            "--raft-members", "n1=127.0.0.1:" + raftPort});
        assertThat(RaftModule.requested(text)).isTrue();
        server.modules().add(new RaftModule(server));
        ConfigLoader.load(registry, text);
        server.start();
        try (RespClient c = new RespClient(port)) {
            long deadline = System.currentTimeMillis() + 60_000;
            while (System.currentTimeMillis() < deadline && !String.valueOf(c.value("RAFT", "INFO")).contains("leader_ready:1")) {
                Thread.sleep(100);
            }
            String before = Scrape.text(metricsPort);
            assertThat(value(before, "redis_raft_role{role=\"leader\"}")).isEqualTo(1.0);
            assertThat(value(before, "redis_raft_role{role=\"follower\"}")).isEqualTo(0.0);
            assertThat(value(before, "redis_raft_leader_ready")).isEqualTo(1.0);
            assertThat(value(before, "redis_raft_term")).isGreaterThanOrEqualTo(1.0);
            assertThat(value(before, "redis_raft_members")).isEqualTo(1.0);
            double applied = value(before, "redis_raft_applied_index");
            for (int i = 0; i < 20; i++) assertThat(String.valueOf(c.value("SET", "k" + i, "v"))).isEqualTo("OK");
            String after = Scrape.text(metricsPort);
            assertThat(value(after, "redis_raft_applied_index")).isGreaterThanOrEqualTo(applied + 20);
            assertThat(value(after, "redis_raft_commit_index")).isGreaterThanOrEqualTo(value(after, "redis_raft_applied_index"));
            assertThat(value(after, "redis_raft_apply_lag_entries")).isGreaterThanOrEqualTo(0.0);
            assertThat(after).contains("redis_raft_member_match_index{id=\"n1\"", "redis_raft_snapshot_index");
        } finally {
            server.shutdown();
            server.awaitTermination();
        }
    }
}
