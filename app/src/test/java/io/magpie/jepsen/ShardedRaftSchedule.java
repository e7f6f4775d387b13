package io.magpie.jepsen;

import io.magpie.jepsen.RaftSchedule.Outcome;
import java.util.List;
import java.util.Random;
import java.util.function.IntBinaryOperator;

/**
 * One randomized schedule of slot moves with faults against a {@link ShardedRaftCluster}: the
 * clients work on keys spread over the slots (each sent where MOVED last said its slot is)
 * while the schedule reshards ({@code RAFT SHARDS n}) again and again and, as soon as each
 * reshard is in the map, while its moves run, injects one fault; it then waits for the moves
 * to finish with every node back before the next. The frame (final reads, linearizability per
 * key, no acknowledged write lost) is {@link RaftSchedule#record}'s.
 */
public final class ShardedRaftSchedule {
    /** The faults injected mid-move. */
    public enum Fault {
        /** kill -9 of the node leading a move's source group (it drives the move), restarted after the fault's time. */
        KILL_SOURCE_LEADER,
        /** kill -9 of the node leading a move's target group (it takes the copied keys), restarted after the fault's time. */
        KILL_TARGET_LEADER,
        /** The placement group's leader cut off from the other nodes, both ways (its data groups with it), healed after the fault's time. */
        PARTITION_PLACEMENT_LEADER
    }

    private ShardedRaftSchedule() {}

    /**
     * Runs {@code moves} reshards, each to the shard count {@code nextShards} gives for the
     * current one (and a random int), with a fault from {@code allowed} injected 0 to 150 ms
     * after the reshard is in the map and held 0.5 to 1.5 s, under {@code clients} clients on
     * this schedule's own keys (4 registers, 4 counters and 4 lists, whose slots are all over
     * the table).
     */
    public static Outcome run(ShardedRaftCluster cluster, long seed, int moves, IntBinaryOperator nextShards, List<Fault> allowed, int clients)
            throws InterruptedException {
        Workload workload = new Workload("m" + Long.toHexString(seed) + ":", 4, 4, 4);
        return RaftSchedule.record(cluster, seed, workload, clients, 10, true, (rnd, done) -> {
            for (int i = 0; i < moves; i++) {
                int now = cluster.shards();
                int n = nextShards.applyAsInt(now, rnd.nextInt(1 << 16));
                done.add(now + "→" + n + " shards, " + reshardWithFault(cluster, now, n, allowed.get(rnd.nextInt(allowed.size())), rnd));
                cluster.recover(); // the moves finish with every node back
            }
        });
    }

    /**
     * RAFT SHARDS n with the fault: the victim is chosen before, where it can be (the leader of
     * a source group, or of an existing target; a new group's leader is awaited after), so that
     * the fault lands before the moves are done; returns what it did and how many moves the
     * placement leader still had pending once the fault was in place.
     */
    private static String reshardWithFault(ShardedRaftCluster cluster, int now, int n, Fault f, Random rnd) throws InterruptedException {
        long delay = rnd.nextInt(150), hold = 500 + rnd.nextInt(1000);
        // Rebalancing moves the slots of every old group to the new ones when growing, those of the removed groups when shrinking.
        int source = n > now ? rnd.nextInt(now) : n + rnd.nextInt(now - n);
        int target = n > now ? now + rnd.nextInt(n - now) : rnd.nextInt(n);
        String victim = switch (f) {
            case KILL_SOURCE_LEADER -> cluster.awaitShardLeader(source, 120_000);
            case KILL_TARGET_LEADER -> n > now ? null : cluster.awaitShardLeader(target, 120_000);
            case PARTITION_PLACEMENT_LEADER -> cluster.awaitLeader(120_000);
        };
        String reply = cluster.reshard(n);
        if (!"OK".equals(reply)) throw new IllegalStateException("RAFT SHARDS " + n + " answered " + reply);
        if (victim == null) victim = cluster.awaitShardLeader(target, 120_000);
        Thread.sleep(delay);
        String what;
        if (f == Fault.PARTITION_PLACEMENT_LEADER) {
            cluster.network().isolate(victim);
            what = "isolate " + victim + " (placement leader)";
        } else {
            cluster.kill9(victim);
            what = "kill -9 " + victim + " (leader of " + (f == Fault.KILL_SOURCE_LEADER ? "source shard " + source : "target shard " + target) + ")";
        }
        int pending = cluster.pendingMoves().size();
        Thread.sleep(hold);
        if (f == Fault.PARTITION_PLACEMENT_LEADER) cluster.network().heal();
        else cluster.restart(victim);
        return what + " " + delay + "ms after the reshard for " + hold + "ms, " + pending + " moves pending then";
    }
}
