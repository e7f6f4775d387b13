package io.magpie.jepsen;

import io.magpie.jepsen.LinearizabilityChecker.Result;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * One randomized fault schedule against a {@link RaftCluster}: concurrent clients on several
 * keys while faults come and go, then every fault healed, the final reads, and the checks
 * (linearizable; no acknowledged write lost). Everything random comes from the seed, which
 * the outcome prints for a replay (timing on a loaded machine still varies).
 */
public final class RaftSchedule {
    /** The faults a schedule draws from. */
    public enum Fault {
        /** The leader cut off from both followers, both ways. */
        PARTITION_LEADER,
        /** The leader's bytes no longer reach one follower, or that follower's the leader. */
        ONE_WAY,
        /** kill -9 of the leader or a follower, restarted after the fault's time. */
        KILL,
        /** SIGSTOP of the leader, SIGCONT after the fault's time. */
        PAUSE_LEADER,
        /** Every link slow (50 to 200 ms each way). */
        DELAY,
        /** A fourth node added (RAFT ADDNODE) under load, then removed again. */
        MEMBERSHIP
    }

    public record Outcome(long seed, List<String> faults, String summary, long ops, Result result, List<String> lost) {
        public boolean ok() {
            return result.linearizable() && lost.isEmpty();
        }

        public String report() {
            return "schedule seed " + seed + " faults " + faults + "\n  " + summary + "\n  " + result.report().replace("\n", "\n  ")
                    + (lost.isEmpty() ? "" : "\n  LOST ACKNOWLEDGED WRITES: " + lost);
        }
    }

    private RaftSchedule() {}

    /**
     * Runs {@code faults} faults drawn from {@code allowed}, each held 0.5 to 1.5 s with 0.3 to
     * 0.8 s of health between them, under {@code clients} clients on a workload whose keys are
     * this schedule's own.
     */
    public static Outcome run(RaftCluster cluster, long seed, int faults, List<Fault> allowed, int clients) throws InterruptedException {
        Workload workload = new Workload("s" + Long.toHexString(seed) + ":", 2, 2, 2);
        return record(cluster, seed, workload, clients, 2, false, (rnd, done) -> {
            for (int i = 0; i < faults; i++) {
                Fault f = allowed.get(rnd.nextInt(allowed.size()));
                done.add(inject(cluster, f, rnd));
                Thread.sleep(300 + rnd.nextInt(500));
            }
        });
    }

    /** What a schedule does to the cluster while the clients run; it adds a line per fault to {@code done}. */
    public interface Faults {
        void inject(Random rnd, List<String> done) throws InterruptedException;
    }

    /**
     * The frame of every schedule: {@code clients} clients (each pausing {@code pauseMillis}
     * between operations; {@link Recorder#routeByKey} if asked) on the workload while {@code faults} run, then every fault healed
     * ({@link RaftCluster#recover}), a little load on the healed cluster, the final reads and
     * the checks. The faults draw from the seed's random.
     */
    public static Outcome record(RaftCluster cluster, long seed, Workload workload, int clients, int pauseMillis, boolean routeByKey,
            Faults faults)
            throws InterruptedException {
        Random rnd = new Random(seed);
        History history = new History();
        Recorder rec = new Recorder(history, workload, cluster.clientPorts(), clients, seed, 1500, pauseMillis);
        if (routeByKey) rec.routeByKey();
        List<String> done = new ArrayList<>();
        rec.start();
        try {
            try {
                Thread.sleep(300);
                faults.inject(rnd, done);
            } finally {
                cluster.recover();
            }
            Thread.sleep(300); // a little load on the healed group
        } finally {
            rec.stop();
        }
        rec.finalReads(60_000);
        Result result = workload.checker().check(history);
        List<String> lost = AcknowledgedWrites.lost(history.ops(), workload);
        return new Outcome(seed, done, history.summary(), rec.invoked(), result, lost);
    }

    /** Applies a fault, holds it, undoes it; returns what it did. */
    private static String inject(RaftCluster cluster, Fault f, Random rnd) throws InterruptedException {
        long hold = 500 + rnd.nextInt(1000);
        String leader = cluster.awaitLeader(60_000);
        List<String> followers = new ArrayList<>(cluster.ids());
        followers.remove(leader);
        String follower = followers.get(rnd.nextInt(followers.size()));
        switch (f) {
            case PARTITION_LEADER -> {
                cluster.network().isolate(leader);
                Thread.sleep(hold);
                cluster.network().heal();
                return "isolate " + leader + " " + hold + "ms";
            }
            case ONE_WAY -> {
                boolean fromLeader = rnd.nextBoolean();
                String from = fromLeader ? leader : follower;
                String to = fromLeader ? follower : leader;
                cluster.network().oneWay(from, to);
                Thread.sleep(hold);
                cluster.network().heal();
                return from + "↛" + to + " " + hold + "ms";
            }
            case KILL -> {
                String victim = rnd.nextBoolean() ? leader : follower;
                cluster.kill9(victim);
                Thread.sleep(hold);
                cluster.restart(victim);
                return "kill -9 " + victim + (victim.equals(leader) ? " (leader)" : "") + " " + hold + "ms";
            }
            case PAUSE_LEADER -> {
                cluster.pause(leader);
                Thread.sleep(hold);
                cluster.resume(leader);
                return "SIGSTOP " + leader + " " + hold + "ms";
            }
            case DELAY -> {
                long ms = 50 + rnd.nextInt(150);
                cluster.network().delayAll(ms);
                Thread.sleep(hold);
                cluster.network().heal();
                return "delay " + ms + "ms for " + hold + "ms";
            }
            case MEMBERSHIP -> {
                String id = "n" + (cluster.ids().size() + 1 + rnd.nextInt(1000));
                Object added = cluster.addNode(id);
                Thread.sleep(hold);
                Object removed = cluster.removeNode(id);
                cluster.retire(id);
                return "add " + id + " (" + added + ") then remove (" + removed + ")";
            }
            default -> throw new IllegalStateException();
        }
    }
}
