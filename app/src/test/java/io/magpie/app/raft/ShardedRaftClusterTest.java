package io.magpie.app.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.sync.RedisAdvancedClusterCommands;
import io.magpie.app.RealRedis;
import io.magpie.commands.HashSlot;
import io.magpie.protocol.RespClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisCluster;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * Sharded Raft on 3 real processes, 6 data groups of 3 replicas, placed by slots and by ring:
 * any node redirects to the owning group's leader as a cluster node does, CLUSTER SLOTS /
 * SHARDS / NODES come from the placement group's map, and the cluster clients of Jedis and
 * Lettuce write and read through it unchanged.
 */
class ShardedRaftClusterTest {
    private static final Duration START = Duration.ofSeconds(120);

    /**
     * slots with 3 replicas per group (every node in every group), ring with 2 (a node outside a
     * group routes by the leader the placement map reports, and drops a moved slot's keys).
     */
    @ParameterizedTest(name = "placement {0}, {1} replicas")
    @CsvSource({"slots, 3", "ring, 2"})
    void clusterClientsWriteAndReadThroughSixGroupsOnThreeNodesThenSevenGroups(String placement, int replicas) throws Exception {
        try (RaftGroup cluster = RaftGroup.start(Files.createTempDirectory("raft-shards"), 3, "--raft-shards", "6",
                "--raft-replication", String.valueOf(replicas), "--raft-placement", placement, "--raft-ring-vnodes", "64")) {
            List<RaftGroup.Member> nodes = cluster.members();
            awaitClusterOk(cluster, nodes);

            // The map: every slot owned, by 6 groups; with slots placement as 6 even ranges.
            Map<Long, Long> slotsPerGroup = slotsPerShard(nodes.get(0));
            assertThat(slotsPerGroup).hasSize(6);
            assertThat(slotsPerGroup.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(HashSlot.SLOTS);
            if (placement.equals("slots")) assertThat(slotsPerGroup.values()).allSatisfy(n -> assertThat(n).isBetween(2730L, 2731L));

            // Leaders spread: group g prefers node g (Ratis priority), so each node comes to lead two of the six.
            await().atMost(START).untilAsserted(() -> {
                for (RaftGroup.Member m : nodes) assertThat(raftInfo(m).get("shards_led")).isEqualTo("2");
            });

            try (JedisCluster jc = new JedisCluster(new HostAndPort("127.0.0.1", nodes.get(0).port), 10_000, 10_000, 10, null)) {
                for (int i = 0; i < 600; i++) {
                    String key = "key:" + i, value = "value:" + i;
                    assertThat(retrying(() -> jc.set(key, value))).isEqualTo("OK");
                }
                for (int i = 0; i < 600; i++) {
                    String key = "key:" + i;
                    assertThat(retrying(() -> jc.get(key))).isEqualTo("value:" + i);
                }
                assertThat(jc.incr("{user1}:visits")).isEqualTo(1);
                assertThat(jc.mset("{user1}:a", "1", "{user1}:b", "2")).isEqualTo("OK");
                assertThat(jc.mget("{user1}:a", "{user1}:b")).containsExactly("1", "2");
            }
            writePathSharedWithTheSingleGroup(nodes);
            // The keys went to every group: each holds its slots' keys only.
            assertThat(keysPerShard(cluster, nodes.get(0), 600)).hasSize(6);

            // A node that does not lead the key's group answers MOVED to the one that does.
            byte[] key = "key:7".getBytes(StandardCharsets.UTF_8);
            int slot = HashSlot.keyHashSlot(key);
            String owner = ownerOf(nodes.get(0), slot);
            RaftGroup.Member other = nodes.stream().filter(m -> !owner.equals("127.0.0.1:" + m.port)).findFirst().orElseThrow();
            try (Jedis j = other.jedis()) {
                assertThatThrownBy(() -> j.get("key:7")).isInstanceOf(JedisDataException.class).hasMessage("MOVED " + slot + " " + owner);
                assertThatThrownBy(() -> j.set("key:7", "x")).hasMessage("MOVED " + slot + " " + owner);
                // Keys of different slots are refused as Redis Cluster refuses them, wherever they would go.
                assertThatThrownBy(() -> j.mset("a", "1", "b", "2")).hasMessage("CROSSSLOT Keys in request don't hash to the same slot");
                assertThat(j.sendCommand(() -> "CLUSTER".getBytes(), "KEYSLOT", "key:7")).isEqualTo((long) slot);
            }

            // Lettuce's cluster client reads its topology from CLUSTER NODES and routes by it.
            RedisClusterClient client = RedisClusterClient.create(RedisURI.create("127.0.0.1", nodes.get(1).port));
            try (StatefulRedisClusterConnection<String, String> conn = client.connect()) {
                RedisAdvancedClusterCommands<String, String> sync = conn.sync();
                for (int i = 0; i < 600; i++) {
                    String k = "key:" + i;
                    assertThat(retrying(() -> sync.get(k))).isEqualTo("value:" + i);
                }
                for (int i = 0; i < 100; i++) {
                    String k = "lettuce:" + i, value = "v" + i;
                    assertThat(retrying(() -> sync.set(k, value))).isEqualTo("OK");
                }
                for (int i = 0; i < 100; i++) {
                    String k = "lettuce:" + i;
                    assertThat(retrying(() -> sync.get(k))).isEqualTo("v" + i);
                }
            } finally {
                client.shutdown();
            }

            growToSevenGroupsUnderWrites(cluster, nodes, replicas);
        }
    }

    /**
     * A data group takes the single group's parked write path: WATCH is checked (the EXEC of a
     * changed key aborts); EVALSHA is logged as EVAL once the group's log loaded the script
     * (SCRIPT LOAD on its leader, or an EVAL), and answers NOSCRIPT before (a script loaded
     * only on another node, as a Redis Cluster master that was not sent SCRIPT LOAD).
     */
    private static void writePathSharedWithTheSingleGroup(List<RaftGroup.Member> nodes) {
        int slot = HashSlot.keyHashSlot("{user1}".getBytes(StandardCharsets.UTF_8));
        String owner = ownerOf(nodes.get(0), slot);
        RaftGroup.Member leader = nodes.stream().filter(m -> owner.equals("127.0.0.1:" + m.port)).findFirst().orElseThrow();
        RaftGroup.Member elsewhere = nodes.stream().filter(m -> m != leader).findFirst().orElseThrow();
        try (Jedis j = leader.jedis(); Jedis other = leader.jedis(); Jedis e = elsewhere.jedis()) {
            String script = "return redis.call('SET', KEYS[1], ARGV[1])";
            String sha = e.scriptLoad(script);
            assertThatThrownBy(() -> j.evalsha(sha, List.of("{user1}:s"), List.of("1"))).hasMessageStartingWith("NOSCRIPT");
            assertThat(j.eval(script, List.of("{user1}:s"), List.of("2"))).isEqualTo("OK");
            assertThat(j.evalsha(sha, List.of("{user1}:s"), List.of("3"))).isEqualTo("OK");
            assertThat(j.get("{user1}:s")).isEqualTo("3");
            assertThat(j.del("{user1}:s")).isEqualTo(1L); // the key count checked after the reshard stays as it was

            j.watch("{user1}:a");
            assertThat(other.set("{user1}:a", "changed")).isEqualTo("OK");
            redis.clients.jedis.Transaction tx = j.multi();
            tx.set("{user1}:a", "mine");
            assertThat(tx.exec()).isNull();
            assertThat(j.get("{user1}:a")).isEqualTo("changed");
        }
    }

    /**
     * The single group's semantics on the data groups of 3 nodes (3 groups, each node a replica
     * of each, leading one), each reply compared with redis-server's and the replicas compared
     * by DEBUG DIGEST: pipelined writes go out in BATCH entries and reply in order; a BLPOP
     * waits on the group leader and is served by a push through the log; WATCH is checked at
     * apply; SCRIPT LOAD goes through the log of the groups the node leads, so an EVALSHA works
     * on the group's next leader; over maxmemory each group's leader evicts through its log.
     */
    @Test
    void dataGroupsPipelineBlockWatchLoadScriptsAndEvictThroughTheirLogsAsTheSingleGroup() throws Exception {
        try (RaftGroup cluster = RaftGroup.start(Files.createTempDirectory("raft-shards-parity"), 3, "--raft-shards", "3");
                RealRedis redis = new RealRedis()) {
            List<RaftGroup.Member> nodes = cluster.members();
            awaitClusterOk(cluster, nodes);
            await().atMost(START).untilAsserted(() -> {
                for (RaftGroup.Member m : nodes) assertThat(raftInfo(m).get("shards_led")).isEqualTo("1");
            });
            pipelinedWritesOfOneClientGoOutInBatchesAndReplyInOrder(nodes, redis);
            blockingPopsWaitOnTheGroupLeaderAndAPushThroughTheLogServesThem(nodes, redis);
            watchedExecInOneSlotAbortsAsRedis(nodes, redis);
            overMaxmemoryEachGroupLeaderEvictsThroughItsLog(nodes);
            flushallEmptiesTheGroupsTheNodeLeadsOnEveryReplica(nodes, redis);
            scriptLoadReachesTheGroupsReplicasAndEvalshaWorksUnderTheNextLeader(cluster, nodes, redis);
        }
    }

    private static RaftGroup.Member leaderOf(List<RaftGroup.Member> nodes, String key) {
        String owner = ownerOf(nodes.get(0), HashSlot.keyHashSlot(key.getBytes(StandardCharsets.UTF_8)));
        return nodes.stream().filter(m -> owner.equals("127.0.0.1:" + m.port)).findFirst().orElseThrow();
    }

    private static long shardCommitIndex(RaftGroup.Member m, String shard) {
        String info = raftInfo(m).get(shard);
        Matcher v = Pattern.compile("commit_index=(\\d+)").matcher(info);
        assertThat(v.find()).as(info).isTrue();
        return Long.parseLong(v.group(1));
    }

    /** The raw replies to commands sent at once (one write), read once all are sent. */
    private static List<String> pipelined(int port, List<String[]> commands) {
        try (RespClient c = new RespClient(port)) {
            c.setTimeout(120_000);
            java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
            for (String[] cmd : commands) all.writeBytes(RespClient.encode(RespClient.args(cmd)));
            c.sendRaw(all.toByteArray());
            List<String> replies = new java.util.ArrayList<>();
            for (int i = 0; i < commands.size(); i++) replies.add(new String(c.read().raw(), StandardCharsets.UTF_8));
            return replies;
        }
    }

    /**
     * 600 writes of one slot sent at once (with reads, an error, a MULTI among them): the
     * replies are redis-server's, in order, and the group's log grew by fewer entries than
     * there were writes (a write parked until its own entry applied would take one each).
     */
    private static void pipelinedWritesOfOneClientGoOutInBatchesAndReplyInOrder(List<RaftGroup.Member> nodes, RealRedis redis) {
        RaftGroup.Member leader = leaderOf(nodes, "{p}");
        String shard = ownerOfShard(nodes.get(0), HashSlot.keyHashSlot("{p}".getBytes(StandardCharsets.UTF_8)));
        List<String[]> commands = new java.util.ArrayList<>();
        int writes = 600;
        for (int i = 0; i < writes / 3; i++) {
            commands.add(new String[] {"SET", "{p}:" + i, String.valueOf(i)});
            commands.add(new String[] {"INCR", "{p}:n"});
            commands.add(new String[] {"RPUSH", "{p}:l", String.valueOf(i)});
        }
        List<String[]> tail = List.of(new String[] {"GET", "{p}:7"}, new String[] {"PING"}, new String[] {"INCRBY", "{p}:n", "x"},
                new String[] {"MULTI"}, new String[] {"INCR", "{p}:n"}, new String[] {"LLEN", "{p}:l"}, new String[] {"EXEC"},
                new String[] {"SET", "{p}:last", "1"}, new String[] {"LRANGE", "{p}:l", "-3", "-1"}, new String[] {"GET", "{p}:n"});
        commands.addAll(tail);
        long before = shardCommitIndex(leader, shard);
        List<String> magpie = pipelined(leader.port, commands);
        long entries = shardCommitIndex(leader, shard) - before;
        assertThat(magpie).isEqualTo(pipelined(redis.port(), commands));
        assertThat(entries).as("log entries for %d pipelined writes", writes).isLessThan(writes / 2);
        awaitSameKeyspaceOnEveryNode(nodes);
    }

    private static int blockedClients(RaftGroup.Member m) {
        try (Jedis j = m.jedis()) {
            for (String line : j.info("clients").split("\r\n")) {
                if (line.startsWith("blocked_clients:")) return Integer.parseInt(line.substring("blocked_clients:".length()));
            }
        }
        throw new AssertionError("no blocked_clients in INFO clients");
    }

    /** A client blocks on the port, another feeds once it counts as blocked: the blocked client's raw reply. */
    private static String blockedReply(int port, java.util.function.IntSupplier blocked, String[] block, String[]... feed) {
        try (RespClient waiter = new RespClient(port); RespClient feeder = new RespClient(port)) {
            waiter.setTimeout(120_000);
            int before = blocked.getAsInt();
            waiter.send(block);
            await().atMost(START).until(() -> blocked.getAsInt() > before);
            for (String[] cmd : feed) feeder.call(cmd);
            return new String(waiter.read().raw(), StandardCharsets.UTF_8);
        }
    }

    private static void blockingPopsWaitOnTheGroupLeaderAndAPushThroughTheLogServesThem(List<RaftGroup.Member> nodes, RealRedis redis) {
        RaftGroup.Member leader = leaderOf(nodes, "{b}");
        java.util.function.IntSupplier magpieBlocked = () -> blockedClients(leader);
        java.util.function.IntSupplier redisBlocked = () -> {
            try (Jedis j = new Jedis("127.0.0.1", redis.port())) {
                return Integer.parseInt(j.info("clients").split("blocked_clients:")[1].split("\r\n")[0]);
            }
        };
        String[][][] cases = {
            {{"BLPOP", "{b}:a", "{b}:b", "0"}, {"RPUSH", "{b}:b", "x", "y"}},
            {{"BLMOVE", "{b}:src", "{b}:dst", "LEFT", "RIGHT", "0"}, {"RPUSH", "{b}:src", "m"}},
            {{"BZPOPMIN", "{b}:z", "0"}, {"ZADD", "{b}:z", "2", "b", "1", "a"}},
        };
        for (String[][] c : cases) {
            String real = blockedReply(redis.port(), redisBlocked, c[0], c[1]);
            assertThat(blockedReply(leader.port, magpieBlocked, c[0], c[1])).as(String.join(" ", c[0])).isEqualTo(real);
        }
        try (RespClient m = new RespClient(leader.port); RespClient r = redis.client()) {
            for (String[] cmd : new String[][] {{"BLPOP", "{b}:none", "0.1"}, {"LRANGE", "{b}:b", "0", "-1"}, {"LRANGE", "{b}:dst", "0", "-1"},
                {"ZRANGE", "{b}:z", "0", "-1"}}) {
                assertThat(new String(m.call(cmd).raw(), StandardCharsets.UTF_8)).as(String.join(" ", cmd))
                        .isEqualTo(new String(r.call(cmd).raw(), StandardCharsets.UTF_8));
            }
        }
        // Every replica popped the same: the pop was an entry of the group's log, not the leader's own.
        awaitSameKeyspaceOnEveryNode(nodes);
    }

    private static void watchedExecInOneSlotAbortsAsRedis(List<RaftGroup.Member> nodes, RealRedis redis) {
        RaftGroup.Member leader = leaderOf(nodes, "{w}");
        String[][] script = {{"SET", "{w}:1", "a"}, {"WATCH", "{w}:1"}, {"SET", "{w}:1", "b"}, {"MULTI"}, {"SET", "{w}:1", "c"}, {"EXEC"},
            {"GET", "{w}:1"}, {"WATCH", "{w}:1", "{w}:2"}, {"MULTI"}, {"INCR", "{w}:n"}, {"GET", "{w}:1"}, {"EXEC"}, {"GET", "{w}:n"}};
        try (RespClient m = new RespClient(leader.port); RespClient r = redis.client(); RespClient other = new RespClient(leader.port);
                RespClient otherReal = redis.client()) {
            for (String[] cmd : script) {
                assertThat(new String(m.call(cmd).raw(), StandardCharsets.UTF_8)).as(String.join(" ", cmd))
                        .isEqualTo(new String(r.call(cmd).raw(), StandardCharsets.UTF_8));
            }
            // Another client changes a WATCHed key between WATCH and EXEC: nil, on the group as on redis-server.
            for (RespClient[] pair : new RespClient[][] {{m, other}, {r, otherReal}}) {
                pair[0].call("WATCH", "{w}:2");
                pair[1].call("SET", "{w}:2", "theirs");
                pair[0].call("MULTI");
                pair[0].call("SET", "{w}:2", "mine");
            }
            assertThat(new String(m.call("EXEC").raw(), StandardCharsets.UTF_8)).isEqualTo(new String(r.call("EXEC").raw(), StandardCharsets.UTF_8));
            assertThat(new String(m.call("GET", "{w}:2").raw(), StandardCharsets.UTF_8)).isEqualTo("$6\r\ntheirs\r\n");
        }
        awaitSameKeyspaceOnEveryNode(nodes);
    }

    private static long infoField(RaftGroup.Member m, String section, String field) {
        try (Jedis j = m.jedis()) {
            for (String line : j.info(section).split("\r\n")) if (line.startsWith(field + ":")) return Long.parseLong(line.substring(field.length() + 1));
        }
        throw new AssertionError("no " + field + " in INFO " + section);
    }

    /**
     * maxmemory on every node (each holds every group's keys): only the leader of a key's group
     * evicts it, by an EVICT entry of that group's log, so the replicas stay equal and every
     * node counts the same evictions (a node evicting on its own would drop other keys).
     */
    private static void overMaxmemoryEachGroupLeaderEvictsThroughItsLog(List<RaftGroup.Member> nodes) {
        long limit = nodes.stream().mapToLong(m -> infoField(m, "memory", "used_memory")).max().orElseThrow() + 1024 * 1024;
        List<Long> evictedBefore = new java.util.ArrayList<>();
        for (RaftGroup.Member m : nodes) {
            evictedBefore.add(infoField(m, "stats", "evicted_keys"));
            try (Jedis j = m.jedis()) {
                j.configSet("maxmemory-policy", "allkeys-random");
                j.configSet("maxmemory", String.valueOf(limit));
            }
        }
        String value = "v".repeat(10_000);
        try (JedisCluster jc = new JedisCluster(new HostAndPort("127.0.0.1", nodes.get(0).port), 10_000, 10_000, 10, null)) {
            for (int i = 0; i < 400; i++) {
                String key = "evict:" + i;
                assertThat(retrying(() -> jc.set(key, value))).isEqualTo("OK");
            }
        } finally {
            for (RaftGroup.Member m : nodes) {
                try (Jedis j = m.jedis()) {
                    j.configSet("maxmemory", "0");
                }
            }
        }
        awaitSameKeyspaceOnEveryNode(nodes);
        await().atMost(START).untilAsserted(() -> {
            List<Long> evicted = new java.util.ArrayList<>();
            for (int i = 0; i < nodes.size(); i++) evicted.add(infoField(nodes.get(i), "stats", "evicted_keys") - evictedBefore.get(i));
            assertThat(evicted.stream().distinct()).as(evicted.toString()).hasSize(1);
            assertThat(evicted.get(0)).as("keys evicted").isPositive();
        });
    }

    /** A hash tag of each node's group, by node (every node leads one group here). */
    private static Map<RaftGroup.Member, String> tagLedBy(List<RaftGroup.Member> nodes) {
        Map<RaftGroup.Member, String> tags = new HashMap<>();
        for (int i = 0; tags.size() < nodes.size() && i < 10_000; i++) tags.putIfAbsent(leaderOf(nodes, "{f" + i + "}"), "{f" + i + "}");
        assertThat(tags).hasSize(nodes.size());
        return tags;
    }

    private static Set<String> keys(RaftGroup.Member m, int db) {
        try (Jedis j = m.jedis()) {
            j.select(db);
            return j.keys("*");
        }
    }

    /** Every node holds these keys in db, and no other. */
    private static void awaitKeysEverywhere(List<RaftGroup.Member> nodes, int db, Set<String> expected) {
        await().atMost(START).untilAsserted(() -> {
            for (RaftGroup.Member n : nodes) assertThat(keys(n, db)).as("db " + db + " on " + n.port).isEqualTo(expected);
        });
    }

    /** The keys among these whose group is led by m. */
    private static Set<String> ledBy(List<RaftGroup.Member> nodes, RaftGroup.Member m, Set<String> keys) {
        Set<String> led = new HashSet<>();
        for (String k : keys) if (leaderOf(nodes, k) == m) led.add(k);
        return led;
    }

    /**
     * FLUSHALL on a node deletes, on every replica, the keys of the group it leads and no
     * other's, as a Redis Cluster master's FLUSHALL empties its own slots; FLUSHDB only the
     * client's db. A WATCHed key it deletes fails the EXEC, bad flags and a FLUSHALL queued in
     * MULTI are refused (the latter would empty every group's keys from one group's log), and a
     * cluster client's FLUSHALL, sent to every master, empties the cluster.
     */
    private static void flushallEmptiesTheGroupsTheNodeLeadsOnEveryReplica(List<RaftGroup.Member> nodes, RealRedis redis) {
        Map<RaftGroup.Member, String> tags = tagLedBy(nodes);
        for (RaftGroup.Member m : nodes) {
            try (Jedis j = m.jedis()) {
                for (int i = 0; i < 20; i++) assertThat(j.set(tags.get(m) + ":" + i, "v")).isEqualTo("OK");
                j.select(1);
                assertThat(j.set(tags.get(m) + ":db1", "v")).isEqualTo("OK");
            }
        }
        awaitSameKeyspaceOnEveryNode(nodes);
        RaftGroup.Member a = nodes.get(0), b = nodes.get(1), c = nodes.get(2);
        Set<String> db0 = keys(a, 0), db1 = keys(a, 1);
        assertThat(db0).hasSizeGreaterThanOrEqualTo(60);
        db0.removeAll(ledBy(nodes, a, db0));
        db1.removeAll(ledBy(nodes, a, db1));
        try (RespClient m = new RespClient(a.port); RespClient r = redis.client(); RespClient watcher = new RespClient(a.port);
                RespClient realWatcher = redis.client()) {
            for (String[] bad : new String[][] {{"FLUSHALL", "LATER"}, {"FLUSHALL", "ASYNC", "SYNC"}, {"FLUSHDB", "NOW"}}) {
                assertThat(new String(m.call(bad).raw(), StandardCharsets.UTF_8)).as(String.join(" ", bad))
                        .isEqualTo(new String(r.call(bad).raw(), StandardCharsets.UTF_8));
            }
            String key = tags.get(a) + ":0";
            r.call("SET", key, "v");
            for (RespClient[] pair : new RespClient[][] {{watcher, m}, {realWatcher, r}}) {
                pair[0].call("WATCH", key);
                assertThat(new String(pair[1].call("FLUSHALL").raw(), StandardCharsets.UTF_8)).isEqualTo("+OK\r\n");
                pair[0].call("MULTI");
                pair[0].call("SET", key, "mine");
            }
            assertThat(new String(watcher.call("EXEC").raw(), StandardCharsets.UTF_8))
                    .isEqualTo(new String(realWatcher.call("EXEC").raw(), StandardCharsets.UTF_8));
            m.call("MULTI");
            m.call("SET", tags.get(a) + ":multi", "v");
            m.call("FLUSHALL");
            assertThat(new String(m.call("EXEC").raw(), StandardCharsets.UTF_8)).isEqualTo("-ERR a write without keys cannot be routed to a raft shard\r\n");
            // A script's FLUSHALL is refused alike on every replica that applies the script.
            assertThat(new String(m.call("EVAL", "return redis.pcall('FLUSHALL')", "1", tags.get(a) + ":0").raw(), StandardCharsets.UTF_8))
                    .isEqualTo("-ERR a write without keys cannot be routed to a raft shard\r\n");
            assertThat(new String(m.call("EVAL", "redis.call('SET', KEYS[1], 'v') return redis.call('FLUSHDB')", "1", tags.get(a) + ":s").raw(),
                    StandardCharsets.UTF_8)).startsWith("-ERR a write without keys cannot be routed to a raft shard");
            assertThat(new String(m.call("DEL", tags.get(a) + ":s").raw(), StandardCharsets.UTF_8)).as("a script's writes before its error stay").isEqualTo(":1\r\n");
        }
        // a's group's keys are gone from every db, everywhere; the other groups' are not.
        assertThat(db1).hasSize(2);
        awaitKeysEverywhere(nodes, 0, db0);
        awaitKeysEverywhere(nodes, 1, db1);
        db0.removeAll(ledBy(nodes, b, db0));
        try (Jedis j = b.jedis()) {
            assertThat(j.flushDB()).isEqualTo("OK");
        }
        try (Jedis j = c.jedis()) {
            assertThat(j.get(tags.get(c) + ":1")).isEqualTo("v");
        }
        awaitKeysEverywhere(nodes, 0, db0);
        awaitKeysEverywhere(nodes, 1, db1);
        try (JedisCluster jc = new JedisCluster(new HostAndPort("127.0.0.1", nodes.get(0).port), 10_000, 10_000, 10, null)) {
            jc.flushAll();
        }
        awaitKeysEverywhere(nodes, 0, Set.of());
        awaitKeysEverywhere(nodes, 1, Set.of());
    }

    /**
     * SCRIPT LOAD on the node leading the key's group reaches the group's replicas through its
     * log (SCRIPT EXISTS there), so once that node is gone the group's next leader, a follower
     * when the script was loaded, runs the EVALSHA. Replies compared with redis-server's.
     */
    private static void scriptLoadReachesTheGroupsReplicasAndEvalshaWorksUnderTheNextLeader(RaftGroup cluster, List<RaftGroup.Member> nodes,
            RealRedis redis) {
        RaftGroup.Member leader = leaderOf(nodes, "{s}");
        String body = "return redis.call('INCRBY', KEYS[1], ARGV[1])";
        String[][] script = {{"SCRIPT", "LOAD", body}, {"EVALSHA", "SHA", "1", "{s}:n", "5"}, {"EVAL", body, "1", "{s}:n", "1"},
            {"SCRIPT", "EXISTS", "SHA", "0000"}};
        String sha;
        try (RespClient m = new RespClient(leader.port); RespClient r = redis.client()) {
            sha = String.valueOf(r.value("SCRIPT", "LOAD", body));
            for (String[] cmd : script) {
                String[] c = cmd.clone();
                for (int i = 0; i < c.length; i++) if (c[i].equals("SHA")) c[i] = sha;
                assertThat(new String(m.call(c).raw(), StandardCharsets.UTF_8)).as(String.join(" ", c))
                        .isEqualTo(new String(r.call(c).raw(), StandardCharsets.UTF_8));
            }
        }
        for (RaftGroup.Member m : nodes) {
            try (Jedis j = m.jedis()) {
                await().atMost(START).until(() -> j.scriptExists(sha));
            }
        }
        cluster.kill(leader);
        List<RaftGroup.Member> alive = nodes.stream().filter(m -> m != leader).toList();
        await().atMost(START).pollInterval(Duration.ofMillis(500)).ignoreExceptions().untilAsserted(() -> {
            RaftGroup.Member next = leaderOf(alive, "{s}");
            try (Jedis j = next.jedis()) {
                // At least 8: a try whose reply a loaded machine lost may have applied (NOSCRIPT is retried too, until the bound).
                assertThat((Long) j.evalsha(sha, List.of("{s}:n"), List.of("2"))).isGreaterThanOrEqualTo(8L);
            }
        });
    }

    /** DEBUG DIGEST of every node, awaited equal (each node is a replica of every group here). */
    private static void awaitSameKeyspaceOnEveryNode(List<RaftGroup.Member> nodes) {
        await().atMost(START).untilAsserted(() -> {
            List<String> digests = new java.util.ArrayList<>();
            for (RaftGroup.Member m : nodes) {
                try (Jedis j = m.jedis()) {
                    digests.add(new String((byte[]) j.sendCommand(() -> "DEBUG".getBytes(StandardCharsets.US_ASCII), "DIGEST"), StandardCharsets.UTF_8));
                }
            }
            assertThat(digests.stream().distinct()).as(digests.toString()).hasSize(1);
        });
    }

    /**
     * RAFT SHARDS 7 while a client writes: the new group starts on the nodes, slots move into it
     * (fenced on their source, copied, switched by one placement entry), and every acknowledged
     * write, before or during the moves, reads back afterwards from the group that owns it now.
     */
    private static void growToSevenGroupsUnderWrites(RaftGroup cluster, List<RaftGroup.Member> nodes, int replicas) throws Exception {
        Map<String, String> acked = new java.util.concurrent.ConcurrentHashMap<>();
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.atomic.AtomicInteger retried = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicReference<Throwable> failed = new java.util.concurrent.atomic.AtomicReference<>();
        Thread writer = new Thread(() -> {
            try (JedisCluster jc = new JedisCluster(new HostAndPort("127.0.0.1", nodes.get(2).port), 10_000, 10_000, 10, null)) {
                for (int i = 0; !stop.get() && i < 100_000; i++) {
                    String key = "grow:" + (i % 500), value = "v" + i;
                    for (int attempt = 0; attempt < 200; attempt++) {
                        try {
                            if ("OK".equals(jc.set(key, value))) acked.put(key, value);
                            break;
                        } catch (RuntimeException e) {
                            // The slot is fenced while it moves, or its group is electing: the write was not applied.
                            if (!isTransient(e)) throw e;
                            retried.incrementAndGet();
                            Thread.sleep(20);
                        }
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                failed.set(e);
            }
        }, "grow-writer");
        writer.start();
        try (Jedis j = nodes.get(0).jedis()) {
            await().atMost(START).until(() -> acked.size() >= 100);
            assertThat(j.sendCommand(() -> "RAFT".getBytes(), "SHARDS", "7")).isEqualTo("OK".getBytes());
            assertThatThrownBy(() -> j.sendCommand(() -> "RAFT".getBytes(), "SHARDS", "7")).hasMessageStartingWith("ERR");
        }
        try {
            await().atMost(START).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
                for (RaftGroup.Member m : nodes) {
                    Map<String, String> info = raftInfo(m);
                    assertThat(info).containsEntry("raft_shards", "7").containsEntry("resharding", "0");
                }
                assertThat(slotsPerShard(nodes.get(1))).hasSize(7);
            });
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw withLogs(cluster, nodes, e);
        } finally {
            stop.set(true);
            writer.join(60_000);
        }
        assertThat(failed.get()).as("a write the client could not retry").isNull();
        Map<Long, Long> slots = slotsPerShard(nodes.get(1));
        assertThat(slots.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(HashSlot.SLOTS);
        assertThat(slots.get(6L)).isPositive();
        try (JedisCluster jc = new JedisCluster(new HostAndPort("127.0.0.1", nodes.get(1).port), 10_000, 10_000, 10, null)) {
            for (Map.Entry<String, String> e : acked.entrySet()) assertThat(retrying(() -> jc.get(e.getKey()))).as(e.getKey()).isEqualTo(e.getValue());
            for (int i = 0; i < 600; i++) {
                String key = "key:" + i;
                assertThat(retrying(() -> jc.get(key))).isEqualTo("value:" + i);
            }
        }
        // Each key is held by exactly its group's replicas: a node outside a moved slot's new group dropped its keys.
        long keys = 600 + 3 + 100 + acked.size();
        await().atMost(START).untilAsserted(() -> {
            long held = 0;
            for (RaftGroup.Member m : nodes) {
                try (Jedis j = m.jedis()) {
                    held += j.dbSize();
                }
            }
            assertThat(held).isEqualTo(replicas * keys);
        });
    }

    /**
     * Neither client retries TRYAGAIN (a fenced slot, a leader not ready) or CLUSTERDOWN (a
     * group between leaders, which a loaded machine's pauses cause): an application does, as here.
     */
    static <T> T retrying(java.util.function.Supplier<T> call) {
        for (int attempt = 1; ; attempt++) {
            try {
                return call.get();
            } catch (RuntimeException e) {
                if (!isTransient(e) || attempt >= 300) throw e;
                RaftGroup.sleep(50);
            }
        }
    }

    private static boolean isTransient(RuntimeException e) {
        String m = String.valueOf(e.getMessage());
        return m.startsWith("TRYAGAIN") || m.startsWith("CLUSTERDOWN");
    }

    static void awaitClusterOk(RaftGroup cluster, List<RaftGroup.Member> nodes) {
        try {
            await().atMost(START).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
                for (RaftGroup.Member m : nodes) {
                    try (Jedis j = m.jedis()) {
                        String info = j.clusterInfo();
                        assertThat(info).contains("cluster_state:ok").contains("cluster_known_nodes:3");
                    }
                }
            });
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw withLogs(cluster, nodes, e);
        }
    }

