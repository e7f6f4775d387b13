package io.magpie.jepsen;

import static org.assertj.core.api.Assertions.assertThat;

import io.magpie.jepsen.RaftSchedule.Fault;
import io.magpie.jepsen.RaftSchedule.Outcome;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The long run (-Psoak): many randomized schedules drawing from every fault, three faults
 * each, on one three-node group (a fresh group every ten schedules). Every schedule runs; the
 * test then fails if any was not linearizable, lost an acknowledged write, or could not
 * finish, and lists their seeds ({@code -Djepsen.schedules=N}, {@code -Djepsen.seed=S}).
 */
@Tag("soak")
class RaftScheduleSoakTest {
    @TempDir Path dir;

    @Test
    void manyRandomFaultSchedulesEveryHistoryLinearizableNoAcknowledgedWriteLost() throws Exception {
        int schedules = Integer.getInteger("jepsen.schedules", 50);
        long base = Long.getLong("jepsen.seed", System.nanoTime() & 0xffffffL);
        // -Djepsen.raft.args="--raft-follower-proxy yes": the group's nodes get these arguments too.
        String extra = System.getProperty("jepsen.raft.args", "").trim();
        String[] args = extra.isEmpty() ? new String[0] : extra.split("\\s+");
        System.out.println("jepsen soak: " + schedules + " schedules from seed " + base + (extra.isEmpty() ? "" : " with " + extra));
        List<String> bad = new ArrayList<>();
        long ops = 0;
        int run = 0;
        RaftCluster cluster = null;
        try {
            for (int i = 0; i < schedules; i++) {
                if (i % 10 == 0) {
                    if (cluster != null) cluster.close();
                    cluster = new RaftCluster(dir.resolve("group" + i), 3, args);
                }
                long seed = base + i;
                try {
                    Outcome o = RaftSchedule.run(cluster, seed, 3, List.of(Fault.values()), 5);
                    System.out.println(o.report());
                    ops += o.ops();
                    if (!o.ok()) bad.add(o.report() + "\n" + cluster.logTails());
                } catch (RuntimeException e) {
                    bad.add("schedule seed " + seed + " did not finish: " + e);
                    System.out.println("schedule seed " + seed + " did not finish: " + e);
                    cluster.close();
                    cluster = new RaftCluster(dir.resolve("group" + i + "b"), 3, args);
                }
                run++;
            }
        } finally {
            if (cluster != null) cluster.close();
        }
        System.out.println("jepsen soak: " + run + " schedules, " + ops + " operations, " + bad.size() + " anomalies or failures");
        assertThat(bad).as(String.join("\n\n", bad)).isEmpty();
    }
}
