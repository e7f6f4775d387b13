package io.magpie.protocol.tls;

import io.netty.handler.ssl.SslContext;
import java.io.File;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;

/**
 * Reads PEM certificates and private keys (PKCS#8, encrypted or not) with Netty's own
 * readers, which SslContext keeps for its subclasses: one reader for every context, so a
 * file that loads here is one the handshake accepts.
 */
abstract class PemFiles extends SslContext {
    private PemFiles() {}

    static X509Certificate[] certificates(File f) throws GeneralSecurityException {
        return toX509Certificates(f);
    }

    static PrivateKey privateKey(File f, String password) throws GeneralSecurityException, IOException {
        return toPrivateKey(f, password);
    }
}
