package io.magpie.jepsen;

import static org.assertj.core.api.Assertions.assertThat;

import io.magpie.jepsen.LinearizabilityChecker.Result;
import io.magpie.jepsen.RaftSchedule.Fault;
import io.magpie.jepsen.RaftSchedule.Outcome;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A three-node Raft group under the fault schedules, Jepsen style: each schedule's history is
 * linearizable and no acknowledged write is lost. The seed is random per run and printed
 * ({@code -Djepsen.seed=N} replays one); a failure is a bug in the group, not a flake.
 */
class RaftScheduleTest {
    @TempDir static Path dir;
    static RaftCluster cluster;
    static final long BASE_SEED = Long.getLong("jepsen.seed", System.nanoTime() & 0xffffffL);

    @BeforeAll
    static void startGroup() {
        System.out.println("jepsen base seed " + BASE_SEED);
        cluster = new RaftCluster(dir, 3);
    }

    @AfterAll
    static void stopGroup() {
        if (cluster != null) cluster.close();
    }

    static void check(Outcome o) {
        System.out.println(o.report());
        assertThat(o.ok()).as(o.report() + "\n" + cluster.logTails()).isTrue();
    }

    @Test
    void leaderPartitionedOneWayOrBothWaysHistoryLinearizableNoAcknowledgedWriteLost() throws Exception {
        check(RaftSchedule.run(cluster, BASE_SEED + 1, 2, List.of(Fault.PARTITION_LEADER, Fault.ONE_WAY), 5));
    }

    @Test
    void leaderOrFollowerKilledAndRestartedHistoryLinearizableNoAcknowledgedWriteLost() throws Exception {
        check(RaftSchedule.run(cluster, BASE_SEED + 2, 1, List.of(Fault.KILL), 5));
    }

    @Test
    void leaderStoppedAndContinuedHistoryLinearizableNoAcknowledgedWriteLost() throws Exception {
        check(RaftSchedule.run(cluster, BASE_SEED + 3, 2, List.of(Fault.PAUSE_LEADER, Fault.DELAY), 5));
    }

    @Test
    void allThreeNodesKilledMidLoadEveryAcknowledgedWritePresentAfterRestart() throws Exception {
        Workload workload = new Workload("crash" + BASE_SEED + ":", 2, 2, 2);
        History h = new History();
        Recorder rec = new Recorder(h, workload, cluster.clientPorts(), 5, BASE_SEED, 1500, 2);
        rec.start();
        long t0 = System.nanoTime();
        RecorderTest.awaitOps(h, History.Type.OK, 100);
        long t1 = System.nanoTime();
        cluster.crashAll();
        long t2 = System.nanoTime();
        cluster.awaitLeader(60_000);
        long t3 = System.nanoTime();
        long okBefore = RecorderTest.count(h, History.Type.OK);
        RecorderTest.awaitOps(h, History.Type.OK, (int) okBefore + 50);
        long t4 = System.nanoTime();
        rec.stop();
        rec.finalReads(60_000);
        long t5 = System.nanoTime();
        System.out.printf("crash phases ms: load %d, crash+restart %d, leader %d, load %d, final %d%n", (t1 - t0) / 1000000, (t2 - t1) / 1000000,
                (t3 - t2) / 1000000, (t4 - t3) / 1000000, (t5 - t4) / 1000000);
        Result r = workload.checker().check(h);
        List<String> lost = AcknowledgedWrites.lost(h.ops(), workload);
        System.out.println("crash of all nodes: " + h.summary() + " " + r.verdict() + " lost " + lost);
        assertThat(lost).as(h.summary()).isEmpty();
        assertThat(r.verdict()).as(r.report()).isEqualTo(LinearizabilityChecker.Verdict.LINEARIZABLE);
    }
}
