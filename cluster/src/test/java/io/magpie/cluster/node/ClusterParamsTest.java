package io.magpie.cluster.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.magpie.cluster.state.ClusterConfig;
import io.magpie.engine.config.Config;
import org.junit.jupiter.api.Test;

/**
 * The ports a node announces on the bus, as Redis 7.0's deriveAnnouncedPorts: with tls-cluster
 * the client port is the TLS one, pport the plaintext one, and the bus port follows the TLS port.
 */
class ClusterParamsTest {
    private static ClusterConfig fill(int port, int tlsPort, boolean tlsCluster, String... settings) throws Exception {
        Config registry = new Config();
        ClusterParams params = ClusterParams.register(registry);
        for (int i = 0; i < settings.length; i += 2) registry.find(settings[i]).set(settings[i + 1]);
        ClusterConfig c = new ClusterConfig();
        params.fill(c, port, tlsPort, tlsCluster);
        return c;
    }

    @Test
    void aPlaintextClusterAnnouncesThePortAndNoPport() throws Exception {
        ClusterConfig c = fill(7000, 8000, false);
        assertThat(new int[] {c.port, c.pport, c.cport}).containsExactly(7000, 0, 17000);
        assertThat(c.tlsCluster).isFalse();
        c = fill(7000, 0, false, "cluster-announce-port", "9000", "cluster-announce-tls-port", "9100");
        assertThat(new int[] {c.port, c.pport, c.cport}).containsExactly(9000, 0, 17000);
    }

    @Test
    void aTlsClusterAnnouncesTheTlsPortWithThePlaintextOneAsPportAndItsBusAtTheTlsPortPlus10000() throws Exception {
        ClusterConfig c = fill(7000, 8000, true);
        assertThat(new int[] {c.port, c.pport, c.cport}).containsExactly(8000, 7000, 18000);
        assertThat(c.tlsCluster).isTrue();
        // cluster-announce-port alone overrides the announced (TLS) port, as in Redis.
        c = fill(7000, 8000, true, "cluster-announce-port", "9000");
        assertThat(new int[] {c.port, c.pport, c.cport}).containsExactly(9000, 7000, 18000);
        // cluster-announce-tls-port: it is the port, and cluster-announce-port the pport.
        c = fill(7000, 8000, true, "cluster-announce-tls-port", "9100", "cluster-announce-port", "9000", "cluster-port", "12000");
        assertThat(new int[] {c.port, c.pport, c.cport}).containsExactly(9100, 9000, 12000);
        c = fill(7000, 8000, true, "cluster-announce-tls-port", "9100", "cluster-announce-bus-port", "12345");
        assertThat(new int[] {c.port, c.pport, c.cport}).containsExactly(9100, 0, 12345);
    }
}
