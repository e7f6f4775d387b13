package io.magpie.app.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.sync.RedisAdvancedClusterCommands;
import io.magpie.commands.HashSlot;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
     * changed key aborts); EVALSHA is logged as EVAL once an EVAL in the group's log loaded the
     * script, and answers NOSCRIPT before (SCRIPT LOAD is local here, so the group's other
     * replicas may lack it); blocking pops are refused (no blocking through a data group's log yet).
     */
    private static void writePathSharedWithTheSingleGroup(List<RaftGroup.Member> nodes) {
        int slot = HashSlot.keyHashSlot("{user1}".getBytes(StandardCharsets.UTF_8));
        String owner = ownerOf(nodes.get(0), slot);
        RaftGroup.Member leader = nodes.stream().filter(m -> owner.equals("127.0.0.1:" + m.port)).findFirst().orElseThrow();
        try (Jedis j = leader.jedis(); Jedis other = leader.jedis()) {
            String script = "return redis.call('SET', KEYS[1], ARGV[1])";
            String sha = j.scriptLoad(script);
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

            assertThatThrownBy(() -> j.blpop(1, "{user1}:list")).hasMessageStartingWith("ERR blocking commands are not served by a raft shard");
        }
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