    /** A timeout, with every node's RAFT INFO and log tail. */
    static AssertionError withLogs(RaftGroup cluster, List<RaftGroup.Member> nodes, Throwable e) {
        StringBuilder sb = new StringBuilder(e.getMessage());
        for (RaftGroup.Member m : nodes) sb.append("\n--- ").append(m).append(": ").append(raftInfo(m)).append('\n').append(cluster.logTail(m));
        return new AssertionError(sb.toString(), e);
    }

    static Map<String, String> raftInfo(RaftGroup.Member m) {
        return RaftGroup.raftInfo(m);
    }

    /** CLUSTER SHARDS: slots owned per shard, by the shard's position. */
    @SuppressWarnings("unchecked")
    private static Map<Long, Long> slotsPerShard(RaftGroup.Member m) {
        Map<Long, Long> out = new HashMap<>();
        try (Jedis j = m.jedis()) {
            List<Object> shards = (List<Object>) j.sendCommand(() -> "CLUSTER".getBytes(), "SHARDS");
            long index = 0;
            for (Object shard : shards) {
                List<Object> fields = (List<Object>) shard;
                List<Object> slots = (List<Object>) fields.get(1);
                long n = 0;
                for (int i = 0; i < slots.size(); i += 2) n += (Long) slots.get(i + 1) - (Long) slots.get(i) + 1;
                out.put(index++, n);
            }
        }
        return out;
    }

