package io.magpie.jepsen;

import static org.assertj.core.api.Assertions.assertThat;

import io.magpie.jepsen.LinearizabilityChecker.Result;
import io.magpie.jepsen.RaftSchedule.Fault;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The long run (-Psoak): many randomized schedules drawing from every fault, three faults
 * each, on one three-node group (a fresh group every ten schedules); and the crash of every
 * node of a group mid-load, after which every acknowledged write is there. Every schedule runs; the
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
        ScheduleSoak<RaftCluster> soak = ScheduleSoak.run("jepsen soak", schedules, base, 10, dir, d -> new RaftCluster(d, 3, args),
                (cluster, seed) -> RaftSchedule.run(cluster, seed, 3, List.of(Fault.values()), 5));
        assertThat(soak.bad).as(String.join("\n\n", soak.bad)).isEmpty();
    }

    @Test
    void allThreeNodesKilledMidLoadEveryAcknowledgedWritePresentAfterRestart() throws Exception {
        long seed = Long.getLong("jepsen.seed", System.nanoTime() & 0xffffffL);
        System.out.println("jepsen crash seed " + seed);
        try (RaftCluster group = new RaftCluster(dir.resolve("crash"), 3)) {
            for (int i = 0; i < 3; i++) crashAll(group, seed + i); // crash after crash: each restart recovers the last
        }
    }

    private static void crashAll(RaftCluster group, long seed) throws Exception {
        Workload workload = new Workload("crash" + seed + ":", 2, 2, 2);
        History h = new History();
        Recorder rec = new Recorder(h, workload, group.clientPorts(), 5, seed, 1500, 2);
        rec.start();
        long t0 = System.nanoTime();
        RecorderTest.awaitOps(h, History.Type.OK, 100);
        long t1 = System.nanoTime();
        group.crashAll();
        long t2 = System.nanoTime();
        group.awaitLeader(60_000);
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
