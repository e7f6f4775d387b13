package io.magpie.app.tls;

import static io.magpie.app.tls.TlsClients.redisCli;
import static io.magpie.app.tls.TlsClients.tls;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SslOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.magpie.app.RealRedis;
import io.magpie.app.TestServer;
import io.magpie.protocol.RespClient;
import io.magpie.protocol.tls.TestCertificates;
import java.util.List;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;

/** The tls-port with real clients: redis-cli --tls (mutual TLS), Jedis and Lettuce, and the tls-* parameters. */
class TlsTest {
    private final TestCertificates certs = TestCertificates.get();

    private TestServer tlsServer(String... extra) throws Exception {
        List<String> args = new java.util.ArrayList<>(List.of("--tls-port", String.valueOf(RealRedis.freePort()),
                "--tls-cert-file", certs.serverCert.toString(), "--tls-key-file", certs.serverKey.toString(),
                "--tls-ca-cert-file", certs.caCert.toString()));
        args.addAll(List.of(extra));
        return new TestServer(args.toArray(String[]::new));
    }

    @Test
    void redis_cli_with_a_client_certificate_speaks_to_the_tls_port_and_port_0_opens_no_tcp_port() throws Exception {
        try (TestServer s = tlsServer()) {
            int port = s.server().tlsPort();
            assertThat(s.port()).as("port 0 with a tls-port: no plain TCP listener, as Redis").isZero();
            assertThat(redisCli(tls(certs, port, true), "SET", "k", "over tls")).isEqualTo("OK");
            assertThat(redisCli(tls(certs, port, true), "GET", "k")).isEqualTo("over tls");
            assertThat(redisCli(tls(certs, port, true), "CONFIG", "GET", "tls-port")).isEqualTo("tls-port\n" + port);
        }
    }

    @Test
    void tls_auth_clients_yes_refuses_a_client_without_certificate_and_optional_accepts_it() throws Exception {
        try (TestServer s = tlsServer()) {
            int port = s.server().tlsPort();
            assertThat(redisCli(tls(certs, port, false), "PING")).doesNotContain("PONG");
            assertThat(redisCli(tls(certs, port, true), "CONFIG", "SET", "tls-auth-clients", "optional")).isEqualTo("OK");
            assertThat(redisCli(tls(certs, port, false), "PING")).isEqualTo("PONG");
            assertThat(redisCli(tls(certs, port, true), "PING")).isEqualTo("PONG");
            assertThat(redisCli(tls(certs, port, false), "CONFIG", "SET", "tls-auth-clients", "no")).isEqualTo("OK");
            assertThat(redisCli(tls(certs, port, false), "PING")).isEqualTo("PONG");
        }
    }

    @Test
    void a_client_that_does_not_trust_the_servers_ca_gets_no_answer() throws Exception {
        try (TestServer s = tlsServer("--tls-auth-clients", "no")) {
            List<String> o = List.of("-h", "127.0.0.1", "-p", String.valueOf(s.server().tlsPort()), "--tls", "--cacert",
                    certs.otherCaCert.toString());
            assertThat(redisCli(o, "PING")).doesNotContain("PONG").containsIgnoringCase("certificate");
        }
    }

    @Test
    void the_plain_port_and_the_tls_port_serve_the_same_keyspace_at_once() throws Exception {
        int plain = RealRedis.freePort();
        try (TestServer s = tlsServer("--port", String.valueOf(plain)); RespClient c = new RespClient(plain)) {
            assertThat(s.port()).isEqualTo(plain);
            assertThat(String.valueOf(c.value("SET", "shared", "v"))).isEqualTo("OK");
            assertThat(redisCli(tls(certs, s.server().tlsPort(), true), "GET", "shared")).isEqualTo("v");
            String list = redisCli(tls(certs, s.server().tlsPort(), true), "CLIENT", "LIST");
            assertThat(list.lines()).hasSize(2);
        }
    }

    @Test
    void jedis_over_tls_with_a_client_certificate() throws Exception {
        try (TestServer s = tlsServer();
             Jedis j = new Jedis(new HostAndPort("127.0.0.1", s.server().tlsPort()), DefaultJedisClientConfig.builder().ssl(true)
                     .sslSocketFactory(TlsClients.sslContext(certs).getSocketFactory()).build())) {
            assertThat(j.set("jedis", "tls")).isEqualTo("OK");
            assertThat(j.get("jedis")).isEqualTo("tls");
            assertThat(j.hset("h", java.util.Map.of("a", "1", "b", "2"))).isEqualTo(2);
            assertThat(j.hgetAll("h")).containsEntry("a", "1").containsEntry("b", "2");
        }
    }

