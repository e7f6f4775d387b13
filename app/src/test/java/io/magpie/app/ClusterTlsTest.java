package io.magpie.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.magpie.protocol.RespClient;
import io.magpie.protocol.tls.TestCertificates;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cluster whose bus runs over TLS ({@code tls-cluster yes}) of four Magpie nodes in this JVM
 * (a JVM each costs a default run too much), made as a user makes one:
 * {@code redis-cli --tls --cluster create} with three Magpie masters, then a replica added with
 * {@code --cluster add-node --cluster-slave} (replication over TLS too). The bus refuses a peer
 * without a certificate of the cluster's CA; TLS clients see the TLS ports, plaintext clients
 * the plaintext ones (pport), as redis-server 7.0 answers. The same cluster pins two
 * correctness points: INFO's cluster_connections, and the keys of a slot a master loses
 * deleted there and on its replica through the replication stream.
 */
class ClusterTlsTest {
    @TempDir
    static Path dir;
    static TestCertificates certs;
    static final List<ClusterRedirectionTest.Node> nodes = new ArrayList<>();
    static final List<Integer> tlsPorts = new ArrayList<>();
    static final List<Integer> busPorts = new ArrayList<>();

    /** A cluster node's options, for Magpie and redis-server alike: bus and replication over TLS. */
    static List<String> tlsNodeArgs(int tlsPort, int busPort) {
        return List.of("--cluster-enabled", "yes", "--cluster-port", String.valueOf(busPort), "--cluster-node-timeout", "5000",
                "--save", "", "--appendonly", "no", "--repl-diskless-sync-delay", "0", "--tls-port", String.valueOf(tlsPort),
                "--tls-cluster", "yes", "--tls-replication", "yes", "--tls-cert-file", certs.serverCert.toString(), "--tls-key-file",
                certs.serverKey.toString(), "--tls-ca-cert-file", certs.caCert.toString());
    }

    /** redis-cli's TLS options with the cluster's client certificate. */
    static List<String> tls() {
        return List.of("--tls", "--cacert", certs.caCert.toString(), "--cert", certs.clientCert.toString(), "--key",
                certs.clientKey.toString());
    }

    @BeforeAll
    static void createTlsCluster() throws Exception {
        certs = TestCertificates.get();
        for (int i = 0; i < 4; i++) {
            Path d = Files.createDirectories(dir.resolve("node" + i));
            int tlsPort = RealRedis.freePort(), busPort = RealRedis.freePort();
            tlsPorts.add(tlsPort);
            busPorts.add(busPort);
            nodes.add(new ClusterRedirectionTest.Node(d, tlsNodeArgs(tlsPort, busPort).toArray(new String[0])));
        }
        List<String> create = new ArrayList<>(List.of("redis-cli"));
        create.addAll(tls());
        create.addAll(List.of("--cluster", "create"));
        for (int i = 0; i < 3; i++) create.add("127.0.0.1:" + tlsPorts.get(i));
        create.add("--cluster-yes");
        assertThat(ClusterProcessTest.redisCli(create)).contains("[OK] All 16384 slots covered.");
        List<String> add = new ArrayList<>(List.of("redis-cli"));
        add.addAll(tls());
        add.addAll(List.of("--cluster", "add-node", "127.0.0.1:" + tlsPorts.get(3), "127.0.0.1:" + tlsPorts.get(0), "--cluster-slave",
                "--cluster-master-id", value(0, "CLUSTER", "MYID")));
        ClusterProcessTest.redisCli(add);
        List<Integer> plain = new ArrayList<>();
        for (ClusterRedirectionTest.Node m : nodes) plain.add(m.port);
        ClusterProcessTest.awaitClusterStateOk(plain);
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .until(() -> value(3, "INFO", "replication").contains("master_link_status:up"));
    }

    @AfterAll
    static void stopNodes() throws Exception {
        for (ClusterRedirectionTest.Node n : nodes) n.close();
        nodes.clear();
    }

    private static String value(int node, String... args) {
        try (RespClient c = nodes.get(node).client()) {
            return String.valueOf(c.value(args));
        }
    }

