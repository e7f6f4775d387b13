package io.magpie.cluster.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Random partitions, crashes and restarts (from the last saved nodes.conf) on a simulated
 * three-shard cluster; once the faults end, the cluster must converge: every live node routes
 * every slot to the same live master, masters own distinct configEpochs, and the state is ok.
 */
class ClusterChaosTest {
    private static final long TIMEOUT = 1000;

    @ParameterizedTest
    @ValueSource(longs = {1})
    void afterPartitionsCrashesAndRestartsTheClusterConvergesOnOneOwnerPerSlot(long seed) {
        chaos(seed);
    }

    /** The same with many more fault histories (about a second each): -Psoak. */
    @Tag("soak")
    @ParameterizedTest
    @MethodSource("manySeeds")
    void soakManyFaultHistoriesAllConverge(long seed) {
        chaos(seed);
    }

    static LongStream manySeeds() {
        return LongStream.rangeClosed(3, 100);
    }

    private static void chaos(long seed) {
        FakeNetwork net = FakeNetwork.formed(TIMEOUT, "m1", "m2", "m3", "r1", "r2", "r3");
        List<FakeNetwork.Node> all = new ArrayList<>(net.nodes.values());
        net.assignSlots(net.node("m1"), net.node("m2"), net.node("m3"));
        for (int i = 1; i <= 3; i++) {
            net.node("r" + i).state.replicate(net.node("m" + i).id(), true);
            net.process(net.node("r" + i));
        }
        net.runUntil("cluster ok", net::allOk, 20_000);

        Random random = new Random(seed);
        StringBuilder history = new StringBuilder();
        for (int step = 0; step < 40; step++) {
            FakeNetwork.Node a = all.get(random.nextInt(all.size()));
            FakeNetwork.Node b = all.get(random.nextInt(all.size()));
            switch (random.nextInt(5)) {
                case 0 -> {
                    if (a != b) {
                        net.cut(a, b);
                        history.append("cut ").append(a).append('-').append(b).append("; ");
                    }
                }
                case 1 -> {
                    net.healAll();
                    history.append("heal; ");
                }
                case 2 -> {
                    // At most one dead node at a time, so every shard keeps a copy of its data.
                    if (all.stream().noneMatch(n -> n.dead)) {
                        net.kill(a);
                        history.append("kill ").append(a).append("; ");
                    }
                }
                case 3 -> {
                    for (FakeNetwork.Node n : all) {
                        if (n.dead) {
                            n.restart();
                            history.append("restart ").append(n).append("; ");
                        }
                    }
                }
                default -> { }
            }
            net.run(random.nextInt(4000));
        }
        net.healAll();
        for (FakeNetwork.Node n : all) {
            if (n.dead) n.restart();
        }
        String faults = history.toString();
        net.runUntil("convergence after: " + faults, () -> converged(net, all), 60_000);
    }

    private static boolean converged(FakeNetwork net, List<FakeNetwork.Node> all) {
        if (!net.allOk()) return false;
        FakeNetwork.Node first = all.get(0);
        Set<Long> epochs = new HashSet<>();
        Set<String> owners = new HashSet<>();
        for (int slot = 0; slot < ClusterState.SLOTS; slot++) {
            ClusterNode owner = first.state.slotOwner(slot);
            if (owner == null) return false;
            for (FakeNetwork.Node n : all) {
                ClusterNode o = n.state.slotOwner(slot);
                if (o == null || !o.name().equals(owner.name())) return false;
            }
            owners.add(owner.name());
        }
        for (String owner : owners) {
            FakeNetwork.Node node = all.stream().filter(n -> n.id().equals(owner)).findFirst().orElseThrow();
            if (!node.state.myself().isMaster()) return false;
            if (!epochs.add(node.state.myself().configEpoch())) return false;
        }
        // Every shard has exactly one master: the other nodes replicate a slot owner.
        for (FakeNetwork.Node n : all) {
            if (owners.contains(n.id())) continue;
            ClusterNode master = n.state.myself().slaveof();
            if (master == null || !owners.contains(master.name())) return false;
        }
        assertThat(owners).hasSize(3);
        return true;
    }
}
