package io.magpie.app.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.magpie.commands.HashSlot;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisDataException;

/** A 3-member Raft group of real processes: one Redis server that loses no acknowledged write. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RaftGroupTest {
    private static final Duration ELECTION = Duration.ofSeconds(60);
    private RaftGroup group;

    @BeforeAll
    void startGroup() throws Exception {
        group = RaftGroup.start(Files.createTempDirectory("raft-group"), 3);
    }

    @AfterAll
    void stopGroup() {
        if (group != null) group.close();
    }

    private RaftGroup.Member follower(RaftGroup.Member leader) {
        return group.members().stream().filter(m -> m != leader && m.alive() && !m.id.equals("n4")).findFirst().orElseThrow();
    }

    @Test
    @Order(1)
    void theLeaderServesSetGetAndIncrThroughJedis() {
        try (Jedis j = group.awaitLeader(ELECTION).jedis()) {
            assertThat(j.set("k", "v")).isEqualTo("OK");
            assertThat(j.get("k")).isEqualTo("v");
            assertThat(j.incr("counter")).isEqualTo(1);
            assertThat(j.incr("counter")).isEqualTo(2);
            assertThat(j.get("counter")).isEqualTo("2");
        }
    }

    @Test
    @Order(2)
    void aFollowerAnswersMovedWithTheLeadersClientAddress() {
        RaftGroup.Member leader = group.awaitLeader(ELECTION);
        RaftGroup.Member follower = follower(leader);
        int slot = HashSlot.keyHashSlot("k".getBytes(StandardCharsets.UTF_8));
        try (Jedis j = follower.jedis()) {
            await().atMost(ELECTION).untilAsserted(() -> assertThatThrownBy(() -> j.get("k"))
                    .isInstanceOf(JedisDataException.class).hasMessage("MOVED " + slot + " 127.0.0.1:" + leader.port));
            assertThatThrownBy(() -> j.set("k", "other")).hasMessage("MOVED " + slot + " 127.0.0.1:" + leader.port);
        }
        try (Jedis j = leader.jedis()) {
            assertThat(j.get("k")).isEqualTo("v");
        }
    }

    @Test
    @Order(3)
    void everyMemberAppliesTimeAndRandomDependentWritesAlike() {
        RaftGroup.Member leader = group.awaitLeader(ELECTION);
        try (Jedis j = leader.jedis()) {
            for (int i = 0; i < 64; i++) j.sadd("s", "m" + i);
            for (int i = 0; i < 5; i++) j.spop("s", 3);
            j.incrByFloat("f", 1.1);
            j.incrByFloat("f", 2.25);
            j.set("e", "v");
            j.pexpire("e", 600_000);
            j.set("gone", "v");
            j.pexpire("gone", 1);
            Map<String, Object> expected = Map.of("s", j.smembers("s"), "f", j.get("f"));
            long expireAt = j.pexpireTime("e");
            await().atMost(ELECTION).untilAsserted(() -> assertThat(j.exists("gone")).isFalse());
            for (RaftGroup.Member m : group.members()) {
                if (m == leader || !m.alive()) continue;
                try (Jedis r = m.jedis()) {
                    r.readonly();
                    await().atMost(ELECTION).untilAsserted(() -> {
                        assertThat(r.smembers("s")).isEqualTo(expected.get("s"));
                        assertThat(r.get("f")).isEqualTo(expected.get("f"));
                        assertThat(r.pexpireTime("e")).isEqualTo(expireAt);
                        assertThat(r.exists("gone")).isFalse();
                    });
                }
            }
        }
    }

    @Test
    @Order(4)
    void raftInfoAndInfoRaftDescribeTheGroupAndReplicaofIsRefused() {
        RaftGroup.Member leader = group.awaitLeader(ELECTION);
        Map<String, String> info = RaftGroup.raftInfo(leader);
        assertThat(info).containsEntry("role", "leader").containsEntry("leader", leader.id)
                .containsEntry("leader_address", "127.0.0.1:" + leader.port).containsEntry("members", "3")
                .containsKeys("term", "commit_index", "applied_index", "snapshot_index", "member0", "member1", "member2");
        assertThat(Long.parseLong(info.get("commit_index"))).isPositive();
        assertThat(info.get("member0")).matches("id=n\\d,address=127\\.0\\.0\\.1:\\d+,role=voter,match_index=-?\\d+");
        try (Jedis j = leader.jedis(); Jedis f = follower(leader).jedis()) {
            assertThat(j.info("raft")).contains("# Raft", "role:leader", "raft_id:" + leader.id);
            assertThat(f.info("raft")).contains("role:follower", "leader:" + leader.id);
            assertThatThrownBy(() -> j.replicaof("127.0.0.1", 6379)).hasMessage("ERR REPLICAOF not allowed in raft mode");
        }
    }

    @Test
    @Order(5)
    void leaderKilledMidLoadANewLeaderIsElectedAndEveryAcknowledgedWriteIsPresent() throws Exception {
        RaftGroup.Member old = group.awaitLeader(ELECTION);
        AckedWriter writer = new AckedWriter(group, "failover");
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> writer.ackedCount() >= 100);
            group.kill(old);
            int before = writer.ackedCount();
            await().atMost(Duration.ofSeconds(90)).until(() -> writer.ackedCount() >= before + 100);
        } finally {
            writer.close();
        }
        RaftGroup.Member leader = group.awaitLeader(ELECTION);
        assertThat(leader).isNotSameAs(old);
        try (Jedis j = leader.jedis()) {
            String[] keys = writer.acked.keySet().toArray(new String[0]);
            var values = j.mget(keys);
            for (int i = 0; i < keys.length; i++) assertThat(values.get(i)).as(keys[i]).isEqualTo(writer.acked.get(keys[i]));
        }
        group.launch(old);
        String last = writer.acked.keySet().stream().max(String::compareTo).orElseThrow();
        try (Jedis r = old.jedis()) {
            r.readonly();
            await().atMost(ELECTION).ignoreExceptions().untilAsserted(() -> assertThat(r.get(last)).isEqualTo(writer.acked.get(last)));
        }
    }

    @Test
    @Order(6)
    void addnodeJoinsALearnerThatCatchesUpAndRemovenodeTakesItOut() {
        RaftGroup.Member joiner = group.startJoiner("n4");
        RaftGroup.Member leader = group.awaitLeader(ELECTION);
        try (Jedis j = leader.jedis()) {
            Object reply = j.sendCommand(() -> "RAFT".getBytes(StandardCharsets.US_ASCII), "ADDNODE", "n4", "127.0.0.1:" + joiner.raftPort);
            assertThat(new String((byte[]) reply, StandardCharsets.UTF_8)).isEqualTo("OK");
            assertThat(RaftGroup.raftInfo(leader)).containsEntry("members", "4");
            try (Jedis r = joiner.jedis()) {
                r.readonly();
                await().atMost(ELECTION).ignoreExceptions().untilAsserted(() -> assertThat(r.get("k")).isEqualTo("v"));
            }
            assertThat(RaftGroup.raftInfo(joiner)).containsEntry("role", "follower");
            j.set("after-join", "1");
            reply = j.sendCommand(() -> "RAFT".getBytes(StandardCharsets.US_ASCII), "REMOVENODE", "n4");
            assertThat(new String((byte[]) reply, StandardCharsets.UTF_8)).isEqualTo("OK");
            assertThat(RaftGroup.raftInfo(leader)).containsEntry("members", "3");
            assertThat(j.set("after-remove", "1")).isEqualTo("OK");
        } finally {
            group.kill(joiner);
        }
    }

    @Test
    @Order(7)
    void transferLeaderHandsLeadershipToTheNamedMember() {
        RaftGroup.Member leader = group.awaitLeader(ELECTION);
        RaftGroup.Member target = follower(leader);
        try (Jedis j = leader.jedis()) {
            Object reply = j.sendCommand(() -> "RAFT".getBytes(StandardCharsets.US_ASCII), "TRANSFER-LEADER", target.id);
            assertThat(new String((byte[]) reply, StandardCharsets.UTF_8)).isEqualTo("OK");
        }
        await().atMost(ELECTION).until(() -> group.awaitLeader(ELECTION) == target);
        try (Jedis j = target.jedis()) {
            assertThat(j.get("k")).isEqualTo("v");
        }
    }
    @Test
    @Order(8)
    void pipelinedWritesAreProposedWithoutWaitingAndEveryReplyComesInOrderAsRedisServerAnswers() throws Exception {
        StringBuilder cmds = new StringBuilder();
        java.util.function.Consumer<String[]> add = argv -> {
            cmds.append('*').append(argv.length).append("\r\n");
            for (String a : argv) cmds.append('$').append(a.getBytes(StandardCharsets.UTF_8).length).append("\r\n").append(a).append("\r\n");
        };
        for (int i = 0; i < 50; i++) {
            add.accept(new String[] {"SET", "pl:" + i, String.valueOf(i)});
            add.accept(new String[] {"INCR", "pl:c"});
        }
        for (String[] argv : new String[][] {{"GET", "pl:3"}, {"PING"}, {"SET", "pl:x"}, {"SELECT", "1"}, {"SET", "pl:db1", "a"},
            {"APPEND", "pl:db1", "b"}, {"GET", "pl:db1"}, {"SELECT", "0"}, {"GET", "pl:db1"}, {"MULTI"}, {"INCR", "pl:c"},
            {"GET", "pl:c"}, {"EXEC"}, {"FOOBAR", "x"}, {"INCRBY", "pl:c", "notanumber"}, {"HSET", "pl:h", "f", "v"},
            {"SET", "pl:y", "1"}, {"GET", "pl:y"}, {"DEL", "pl:y"}, {"RPUSH", "pl:l", "a", "b"}, {"LPOP", "pl:l"}, {"ECHO", "END"}}) {
            add.accept(argv);
        }
        byte[] pipeline = cmds.toString().getBytes(StandardCharsets.UTF_8);
        String magpie = sendAll(group.awaitLeader(ELECTION).port, pipeline);
        int port = RaftGroup.freePort();
        Process redis = new ProcessBuilder("redis-server", "--port", String.valueOf(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try {
            await().atMost(ELECTION).ignoreExceptions().until(() -> {
                try (Jedis j = new Jedis("127.0.0.1", port)) {
                    return "PONG".equals(j.ping());
                }
            });
            assertThat(magpie).isEqualTo(sendAll(port, pipeline));
        } finally {
            redis.destroyForcibly();
        }
    }

    /** Sends the bytes at once and reads the replies up to ECHO END's. */
    private static String sendAll(int port, byte[] pipeline) throws Exception {
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
            s.setSoTimeout(60_000);
            s.getOutputStream().write(pipeline);
            s.getOutputStream().flush();
            java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            while (!got.toString(StandardCharsets.UTF_8).endsWith("$3\r\nEND\r\n")) {
                int n = s.getInputStream().read(buf);
                if (n < 0) break;
                got.write(buf, 0, n);
            }
            return got.toString(StandardCharsets.UTF_8);
        }
    }
}
