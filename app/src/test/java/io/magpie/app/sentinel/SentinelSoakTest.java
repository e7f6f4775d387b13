package io.magpie.app.sentinel;

import static org.assertj.core.api.Assertions.assertThat;

import io.magpie.app.sentinel.SentinelHarness.DataNode;
import io.magpie.app.sentinel.SentinelHarness.SentinelNode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Long runs (mvn -Psoak test): many failovers in a row, each old master coming back as a replica. */
@Tag("soak")
class SentinelSoakTest {
    @Test
    void tenConsecutiveFailoversEachElectOneLeaderAndLeaveOneMaster() throws Exception {
        for (boolean magpieData : new boolean[] {false, true}) {
            try (SentinelHarness h = new SentinelHarness()) {
                List<DataNode> nodes = new ArrayList<>();
                nodes.add(h.dataNode(magpieData, null));
                nodes.add(h.dataNode(magpieData, nodes.get(0).port));
                nodes.add(h.dataNode(magpieData, nodes.get(0).port));
                List<SentinelNode> sentinels = new ArrayList<>();
                for (int i = 0; i < 3; i++) sentinels.add(h.sentinel(i != 1 || magpieData, nodes.get(0).port, 2, "sentinel failover-timeout mymaster 5000"));
                try {
                    h.awaitDiscovery(sentinels, 2);
                    int masterPort = nodes.get(0).port;
                    for (int round = 1; round <= 5; round++) {
                        int oldPort = masterPort;
                        DataNode old = nodes.stream().filter(n -> n.port == oldPort).findFirst().orElseThrow();
                        old.kill();
                        SentinelHarness.await("round " + round + " failover", 40_000, () -> {
                            int p = sentinels.get(0).masterPort();
                            return p != oldPort && p > 0 && sentinels.stream().allMatch(s -> s.masterPort() == p);
                        });
                        masterPort = sentinels.get(0).masterPort();
                        int newPort = masterPort;
                        old.start();
                        SentinelHarness.await("round " + round + ": every node to follow the new master", 60_000,
                                () -> nodes.stream().allMatch(n -> n.port == newPort ? "master".equals(n.role()) : n.masterPort() == newPort));
                        String all = sentinels.stream().map(SentinelNode::log).reduce("", String::concat);
                        int promotions = 0;
                        for (int i = all.indexOf("+promoted-slave"); i >= 0; i = all.indexOf("+promoted-slave", i + 1)) promotions++;
                        assertThat(promotions).isEqualTo(round);
                    }
                } catch (AssertionError | RuntimeException e) {
                    System.out.println(h.logs());
                    throw e;
                }
            }
        }
    }
}
