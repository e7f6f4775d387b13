package io.magpie.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.magpie.protocol.tls.TestCertificates;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/**
 * TLS on both sides of the proxy: redis-cli --tls to the proxy's tls-port (with and without a
 * client certificate), and the proxy to redis-server backends that listen only on tls-port.
 * Certificates are made with openssl for the run.
 */
class ProxyTlsTest {
    private static final TestCertificates certs = TestCertificates.get();

    private static String[] serverTls(String authClients) {
        return new String[] {"--tls-cert-file", certs.serverCert.toString(), "--tls-key-file", certs.serverKey.toString(),
                "--tls-ca-cert-file", certs.caCert.toString(), "--tls-auth-clients", authClients};
    }

    /** redis-cli --tls against port; the client certificate is shown when withCert. Returns stdout and stderr. */
    private static String cli(int port, boolean withCert, String... command) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("redis-cli", "--tls", "--cacert", certs.caCert.toString(), "-h", "127.0.0.1",
                "-p", String.valueOf(port)));
        if (withCert) cmd.addAll(List.of("--cert", certs.clientCert.toString(), "--key", certs.clientKey.toString()));
        cmd.addAll(List.of(command));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("redis-cli hung");
        }
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    }

    @Test
    void redisCliOverTlsThroughTheProxyToPlainBackends() throws Exception {
        try (RedisNodes nodes = new RedisNodes(2)) {
            List<String> args = new ArrayList<>(List.of("--servers", nodes.serverList(), "--tls-port",
                    String.valueOf(RedisNodes.freePort())));
            args.addAll(List.of(serverTls("no")));
            try (ProxyServer proxy = Proxies.start(args.toArray(new String[0]))) {
                assertNotEquals(0, proxy.tlsPort());
                for (int i = 0; i < 20; i++) assertEquals("OK", cli(proxy.tlsPort(), false, "SET", "k" + i, "v" + i));
                assertEquals("v7", cli(proxy.tlsPort(), false, "GET", "k7"));
                // The keys reached the plain backends.
                long total = 0;
                for (int i = 0; i < 2; i++) {
                    try (Jedis j = nodes.jedis(i)) {
                        total += j.dbSize();
                    }
                }
                assertEquals(20, total);
                // The plain port still serves.
                try (Jedis j = new Jedis("127.0.0.1", proxy.port(), 10_000)) {
                    assertEquals("v3", j.get("k3"));
                }
            }
        }
    }

    @Test
    void mutualTlsOnTheClientSideRefusesAClientWithoutACertificate() throws Exception {
        try (RedisNodes nodes = new RedisNodes(1)) {
            List<String> args = new ArrayList<>(List.of("--servers", nodes.serverList(), "--tls-port",
                    String.valueOf(RedisNodes.freePort())));
            args.addAll(List.of(serverTls("yes")));
            try (ProxyServer proxy = Proxies.start(args.toArray(new String[0]))) {
                assertEquals("OK", cli(proxy.tlsPort(), true, "SET", "mk", "mv"));
                assertEquals("mv", cli(proxy.tlsPort(), true, "GET", "mk"));
                String refused = cli(proxy.tlsPort(), false, "GET", "mk");
                assertNotEquals("mv", refused);
                assertTrue(refused.contains("rror") || refused.contains("closed") || refused.isEmpty(), refused);
            }
        }
    }

    @Test
    void backendTlsToRedisServersOnTlsPortWithClientCertificates() throws Exception {
        try (RedisNodes nodes = new RedisNodes(0)) {
            List<Integer> tlsPorts = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                int tlsPort = RedisNodes.freePort();
                List<String> extra = new ArrayList<>(List.of("--tls-port", String.valueOf(tlsPort)));
                extra.addAll(List.of(serverTls("yes"))); // redis-server asks every client for a certificate
                nodes.start(extra.toArray(new String[0]));
                tlsPorts.add(tlsPort);
            }
            String servers = "127.0.0.1:" + tlsPorts.get(0) + ":1,127.0.0.1:" + tlsPorts.get(1) + ":1";
            try (ProxyServer proxy = Proxies.start("--servers", servers, "--backend-tls", "yes",
                    "--tls-client-cert-file", certs.clientCert.toString(), "--tls-client-key-file", certs.clientKey.toString(),
                    "--tls-ca-cert-file", certs.caCert.toString());
                    Jedis j = new Jedis("127.0.0.1", proxy.port(), 10_000)) {
                for (int i = 0; i < 20; i++) assertEquals("OK", j.set("t" + i, "v" + i));
                assertEquals("v5", j.get("t5"));
                assertEquals(List.of("v1", "v2", "v3"), j.mget("t1", "t2", "t3"));
                long total = 0;
                for (int i = 0; i < 2; i++) {
                    try (Jedis direct = nodes.jedis(i)) {
                        total += direct.dbSize();
                    }
                }
                assertEquals(20, total);
            }
            // A proxy that trusts another CA does not talk to these backends: the client gets an error, not a hang.
            try (ProxyServer proxy = Proxies.start("--servers", servers, "--backend-tls", "yes",
                    "--tls-client-cert-file", certs.clientCert.toString(), "--tls-client-key-file", certs.clientKey.toString(),
                    "--tls-ca-cert-file", certs.otherCaCert.toString());
                    Jedis j = new Jedis("127.0.0.1", proxy.port(), 30_000)) {
                Exception e = assertThrows(Exception.class, () -> j.get("t5"));
                assertTrue(String.valueOf(e.getMessage()).contains("magpie-proxy: backend"), String.valueOf(e.getMessage()));
            }
        }
    }

    @Test
    void tlsThroughAndThroughWithTheServerIdentityAsClientCertificate() throws Exception {
        try (RedisNodes nodes = new RedisNodes(0)) {
            int backendTls = RedisNodes.freePort();
            List<String> extra = new ArrayList<>(List.of("--tls-port", String.valueOf(backendTls)));
            extra.addAll(List.of(serverTls("yes")));
            nodes.start(extra.toArray(new String[0]));
            List<String> args = new ArrayList<>(List.of("--servers", "127.0.0.1:" + backendTls + ":1", "--backend-tls", "yes",
                    "--tls-port", String.valueOf(RedisNodes.freePort())));
            args.addAll(List.of(serverTls("yes")));
            try (ProxyServer proxy = Proxies.start(args.toArray(new String[0]))) {
                assertEquals("OK", cli(proxy.tlsPort(), true, "SET", "both", "ends"));
                try (Jedis direct = nodes.jedis(0)) {
                    assertEquals("ends", direct.get("both"));
                }
            }
        }
    }

    @Test
    void aBadCertificateFileStopsTheProxyAtStartWithRedisWords() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Proxies.start("--servers", "127.0.0.1:1:1",
                "--tls-port", "1", "--tls-cert-file", certs.dir.resolve("missing.crt").toString(), "--tls-key-file",
                certs.serverKey.toString()));
        assertTrue(e.getMessage().startsWith("Failed to load certificate:"), e.getMessage());
    }
}
