package io.magpie.protocol.tls;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.IdentityCipherSuiteFilter;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.OpenSslSessionContext;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;

/**
 * Builds Netty SSL contexts from {@link TlsOptions}, as Redis's tls.c builds its SSL_CTX:
 * a server context (the client port; the accepting side of the cluster bus and Raft links)
 * and a client context (a replica's link to its master, Sentinel's links, the bus's and the
 * proxy's outgoing links). OpenSSL (BoringSSL through netty-tcnative) where it loads, the
 * JDK's provider otherwise. Every file is read and checked here, so that a bad file is
 * reported when the configuration is applied rather than at the first handshake.
 */
public final class SslContexts {
    private SslContexts() {}

    /** Why a context could not be built, in the words Redis logs. */
    public static final class TlsException extends Exception {
        public TlsException(String message) {
            super(message);
        }
    }

    /** OpenSSL when netty-tcnative loads on this platform, else the JDK's provider. */
    public static SslProvider provider() {
        return OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
    }

    /** For the startup log: which TLS implementation serves, and why not OpenSSL when it does not. */
    public static String providerDescription() {
        if (OpenSsl.isAvailable()) return "OpenSSL (" + OpenSsl.versionString() + ")";
        Throwable cause = OpenSsl.unavailabilityCause();
        return "the JDK's provider (OpenSSL unavailable: " + (cause == null ? "unknown" : cause.getMessage()) + ")";
    }

    /** The context for accepting TLS connections (tlsConfigure's ctx). */
    public static SslContext forServer(TlsOptions o) throws TlsException {
        return forServer(o, provider());
    }

    static SslContext forServer(TlsOptions o, SslProvider provider) throws TlsException {
        Identity id = identity(o.certFile(), o.keyFile(), o.keyFilePass(), "tls-cert-file", "tls-key-file");
        List<X509Certificate> cas = caCertificates(o, o.authClients() != TlsOptions.AuthClients.NO);
        checkDhParams(o.dhParamsFile());
        SslContextBuilder b = SslContextBuilder.forServer(id.key, id.chain)
                .clientAuth(switch (o.authClients()) {
                    case YES -> ClientAuth.REQUIRE;
                    case OPTIONAL -> ClientAuth.OPTIONAL;
                    case NO -> ClientAuth.NONE;
                })
                .sessionCacheSize(o.sessionCacheSize())
                .sessionTimeout(o.sessionCacheTimeout());
        if (!cas.isEmpty()) b.trustManager(cas);
        SslContext ctx = build(common(b, o, provider));
        if (!o.sessionCaching() && ctx.sessionContext() instanceof OpenSslSessionContext s) s.setSessionCacheEnabled(false);
        return ctx;
    }

    /**
     * The context for connecting to a TLS server (tlsConfigure's client_ctx): the
     * tls-client-cert-file identity, or the server's one when that is not set, as Redis does.
     * Peers are verified against the CA, not by host name (Redis does not check names).
     */
    public static SslContext forClient(TlsOptions o) throws TlsException {
        return forClient(o, provider());
    }

    static SslContext forClient(TlsOptions o, SslProvider provider) throws TlsException {
        boolean ownClientCert = !o.clientCertFile().isEmpty();
        Identity id = ownClientCert
                ? identity(o.clientCertFile(), o.clientKeyFile(), o.clientKeyFilePass(), "tls-client-cert-file", "tls-client-key-file")
                : identity(o.certFile(), o.keyFile(), o.keyFilePass(), "tls-cert-file", "tls-key-file");
        List<X509Certificate> cas = caCertificates(o, true);
        SslContextBuilder b = SslContextBuilder.forClient().keyManager(id.key, id.chain).trustManager(cas);
        return build(common(b, o, provider));
    }

    /** A handler for an accepted connection; tls-prefer-server-ciphers is applied to the JDK's engine (OpenSSL's always prefers them). */
    public static SslHandler serverHandler(SslContext ctx, ByteBufAllocator alloc, boolean preferServerCiphers) {
        SslHandler h = ctx.newHandler(alloc);
        if (preferServerCiphers) {
            SSLEngine engine = h.engine();
            SSLParameters p = engine.getSSLParameters();
            p.setUseCipherSuitesOrder(true);
            engine.setSSLParameters(p);
        }
        return h;
    }

    /** A handler for an outgoing connection to host:port. */
    public static SslHandler clientHandler(SslContext ctx, ByteBufAllocator alloc, String host, int port) {
        return ctx.newHandler(alloc, host, port);
    }

    private static SslContextBuilder common(SslContextBuilder b, TlsOptions o, SslProvider provider) throws TlsException {
        b.sslProvider(provider).protocols(protocols(o.protocols()));
        List<String> ciphers = new ArrayList<>();
        for (String s : (o.ciphers() + ":" + o.ciphersuites()).split(":")) if (!s.isBlank()) ciphers.add(s.strip());
        if (!ciphers.isEmpty()) {
            // OpenSSL takes its own names and keywords as they are; the JDK keeps those it knows.
            b.ciphers(ciphers, provider == SslProvider.OPENSSL ? IdentityCipherSuiteFilter.INSTANCE : SupportedCipherSuiteFilter.INSTANCE);
        }
        return b;
    }

    private static SslContext build(SslContextBuilder b) throws TlsException {
        try {
            return b.build();
        } catch (IOException | RuntimeException e) {
            throw new TlsException("Failed to configure TLS: " + rootMessage(e));
        }
    }

