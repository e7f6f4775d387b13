package io.magpie.app.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;

/**
 * Members that need entries the leader has already compacted away get the leader's snapshot
 * (an RDB) through Ratis's install-snapshot, load it, and follow the log after it: a node added
 * with RAFT ADDNODE after the log was purged, and a member restarted after it fell behind the
 * purged log. Before, such a member stopped its Ratis division and never applied anything.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RaftSnapshotInstallTest {
    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final String VALUE = "v".repeat(200);
    private RaftGroup group;
    private final Map<String, String> written = new LinkedHashMap<>();

    @BeforeAll
    void startGroup() throws Exception {
        group = RaftGroup.start(Files.createTempDirectory("raft-install"), 3,
                "--raft-snapshot-threshold", "40", "--raft-log-segment-size", "16kb");
    }

    @AfterAll
    void stopGroup() {
        if (group != null) group.close();
    }

    /**
     * Writes keys through the leader, 20 pipelined at a time (one or a few log entries: the
     * leader batches them), at least count, then more until the leader's log no longer holds
     * index `beyond`.
     */
    private RaftGroup.Member writeUntilPurgedPast(String prefix, int count, long beyond) {
        RaftGroup.Member leader = group.awaitLeader(WAIT);
        long deadline = System.currentTimeMillis() + WAIT.toMillis();
        try (Jedis j = leader.jedis()) {
            for (int from = 0; from < count || logStart(leader) <= beyond; from += 20) {
                assertThat(System.currentTimeMillis()).as("the leader purged its log in time").isLessThan(deadline);
                Pipeline p = j.pipelined();
                for (int i = from; i < from + 20; i++) p.set(prefix + i, VALUE + i);
                p.sync();
                for (int i = from; i < from + 20; i++) written.put(prefix + i, VALUE + i);
            }
        }
        return leader;
    }

    private static long logStart(RaftGroup.Member m) {
        return Long.parseLong(RaftGroup.raftInfo(m).getOrDefault("log_start_index", "-1"));
    }

    private void assertHoldsEveryKey(RaftGroup.Member m) {
        List<String> keys = List.copyOf(written.keySet());
        try (Jedis r = m.jedis()) {
            r.readonly();
            await().atMost(WAIT).ignoreExceptions().untilAsserted(
                    () -> assertThat(r.mget(keys.toArray(new String[0]))).containsExactlyElementsOf(written.values()));
        }
    }

    @Test
    @Order(1)
    void aNodeAddedAfterTheLogWasPurgedIsSentTheSnapshotAndCatchesUpWithEveryKey() throws Exception {
        writeUntilPurgedPast("before-join:", 300, 1);
        RaftGroup.Member joiner = group.startJoiner("n4");
        RaftGroup.Member leader = group.awaitLeader(WAIT);
        try (Jedis j = leader.jedis()) {
            Object reply = j.sendCommand(() -> "RAFT".getBytes(StandardCharsets.US_ASCII), "ADDNODE", "n4", "127.0.0.1:" + joiner.raftPort);
            assertThat(new String((byte[]) reply, StandardCharsets.UTF_8)).isEqualTo("OK");
            j.set("after-join", "1");
            written.put("after-join", "1");
        }
        assertHoldsEveryKey(joiner);
        assertThat(joiner.alive()).isTrue();
        Map<String, String> info = RaftGroup.raftInfo(joiner);
        assertThat(info).containsEntry("role", "follower");
        assertThat(Long.parseLong(info.get("snapshot_index"))).as("the joiner loaded a snapshot").isPositive();
        assertThat(Files.readString(joiner.dir.resolve("n4.log"))).contains("loaded the snapshot at index");
    }

    @Test
    @Order(2)
    void aMemberRestartedBehindThePurgedLogLoadsTheSnapshotAndFollowsTheLogAfterIt() throws Exception {
        RaftGroup.Member leader = group.awaitLeader(WAIT);
        RaftGroup.Member behind = group.members().stream().filter(m -> m != leader && m.alive()).findFirst().orElseThrow();
        long appliedThen = Long.parseLong(RaftGroup.raftInfo(behind).get("applied_index"));
        group.kill(behind);
        writeUntilPurgedPast("while-down:", 300, appliedThen + 1);
        group.launch(behind);
        assertHoldsEveryKey(behind);
        await().atMost(WAIT).until(() -> Long.parseLong(RaftGroup.raftInfo(behind).get("snapshot_index")) > appliedThen);
        try (Jedis j = group.awaitLeader(WAIT).jedis()) {
            assertThat(j.set("after-restart", "1")).isEqualTo("OK");
        }
        written.put("after-restart", "1");
        assertHoldsEveryKey(behind);
    }

    @Test
    @Order(3)
    void ratisWarningsReachTheServerLog() throws Exception {
        // the restarted member's peers could not reach it while it was down: Ratis warned about it
        boolean warned = false;
        for (RaftGroup.Member m : group.members()) {
            for (String line : Files.readAllLines(m.dir.resolve(m.id + ".log"))) {
                warned |= line.contains(" # ") && (line.contains("GrpcLogAppender") || line.contains("LogAppender")
                        || line.contains("GrpcServerProtocolClient") || line.contains("RaftServer"));
            }
        }
        assertThat(warned).as("a Ratis warning in some member's log").isTrue();
    }
}
