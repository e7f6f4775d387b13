package io.magpie.cluster.bus;

import static org.assertj.core.api.Assertions.assertThat;

import io.magpie.cluster.RealBus;
import io.magpie.cluster.state.ClusterAction;
import io.magpie.cluster.state.ClusterNode;
import io.magpie.cluster.state.FailoverMode;
import io.magpie.cluster.state.SlotBitmap;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Golden bytes from a real redis-server 7.0 cluster node: every frame it sends a Magpie state
 * machine decodes and re-encodes to the same bytes (checked by {@link RealBus} for each frame), and
 * redis-server accepts what the state machine sends back.
 */
class RedisBusInteropTest {

    @Test
    void meetFromRedisCompletesTheHandshakeBothWays() throws Exception {
        try (RealBus bus = new RealBus()) {
            int redis = bus.startRedis("--cluster-announce-hostname", "redis-a.example");
            RealBus.FakeNode fake = bus.startFake(1);
            String redisId = RealBus.redisId(redis);
            assertThat(RealBus.redisCall(redis, "CLUSTER", "MEET", "127.0.0.1", Integer.toString(fake.port)))
                .hasToString("OK");

            bus.runUntil("redis-server and the fake node know each other by name, handshake done", () -> {
                ClusterNode r = fake.state.lookupNode(redisId);
                String line = RealBus.redisNodeLine(redis, fake.state.myId());
                // The hostname comes with the first PING or PONG after the handshake.
                return r != null && !r.inHandshake() && r.hostname().equals("redis-a.example") && line != null
                    && !line.contains("handshake") && line.contains(" connected");
            }, 15_000);

            assertThat(bus.fromRedis(MsgType.MEET)).isNotEmpty();
            ClusterMsg meet = bus.fromRedis(MsgType.MEET).get(0).msg();
            assertThat(meet.sender()).isEqualTo(redisId);
            assertThat(meet.port()).isEqualTo(redis);
            assertThat(meet.cport()).isEqualTo(redis + 10000);
            assertThat(meet.flags()).isEqualTo(NodeFlags.MYSELF | NodeFlags.MASTER);
            assertThat(meet.slaveof()).isNull();
            assertThat(meet.ping().hostname()).isEqualTo("redis-a.example");
            assertThat(meet.hasMflag0(ClusterMsg.FLAG0_EXT_DATA)).isTrue();
            assertThat(bus.fromRedis(MsgType.PONG)).isNotEmpty();
            bus.runUntil("a PING from redis-server", () -> !bus.fromRedis(MsgType.PING).isEmpty(), 10_000);
            // Our node's view of redis-server: address, ports and hostname learnt from the bus.
            ClusterNode r = fake.state.lookupNode(redisId);
            assertThat(r.ip()).isEqualTo("127.0.0.1");
            assertThat(r.port()).isEqualTo(redis);
            assertThat(r.cport()).isEqualTo(redis + 10000);
            assertThat(r.hostname()).isEqualTo("redis-a.example");
            assertThat(r.isMaster()).isTrue();
            // And redis-server's view of ours.
            String line = RealBus.redisNodeLine(redis, fake.state.myId());
            assertThat(line).contains(" 127.0.0.1:" + fake.port + "@" + (fake.port + 10000) + " master - ");
        }
    }

    /** MEET from redis-server, and run until both sides finished the handshake. */
    private static String meet(RealBus bus, int redis, RealBus.FakeNode fake) throws Exception {
        String redisId = RealBus.redisId(redis);
        RealBus.redisCall(redis, "CLUSTER", "MEET", "127.0.0.1", Integer.toString(fake.port));
        bus.runUntil("handshake", () -> {
            ClusterNode r = fake.state.lookupNode(redisId);
            String line = RealBus.redisNodeLine(redis, fake.state.myId());
            return r != null && !r.inHandshake() && line != null && !line.contains("handshake");
        }, 15_000);
        return redisId;
    }

    @Test
    void publishAndShardedPublishFromRedisAreDeliveredToTheFakeNode() throws Exception {
        try (RealBus bus = new RealBus()) {
            int redis = bus.startRedis();
            RealBus.FakeNode fake = bus.startFake(2);
            // SPUBLISH goes to the nodes of the shard only: the fake node is a replica of redis-server.
            fakeReplicaOfRedis(bus, redis, fake);
            RealBus.redisCall(redis, "PUBLISH", "news", "hello");
            bus.runUntil("PUBLISH delivered", () -> delivered(fake, "news", "hello", false), 10_000);
            ClusterMsg.Publish p = (ClusterMsg.Publish) bus.fromRedis(MsgType.PUBLISH).get(0).msg().body();
            assertThat(new String(p.channel(), StandardCharsets.UTF_8)).isEqualTo("news");
            RealBus.redisCall(redis, "SPUBLISH", "orders", "42");
            bus.runUntil("SPUBLISH delivered", () -> delivered(fake, "orders", "42", true), 10_000);
            assertThat(bus.fromRedis(MsgType.PUBLISHSHARD)).hasSize(1);
        }
    }

