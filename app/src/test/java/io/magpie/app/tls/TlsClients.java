package io.magpie.app.tls;

import io.magpie.protocol.tls.TestCertificates;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/** Clients of a TLS port for the tests: redis-cli --tls, and a JDK SSLContext for Jedis. */
public final class TlsClients {
    private TlsClients() {}

    /** redis-cli's output (stdout and stderr) for a command, with the given connection options. */
    static String redisCli(List<String> options, String... command) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("redis-cli"));
        cmd.addAll(options);
        cmd.addAll(List.of(command));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getOutputStream().close();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("redis-cli did not end: " + cmd);
        }
        return new String(p.getInputStream().readAllBytes()).strip();
    }

    /** --tls with the CA, and with the client certificate when withCert. */
    static List<String> tls(TestCertificates c, int port, boolean withCert) {
        List<String> o = new ArrayList<>(List.of("-h", "127.0.0.1", "-p", String.valueOf(port), "--tls", "--cacert", c.caCert.toString()));
        if (withCert) o.addAll(List.of("--cert", c.clientCert.toString(), "--key", c.clientKey.toString()));
        return o;
    }

    /** A JDK SSLContext trusting the test CA and showing the client certificate. */
    public static SSLContext sslContext(TestCertificates c) throws Exception {
        CertificateFactory cf = CertificateFactory.getInstance("X.509");
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        try (var in = Files.newInputStream(c.caCert)) {
            trust.setCertificateEntry("ca", cf.generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        Certificate cert;
        try (var in = Files.newInputStream(c.clientCert)) {
            cert = cf.generateCertificate(in);
        }
        keys.setKeyEntry("client", pkcs8(c.clientKey), new char[0], new Certificate[] {cert});
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, new char[0]);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        return ctx;
    }

    private static PrivateKey pkcs8(Path pem) throws Exception {
        String b64 = Files.readString(pem).replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        return KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(b64)));
    }
}
