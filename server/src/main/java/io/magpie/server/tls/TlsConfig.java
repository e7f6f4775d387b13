package io.magpie.server.tls;

import io.magpie.engine.config.Config;
import io.magpie.engine.config.Param;
import io.magpie.engine.config.Params.BoolParam;
import io.magpie.engine.config.Params.EnumParam;
import io.magpie.engine.config.Params.LongParam;
import io.magpie.engine.config.Params.StringParam;
import io.magpie.protocol.tls.TlsOptions;
import io.magpie.protocol.tls.TlsOptions.AuthClients;
import java.util.List;
import java.util.Locale;

/**
 * Redis 7.0's tls-* parameters, with its names, defaults and mutability: every one can be
 * changed by CONFIG SET. The context parameters (files, protocols, ciphers, caching) are
 * applied together once a CONFIG SET has set them all, as Redis's applyTlsCfg, so that a new
 * certificate and its key can be set in one command.
 */
public final class TlsConfig {
    private static final long INTMAX = Integer.MAX_VALUE;

    public final LongParam tlsPort;
    public final BoolParam tlsReplication;
    public final BoolParam tlsCluster;
    public final EnumParam<AuthClients> authClients;
    public final BoolParam preferServerCiphers;
    public final BoolParam sessionCaching;
    public final LongParam sessionCacheSize;
    public final LongParam sessionCacheTimeout;
    public final StringParam certFile, keyFile, keyFilePass, clientCertFile, clientKeyFile, clientKeyFilePass, dhParamsFile,
            caCertFile, caCertDir, protocols, ciphers, ciphersuites;

    public TlsConfig(Config c) {
        tlsPort = c.register(new LongParam("tls-port", 0, 0, 65535, false));
        tlsCluster = c.register(new BoolParam("tls-cluster", false));
        tlsReplication = c.register(new BoolParam("tls-replication", false));
        authClients = c.register(new EnumParam<>("tls-auth-clients", AuthClients.YES, AuthClients.values(),
                a -> a.name().toLowerCase(Locale.ROOT)));
        preferServerCiphers = c.register(new BoolParam("tls-prefer-server-ciphers", false));
        sessionCaching = c.register(new BoolParam("tls-session-caching", true));
        sessionCacheSize = c.register(new LongParam("tls-session-cache-size", 20 * 1024, 0, INTMAX, false));
        sessionCacheTimeout = c.register(new LongParam("tls-session-cache-timeout", 300, 0, INTMAX, false));
        certFile = c.register(new StringParam("tls-cert-file", ""));
        keyFile = c.register(new StringParam("tls-key-file", ""));
        keyFilePass = c.register(new StringParam("tls-key-file-pass", ""));
        keyFilePass.sensitive();
        clientCertFile = c.register(new StringParam("tls-client-cert-file", ""));
        clientKeyFile = c.register(new StringParam("tls-client-key-file", ""));
        clientKeyFilePass = c.register(new StringParam("tls-client-key-file-pass", ""));
        clientKeyFilePass.sensitive();
        dhParamsFile = c.register(new StringParam("tls-dh-params-file", ""));
        caCertFile = c.register(new StringParam("tls-ca-cert-file", ""));
        caCertDir = c.register(new StringParam("tls-ca-cert-dir", ""));
        protocols = c.register(new StringParam("tls-protocols", ""));
        ciphers = c.register(new StringParam("tls-ciphers", ""));
        ciphersuites = c.register(new StringParam("tls-ciphersuites", ""));
    }

    /** The parameters that shape the SSL contexts (Redis's applyTlsCfg ones). */
    public List<Param> contextParams() {
        return List.of(authClients, preferServerCiphers, sessionCaching, sessionCacheSize, sessionCacheTimeout, certFile, keyFile,
                keyFilePass, clientCertFile, clientKeyFile, clientKeyFilePass, dhParamsFile, caCertFile, caCertDir, protocols,
                ciphers, ciphersuites);
    }

    /** Whether anything uses TLS: Redis configures it when tls-port, tls-replication or tls-cluster is set. */
    public boolean inUse() {
        return tlsPort.value() != 0 || tlsReplication.value() || tlsCluster.value();
    }

    /** The options, with relative paths resolved as Redis opens them after its chdir to dir. */
    public TlsOptions options(java.util.function.UnaryOperator<String> path) {
        return new TlsOptions(path.apply(certFile.get()), path.apply(keyFile.get()), keyFilePass.get(), path.apply(clientCertFile.get()),
                path.apply(clientKeyFile.get()), clientKeyFilePass.get(), path.apply(caCertFile.get()), path.apply(caCertDir.get()),
                path.apply(dhParamsFile.get()), protocols.get(), ciphers.get(),
                ciphersuites.get(), preferServerCiphers.value(), sessionCaching.value(), sessionCacheSize.value(),
                sessionCacheTimeout.value(), authClients.value());
    }
}
