package io.magpie.cluster.state;

import static org.assertj.core.api.Assertions.assertThat;

import io.magpie.cluster.RealBus;
import io.magpie.protocol.RespClient;
import java.util.Arrays;
import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * CLUSTER subcommands on a lone node, side by side with a fresh redis-server 7.0 cluster node:
 * the same errors, word for word, and the same NODES and INFO text.
 */
class ClusterCommandsDifferentialTest {
    private static RealBus bus;
    private static int redis;
    private ClusterState state;
    private long clock;

    @BeforeAll
    static void startRedis() throws Exception {
        bus = new RealBus();
        redis = bus.startRedis("--enable-debug-command", "yes");
        // A master recomputes its state only 2 s after its first try (CLUSTER_WRITABLE_DELAY), its
        // size starting at 1: wait for that, once, so that redis-server's INFO is current from then on.
        long deadline = System.currentTimeMillis() + 20_000;
        while (!String.valueOf(RealBus.redisCall(redis, "CLUSTER", "INFO")).contains("cluster_size:0\r\n")) {
            if (System.currentTimeMillis() > deadline) throw new AssertionError("redis-server never updated its state");
            Thread.sleep(50);
        }
    }

    @AfterAll
    static void stop() throws Exception {
        bus.close();
    }

    @BeforeEach
    void fresh() {
        RealBus.redisCall(redis, "CLUSTER", "RESET", "HARD");
        ClusterConfig config = ClusterConfig.forPort(redis);
        clock = 1000;
        state = ClusterState.create(config, new Random(42), clock);
        // Past the writable delay, as the redis-server node is.
        cron();
        clock += 3000;
        cron();
    }

    /** What clusterCron and beforeSleep do between two commands. */
    private void cron() {
        state.tick(clock += 100);
        state.ready();
    }

    /** Runs the command on redis-server and the operation on our state; both must fail alike or succeed. */
    private void same(Consumer<ClusterState> op, String... redisArgs) {
        Object expected = RealBus.redisCall(redis, redisArgs);
        String ours;
        try {
            op.accept(state);
            state.ready();
            cron();
            ours = "OK";
        } catch (ClusterException e) {
            ours = "(error) " + e.getMessage();
        }
        assertThat(ours).as(String.join(" ", redisArgs)).isEqualTo(String.valueOf(expected));
    }

    private static int[] slots(String... args) {
        return Arrays.stream(args).mapToInt(ClusterState::parseSlot).toArray();
    }

    @Test
    void addSlotsAndDelSlotsErrors() {
        same(s -> s.addSlots(slots("1", "2", "1")), "CLUSTER", "ADDSLOTS", "1", "2", "1");
        same(s -> s.addSlots(slots("5")), "CLUSTER", "ADDSLOTS", "5");
        same(s -> s.addSlots(slots("5")), "CLUSTER", "ADDSLOTS", "5");
        same(s -> s.delSlots(slots("6")), "CLUSTER", "DELSLOTS", "6");
        same(s -> s.delSlots(slots("5")), "CLUSTER", "DELSLOTS", "5");
        same(s -> s.addSlots(slots("16384")), "CLUSTER", "ADDSLOTS", "16384");
        same(s -> s.addSlots(slots("-1")), "CLUSTER", "ADDSLOTS", "-1");
        same(s -> s.addSlots(slots("abc")), "CLUSTER", "ADDSLOTS", "abc");
        same(s -> s.addSlotsRange(slots("10", "5")), "CLUSTER", "ADDSLOTSRANGE", "10", "5");
        same(s -> s.addSlotsRange(slots("10", "20", "15", "30")), "CLUSTER", "ADDSLOTSRANGE", "10", "20", "15", "30");
        same(s -> s.addSlotsRange(slots("10", "20", "30", "40")), "CLUSTER", "ADDSLOTSRANGE", "10", "20", "30", "40");
        same(s -> s.delSlotsRange(slots("10", "35")), "CLUSTER", "DELSLOTSRANGE", "10", "35");
        same(s -> s.delSlotsRange(slots("10", "20")), "CLUSTER", "DELSLOTSRANGE", "10", "20");
        assertNodesLikeRedis();
    }

