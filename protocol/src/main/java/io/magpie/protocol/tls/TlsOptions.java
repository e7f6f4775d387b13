package io.magpie.protocol.tls;

/**
 * What Redis's tls-* parameters say, as plain values (Redis's redisTLSContextConfig plus
 * tls-auth-clients): every side that speaks TLS (client port, replication, Sentinel, the
 * cluster bus, Raft links, the proxy) builds its contexts from one of these through
 * {@link SslContexts}. Empty strings mean "not set", as Redis's EMPTY_STRING_IS_NULL.
 */
public record TlsOptions(
        String certFile,
        String keyFile,
        String keyFilePass,
        String clientCertFile,
        String clientKeyFile,
        String clientKeyFilePass,
        String caCertFile,
        String caCertDir,
        String dhParamsFile,
        String protocols,
        String ciphers,
        String ciphersuites,
        boolean preferServerCiphers,
        boolean sessionCaching,
        long sessionCacheSize,
        long sessionCacheTimeout,
        AuthClients authClients) {

    /** tls-auth-clients: whether a client must (yes), may (optional) or need not (no) show a certificate. */
    public enum AuthClients { NO, YES, OPTIONAL }

    /** Options with only the files set and Redis's defaults for the rest (tests, tools). */
    public static TlsOptions of(String certFile, String keyFile, String caCertFile) {
        return new TlsOptions(certFile, keyFile, "", "", "", "", caCertFile, "", "", "", "", "", false, true,
                20 * 1024, 300, AuthClients.YES);
    }

    /** The same options with another tls-auth-clients. */
    public TlsOptions withAuthClients(AuthClients a) {
        return new TlsOptions(certFile, keyFile, keyFilePass, clientCertFile, clientKeyFile, clientKeyFilePass, caCertFile,
                caCertDir, dhParamsFile, protocols, ciphers, ciphersuites, preferServerCiphers, sessionCaching,
                sessionCacheSize, sessionCacheTimeout, a);
    }
}
