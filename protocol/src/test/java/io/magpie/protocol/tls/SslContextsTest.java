package io.magpie.protocol.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.magpie.protocol.tls.SslContexts.TlsException;
import io.magpie.protocol.tls.TlsOptions.AuthClients;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import org.junit.jupiter.api.Test;

class SslContextsTest {
    private final TestCertificates certs = TestCertificates.get();

    private TlsOptions options() {
        return TlsOptions.of(certs.serverCert.toString(), certs.serverKey.toString(), certs.caCert.toString());
    }

    private static TlsOptions with(TlsOptions o, String keyFile, String keyPass, String caFile, String caDir, String dh, String protocols) {
        return new TlsOptions(o.certFile(), keyFile, keyPass, o.clientCertFile(), o.clientKeyFile(), o.clientKeyFilePass(), caFile, caDir,
                dh, protocols, o.ciphers(), o.ciphersuites(), o.preferServerCiphers(), o.sessionCaching(), o.sessionCacheSize(),
                o.sessionCacheTimeout(), o.authClients());
    }

    /** Runs a handshake between two in-memory channels; the server's handler when it succeeded, else null. */
    private static SslHandler handshake(SslContext server, SslContext client) {
        SslHandler sh = server.newHandler(ByteBufAllocator.DEFAULT);
        SslHandler ch = client.newHandler(ByteBufAllocator.DEFAULT, "127.0.0.1", 6380);
        EmbeddedChannel s = new EmbeddedChannel(sh);
        EmbeddedChannel c = new EmbeddedChannel(ch);
        try {
            for (int i = 0; i < 100 && !(sh.handshakeFuture().isDone() && ch.handshakeFuture().isDone()); i++) {
                for (Object m; (m = c.readOutbound()) != null; ) s.writeInbound(m);
                for (Object m; (m = s.readOutbound()) != null; ) c.writeInbound(m);
            }
        } catch (RuntimeException handshakeFailed) {
            return null;
        } finally {
            s.finishAndReleaseAll();
            c.finishAndReleaseAll();
        }
        return sh.handshakeFuture().isSuccess() && ch.handshakeFuture().isSuccess() ? sh : null;
    }

    private static String peerName(SslHandler server) throws Exception {
        return ((X509Certificate) server.engine().getSession().getPeerCertificates()[0]).getSubjectX500Principal().getName();
    }

    @Test
    void the_jdk_provider_and_openssl_shake_hands_with_each_other_showing_the_client_certificate() throws Exception {
        for (SslProvider serverSide : new SslProvider[] {SslProvider.JDK, SslContexts.provider()}) {
            SslHandler server = handshake(SslContexts.forServer(options(), serverSide), SslContexts.forClient(options(), SslProvider.JDK));
            assertThat(server).as("handshake with a %s server", serverSide).isNotNull();
            assertThat(peerName(server)).contains("CN=server"); // no tls-client-cert-file: the server's identity
        }
    }

    @Test
    void tls_client_cert_file_is_the_identity_of_outgoing_links() throws Exception {
        TlsOptions o = options();
        TlsOptions withClientCert = new TlsOptions(o.certFile(), o.keyFile(), "", certs.clientCert.toString(), certs.clientKey.toString(),
                "", o.caCertFile(), "", "", "", "", "", false, true, 20480, 300, AuthClients.YES);
        SslHandler server = handshake(SslContexts.forServer(o), SslContexts.forClient(withClientCert));
        assertThat(server).isNotNull();
        assertThat(peerName(server)).contains("CN=client");
        TlsOptions noClientKey = new TlsOptions(o.certFile(), o.keyFile(), "", certs.clientCert.toString(), "", "", o.caCertFile(), "", "",
                "", "", "", false, true, 20480, 300, AuthClients.YES);
        assertThatThrownBy(() -> SslContexts.forClient(noClientKey)).hasMessage("No tls-client-key-file configured!");
    }

    @Test
    void tls_auth_clients_yes_fails_a_client_without_certificate_on_both_providers() throws Exception {
        for (SslProvider p : new SslProvider[] {SslProvider.JDK, SslContexts.provider()}) {
            SslContext anonymous = SslContextBuilder.forClient().sslProvider(p).trustManager(certs.caCert.toFile()).build();
            assertThat(handshake(SslContexts.forServer(options(), p), anonymous)).as("provider %s", p).isNull();
            assertThat(handshake(SslContexts.forServer(options().withAuthClients(AuthClients.OPTIONAL), p), anonymous)).isNotNull();
        }
    }

    @Test
    void netty_tcnative_boringssl_loads_on_linux_x86_64_so_openssl_serves() {
        if (System.getProperty("os.name").startsWith("Linux") && System.getProperty("os.arch").equals("amd64")) {
            assertThat(SslContexts.provider()).isEqualTo(SslProvider.OPENSSL);
        }
        assertThat(SslContexts.providerDescription()).isNotBlank();
    }

