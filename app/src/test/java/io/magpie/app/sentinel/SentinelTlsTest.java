package io.magpie.app.sentinel;

import static org.assertj.core.api.Assertions.assertThat;

import io.magpie.app.RealRedis;
import io.magpie.app.sentinel.SentinelHarness.DataNode;
import io.magpie.app.sentinel.SentinelHarness.SentinelNode;
import io.magpie.protocol.tls.TestCertificates;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * tls-replication in Sentinel mode: its links to the master, the replicas and the other
 * Sentinels go over TLS, as redis-sentinel's do. A redis-server master and a Magpie replica
 * (linked over TLS), watched by a Magpie Sentinel and a redis-sentinel that reach every node
 * only on its tls-port: they discover each other and the replica, and fail over together.
 */
class SentinelTlsTest {
    private static final TestCertificates CERTS = TestCertificates.get();

    private static List<String> tlsLines(int tlsPort) {
        return List.of("tls-port " + tlsPort, "tls-cert-file " + CERTS.serverCert, "tls-key-file " + CERTS.serverKey,
                "tls-ca-cert-file " + CERTS.caCert, "tls-replication yes");
    }

    private static String[] tlsArgs(int tlsPort, String... more) {
        List<String> a = new ArrayList<>();
        for (String line : tlsLines(tlsPort)) {
            String[] w = line.split(" ", 2);
            a.add("--" + w[0]);
            a.add(w[1]);
        }
        a.addAll(List.of(more));
        return a.toArray(String[]::new);
    }

    @Test
    void sentinels_discover_and_fail_over_through_tls_links_only() throws Exception {
        try (SentinelHarness h = new SentinelHarness()) {
            int masterTls = RealRedis.freePort();
            DataNode master = h.dataNode(false, null, tlsArgs(masterTls));
            int replicaTls = RealRedis.freePort();
            DataNode replica = h.dataNode(true, null, tlsArgs(replicaTls, "--replicaof", "127.0.0.1", String.valueOf(masterTls)));
            List<SentinelNode> sentinels = new ArrayList<>();
            for (boolean magpie : new boolean[] {true, false}) {
                List<String> extra = new ArrayList<>(tlsLines(RealRedis.freePort()));
                extra.add("sentinel failover-timeout " + SentinelHarness.MASTER + " 10000");
                sentinels.add(h.sentinel(magpie, masterTls, 2, extra.toArray(String[]::new)));
            }
            try {
                h.awaitDiscovery(sentinels, 1);
                for (SentinelNode s : sentinels) {
                    assertThat(String.valueOf(s.call("SENTINEL", "REPLICAS", SentinelHarness.MASTER))).contains(String.valueOf(replicaTls));
                }
                master.kill();
                SentinelHarness.await("both Sentinels to name the replica's tls-port as the master", 60_000,
                        () -> sentinels.stream().allMatch(s -> s.masterPort() == replicaTls));
                SentinelHarness.await("the replica to be promoted", 30_000, () -> "master".equals(replica.role()));
            } catch (AssertionError | RuntimeException e) {
                throw new AssertionError(e.getMessage() + "\n" + h.logs(), e);
            }
        }
    }
}
