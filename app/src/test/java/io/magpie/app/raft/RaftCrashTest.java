package io.magpie.app.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import redis.clients.jedis.Jedis;

/**
 * A group with follower proxying on and a small snapshot threshold: a plain client served by a
 * follower, and kill -9 of every member mid-load, after which the members recover from their
 * snapshot plus log and every acknowledged write is there.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RaftCrashTest {
    private static final Duration ELECTION = Duration.ofSeconds(60);
    private RaftGroup group;

    @BeforeAll
    void startGroup() throws Exception {
        group = RaftGroup.start(Files.createTempDirectory("raft-crash"), 3,
                "--raft-follower-proxy", "yes", "--raft-snapshot-threshold", "200");
    }

    @AfterAll
    void stopGroup() {
        if (group != null) group.close();
    }

    @Test
    @Order(1)
    void aFollowerWithProxyOnForwardsCommandsToTheLeaderAndRelaysTheReplies() {
        RaftGroup.Member leader = group.awaitLeader(ELECTION);
        RaftGroup.Member follower = group.members().stream().filter(m -> m != leader).findFirst().orElseThrow();
        try (Jedis f = follower.jedis(); Jedis l = leader.jedis()) {
            await().atMost(ELECTION).ignoreExceptions().until(() -> "OK".equals(f.set("p", "1")));
            assertThat(f.incr("p")).isEqualTo(2);
            assertThat(f.get("p")).isEqualTo("2");
            assertThat(l.get("p")).isEqualTo("2");
            f.select(2);
            assertThat(f.set("in-db-2", "x")).isEqualTo("OK");
            l.select(2);
            assertThat(l.get("in-db-2")).isEqualTo("x");
        }
    }

    @Test
    @Order(2)
    void everyMemberKilledMidLoadThenRestartedKeepsEveryAcknowledgedWrite() throws Exception {
        group.awaitLeader(ELECTION);
        List<AckedWriter> writers = new ArrayList<>();
        for (int w = 0; w < 3; w++) writers.add(new AckedWriter(group, "crash" + w));
        try {
            // past the snapshot threshold, so that the restart loads a snapshot and replays the log after it
            await().atMost(Duration.ofSeconds(90)).until(() -> writers.stream().mapToInt(AckedWriter::ackedCount).sum() >= 600);
            for (RaftGroup.Member m : group.members()) group.kill(m);
        } finally {
            for (AckedWriter w : writers) w.close();
        }
        boolean snapshotted = false;
        for (RaftGroup.Member m : group.members()) {
            try (var files = Files.walk(m.dir)) {
                snapshotted |= files.anyMatch(p -> p.getFileName().toString().startsWith("snapshot."));
            }
        }
        assertThat(snapshotted).as("a member wrote a snapshot before the crash").isTrue();
        group.launchAll(group.members());
        RaftGroup.Member leader = group.awaitLeader(ELECTION);
        try (Jedis j = leader.jedis()) {
            for (AckedWriter w : writers) {
                List<String> keys = new ArrayList<>(w.acked.keySet());
                List<String> values = j.mget(keys.toArray(new String[0]));
                for (int i = 0; i < keys.size(); i++) assertThat(values.get(i)).as(keys.get(i)).isEqualTo(w.acked.get(keys.get(i)));
            }
            assertThat(j.get("p")).isEqualTo("2");
        }
        assertThat(Long.parseLong(RaftGroup.raftInfo(leader).get("snapshot_index"))).isPositive();
    }
}