    @Test
    void server_and_client_contexts_build_from_the_pem_files() throws Exception {
        SslContext server = SslContexts.forServer(options());
        SslContext client = SslContexts.forClient(options());
        assertThat(server.isServer()).isTrue();
        assertThat(client.isClient()).isTrue();
    }

    @Test
    void an_encrypted_key_loads_with_tls_key_file_pass_and_not_with_a_wrong_one() throws Exception {
        TlsOptions o = options();
        assertThat(SslContexts.forServer(with(o, certs.serverKeyEncrypted.toString(), TestCertificates.KEY_PASSWORD, o.caCertFile(), "", "", "")))
                .isNotNull();
        assertThatThrownBy(() -> SslContexts.forServer(with(o, certs.serverKeyEncrypted.toString(), "wrong", o.caCertFile(), "", "", "")))
                .isInstanceOf(TlsException.class).hasMessageStartingWith("Failed to load private key: " + certs.serverKeyEncrypted);
    }

    @Test
    void a_key_that_is_not_the_certificates_is_refused_as_openssl_checks_it() {
        TlsOptions o = options();
        assertThatThrownBy(() -> SslContexts.forServer(with(o, certs.clientKey.toString(), "", o.caCertFile(), "", "", "")))
                .isInstanceOf(TlsException.class).hasMessageEndingWith("key values mismatch");
    }

    @Test
    void verifying_clients_needs_a_ca_and_not_verifying_them_does_not() throws Exception {
        TlsOptions o = with(options(), certs.serverKey.toString(), "", "", "", "", "");
        assertThatThrownBy(() -> SslContexts.forServer(o)).isInstanceOf(TlsException.class)
                .hasMessage("Either tls-ca-cert-file or tls-ca-cert-dir must be specified when tls-cluster, tls-replication or "
                        + "tls-auth-clients are enabled!");
        assertThat(SslContexts.forServer(o.withAuthClients(AuthClients.NO))).isNotNull();
        assertThatThrownBy(() -> SslContexts.forClient(o)).isInstanceOf(TlsException.class);
    }

    @Test
    void a_ca_directory_is_read_file_by_file_skipping_what_is_not_a_certificate() throws Exception {
        Path dir = Files.createTempDirectory(certs.dir, "cadir");
        Files.copy(certs.caCert, dir.resolve("ca.pem"));
        Files.writeString(dir.resolve("README"), "not a certificate");
        assertThat(SslContexts.forServer(with(options(), certs.serverKey.toString(), "", "", dir.toString(), "", ""))).isNotNull();
        Path empty = Files.createTempDirectory(certs.dir, "empty");
        assertThatThrownBy(() -> SslContexts.forServer(with(options(), certs.serverKey.toString(), "", "", empty.toString(), "", "")))
                .hasMessageStartingWith("Failed to configure CA certificate(s) file/directory");
    }

    @Test
    void tls_protocols_takes_redis_names_in_any_case_and_refuses_others() throws Exception {
        assertThat(SslContexts.protocols("")).containsExactly("TLSv1.2", "TLSv1.3");
        assertThat(SslContexts.protocols("tlsv1.3 TLSv1.2")).containsExactly("TLSv1.3", "TLSv1.2");
        assertThatThrownBy(() -> SslContexts.protocols("TLSv1.2 SSLv3")).isInstanceOf(TlsException.class)
                .hasMessage("Invalid tls-protocols specified. Use a combination of 'TLSv1', 'TLSv1.1', 'TLSv1.2' and 'TLSv1.3'.");
    }

    @Test
    void dh_params_are_checked_as_a_pem_dh_parameters_file() throws Exception {
        TlsOptions o = options();
        assertThat(SslContexts.forServer(with(o, o.keyFile(), "", o.caCertFile(), "", certs.dhParams.toString(), ""))).isNotNull();
        assertThatThrownBy(() -> SslContexts.forServer(with(o, o.keyFile(), "", o.caCertFile(), "", certs.caCert.toString(), "")))
                .hasMessageStartingWith("Failed to load " + certs.caCert);
    }

    @Test
    void a_missing_certificate_or_key_is_reported_by_its_parameter() {
        TlsOptions none = TlsOptions.of("", "", certs.caCert.toString());
        assertThatThrownBy(() -> SslContexts.forServer(none)).hasMessage("No tls-cert-file configured!");
        TlsOptions noKey = TlsOptions.of(certs.serverCert.toString(), "", certs.caCert.toString());
        assertThatThrownBy(() -> SslContexts.forServer(noKey)).hasMessage("No tls-key-file configured!");
        TlsOptions missing = TlsOptions.of(certs.dir.resolve("nope.crt").toString(), certs.serverKey.toString(), certs.caCert.toString());
        assertThatThrownBy(() -> SslContexts.forServer(missing)).hasMessageStartingWith("Failed to load certificate: ");
    }
}
