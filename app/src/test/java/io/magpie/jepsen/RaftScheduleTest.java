package io.magpie.jepsen;

import static org.assertj.core.api.Assertions.assertThat;

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
 * linearizable and no acknowledged write is lost. The default run keeps to two short schedules;
 * kill -9 and restart, membership changes and the crash of every node run in
 * {@link RaftScheduleSoakTest}. The seed is random per run and printed
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
    void leaderStoppedAndContinuedHistoryLinearizableNoAcknowledgedWriteLost() throws Exception {
        check(RaftSchedule.run(cluster, BASE_SEED + 3, 2, List.of(Fault.PAUSE_LEADER, Fault.DELAY), 5));
    }
}
