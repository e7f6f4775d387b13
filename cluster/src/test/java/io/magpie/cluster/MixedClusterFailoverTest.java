package io.magpie.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.magpie.cluster.state.ClusterNode;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Mixed clusters of redis-server 7.0 nodes and Magpie state machines: automatic failover across
 * the two implementations, with votes from both.
 */
class MixedClusterFailoverTest {

    /** MEETs every node from the first redis-server, and waits until every node knows every other. */
    private static void form(RealBus bus, List<Integer> redis, List<RealBus.FakeNode> fakes) throws Exception {
        int first = redis.get(0);
        for (int r : redis.subList(1, redis.size())) {
            RealBus.redisCall(first, "CLUSTER", "MEET", "127.0.0.1", Integer.toString(r));
        }
        for (RealBus.FakeNode f : fakes) {
            RealBus.redisCall(first, "CLUSTER", "MEET", "127.0.0.1", Integer.toString(f.port));
        }
        int total = redis.size() + fakes.size();
        bus.runUntil("every node knows every other", () -> {
            for (int r : redis) {
                String nodes = String.valueOf(RealBus.redisCall(r, "CLUSTER", "NODES"));
                if (nodes.split("\n").length != total || nodes.contains("handshake") || nodes.contains("disconnected")) {
                    return false;
                }
            }
            for (RealBus.FakeNode f : fakes) {
                if (f.state.nodes().size() != total) return false;
                for (ClusterNode n : f.state.nodes()) {
                    if (n.inHandshake() || (!n.isMyself() && !n.connected())) return false;
                }
            }
            return true;
        }, 20_000);
    }

    private static String line(int redis, String id) {
        return RealBus.redisNodeLine(redis, id);
    }

    @Test
    void magpieReplicaOfAKilledRedisMasterIsElectedByRedisAndMagpieMasters() throws Exception {
        try (RealBus bus = new RealBus()) {
            int r1 = bus.startRedis();
            int r2 = bus.startRedis();
            RealBus.FakeNode f2 = bus.startFake(21);
            RealBus.FakeNode f1 = bus.startFake(22);
            // The replica is never really fed by PSYNC here: no data-age limit.
            f1.state.config().replicaValidityFactor = 0;
            RealBus.redisCall(r1, "CLUSTER", "ADDSLOTSRANGE", "0", "5000");
            RealBus.redisCall(r2, "CLUSTER", "ADDSLOTSRANGE", "5001", "10000");
            f2.state.addSlotsRange(new int[] {10001, 16383});
            form(bus, List.of(r1, r2), List.of(f1, f2));
            String r1Id = RealBus.redisId(r1);
            f1.state.replicate(r1Id, true);
            bus.runUntil("f1 is r1's replica everywhere", () -> line(r2, f1.state.myId()).contains(" slave " + r1Id)
                && f2.state.lookupNode(f1.state.myId()).isSlave(), 10_000);

            bus.killRedis(r1);
            bus.runUntil("f1 took r1's slots, seen by r2 and f2", () -> f1.state.myself().isMaster()
                && line(r2, f1.state.myId()).contains(" master ") && line(r2, f1.state.myId()).endsWith(" 0-5000")
                && f2.state.slotOwner(0) == f2.state.lookupNode(f1.state.myId()), 20_000);

            assertThat(line(r2, r1Id)).contains("master,fail");
            assertThat(f2.state.lastVoteEpoch()).isEqualTo(f1.state.myself().configEpoch());
            assertThat(String.valueOf(RealBus.redisCall(r2, "CLUSTER", "INFO"))).contains("cluster_state:ok");
            bus.runUntil("f1 sees the cluster ok", f1.state::isOk, 10_000);
        }
    }

    @Test
    void redisReplicaOfAKilledMagpieMasterIsElectedByRedisAndMagpieMasters() throws Exception {
        try (RealBus bus = new RealBus()) {
            int r1 = bus.startRedis("--cluster-replica-validity-factor", "0");
            int r2 = bus.startRedis();
            RealBus.FakeNode f1 = bus.startFake(23);
            RealBus.FakeNode f2 = bus.startFake(24);
            f1.state.addSlotsRange(new int[] {0, 5000});
            f2.state.addSlotsRange(new int[] {5001, 10000});
            RealBus.redisCall(r2, "CLUSTER", "ADDSLOTSRANGE", "10001", "16383");
            form(bus, List.of(r1, r2), List.of(f1, f2));
            assertThat(RealBus.redisCall(r1, "CLUSTER", "REPLICATE", f1.state.myId())).hasToString("OK");
            String r1Id = RealBus.redisId(r1);
            bus.runUntil("r1 is f1's replica everywhere", () -> f2.state.lookupNode(r1Id).isSlave()
                && f1.state.lookupNode(r1Id).slaveof() == f1.state.myself(), 10_000);

            f1.kill();
            bus.runUntil("r1 took f1's slots, seen by r2 and f2", () ->
                line(r1, r1Id).contains("myself,master") && line(r2, r1Id).endsWith(" 0-5000")
                    && f2.state.slotOwner(0) == f2.state.lookupNode(r1Id), 20_000);

            assertThat(f2.state.lookupNode(f1.state.myId()).failed()).isTrue();
            assertThat(f2.state.lastVoteEpoch()).isEqualTo(f2.state.lookupNode(r1Id).configEpoch());
            bus.runUntil("f2 sees the cluster ok", f2.state::isOk, 10_000);
        }
    }
}