    @Test
    void lettuce_over_tls_verifying_the_server_and_showing_its_certificate() throws Exception {
        try (TestServer s = tlsServer()) {
            RedisClient client = RedisClient.create(RedisURI.builder().withHost("127.0.0.1").withPort(s.server().tlsPort()).withSsl(true)
                    .withVerifyPeer(true).build());
            client.setOptions(ClientOptions.builder().sslOptions(SslOptions.builder().jdkSslProvider()
                    .trustManager(certs.caCert.toFile()).keyManager(certs.clientCert.toFile(), certs.clientKey.toFile(), null).build())
                    .build());
            try (StatefulRedisConnection<String, String> c = client.connect()) {
                assertThat(c.sync().set("lettuce", "tls")).isEqualTo("OK");
                assertThat(c.sync().get("lettuce")).isEqualTo("tls");
                assertThat(c.sync().incr("counter")).isEqualTo(1L);
            } finally {
                client.shutdown();
            }
        }
    }

    @Test
    void config_set_applies_a_certificate_and_its_key_together_and_refuses_a_key_that_does_not_match() throws Exception {
        try (TestServer s = tlsServer("--tls-auth-clients", "optional")) {
            List<String> cli = tls(certs, s.server().tlsPort(), true);
            assertThat(redisCli(cli, "CONFIG", "SET", "tls-key-file", certs.clientKey.toString())).isEqualTo(
                    "ERR CONFIG SET failed (possibly related to argument 'tls-key-file') - Unable to update TLS configuration. "
                            + "Check server logs.");
            assertThat(redisCli(cli, "CONFIG", "GET", "tls-key-file")).isEqualTo("tls-key-file\n" + certs.serverKey);
            assertThat(redisCli(cli, "CONFIG", "SET", "tls-protocols", "TLSv1.4")).endsWith("Unable to update TLS configuration. Check server logs.");
            assertThat(redisCli(cli, "CONFIG", "SET", "tls-auth-clients", "maybe")).isEqualTo(
                    "ERR CONFIG SET failed (possibly related to argument 'tls-auth-clients') - argument(s) must be one of the following: "
                            + "no, yes, optional");
            // The client certificate (issued by the same CA) becomes the server's: both files in one CONFIG SET.
            assertThat(redisCli(cli, "CONFIG", "SET", "tls-cert-file", certs.clientCert.toString(), "tls-key-file",
                    certs.clientKey.toString())).isEqualTo("OK");
            assertThat(redisCli(cli, "PING")).isEqualTo("PONG");
            // The encrypted key with its password.
            assertThat(redisCli(cli, "CONFIG", "SET", "tls-cert-file", certs.serverCert.toString(), "tls-key-file",
                    certs.serverKeyEncrypted.toString(), "tls-key-file-pass", TestCertificates.KEY_PASSWORD)).isEqualTo("OK");
            assertThat(redisCli(cli, "PING")).isEqualTo("PONG");
            assertThat(redisCli(cli, "CONFIG", "SET", "tls-protocols", "TLSv1.2")).isEqualTo("OK");
            assertThat(redisCli(cli, "PING")).isEqualTo("PONG");
        }
    }

    @Test
    void config_set_tls_port_moves_the_tls_listener() throws Exception {
        int plain = RealRedis.freePort();
        try (TestServer s = tlsServer("--port", String.valueOf(plain)); RespClient c = new RespClient(plain)) {
            int next = RealRedis.freePort();
            assertThat(String.valueOf(c.value("CONFIG", "SET", "tls-port", String.valueOf(next)))).isEqualTo("OK");
            assertThat(s.server().tlsPort()).isEqualTo(next);
            assertThat(redisCli(tls(certs, next, true), "PING")).isEqualTo("PONG");
            assertThat(String.valueOf(c.value("CONFIG", "SET", "tls-port", "0"))).isEqualTo("OK");
            assertThat(redisCli(tls(certs, next, true), "PING")).contains("Connection refused");
        }
    }

    @Test
    void tls_is_turned_on_at_runtime_by_one_config_set_of_the_port_and_its_files() throws Exception {
        try (TestServer s = new TestServer(); RespClient c = s.client()) {
            int tlsPort = RealRedis.freePort();
            assertThat(String.valueOf(c.value("CONFIG", "SET", "tls-port", String.valueOf(tlsPort), "tls-cert-file",
                    certs.serverCert.toString(), "tls-key-file", certs.serverKey.toString(), "tls-ca-cert-file",
                    certs.caCert.toString()))).isEqualTo("OK");
            assertThat(redisCli(tls(certs, tlsPort, true), "PING")).isEqualTo("PONG");
            assertThat(String.valueOf(c.value("CONFIG", "SET", "tls-port", String.valueOf(RealRedis.freePort()), "tls-key-file",
                    certs.clientKey.toString()))).endsWith("Unable to update TLS configuration. Check server logs.");
            assertThat(s.server().tlsPort()).isEqualTo(tlsPort);
        }
    }

    @Test
    void a_server_whose_certificate_does_not_load_does_not_start() {
        assertThatThrownBy(() -> new TestServer("--tls-port", String.valueOf(RealRedis.freePort()), "--tls-cert-file",
                certs.dir.resolve("missing.crt").toString(), "--tls-key-file", certs.serverKey.toString(), "--tls-ca-cert-file",
                certs.caCert.toString())).hasStackTraceContaining("Failed to configure TLS. Check logs for more info.");
    }
}