    /** parseProtocolsConfig: TLSv1.2 and TLSv1.3 unless tls-protocols says otherwise. */
    static String[] protocols(String config) throws TlsException {
        if (config == null || config.isBlank()) return new String[] {"TLSv1.2", "TLSv1.3"};
        Set<String> out = new LinkedHashSet<>();
        for (String w : config.strip().split("\\s+")) {
            switch (w.toLowerCase(Locale.ROOT)) {
                case "tlsv1" -> out.add("TLSv1");
                case "tlsv1.1" -> out.add("TLSv1.1");
                case "tlsv1.2" -> out.add("TLSv1.2");
                case "tlsv1.3" -> out.add("TLSv1.3");
                default -> throw new TlsException(
                        "Invalid tls-protocols specified. Use a combination of 'TLSv1', 'TLSv1.1', 'TLSv1.2' and 'TLSv1.3'.");
            }
        }
        return out.toArray(String[]::new);
    }

    private record Identity(PrivateKey key, X509Certificate[] chain) {}

    private static Identity identity(String certFile, String keyFile, String pass, String certParam, String keyParam)
            throws TlsException {
        if (certFile == null || certFile.isEmpty()) throw new TlsException("No " + certParam + " configured!");
        if (keyFile == null || keyFile.isEmpty()) throw new TlsException("No " + keyParam + " configured!");
        X509Certificate[] chain;
        try {
            chain = PemFiles.certificates(new File(certFile));
            if (chain.length == 0) throw new TlsException("Failed to load certificate: " + certFile + ": no certificate found");
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new TlsException("Failed to load certificate: " + certFile + ": " + rootMessage(e));
        }
        PrivateKey key;
        try {
            key = PemFiles.privateKey(new File(keyFile), pass == null || pass.isEmpty() ? null : pass);
        } catch (GeneralSecurityException | IOException | RuntimeException e) {
            throw new TlsException("Failed to load private key: " + keyFile + ": " + rootMessage(e));
        }
        if (!keyMatches(key, chain[0])) {
            throw new TlsException("Failed to load private key: " + keyFile + ": key values mismatch");
        }
        return new Identity(key, chain);
    }

    /** SSL_CTX_check_private_key: the key signs what the certificate's public key verifies. */
    private static boolean keyMatches(PrivateKey key, X509Certificate cert) {
        String alg = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "Ed25519", "EdDSA" -> "Ed25519";
            default -> null;
        };
        if (alg == null) return true; // an unusual key type: the handshake will tell
        try {
            byte[] probe = "magpie key check".getBytes(StandardCharsets.US_ASCII);
            Signature s = Signature.getInstance(alg);
            s.initSign(key);
            s.update(probe);
            byte[] sig = s.sign();
            Signature v = Signature.getInstance(alg);
            v.initVerify(cert.getPublicKey());
            v.update(probe);
            return v.verify(sig);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    /** tls-ca-cert-file and every certificate file in tls-ca-cert-dir; required where peers are verified. */
    private static List<X509Certificate> caCertificates(TlsOptions o, boolean required) throws TlsException {
        List<X509Certificate> cas = new ArrayList<>();
        boolean fileSet = !o.caCertFile().isEmpty();
        boolean dirSet = !o.caCertDir().isEmpty();
        if (!fileSet && !dirSet) {
            if (required) {
                throw new TlsException("Either tls-ca-cert-file or tls-ca-cert-dir must be specified when tls-cluster, "
                        + "tls-replication or tls-auth-clients are enabled!");
            }
            return cas;
        }
        try {
            if (fileSet) cas.addAll(List.of(PemFiles.certificates(new File(o.caCertFile()))));
            if (dirSet) {
                Path dir = Path.of(o.caCertDir());
                if (!Files.isDirectory(dir)) throw new IOException("not a directory");
                try (Stream<Path> files = Files.list(dir)) {
                    for (Path f : files.sorted().toList()) {
                        if (!Files.isRegularFile(f)) continue;
                        try (InputStream in = Files.newInputStream(f)) {
                            for (var c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                                cas.add((X509Certificate) c);
                            }
                        } catch (GeneralSecurityException notACertificate) {
                            // c_rehash directories hold other files too; OpenSSL skips them as well
                        }
                    }
                }
            }
        } catch (GeneralSecurityException | IOException | RuntimeException e) {
            throw new TlsException("Failed to configure CA certificate(s) file/directory: " + rootMessage(e));
        }
        if (cas.isEmpty()) throw new TlsException("Failed to configure CA certificate(s) file/directory: no certificate found");
        return cas;
    }

    /**
     * tls-dh-params-file: read and checked as Redis does. BoringSSL has no DHE cipher suites
     * (ECDHE serves instead), so the parameters are not handed to the context.
     */
    private static void checkDhParams(String file) throws TlsException {
        if (file == null || file.isEmpty()) return;
        try {
            String pem = Files.readString(Path.of(file), StandardCharsets.US_ASCII);
            if (!pem.matches("(?s).*-----BEGIN (X9.42 )?DH PARAMETERS-----.*")) throw new IOException("no DH parameters found");
        } catch (IOException | RuntimeException e) {
            throw new TlsException("Failed to load " + file + ": " + rootMessage(e));
        }
    }

    private static String rootMessage(Throwable t) {
        while (t.getCause() != null && t.getCause() != t) t = t.getCause();
        return t.getMessage() == null ? t.toString() : t.getMessage();
    }
}
