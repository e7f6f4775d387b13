package io.magpie.protocol.tls;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A throw-away PKI for tests, made with the openssl command in a temporary directory (as
 * Redis's utils/gen-test-certs.sh): a CA, a server certificate for 127.0.0.1/localhost, a
 * client certificate, the server key also encrypted with a password, a second CA that
 * signed nothing here, and DH parameters. Nothing is committed: every run makes its own.
 */
public final class TestCertificates {
    public static final String KEY_PASSWORD = "magpie-test-pass";

    public final Path dir;
    public final Path caCert, caKey, serverCert, serverKey, serverKeyEncrypted, clientCert, clientKey, otherCaCert, dhParams;

    private TestCertificates(Path dir) {
        this.dir = dir;
        caCert = dir.resolve("ca.crt");
        caKey = dir.resolve("ca.key");
        serverCert = dir.resolve("server.crt");
        serverKey = dir.resolve("server.key");
        serverKeyEncrypted = dir.resolve("server-enc.key");
        clientCert = dir.resolve("client.crt");
        clientKey = dir.resolve("client.key");
        otherCaCert = dir.resolve("other-ca.crt");
        dhParams = dir.resolve("dh.pem");
    }

    private static TestCertificates shared;

    /** One set per JVM (key generation costs a moment on a loaded machine). */
    public static synchronized TestCertificates get() {
        if (shared == null) shared = generate();
        return shared;
    }

    public static TestCertificates generate() {
        try {
            Path dir = Files.createTempDirectory("magpie-tls");
            dir.toFile().deleteOnExit();
            TestCertificates t = new TestCertificates(dir);
            t.make();
            return t;
        } catch (IOException e) {
            throw new IllegalStateException("the openssl command is required for the TLS tests (apt-get install openssl)", e);
        }
    }

    private void make() throws IOException {
        openssl("req", "-x509", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-sha256", "-days", "2", "-subj", "/O=Magpie Test/CN=Magpie Test CA",
                "-keyout", caKey.toString(), "-out", caCert.toString());
        Path other = dir.resolve("other-ca.key");
        openssl("req", "-x509", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-sha256", "-days", "2", "-subj", "/O=Magpie Test/CN=Other CA",
                "-keyout", other.toString(), "-out", otherCaCert.toString());
        Path ext = dir.resolve("server.ext");
        Files.writeString(ext, "subjectAltName=IP:127.0.0.1,DNS:localhost\nkeyUsage=digitalSignature,keyEncipherment\n"
                + "extendedKeyUsage=serverAuth,clientAuth\n");
        signed("server", serverKey, serverCert, ext);
        Path cext = dir.resolve("client.ext");
        Files.writeString(cext, "subjectAltName=IP:127.0.0.1\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth,serverAuth\n");
        signed("client", clientKey, clientCert, cext);
        openssl("pkcs8", "-topk8", "-v2", "aes-256-cbc", "-in", serverKey.toString(), "-out", serverKeyEncrypted.toString(),
                "-passout", "pass:" + KEY_PASSWORD);
        openssl("dhparam", "-dsaparam", "-out", dhParams.toString(), "1024");
    }

    private void signed(String name, Path key, Path cert, Path ext) throws IOException {
        Path csr = dir.resolve(name + ".csr");
        openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-subj", "/O=Magpie Test/CN=" + name, "-keyout", key.toString(),
                "-out", csr.toString());
        openssl("x509", "-req", "-sha256", "-days", "2", "-in", csr.toString(), "-CA", caCert.toString(), "-CAkey", caKey.toString(),
                "-CAcreateserial", "-extfile", ext.toString(), "-out", cert.toString());
    }

    private void openssl(String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add("openssl");
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("openssl.log").toFile()).start();
        try {
            if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IOException("openssl " + String.join(" ", args) + " failed: " + Files.readString(dir.resolve("openssl.log")));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }
}
