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

    /** RAFT TRANSFER-LEADER to target, asked again of whoever leads until target does (an election on a loaded machine may intervene). */
    private void transferLeadership(RaftGroup.Member target) {
        await().atMost(ELECTION).pollInterval(Duration.ofSeconds(1)).ignoreExceptions().until(() -> {
            RaftGroup.Member current = leader();
            if (current != target) {
                try (Jedis j = current.jedis()) {
                    j.sendCommand(() -> "RAFT".getBytes(StandardCharsets.US_ASCII), "TRANSFER-LEADER", target.id);
                }
            }
            return leader() == target;
        });
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

    /* ---------------- blocking commands ---------------- */

    private static int blockedClients(int port) {
        try (Jedis j = new Jedis("127.0.0.1", port, 10_000)) {
            for (String line : j.info("clients").split("\r\n")) {
                if (line.startsWith("blocked_clients:")) return Integer.parseInt(line.substring("blocked_clients:".length()));
            }
        }
        return -1;
    }

    /**
     * One client sends a blocking command and waits; once the server counts it blocked, another
     * runs the feed; the blocked client's reply, raw. The same on the group's leader and on redis-server.
     */
    private String blockedReply(int port, String[] block, String[]... feed) {
        try (RespClient waiter = new RespClient("127.0.0.1", port); RespClient feeder = new RespClient("127.0.0.1", port)) {
            int before = blockedClients(port);
            waiter.send(block);
            await().atMost(ELECTION).until(() -> blockedClients(port) > before);
            for (String[] cmd : feed) feeder.call(cmd);
            return new String(waiter.read().raw(), StandardCharsets.UTF_8);
        }
    }

    /** A client waits in a blocking command and another CLIENT UNBLOCKs it: that reply, then the waiter's, raw. */
    private String unblockedReply(int port, String[] block, String[] unblock) {
        try (RespClient waiter = new RespClient("127.0.0.1", port); RespClient other = new RespClient("127.0.0.1", port)) {
            String id = String.valueOf(waiter.call("CLIENT", "ID").value());
            int before = blockedClients(port);
            waiter.send(block);
            await().atMost(ELECTION).until(() -> blockedClients(port) > before);
            String[] cmd = unblock.clone();
            cmd[2] = id;
            // On the leader the client is parked until its BLPOP's entry applies: CLIENT UNBLOCK answers 0 until then.
            String[] answer = new String[1];
            await().atMost(ELECTION).until(() -> (answer[0] = new String(other.call(cmd).raw(), StandardCharsets.UTF_8)).equals(":1\r\n"));
            return answer[0] + new String(waiter.read().raw(), StandardCharsets.UTF_8);
        }
    }

    private void assertSameBlockedReply(String[] block, String[]... feed) {
        String real = blockedReply(redis.port(), block, feed);
        String magpie = blockedReply(leader().port, block, feed);
        assertThat(magpie).as(String.join(" ", block)).isEqualTo(real);
    }

    @Test
    void blockingPopsAreServedByAWriteOfAnotherClientWithRedisRepliesAndEveryMemberPopsAlike() {
        assertSameBlockedReply(new String[] {"BLPOP", "bl-a", "bl-b", "0"}, new String[] {"RPUSH", "bl-b", "x", "y"});
        assertSameBlockedReply(new String[] {"BRPOP", "bl-c", "0"}, new String[] {"RPUSH", "bl-c", "x", "y"});
        assertSameBlockedReply(new String[] {"BLMOVE", "bl-src", "bl-dst", "LEFT", "RIGHT", "0"}, new String[] {"RPUSH", "bl-src", "m"});
        assertSameBlockedReply(new String[] {"BRPOPLPUSH", "bl-src2", "bl-dst", "0"}, new String[] {"RPUSH", "bl-src2", "n"});
        assertSameBlockedReply(new String[] {"BLMPOP", "0", "2", "bl-m1", "bl-m2", "RIGHT", "COUNT", "2"},
                new String[] {"RPUSH", "bl-m2", "a", "b", "c"});
        assertSameBlockedReply(new String[] {"BZPOPMIN", "bz", "0"}, new String[] {"ZADD", "bz", "2", "b", "1", "a"});
        assertSameBlockedReply(new String[] {"BZPOPMAX", "bz2", "0"}, new String[] {"ZADD", "bz2", "2", "b", "1", "a"});
        assertSameBlockedReply(new String[] {"BZMPOP", "0", "1", "bz3", "MIN", "COUNT", "5"}, new String[] {"ZADD", "bz3", "2", "b", "1", "a"});
        assertSameReplies(new String[] {"XGROUP", "CREATE", "bs", "g", "$", "MKSTREAM"});
        assertSameBlockedReply(new String[] {"XREADGROUP", "GROUP", "g", "c1", "BLOCK", "0", "STREAMS", "bs", ">"},
                new String[] {"XADD", "bs", "1-1", "f", "v"});
        // An explicit ID, not $: a leader resolves $ when the read's ReadIndex round returns, after the feed may have applied.
        assertSameBlockedReply(new String[] {"XREAD", "BLOCK", "0", "STREAMS", "bs", "1-1"}, new String[] {"XADD", "bs", "2-1", "f", "w"});
        assertSameReplies(new String[] {"LRANGE", "bl-b", "0", "-1"}, new String[] {"LRANGE", "bl-c", "0", "-1"},
                new String[] {"LRANGE", "bl-dst", "0", "-1"}, new String[] {"LRANGE", "bl-m2", "0", "-1"},
                new String[] {"ZRANGE", "bz", "0", "-1"}, new String[] {"XPENDING", "bs", "g"});
        awaitSameKeyspaceOnEveryMember();
    }

    @Test
    void blockingPopsTimeOutAsRedisAndAFollowerSendsThemToTheLeader() {
        for (String[] cmd : new String[][] {{"BLPOP", "bl-none", "0.2"}, {"BLMOVE", "bl-none", "x", "LEFT", "LEFT", "0.2"},
            {"BZPOPMIN", "bl-none", "0.2"}, {"XREAD", "BLOCK", "200", "STREAMS", "bl-none-s", "$"}}) {
            try (RespClient m = new RespClient(leader().port); RespClient r = redis.client()) {
                assertThat(new String(m.call(cmd).raw(), StandardCharsets.UTF_8)).as(String.join(" ", cmd))
                        .isEqualTo(new String(r.call(cmd).raw(), StandardCharsets.UTF_8));
            }
        }
        for (String reason : new String[] {"TIMEOUT", "ERROR"}) {
            String[] block = {"BLPOP", "bl-unblocked", "0"};
            String[] unblock = {"CLIENT", "UNBLOCK", "<id>", reason};
            assertThat(unblockedReply(leader().port, block, unblock)).isEqualTo(unblockedReply(redis.port(), block, unblock));
        }
        RaftGroup.Member leader = leader();
        RaftGroup.Member follower = group.awaitFollowerOf(leader, ELECTION);
        try (RespClient f = new RespClient(follower.port)) {
            assertThat(f.call("BLPOP", "bl-none", "0").value().toString()).matches("\\(error\\) MOVED \\d+ 127\\.0\\.0\\.1:" + leader.port);
        }
    }

    @Test
    void manyClientsBlockedOnOneListEachGetOneElementAndEveryMemberHoldsTheRest() throws Exception {
        int port = leader().port;
        int waiters = 4;
        ExecutorService pool = Executors.newFixedThreadPool(waiters);
        List<Future<String>> popped = new ArrayList<>();
        int before = blockedClients(port);
        for (int i = 0; i < waiters; i++) {
            popped.add(pool.submit(() -> {
                try (Jedis j = new Jedis("127.0.0.1", port, 60_000)) {
                    return j.blpop(0, "bl-many").get(1);
                }
            }));
        }
        await().atMost(ELECTION).until(() -> blockedClients(port) >= before + waiters);
        try (Jedis j = new Jedis("127.0.0.1", port, 10_000)) {
            j.rpush("bl-many", "e1", "e2", "e3", "e4", "e5", "e6");
        }
        List<String> got = new ArrayList<>();
        for (Future<String> f : popped) got.add(f.get(2, TimeUnit.MINUTES));
        pool.shutdown();
        assertThat(got).containsExactlyInAnyOrder("e1", "e2", "e3", "e4");
        try (Jedis j = new Jedis("127.0.0.1", port, 10_000)) {
            assertThat(j.lrange("bl-many", 0, -1)).containsExactly("e5", "e6");
        }
        awaitSameKeyspaceOnEveryMember();
    }

    @Test
    void aClientWaitingOnTheLeaderIsUnblockedWhenItStopsLeadingAsAMasterTurnedReplica() {
        RaftGroup.Member leader = leader();
        RaftGroup.Member next = group.members().stream().filter(m -> m != leader).findFirst().orElseThrow();
        try (RespClient waiter = new RespClient("127.0.0.1", leader.port); Jedis other = leader.jedis()) {
            int before = blockedClients(leader.port);
            waiter.send("BLPOP", "bl-leader-change", "0");
            await().atMost(ELECTION).until(() -> blockedClients(leader.port) > before);
            // Acknowledged after the BLPOP's entry applied (one leader applies its proposals in order): the client waits on its key.
            assertThat(other.set("bl-after", "1")).isEqualTo("OK");
            transferLeadership(next);
            assertThat(new String(waiter.read().raw(), StandardCharsets.UTF_8))
                    .isEqualTo("-UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)\r\n");
        }
    }

    /* ---------------- eviction ---------------- */

    private static long infoField(RaftGroup.Member m, String section, String field) {
        try (Jedis j = m.jedis()) {
            for (String line : j.info(section).split("\r\n")) {
                if (line.startsWith(field + ":")) return Long.parseLong(line.substring(field.length() + 1));
            }
        }
        throw new IllegalStateException("no " + field + " in INFO " + section);
    }

    @Test
    void overMaxmemoryOnlyTheLeaderEvictsThroughTheLogAndTheMembersKeepTheSameKeys() {
        RaftGroup.Member leader = leader();
        long limit = infoField(leader, "memory", "used_memory") + 1024 * 1024;
        List<Long> evictedBefore = new ArrayList<>();
        for (RaftGroup.Member m : group.members()) {
            evictedBefore.add(infoField(m, "stats", "evicted_keys"));
            try (Jedis j = m.jedis()) {
                // maxmemory is each member's own setting (CONFIG SET is not logged): every one is over the limit.
                j.configSet("maxmemory-policy", "allkeys-random");
                j.configSet("maxmemory", String.valueOf(limit));
            }
        }
        try {
            // Few big values: a client's writes go through the log one at a time.
            String value = "v".repeat(10_000);
            for (int batch = 0; batch < 4; batch++) {
                int b = batch;
                // A batch is sent again if an election (a loaded machine) interrupts it: SETs repeat harmlessly.
                await().atMost(ELECTION).ignoreExceptions().untilAsserted(() -> {
                    try (Jedis j = leader().jedis()) {
                        var p = j.pipelined();
                        for (int i = 0; i < 100; i++) p.set("evict:" + b + ":" + i, value);
                        p.syncAndReturnAll().forEach(r -> assertThat(r).isEqualTo("OK"));
                    }
                });
            }
            try (Jedis j = leader().jedis()) {
                assertThat(j.dbSize()).isLessThan(400);
            }
        } finally {
            for (RaftGroup.Member m : group.members()) {
                try (Jedis j = m.jedis()) {
                    j.configSet("maxmemory", "0");
                }
            }
        }
        awaitSameKeyspaceOnEveryMember();
        // Each member evicted exactly the keys of the leader's EVICT entries, no more of its own.
        await().atMost(ELECTION).untilAsserted(() -> {
            List<Long> evicted = new ArrayList<>();
            for (int i = 0; i < group.members().size(); i++) {
                evicted.add(infoField(group.members().get(i), "stats", "evicted_keys") - evictedBefore.get(i));
            }
            assertThat(evicted.stream().distinct()).as(evicted.toString()).hasSize(1);
            assertThat(evicted.get(0)).as("keys evicted").isPositive();
        });
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
    void anExecWhoseWatchedKeyChangedAnswersNilAndOneWithARefusedCommandExecabortAsRedisOnEveryMember() {
        String[][] script = {{"SET", "w1", "a"}, {"WATCH", "w1"}, {"SET", "w1", "b"}, {"MULTI"}, {"SET", "w1", "c"}, {"EXEC"},
            {"GET", "w1"}, {"WATCH", "w1"}, {"MULTI"}, {"INCR", "w1-n"}, {"EXEC"}, {"GET", "w1-n"},
            {"MULTI"}, {"SET", "w1-aborted", "1"}, {"NOSUCHCOMMAND"}, {"EXEC"}, {"EXISTS", "w1-aborted"}};
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
        transferLeadership(next);
        try (Jedis j = next.jedis()) {
            assertThat(j.evalsha(sha, List.of("by-sha"), List.of("2"))).isEqualTo(7L);
            Transaction tx = j.multi();
            tx.evalsha(sha, List.of("by-sha"), List.of("3"));
            assertThat(tx.exec()).containsExactly(10L);
        }
        String library = "#!lua name=semlib\nredis.register_function('semincr', function(keys, args) return redis.call('incr', keys[1]) end)";
        try (Jedis j = next.jedis()) {
            assertThat(j.functionLoad(library)).isEqualTo("semlib");
        }
        for (RaftGroup.Member m : group.members()) {
            try (Jedis j = m.jedis()) {
                await().atMost(ELECTION).until(() -> j.functionList().size() == 1);
            }
        }
        transferLeadership(first);
        try (Jedis j = first.jedis()) {
            assertThat(j.fcall("semincr", List.of("by-function"), List.of())).isEqualTo(1L);
            assertThat(j.functionDelete("semlib")).isEqualTo("OK");
        }
        for (RaftGroup.Member m : group.members()) {
            try (Jedis j = m.jedis()) {
                await().atMost(ELECTION).until(() -> j.functionList().isEmpty());
            }
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
