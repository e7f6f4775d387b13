package io.magpie.app.repl;

import static org.assertj.core.api.Assertions.assertThat;

import io.magpie.app.repl.Node.Kind;
import io.magpie.protocol.tls.TestCertificates;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * tls-replication: a replica's link to its master's tls-port, with redis-server on either
 * side. Every node also has a plain port, which the test's own clients use; the link can
 * only come up over TLS, since the replica is pointed at the master's tls-port.
 */
class TlsReplicationInteropTest {
    @TempDir
    Path dir;

    private static List<String> tlsArgs(int tlsPort, String... extra) {
        TestCertificates c = TestCertificates.get();
        List<String> a = new ArrayList<>(List.of("--tls-port", String.valueOf(tlsPort), "--tls-cert-file", c.serverCert.toString(),
                "--tls-key-file", c.serverKey.toString(), "--tls-ca-cert-file", c.caCert.toString()));
        a.addAll(List.of(extra));
        return a;
    }

    @ParameterizedTest(name = "{0} master, {1} replica over TLS, diskless sync {2}")
    @CsvSource({"MAGPIE, REDIS, no", "REDIS, MAGPIE, yes", "MAGPIE, MAGPIE, yes"})
    void replicaFollowsItsMasterOverTls(Kind masterKind, Kind replicaKind, String diskless) throws IOException {
        try (Topology t = new Topology(dir)) {
            int masterTls = Node.freePort();
            Node master = t.start(masterKind, "master", tlsArgs(masterTls, "--repl-diskless-sync", diskless,
                    "--repl-diskless-sync-delay", "0").toArray(String[]::new));
            ContinuousWriter writer = t.writer(master, 7);
            writer.writeNow(1_000); // carried by the full sync, through the TLS link
            int replicaTls = Node.freePort();
            Node replica = t.start(replicaKind, "replica", tlsArgs(replicaTls, "--tls-replication", "yes").toArray(String[]::new));
            replica.awaitLoaded();
            replica.ok("REPLICAOF", "127.0.0.1", String.valueOf(masterTls));
            writer.rate(1_000).limit(1_000 + 1_500).start(); // and the stream after it
            replica.awaitLinkUp();
            assertThat(writer.awaitOps(2_500, 60_000)).isTrue();
            writer.stop();

            Datasets.assertSameData(master, replica);
            assertThat(writer.errors()).isEmpty();
            assertThat(replica.info("replication").get("master_port")).isEqualTo(String.valueOf(masterTls));
            // With tls-replication the replica announces its tls-port (REPLCONF listening-port), as Redis does.
            master.awaitReplicasOnline(1);
            assertThat(master.info("replication").get("slave0")).contains("port=" + replicaTls);
        }
    }
}
