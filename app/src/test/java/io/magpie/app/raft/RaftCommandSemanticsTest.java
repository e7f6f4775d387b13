package io.magpie.app.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.magpie.app.RealRedis;
import io.magpie.protocol.RespClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Transaction;

/**
 * What commands mean when they go through a 3-member group's log: each member applies the
 * same thing (the members' keyspaces stay identical), and the client gets Redis's reply
 * (compared byte for byte with a redis-server running the same commands).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RaftCommandSemanticsTest {
    private static final Duration ELECTION = Duration.ofSeconds(60);
    private RaftGroup group;
    private RealRedis redis;

    @BeforeAll
    void start() throws Exception {
        group = RaftGroup.start(Files.createTempDirectory("raft-semantics"), 3);
        redis = new RealRedis();
    }

    @AfterAll
    void stop() {
        if (group != null) group.close();
        if (redis != null) redis.close();
    }

    private RaftGroup.Member leader() {
        return group.awaitLeader(ELECTION);
    }

    /** DEBUG DIGEST of every member, awaited equal to the leader's once the followers applied what it did. */
    private void awaitSameKeyspaceOnEveryMember() {
        await().atMost(ELECTION).untilAsserted(() -> {
            List<String> digests = new ArrayList<>();
            for (RaftGroup.Member m : group.members()) {
                try (Jedis j = m.jedis()) {
                    digests.add(m.id + "=" + new String((byte[]) j.sendCommand(() -> "DEBUG".getBytes(StandardCharsets.US_ASCII), "DIGEST"),
                            StandardCharsets.UTF_8));
                }
            }
            assertThat(digests.stream().map(d -> d.substring(d.indexOf('=') + 1)).distinct()).as(digests.toString()).hasSize(1);
        });
    }

    /** The raw replies of the same commands on the leader and on redis-server. */
    private void assertSameReplies(String[]... commands) {
        try (RespClient m = new RespClient(leader().port); RespClient r = redis.client()) {
            for (String[] cmd : commands) {
                String magpie = new String(m.call(cmd).raw(), StandardCharsets.UTF_8);
                String real = new String(r.call(cmd).raw(), StandardCharsets.UTF_8);
                assertThat(magpie).as(String.join(" ", cmd)).isEqualTo(real);
            }
        }
    }

    /* ---------------- WATCH ---------------- */

    @Test
    void racingWatchMultiExecIncrementsOfOneCounterLoseNoUpdate() throws Exception {
        String key = "watched-counter";
        try (Jedis j = leader().jedis()) {
            j.set(key, "0");
        }
        int clients = 6, attempts = 25;
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        List<Future<Integer>> committed = new ArrayList<>();
        int port = leader().port;
        for (int t = 0; t < clients; t++) {
            committed.add(pool.submit(() -> {
                int won = 0;
                try (Jedis j = new Jedis("127.0.0.1", port, 30_000)) {
                    for (int i = 0; i < attempts; i++) {
                        j.watch(key);
                        long seen = Long.parseLong(j.get(key));
                        Transaction tx = j.multi();
                        tx.set(key, String.valueOf(seen + 1));
                        List<Object> result = tx.exec();
                        if (result != null) won++;
                    }
                }
                return won;
            }));
        }
        int total = 0;
        for (Future<Integer> f : committed) total += f.get(5, TimeUnit.MINUTES);
        pool.shutdown();
        assertThat(total).isPositive();
        try (Jedis j = leader().jedis()) {
            // Every committed EXEC read the value before it: with a check at proposal only, two
            // EXECs that saw the same value both commit and the counter falls behind.
            assertThat(Long.parseLong(j.get(key))).isEqualTo(total);
        }
        awaitSameKeyspaceOnEveryMember();
    }

    @Test
    void anExecWhoseWatchedKeyChangedAnswersNilAsRedis() {
        String[][] script = {{"SET", "w1", "a"}, {"WATCH", "w1"}, {"SET", "w1", "b"}, {"MULTI"}, {"SET", "w1", "c"}, {"EXEC"},
            {"GET", "w1"}, {"WATCH", "w1"}, {"MULTI"}, {"INCR", "w1-n"}, {"EXEC"}, {"GET", "w1-n"}};
        assertSameReplies(script);
        awaitSameKeyspaceOnEveryMember();
    }

    /* ---------------- scripts ---------------- */

    @Test
    void scriptLoadReachesEveryMemberAndEvalshaWorksAfterALeaderChange() {
        String body = "return redis.call('incrby', KEYS[1], ARGV[1])";
        String sha;
        RaftGroup.Member first = leader();
        try (Jedis j = first.jedis()) {
            sha = j.scriptLoad(body);
            assertThat(j.evalsha(sha, List.of("by-sha"), List.of("5"))).isEqualTo(5L);
        }
        for (RaftGroup.Member m : group.members()) {
            try (Jedis j = m.jedis()) {
                await().atMost(ELECTION).until(() -> j.scriptExists(sha));
            }
        }
        RaftGroup.Member next = group.members().stream().filter(m -> m != first).findFirst().orElseThrow();
        try (Jedis j = first.jedis()) {
            j.sendCommand(() -> "RAFT".getBytes(StandardCharsets.US_ASCII), "TRANSFER-LEADER", next.id);
        }
        await().atMost(ELECTION).until(() -> leader() == next);
        try (Jedis j = next.jedis()) {
            assertThat(j.evalsha(sha, List.of("by-sha"), List.of("2"))).isEqualTo(7L);
            Transaction tx = j.multi();
            tx.evalsha(sha, List.of("by-sha"), List.of("3"));
            assertThat(tx.exec()).containsExactly(10L);
        }
        awaitSameKeyspaceOnEveryMember();
        assertSameReplies(new String[] {"SCRIPT", "LOAD", "return 'x'"}, new String[] {"SCRIPT", "FLUSH"},
                new String[] {"EVALSHA", sha, "0"}, new String[] {"SCRIPT", "EXISTS", sha});
        for (RaftGroup.Member m : group.members()) {
            try (Jedis j = m.jedis()) {
                await().atMost(ELECTION).until(() -> !j.scriptExists(sha));
            }
        }
    }
}