    private static boolean delivered(RealBus.FakeNode fake, String channel, String message, boolean sharded) {
        return fake.actions.stream().anyMatch(a -> a instanceof ClusterAction.DeliverPublish d && d.sharded() == sharded
            && new String(d.channel(), StandardCharsets.UTF_8).equals(channel)
            && new String(d.message(), StandardCharsets.UTF_8).equals(message));
    }

    /** A redis-server master with every slot and a fake node as its replica. */
    private static String fakeReplicaOfRedis(RealBus bus, int redis, RealBus.FakeNode fake) throws Exception {
        RealBus.redisCall(redis, "CLUSTER", "ADDSLOTSRANGE", "0", "16383");
        String redisId = meet(bus, redis, fake);
        bus.runUntil("slots learnt", () -> fake.state.slotOwner(16383) != null, 10_000);
        fake.state.replicate(redisId, true);
        bus.runUntil("redis-server sees its replica", () -> RealBus.redisNodeLine(redis, fake.state.myId())
            .contains(" slave " + redisId), 10_000);
        return redisId;
    }

    @Test
    void slotsShardsAndNodesConfAgreeWithRedisServer() throws Exception {
        try (RealBus bus = new RealBus()) {
            int redis = bus.startRedis();
            RealBus.FakeNode fake = bus.startFake(8);
            fake.state.replicationOffset(100);
            String redisId = fakeReplicaOfRedis(bus, redis, fake);
            bus.runUntil("redis-server lists its replica in SLOTS", () ->
                String.valueOf(RealBus.redisCall(redis, "CLUSTER", "SLOTS")).contains(fake.state.myId()), 10_000);

            assertThat(flatten(fake.state.clusterSlots(false))).isEqualTo(RealBus.redisCall(redis, "CLUSTER", "SLOTS"));
            assertThat(flatten(fake.state.clusterShards())).isEqualTo(RealBus.redisCall(redis, "CLUSTER", "SHARDS"));

            // redis-server's nodes.conf, loaded and written again by our code, is the same file (but
            // for ping and pong times, which a load turns into "now", and links, not open yet).
            String theirs = bus.redisNodesConf(redis);
            io.magpie.cluster.state.ClusterConfig config = io.magpie.cluster.state.ClusterConfig.forPort(redis);
            io.magpie.cluster.state.ClusterState loaded = io.magpie.cluster.state.ClusterState.load(config,
                new java.util.Random(1), theirs, 5000);
            assertThat(loaded.myId()).isEqualTo(redisId);
            assertThat(withoutTimes(loaded.nodesConf())).isEqualTo(withoutTimes(theirs));
        }
    }

    /** RESP2's view of maps: flat arrays of key, value. */
    private static Object flatten(Object reply) {
        if (reply instanceof java.util.Map<?, ?> m) {
            List<Object> out = new java.util.ArrayList<>();
            m.forEach((k, v) -> {
                out.add(k);
                out.add(flatten(v));
            });
            return out;
        }
        if (reply instanceof List<?> l) return l.stream().map(RedisBusInteropTest::flatten).toList();
        return reply;
    }

    private static String withoutTimes(String conf) {
        return conf.replaceAll("(?m)^(\\S+ \\S+ \\S+ \\S+) \\d+ \\d+ (\\d+) (dis)?connected", "$1 T T $2 L");
    }

    @Test
    void fakeReplicaForcesAFailoverOfItsRedisMasterWithTheMasterVote() throws Exception {
        try (RealBus bus = new RealBus()) {
            int redis = bus.startRedis();
            RealBus.FakeNode fake = bus.startFake(3);
            String redisId = fakeReplicaOfRedis(bus, redis, fake);

            fake.state.failover(FailoverMode.FORCE, System.currentTimeMillis());
            bus.runUntil("the fake node is master and redis-server its replica", () ->
                fake.state.myself().isMaster() && fake.state.slotOwner(0) == fake.state.myself()
                    && RealBus.redisNodeLine(redis, redisId).contains("myself,slave " + fake.state.myId()), 15_000);

            List<RealBus.Frame> acks = bus.fromRedis(MsgType.FAILOVER_AUTH_ACK);
            assertThat(acks).hasSize(1);
            assertThat(acks.get(0).msg().currentEpoch()).isEqualTo(fake.state.myself().configEpoch());
            assertThat(fake.actions).contains(new ClusterAction.UnsetMaster());
            assertThat(String.valueOf(RealBus.redisCall(redis, "CLUSTER", "INFO")))
                .contains("cluster_current_epoch:" + fake.state.currentEpoch());
        }
    }