    private static String redisCliTls(int node, String... command) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("redis-cli", "-h", "127.0.0.1", "-p", String.valueOf(tlsPorts.get(node))));
        cmd.addAll(tls());
        cmd.addAll(List.of(command));
        return ClusterProcessTest.redisCli(cmd).strip();
    }

    @Test
    void tlsClientsSeeTheTlsPortsAndPlaintextClientsThePlaintextOnes() throws Exception {
        assertThat(awaitClusterCheckOk(1)).contains("[OK] All 16384 slots covered.").contains("3 masters");
        String overTls = redisCliTls(1, "CLUSTER", "NODES");
        String plain = value(1, "CLUSTER", "NODES");
        for (int i = 0; i < 4; i++) {
            assertThat(overTls).contains("127.0.0.1:" + tlsPorts.get(i) + "@" + busPorts.get(i));
            assertThat(plain).contains("127.0.0.1:" + nodes.get(i).port + "@" + busPorts.get(i));
        }
        // A key node 0 does not serve: the redirection names the port of the client's kind.
        String key = keyServedBy(2);
        int slot = Integer.parseInt(value(0, "CLUSTER", "KEYSLOT", key));
        assertThat(value(0, "GET", key)).isEqualTo("(error) MOVED " + slot + " 127.0.0.1:" + nodes.get(2).port);
        assertThat(redisCliTls(0, "GET", key)).isEqualTo("MOVED " + slot + " 127.0.0.1:" + tlsPorts.get(2));
        assertThat(redisCliTls(0, "CLUSTER", "SLOTS")).contains(String.valueOf(tlsPorts.get(2)))
                .doesNotContain(String.valueOf(nodes.get(2).port));
        // And the cluster serves: a write through redis-cli -c over TLS reaches its master and its replica.
        String key0 = keyServedBy(0);
        List<String> set = concat(List.of("redis-cli", "-c", "-h", "127.0.0.1", "-p", String.valueOf(tlsPorts.get(1))), tls(),
                List.of("SET", key0, "over-tls"));
        assertThat(ClusterProcessTest.redisCli(set).strip()).isEqualTo("OK");
        assertThat(value(0, "GET", key0)).isEqualTo("over-tls");
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            try (RespClient c = nodes.get(3).client()) {
                c.call("READONLY");
                return "over-tls".equals(String.valueOf(c.value("GET", key0)));
            }
        });
    }

    @Test
    void theBusRefusesAPeerWithoutACertificateOfTheClusterCa() throws Exception {
        // No certificate: the handshake ends with the server's alert (TLS 1.3 reports it at the first read).
        try (SSLSocket s = (SSLSocket) trustOnly().getSocketFactory().createSocket("127.0.0.1", busPorts.get(0))) {
            s.setSoTimeout(30_000);
            boolean refused;
            try {
                s.startHandshake();
                refused = s.getInputStream().read() < 0;
            } catch (SSLException | java.net.SocketException e) {
                refused = true;
            }
            assertThat(refused).as("a bus link without a client certificate is closed").isTrue();
        }
        // A plaintext peer: its bytes are no TLS record, so the link is closed too.
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", busPorts.get(0))) {
            s.setSoTimeout(30_000);
            s.getOutputStream().write("RCmb\0\0\0\0PING".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            int read;
            try {
                read = drain(s.getInputStream());
            } catch (java.net.SocketException e) {
                read = -1; // reset
            }
            assertThat(read).isEqualTo(-1);
        }
        // With the cluster's certificate the same handshake succeeds and the link stays open.
        try (SSLSocket s = (SSLSocket) io.magpie.app.tls.TlsClients.sslContext(certs).getSocketFactory()
                .createSocket("127.0.0.1", busPorts.get(0))) {
            s.setSoTimeout(1000);
            s.startHandshake();
            boolean open;
            try {
                open = s.getInputStream().read() >= 0;
            } catch (SocketTimeoutException e) {
                open = true; // nothing to read, still connected
            }
            assertThat(open).isTrue();
        }
    }

    @Test
    void infoReportsTwoClusterConnectionsPerOtherNode() {
        assertThat(value(0, "INFO", "clients")).contains("cluster_connections:6\r\n");
        assertThat(value(3, "INFO", "clients")).contains("cluster_connections:6\r\n");
    }

    @Test
    void keysOfASlotAMasterLosesAreDeletedThereAndOnItsReplica() throws Exception {
        String key = keyServedBy(0);
        int slot = Integer.parseInt(value(0, "CLUSTER", "KEYSLOT", key));
        try (RespClient c = nodes.get(0).client()) {
            c.call("SET", key, "v");
            assertThat(c.value("WAIT", "1", "30000")).isEqualTo(1L);
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> value(3, "CLUSTER", "COUNTKEYSINSLOT", String.valueOf(slot)).equals("1"));
        // Node 1 takes the slot over with a bumped epoch while node 0 still holds a key in it: node 0
        // learns it lost the slot and drops the key (delKeysInSlot), and the DEL reaches its replica.
        String id0 = value(0, "CLUSTER", "MYID"), id1 = value(1, "CLUSTER", "MYID");
        assertThat(value(1, "CLUSTER", "SETSLOT", String.valueOf(slot), "IMPORTING", id0)).isEqualTo("OK");
        assertThat(value(1, "CLUSTER", "SETSLOT", String.valueOf(slot), "NODE", id1)).isEqualTo("OK");
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .until(() -> value(0, "CLUSTER", "COUNTKEYSINSLOT", String.valueOf(slot)).equals("0"));
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .until(() -> value(3, "CLUSTER", "COUNTKEYSINSLOT", String.valueOf(slot)).equals("0"));
        assertThat(value(3, "DBSIZE")).isEqualTo("0");
    }

    @Test
    void reshardingMovesKeysWithMigrateOverTls() throws Exception {
        // redis-cli moves the source's first slots: keys in them, computed here, go with them.
        String id1 = value(1, "CLUSTER", "MYID"), id2 = value(2, "CLUSTER", "MYID");
        int first = 16384;
        try (RespClient c = nodes.get(2).client()) {
            for (Object range : (List<?>) c.value("CLUSTER", "SLOTS")) {
                List<?> r = (List<?>) range;
                if (String.valueOf(((List<?>) r.get(2)).get(2)).equals(id2)) first = Math.min(first, ((Long) r.get(0)).intValue());
            }
        }
        List<String> keys = new ArrayList<>();
        for (int i = 0; keys.size() < 200 && i < 10_000_000; i++) {
            int slot = redis.clients.jedis.util.JedisClusterCRC16.getSlot("m" + i);
            if (slot >= first && slot < first + 20) keys.add("m" + i);
        }
        try (RespClient c = nodes.get(2).client()) {
            for (String k : keys) assertThat(c.value("SET", k, "v-" + k).toString()).isEqualTo("OK");
        }
        List<String> reshard = concat(List.of("redis-cli"), tls(), List.of("--cluster", "reshard", "127.0.0.1:" + tlsPorts.get(2),
                "--cluster-from", id2, "--cluster-to", id1, "--cluster-slots", "20", "--cluster-yes"));
        ClusterProcessTest.redisCli(reshard);
        for (int s = first; s < first + 20; s++) assertThat(value(2, "CLUSTER", "COUNTKEYSINSLOT", String.valueOf(s))).isEqualTo("0");
        try (RespClient c = nodes.get(1).client()) {
            for (String k : keys) assertThat(c.value("GET", k).toString()).isEqualTo("v-" + k);
        }
        assertThat(awaitClusterCheckOk(1)).contains("[OK] All 16384 slots covered.");
    }

    /**
     * redis-cli --tls --cluster check through node's TLS port, once every node agrees and no slot
     * is left open (another test of this class may have just moved a slot: gossip takes a moment).
     */
    private static String awaitClusterCheckOk(int node) {
        List<String> cmd = concat(List.of("redis-cli"), tls(), List.of("--cluster", "check", "127.0.0.1:" + tlsPorts.get(node)));
        String[] out = new String[1];
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).until(() -> {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            p.getOutputStream().close();
            out[0] = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            return p.waitFor() == 0 && out[0].contains("[OK] All nodes agree about slots configuration.")
                    && !out[0].contains("[WARNING]");
        });
        return out[0];
    }

    /** A key whose slot the master at nodes[node] serves (as that node's CLUSTER NODES says). */
    private static String keyServedBy(int node) {
        String id = value(node, "CLUSTER", "MYID");
        for (int i = 0; i < 100_000; i++) {
            String key = "k" + i;
            int slot = Integer.parseInt(value(node, "CLUSTER", "KEYSLOT", key));
            if (ownerOf(node, slot).equals(id)) return key;
        }
        throw new AssertionError("no key served by node " + node);
    }

    private static String ownerOf(int node, int slot) {
        try (RespClient c = nodes.get(node).client()) {
            for (Object range : (List<?>) c.value("CLUSTER", "SLOTS")) {
                List<?> r = (List<?>) range;
                if ((Long) r.get(0) <= slot && slot <= (Long) r.get(1)) return String.valueOf(((List<?>) r.get(2)).get(2));
            }
        }
        return "";
    }

    private static int drain(InputStream in) throws IOException {
        byte[] buf = new byte[4096];
        int n;
        while ((n = in.read(buf)) > 0) {
            // whatever came before the close
        }
        return n;
    }

    /** A JDK client context that trusts the test CA and has no certificate of its own. */
    private static SSLContext trustOnly() throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        try (var in = Files.newInputStream(certs.caCert)) {
            trust.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }

    @SafeVarargs
    private static List<String> concat(List<String>... parts) {
        List<String> out = new ArrayList<>();
        for (List<String> p : parts) out.addAll(p);
        return out;
    }
}
