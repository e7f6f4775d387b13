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

    /** The faults injected while a node joins (its replicas moving onto it, slots moving too) or drains. */
    public enum MemberFault {
        /** kill -9 of the node joining or leaving, restarted after the fault's time. */
        KILL_MOVING_NODE,
        /** kill -9 of the placement group's leader (it drives the replica moves), restarted after the fault's time. */
        KILL_PLACEMENT_LEADER,
        /** kill -9 of a data group's leader, restarted after the fault's time. */
        KILL_SHARD_LEADER,
        /**
         * The placement group's leader cut off from the others, both ways, healed after the
         * fault's time. (The joined node's own links have no fault proxy: they stay up.)
         */
        PARTITION_PLACEMENT_LEADER
    }

    private ShardedRaftSchedule() {}

    /**
     * Runs {@code rounds} membership changes under {@code clients} clients: in each, a new node
     * joins (raft-join) and, while replicas move onto it, a reshard to the count
     * {@code nextShards} gives moves slots between groups; a fault from {@code allowed} is
     * injected 0 to 2 s after the join and held 0.5 to 1.5 s. Once the map names the newcomer
     * with no replica move pending, a node drawn at random (the newcomer, or one of the first)
     * is drained (RAFT REMOVENODE) with another fault, and retired once the map has let it go.
     */
    public static Outcome runMembership(ShardedRaftCluster cluster, long seed, int rounds, IntBinaryOperator nextShards, List<MemberFault> allowed,
            int clients) throws InterruptedException {
        Workload workload = new Workload("j" + Long.toHexString(seed) + ":", 4, 4, 4);
        return RaftSchedule.record(cluster, seed, workload, clients, 10, true, (rnd, done) -> {
            for (int round = 0; round < rounds; round++) {
                List<String> before = cluster.ids();
                String joiner = "j" + Long.toString(seed, 36) + "r" + round;
                String via = before.get(rnd.nextInt(before.size()));
                cluster.join(joiner, via);
                int now = cluster.shards();
                int n = nextShards.applyAsInt(now, rnd.nextInt(1 << 16));
                String reshard = cluster.reshard(n);
                String fault = memberFault(cluster, allowed.get(rnd.nextInt(allowed.size())), joiner, rnd.nextInt(2000), rnd);
                done.add(joiner + " joins via " + via + ", RAFT SHARDS " + n + " (" + reshard + "), " + fault);
                System.out.println("membership schedule " + seed + ": " + done.get(done.size() - 1));
                cluster.recover();
                cluster.awaitMembers(new java.util.HashSet<>(cluster.ids()), null, 180_000);

                List<String> members = cluster.ids();
                String leaving = members.get(rnd.nextInt(members.size()));
                String drained = cluster.drain(leaving);
                if (!"OK".equals(drained)) throw new IllegalStateException("RAFT REMOVENODE " + leaving + " answered " + drained);
                fault = memberFault(cluster, allowed.get(rnd.nextInt(allowed.size())), leaving, rnd.nextInt(500), rnd);
                done.add(leaving + " drains, " + fault);
                System.out.println("membership schedule " + seed + ": " + done.get(done.size() - 1));
                java.util.Set<String> left = new java.util.HashSet<>(members);
                left.remove(leaving);
                cluster.network().heal();
                for (String id : members) if (!cluster.node(id).isAlive()) cluster.restart(id);
                cluster.awaitMembers(left, leaving, 180_000);
                cluster.retire(leaving);
                cluster.recover();
            }
        });
    }

    /** Injects f (delay ms from now), holds it 0.5 to 1.5 s, undoes it; returns what it did. */
    private static String memberFault(ShardedRaftCluster cluster, MemberFault f, String moving, long delay, Random rnd) throws InterruptedException {
        long hold = 500 + rnd.nextInt(1000);
        Thread.sleep(delay);
        String victim = switch (f) {
            case KILL_MOVING_NODE -> moving;
            case KILL_PLACEMENT_LEADER, PARTITION_PLACEMENT_LEADER -> cluster.awaitLeader(120_000);
            case KILL_SHARD_LEADER -> cluster.awaitShardLeader(rnd.nextInt(cluster.shards()), 120_000);
        };
        boolean partition = f == MemberFault.PARTITION_PLACEMENT_LEADER;
        String what = strike(cluster, partition, victim, switch (f) {
            case KILL_MOVING_NODE -> "moving";
            case KILL_SHARD_LEADER -> "a shard leader";
            default -> "placement leader";
        });
        Thread.sleep(hold);
        undo(cluster, partition, victim);
        return what + " " + delay + "ms in, for " + hold + "ms";
    }

    /** Cuts victim off from the others both ways (partition), or kills it with -9; returns what it did. */
    private static String strike(ShardedRaftCluster cluster, boolean partition, String victim, String role) {
        if (partition) cluster.network().isolate(victim);
        else cluster.kill9(victim);
        return (partition ? "isolate " : "kill -9 ") + victim + " (" + role + ")";
    }

    /** Heals the partition, or restarts the killed victim. */
    private static void undo(ShardedRaftCluster cluster, boolean partition, String victim) {
        if (partition) cluster.network().heal();
        else cluster.restart(victim);
    }

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
        boolean partition = f == Fault.PARTITION_PLACEMENT_LEADER;
        String what = strike(cluster, partition, victim, partition ? "placement leader"
                : "leader of " + (f == Fault.KILL_SOURCE_LEADER ? "source shard " + source : "target shard " + target));
        int pending = cluster.pendingMoves().size();
        Thread.sleep(hold);
        undo(cluster, partition, victim);
        return what + " " + delay + "ms after the reshard for " + hold + "ms, " + pending + " moves pending then";
    }
}
