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
                "--raft-follower-proxy", "yes", "--raft-snapshot-threshold", "100", "--raft-log-segment-size", "16kb");
    }

    @AfterAll
    void stopGroup() {
        if (group != null) group.close();
    }

    @Test
    @Order(1)
    void aFollowerWithProxyOnForwardsCommandsToTheLeaderAndRelaysTheReplies() {
        RaftGroup.Member leader = group.awaitLeader(ELECTION);
        RaftGroup.Member follower = followerOf(leader);
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

    private RaftGroup.Member followerOf(RaftGroup.Member leader) {
        return group.members().stream().filter(m -> m != leader).findFirst().orElseThrow();
    }

    /** blocked_clients of a member's INFO clients. */
    private static long blocked(RaftGroup.Member m) {
        try (Jedis j = m.jedis()) {
            for (String line : j.info("clients").split("\r\n")) {
                if (line.startsWith("blocked_clients:")) return Long.parseLong(line.substring("blocked_clients:".length()));
            }
        }
        throw new IllegalStateException("no blocked_clients in INFO clients");
    }

    @Test
    @Order(1)
    void blockingCommandsThroughAFollowerWaitOnTheLeaderWithoutHoldingOtherClientsForwarding() throws Exception {
        RaftGroup.Member leader = group.awaitLeader(ELECTION);
        RaftGroup.Member follower = followerOf(leader);
        long before = blocked(leader);
        int waiters = 12; // more than the forwarder once had threads
        var pool = java.util.concurrent.Executors.newFixedThreadPool(waiters);
        try {
            List<java.util.concurrent.Future<List<String>>> pops = new ArrayList<>();
            for (int i = 0; i < waiters; i++) {
                String key = "bq" + i;
                pops.add(pool.submit(() -> {
                    try (Jedis f = new Jedis("127.0.0.1", follower.port, 120_000)) {
                        return f.blpop(0, key);
                    }
                }));
            }
            await().atMost(ELECTION).until(() -> blocked(leader) >= before + waiters);
            try (Jedis f = follower.jedis()) {
                assertThat(f.set("while-blocked", "1")).isEqualTo("OK"); // forwarding goes on for others
                assertThat(f.get("while-blocked")).isEqualTo("1");
            }
            try (Jedis l = leader.jedis()) {
                for (int i = 0; i < waiters; i++) l.rpush("bq" + i, "v" + i);
            }
            for (int i = 0; i < waiters; i++) assertThat(pops.get(i).get(60, java.util.concurrent.TimeUnit.SECONDS)).containsExactly("bq" + i, "v" + i);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    @Order(1)
    void aClientThatLeavesWhileBlockedThroughAFollowerHasNothingPoppedForIt() throws Exception {
        RaftGroup.Member leader = group.awaitLeader(ELECTION);
        RaftGroup.Member follower = followerOf(leader);
        long before = blocked(leader);
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", follower.port)) {
            s.getOutputStream().write("*3\r\n$5\r\nBLPOP\r\n$6\r\ngone-q\r\n$1\r\n0\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            await().atMost(ELECTION).until(() -> blocked(leader) >= before + 1);
        }
        await().atMost(ELECTION).until(() -> blocked(leader) <= before); // the leader saw the waiter go
        try (Jedis l = leader.jedis()) {
            l.rpush("gone-q", "kept");
            assertThat(l.lrange("gone-q", 0, -1)).containsExactly("kept");
        }
    }

    @Test
    @Order(1)
    void aResp3ClientOfAFollowerGetsTheLeadersRepliesInResp3() throws Exception {
        RaftGroup.Member leader = group.awaitLeader(ELECTION);
        RaftGroup.Member follower = followerOf(leader);
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", follower.port)) {
            s.setSoTimeout(60_000);
            var out = s.getOutputStream();
            var in = new java.io.DataInputStream(new java.io.BufferedInputStream(s.getInputStream()));
            out.write("HELLO 3\r\nPING\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            StringBuilder hello = new StringBuilder(); // HELLO's map, answered by the follower itself, then PONG
            while (!hello.toString().endsWith("+PONG\r\n")) hello.append((char) in.readUnsignedByte());
            out.write("*4\r\n$4\r\nHSET\r\n$2\r\nh3\r\n$1\r\nf\r\n$1\r\nv\r\n*2\r\n$7\r\nHGETALL\r\n$2\r\nh3\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            out.flush();
            String expected = ":1\r\n%1\r\n$1\r\nf\r\n$1\r\nv\r\n"; // as the leader answers a RESP3 client
            assertThat(new String(in.readNBytes(expected.length()), java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo(expected);
        }
    }

    @Test
    @Order(2)
    void everyMemberKilledMidLoadThenRestartedKeepsEveryAcknowledgedWrite() throws Exception {
        group.awaitLeader(ELECTION);
        List<AckedWriter> writers = new ArrayList<>();
        for (int w = 0; w < 3; w++) writers.add(new AckedWriter(group, "crash" + w));
        try {
            // past the snapshot threshold (100), so that the restart loads a snapshot and replays the log after it
            await().atMost(Duration.ofSeconds(90)).until(() -> writers.stream().mapToInt(AckedWriter::ackedCount).sum() >= 300);
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
