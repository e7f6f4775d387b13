package io.magpie.jepsen;

import static org.assertj.core.api.Assertions.assertThat;

import io.magpie.jepsen.RaftSchedule.Outcome;
import io.magpie.jepsen.ShardedRaftSchedule.MemberFault;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nodes joining and leaving a sharded Raft cluster under 20 clients, Jepsen style: a fourth node
 * joins (its replicas move onto it while a reshard moves slots), then a node drawn at random
 * drains, each with a fault in the middle (the moving node, the placement leader or a shard
 * leader killed with -9, or the placement leader partitioned). Each schedule's history is
 * linearizable per key and no acknowledged write is lost. The seed is random per run and printed
 * ({@code -Djepsen.seed=N} replays one); a failure is a bug, not a flake. Under -Psoak,
 * {@code jepsen.schedules} schedules (10) of two rounds each, on a fresh cluster every five.
 *
 * <p>Both run only under -Psoak for now: the schedules still find liveness bugs, drains that
 * never end after a node is killed while a group moves back onto it (2 of the first 3 soak
 * schedules from seed 16457279; no history so far was non-linearizable or lost a write). Seed
 * 12739257 found the two fixed so far (left-over replicas, a removal on the keyspace thread).
 */
@Tag("soak")
class ShardedRaftMembershipScheduleTest {
    @TempDir Path dir;
    static final long BASE_SEED = Long.getLong("jepsen.seed", System.nanoTime() & 0xffffffL);

    @Test
    void aNodeJoinsAndOneDrainsWithAFaultEachHistoryLinearizableNoAcknowledgedWriteLost() throws Exception {
        System.out.println("jepsen membership seed " + BASE_SEED);
        try (ShardedRaftCluster cluster = new ShardedRaftCluster(dir, 3, 3)) {
            Outcome o;
            try {
                o = ShardedRaftSchedule.runMembership(cluster, BASE_SEED, 1, ShardedRaftScheduleTest.UP_AND_DOWN, List.of(MemberFault.values()), 20);
            } catch (RuntimeException e) {
                throw new AssertionError("schedule " + BASE_SEED + " did not finish; " + cluster.keepLogs(Path.of("target", "jepsen-failures", "membership-" + BASE_SEED)), e);
            }
            System.out.println(o.report());
            if (!o.ok()) System.out.println(cluster.keepLogs(Path.of("target", "jepsen-failures", "membership-" + BASE_SEED)));
            assertThat(o.ok()).as(o.report() + "\n" + cluster.logTails()).isTrue();
        }
    }

    @Test
    void soakManyJoinAndDrainSchedulesWithFaults() throws Exception {
        int schedules = Integer.getInteger("jepsen.schedules", 10);
        System.out.println("jepsen membership soak: " + schedules + " schedules from seed " + BASE_SEED);
        ScheduleSoak<ShardedRaftCluster> soak = ScheduleSoak.run("jepsen membership soak", schedules, BASE_SEED, 5, dir,
                d -> new ShardedRaftCluster(d, 3, 3),
                (cluster, seed) -> ShardedRaftSchedule.runMembership(cluster, seed, 2, ShardedRaftScheduleTest.UP_AND_DOWN, List.of(MemberFault.values()), 20));
        assertThat(soak.bad).as(String.join("\n\n", soak.bad)).isEmpty();
    }
}