    @Test
    void setSlotErrors() {
        String unknown = "0123456789012345678901234567890123456789";
        same(s -> s.setSlotMigrating(100, unknown), "CLUSTER", "SETSLOT", "100", "MIGRATING", unknown);
        same(s -> s.addSlots(slots("100")), "CLUSTER", "ADDSLOTS", "100");
        same(s -> s.setSlotMigrating(100, unknown), "CLUSTER", "SETSLOT", "100", "MIGRATING", unknown);
        same(s -> s.setSlotMigrating(100, "nope"), "CLUSTER", "SETSLOT", "100", "MIGRATING", "nope");
        same(s -> s.setSlotImporting(100, unknown), "CLUSTER", "SETSLOT", "100", "IMPORTING", unknown);
        same(s -> s.setSlotImporting(101, unknown), "CLUSTER", "SETSLOT", "101", "IMPORTING", unknown);
        same(s -> s.setSlotNode(101, unknown, 0), "CLUSTER", "SETSLOT", "101", "NODE", unknown);
        same(s -> s.setSlotStable(100), "CLUSTER", "SETSLOT", "100", "STABLE");
    }

    @Test
    void nodeErrorsForgetReplicateFailoverCountReports() {
        String unknown = "abcdefabcdefabcdefabcdefabcdefabcdefabcd";
        String redisId = RealBus.redisId(redis);
        same(s -> s.forget(unknown, 2000), "CLUSTER", "FORGET", unknown);
        same(s -> s.forget(s.myId(), 2000), "CLUSTER", "FORGET", redisId);
        same(s -> s.replicate(unknown, true), "CLUSTER", "REPLICATE", unknown);
        same(s -> s.replicate(s.myId(), true), "CLUSTER", "REPLICATE", redisId);
        same(s -> s.failover(FailoverMode.DEFAULT, 2000), "CLUSTER", "FAILOVER");
        same(s -> s.failover(FailoverMode.TAKEOVER, 2000), "CLUSTER", "FAILOVER", "TAKEOVER");
        same(s -> s.countFailureReports(unknown, 2000), "CLUSTER", "COUNT-FAILURE-REPORTS", unknown);
        same(s -> s.replicas(unknown, false), "CLUSTER", "REPLICAS", unknown);
    }

    @Test
    void configEpochsBumpAndSet() {
        assertThat(state.bumpEpoch()).isEqualTo(String.valueOf(RealBus.redisCall(redis, "CLUSTER", "BUMPEPOCH")));
        assertThat(state.bumpEpoch()).isEqualTo(String.valueOf(RealBus.redisCall(redis, "CLUSTER", "BUMPEPOCH")));
        same(s -> s.setConfigEpoch(5), "CLUSTER", "SET-CONFIG-EPOCH", "5");
        RealBus.redisCall(redis, "CLUSTER", "RESET", "HARD");
        state.reset(true, true, clock);
        state.ready();
        cron();
        same(s -> s.setConfigEpoch(-1), "CLUSTER", "SET-CONFIG-EPOCH", "-1");
        same(s -> s.setConfigEpoch(7), "CLUSTER", "SET-CONFIG-EPOCH", "7");
        assertInfoLikeRedis();
    }

    @Test
    void freshNodeInfoAndNodesAreRedisOnes() {
        assertInfoLikeRedis();
        assertNodesLikeRedis();
        same(s -> s.addSlotsRange(slots("0", "99", "200", "200", "16383", "16383")),
            "CLUSTER", "ADDSLOTSRANGE", "0", "99", "200", "200", "16383", "16383");
        assertNodesLikeRedis();
        assertInfoLikeRedis();
    }

    @Test
    void resetOfAMasterWithKeysIsRefused() {
        try (RespClient c = new RespClient(redis)) {
            // DEBUG POPULATE writes without the cluster's routing checks.
            assertThat(c.value("DEBUG", "POPULATE", "1")).hasToString("OK");
            String expected = String.valueOf(c.value("CLUSTER", "RESET"));
            c.call("FLUSHALL");
            assertThat(expected).isEqualTo("(error) ERR CLUSTER RESET can't be called with master nodes containing keys");
        }
        try {
            state.reset(false, false, 2000);
            throw new AssertionError("expected a refusal");
        } catch (ClusterException e) {
            assertThat(e.getMessage()).isEqualTo("ERR CLUSTER RESET can't be called with master nodes containing keys");
        }
    }

    private void assertInfoLikeRedis() {
        // The redis node sent no bus message either: it knows nobody.
        assertThat(state.clusterInfo()).isEqualTo(String.valueOf(RealBus.redisCall(redis, "CLUSTER", "INFO")));
    }

    private void assertNodesLikeRedis() {
        String theirs = String.valueOf(RealBus.redisCall(redis, "CLUSTER", "NODES"));
        String redisId = RealBus.redisId(redis);
        assertThat(state.clusterNodes().replace(state.myId(), redisId)).isEqualTo(theirs);
        assertThat(state.nodesConf().replace(state.myId(), redisId)).startsWith(theirs).contains("\nvars currentEpoch ");
    }
}