    @Test
    void redisReplicaManualFailoverGoesThroughMfstartAndThePausedFakeMaster() throws Exception {
        try (RealBus bus = new RealBus()) {
            int redis = bus.startRedis();
            RealBus.FakeNode fake = bus.startFake(4);
            fake.state.addSlotsRange(new int[] {0, 16383});
            String redisId = meet(bus, redis, fake);
            bus.runUntil("redis-server learns the slots", () -> RealBus.redisNodeLine(redis, fake.state.myId())
                .endsWith(" 0-16383"), 10_000);
            assertThat(RealBus.redisCall(redis, "CLUSTER", "REPLICATE", fake.state.myId())).hasToString("OK");
            bus.runUntil("the fake node sees its replica", () -> {
                ClusterNode r = fake.state.lookupNode(redisId);
                return r.isSlave() && r.slaveof() == fake.state.myself();
            }, 10_000);

            assertThat(RealBus.redisCall(redis, "CLUSTER", "FAILOVER")).hasToString("OK");
            bus.runUntil("redis-server is master and the fake node its replica", () ->
                fake.state.myself().isSlave() && fake.state.myself().slaveof() == fake.state.lookupNode(redisId)
                    && fake.state.slotOwner(0) == fake.state.lookupNode(redisId), 15_000);

            assertThat(bus.fromRedis(MsgType.MFSTART)).hasSize(1);
            assertThat(bus.fromRedis(MsgType.FAILOVER_AUTH_REQUEST)).isNotEmpty()
                .allMatch(f -> f.msg().hasMflag0(ClusterMsg.FLAG0_FORCEACK));
            assertThat(fake.actions).anyMatch(a -> a instanceof ClusterAction.PauseWrites);
            assertThat(fake.actions).anyMatch(a -> a instanceof ClusterAction.SetMaster m && m.nodeName().equals(redisId)
                && m.port() == redis);
        }
    }

    @Test
    void redisSendsUpdateToANodeClaimingItsSlotsWithAnOlderEpoch() throws Exception {
        try (RealBus bus = new RealBus()) {
            int redis = bus.startRedis();
            RealBus.FakeNode fake = bus.startFake(5);
            RealBus.redisCall(redis, "CLUSTER", "ADDSLOTS", "0");
            assertThat(String.valueOf(RealBus.redisCall(redis, "CLUSTER", "BUMPEPOCH"))).isEqualTo("BUMPED 1");
            String redisId = meet(bus, redis, fake);
            bus.runUntil("slot 0 learnt", () -> fake.state.slotOwner(0) != null, 10_000);

            // A PING of our making that claims slot 0 at configEpoch 0.
            byte[] slots = new byte[ClusterMsg.SLOTS_BITMAP_LEN];
            SlotBitmap.set(slots, 0);
            ClusterMsg claim = new ClusterMsg(MsgType.PING, fake.port, fake.state.currentEpoch(), 0, 0, fake.state.myId(),
                slots, null, "", 0, fake.port + 10000, NodeFlags.MYSELF | NodeFlags.MASTER, 1, new byte[3],
                new ClusterMsg.Ping(List.of(), List.of()));
            fake.sendRaw(fake.state.lookupNode(redisId).link(), claim);
            bus.runUntil("UPDATE received", () -> !bus.fromRedis(MsgType.UPDATE).isEmpty(), 10_000);

            ClusterMsg.Update u = (ClusterMsg.Update) bus.fromRedis(MsgType.UPDATE).get(0).msg().body();
            assertThat(u.nodename()).isEqualTo(redisId);
            assertThat(u.configEpoch()).isEqualTo(1);
            assertThat(SlotBitmap.test(u.slots(), 0)).isTrue();
            assertThat(SlotBitmap.test(u.slots(), 1)).isFalse();
        }
    }

    @Test
    void redisBroadcastsFailAboutAFakeNodeThatStopsAnswering() throws Exception {
        try (RealBus bus = new RealBus()) {
            int redis = bus.startRedis();
            RealBus.redisCall(redis, "CLUSTER", "ADDSLOTSRANGE", "0", "16383");
            RealBus.FakeNode a = bus.startFake(6);
            RealBus.FakeNode b = bus.startFake(7);
            meet(bus, redis, a);
            meet(bus, redis, b);
            bus.runUntil("a knows b", () -> a.state.lookupNode(b.state.myId()) != null
                && a.state.lookupNode(b.state.myId()).connected(), 10_000);
            b.kill();
            bus.runUntil("FAIL about b received by a", () -> bus.fromRedis(MsgType.FAIL).stream()
                .anyMatch(f -> f.to() == a && ((ClusterMsg.Fail) f.msg().body()).nodename().equals(b.state.myId())), 15_000);
            assertThat(a.state.lookupNode(b.state.myId()).failed()).isTrue();
        }
    }
}
