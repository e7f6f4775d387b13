package io.magpie.jepsen;

import static org.assertj.core.api.Assertions.assertThat;

import io.magpie.jepsen.ShardedRaftSchedule.Fault;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The long run of slot moves with faults (-Psoak): many randomized schedules, three reshards
 * each (to more shards and to fewer by turns, between 2 and 5) with a fault drawn from every {@link Fault} in the middle of its moves, under 20 clients,
 * on a three-node cluster of 3 shards (a fresh one every five schedules). Every schedule runs; the test then fails if any was not linearizable, lost an
 * acknowledged write, or could not finish, and lists their seeds
 * ({@code -Djepsen.schedules=N}, {@code -Djepsen.seed=S}).
 */
@Tag("soak")
class ShardedRaftScheduleSoakTest {
    @TempDir Path dir;

    @Test
    void manyMoveSchedulesWithLeadersKilledAndThePlacementLeaderPartitionedEveryHistoryLinearizableNoAcknowledgedWriteLost() throws Exception {
        int schedules = Integer.getInteger("jepsen.schedules", 30);
        long base = Long.getLong("jepsen.seed", System.nanoTime() & 0xffffffL);
        System.out.println("jepsen sharded soak: " + schedules + " schedules from seed " + base);
        ScheduleSoak<ShardedRaftCluster> soak = ScheduleSoak.run("jepsen sharded soak", schedules, base, 5, dir, d -> new ShardedRaftCluster(d, 3, 3),
                (cluster, seed) -> ShardedRaftSchedule.run(cluster, seed, 3, ShardedRaftScheduleTest.UP_AND_DOWN, List.of(Fault.values()), 20));
        assertThat(soak.bad).as(String.join("\n\n", soak.bad)).isEmpty();
    }
}
