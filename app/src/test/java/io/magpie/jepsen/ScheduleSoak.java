package io.magpie.jepsen;

import io.magpie.jepsen.RaftSchedule.Outcome;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The loop of a soak test: schedules with seeds base, base+1, ... on a fresh cluster every
 * {@code perCluster} schedules (and after one that could not finish); every schedule runs and
 * the anomalies are collected, each with its seed and the nodes' log tails, for the test to
 * assert on at the end. Surefire keeps a test's output until it ends; {@code -Djepsen.log=FILE}
 * has each schedule's report appended there as it comes, to follow a long run.
 */
final class ScheduleSoak<C extends RaftCluster> {
    /** Where a failed schedule's node logs are copied (the build directory, kept after the run). */
    static final Path FAILED_LOGS = Path.of("target", "jepsen-failures");

    /** One schedule on the cluster. */
    interface Schedule<C> {
        Outcome run(C cluster, long seed) throws InterruptedException;
    }

    final List<String> bad = new ArrayList<>();
    long ops;
    int run;

    /** Runs the schedules; {@code start} makes a cluster in the directory it is given. */
    static <C extends RaftCluster> ScheduleSoak<C> run(String name, int schedules, long base, int perCluster, Path dir, Function<Path, C> start,
            Schedule<C> schedule) throws InterruptedException {
        ScheduleSoak<C> soak = new ScheduleSoak<>();
        C cluster = null;
        try {
            for (int i = 0; i < schedules; i++) {
                if (i % perCluster == 0) {
                    if (cluster != null) cluster.close();
                    cluster = start.apply(dir.resolve("cluster" + i));
                }
                long seed = base + i;
                try {
                    Outcome o = schedule.run(cluster, seed);
                    progress(o.report());
                    soak.ops += o.ops();
                    if (!o.ok()) {
                        String kept = cluster.keepLogs(FAILED_LOGS.resolve(name.replace(' ', '-') + "-" + seed));
                        progress(kept);
                        soak.bad.add(o.report() + "\n" + kept + "\n" + cluster.logTails());
                    }
                } catch (RuntimeException e) {
                    String kept = cluster.keepLogs(FAILED_LOGS.resolve(name.replace(' ', '-') + "-" + seed));
                    soak.bad.add("schedule seed " + seed + " did not finish: " + e + "\n" + kept);
                    progress("schedule seed " + seed + " did not finish: " + e + "; " + kept);
                    cluster.close();
                    cluster = start.apply(dir.resolve("cluster" + i + "b"));
                }
                soak.run++;
            }
        } finally {
            if (cluster != null) cluster.close();
        }
        progress(name + ": " + soak.run + " schedules, " + soak.ops + " operations, " + soak.bad.size() + " anomalies or failures");
        return soak;
    }

    private static void progress(String line) {
        System.out.println(line);
        String log = System.getProperty("jepsen.log");
        if (log == null) return;
        try {
            java.nio.file.Files.writeString(Path.of(log), line + "\n", java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        } catch (java.io.IOException e) {
            System.out.println("jepsen.log " + log + ": " + e);
        }
    }
}