    /** The client address CLUSTER SLOTS names as the master of slot. */
    @SuppressWarnings("unchecked")
    private static String ownerOf(RaftGroup.Member m, int slot) {
        try (Jedis j = m.jedis()) {
            for (Object o : j.clusterSlots()) {
                List<Object> range = (List<Object>) o;
                if ((Long) range.get(0) <= slot && slot <= (Long) range.get(1)) {
                    List<Object> master = (List<Object>) range.get(2);
                    return new String((byte[]) master.get(0), StandardCharsets.UTF_8) + ":" + master.get(1);
                }
            }
        }
        throw new AssertionError("slot " + slot + " has no owner in CLUSTER SLOTS");
    }

    /** The shards (by CLUSTER SHARDS' first slot range) the keys key:0..n-1 belong to. */
    @SuppressWarnings("unchecked")
    private static Set<String> keysPerShard(RaftGroup cluster, RaftGroup.Member m, int n) {
        Set<String> owners = new HashSet<>();
        for (int i = 0; i < n; i++) owners.add(ownerOfShard(m, HashSlot.keyHashSlot(("key:" + i).getBytes(StandardCharsets.UTF_8))));
        return owners;
    }

    @SuppressWarnings("unchecked")
    private static String ownerOfShard(RaftGroup.Member m, int slot) {
        try (Jedis j = m.jedis()) {
            List<Object> shards = (List<Object>) j.sendCommand(() -> "CLUSTER".getBytes(), "SHARDS");
            for (int s = 0; s < shards.size(); s++) {
                List<Object> slots = (List<Object>) ((List<Object>) shards.get(s)).get(1);
                for (int i = 0; i < slots.size(); i += 2) if ((Long) slots.get(i) <= slot && slot <= (Long) slots.get(i + 1)) return "shard" + s;
            }
        }
        throw new AssertionError("slot " + slot + " in no shard");
    }
}
