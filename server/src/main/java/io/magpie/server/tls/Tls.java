package io.magpie.server.tls;

import io.magpie.engine.config.Config;
import io.magpie.engine.config.Param;
import io.magpie.protocol.tls.SslContexts;
import io.magpie.protocol.tls.SslContexts.TlsException;
import io.magpie.protocol.tls.TlsOptions;
import io.magpie.server.Log;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;

/**
 * The server's TLS state (Redis's tls.c): the contexts built from {@link TlsConfig}, for
 * the tls-port's connections (server side) and for the links this node opens to others with
 * tls-replication or tls-cluster (client side). A reconfiguration builds both anew and swaps
 * them only when both built: connections already open keep theirs, as in Redis.
 */
public final class Tls {
    /** CONFIG SET's reply when the new contexts do not build (applyTlsCfg). */
    public static final String UPDATE_FAILED = "Unable to update TLS configuration. Check server logs.";

    private final TlsConfig config;
    private volatile SslContext server;
    private volatile SslContext client;
    /** The bus's accepting side: always requires a peer certificate (Redis's TLS_CLIENT_AUTH_YES), whatever tls-auth-clients says. */
    private volatile SslContext clusterServer;
    private volatile boolean preferServerCiphers;

    private final java.util.function.UnaryOperator<String> path;

    /** path: how a file name of the configuration is opened (relative ones inside dir). */
    public Tls(Config registry, java.util.function.UnaryOperator<String> path) {
        this.config = new TlsConfig(registry);
        this.path = p -> p.isEmpty() ? p : path.apply(p);
        Runnable apply = this::applyConfig;
        for (Param p : config.contextParams()) p.apply(apply);
    }

    public TlsConfig config() {
        return config;
    }

    /** Whether the contexts are built (tlsConfigure ran and worked). */
    public boolean configured() {
        return server != null;
    }

    /** tlsConfigure: builds the contexts from the current parameters, or logs why not and throws. */
    public void configure() throws TlsException {
        TlsOptions o = config.options(path);
        try {
            SslContext s = SslContexts.forServer(o);
            // The client side verifies its peers, so it needs the CA: built where links use it.
            SslContext c = config.tlsReplication.value() || config.tlsCluster.value() ? SslContexts.forClient(o) : null;
            SslContext cs = !config.tlsCluster.value() ? null
                    : o.authClients() == TlsOptions.AuthClients.YES ? s : SslContexts.forServer(o.withAuthClients(TlsOptions.AuthClients.YES));
            server = s;
            client = c;
            clusterServer = cs;
            preferServerCiphers = o.preferServerCiphers();
        } catch (TlsException e) {
            Log.warning("%s", e.getMessage());
            throw e;
        }
    }

    /** applyTlsCfg: a CONFIG SET of context parameters takes effect only if the new contexts build. */
    private void applyConfig() {
        if (!config.inUse()) return;
        try {
            configure();
        } catch (TlsException e) {
            throw new IllegalStateException(UPDATE_FAILED);
        }
    }

    /** The handler in front of a connection accepted on the tls-port. */
    public SslHandler serverHandler(ByteBufAllocator alloc) {
        return SslContexts.serverHandler(server, alloc, preferServerCiphers);
    }

    /**
     * The handler for a link to host:port when tls-replication is on (a replica's link to its
     * master, Sentinel's links), or null for a plain link.
     */
    public SslHandler replicationHandler(ByteBufAllocator alloc, String host, int port) {
        return config.tlsReplication.value() ? clientHandler(alloc, host, port) : null;
    }

    /**
     * For the cluster bus (and Raft links): the handler of an outgoing bus link when
     * tls-cluster is on, or null. The bus's accepting side puts {@link #clusterServerHandler}
     * in front of each connection it accepts.
     */
    public SslHandler clusterHandler(ByteBufAllocator alloc, String host, int port) {
        return config.tlsCluster.value() ? clientHandler(alloc, host, port) : null;
    }

    /**
     * The handler in front of a connection accepted on the cluster bus port when tls-cluster is
     * on, or null: the peer must show a certificate the CA signed (clusterAcceptHandler accepts
     * with TLS_CLIENT_AUTH_YES), so only nodes holding one join the bus.
     */
    public SslHandler clusterServerHandler(ByteBufAllocator alloc) {
        if (!config.tlsCluster.value()) return null;
        if (clusterServer == null) {
            try {
                configure();
            } catch (TlsException e) {
                throw new IllegalStateException("TLS is not configured: " + e.getMessage(), e);
            }
        }
        return SslContexts.serverHandler(clusterServer, alloc, preferServerCiphers);
    }

    /**
     * The TLS engine for a connection MIGRATE opens to host:port when tls-cluster is on (Redis's
     * migrateGetSocket connects with connCreateTLS then), or null for a plain one. The caller
     * drives it over its own socket and releases it (ReferenceCountUtil) when done.
     */
    public javax.net.ssl.SSLEngine migrateEngine(String host, int port) {
        SslHandler h = clusterHandler(io.netty.buffer.ByteBufAllocator.DEFAULT, host, port);
        return h == null ? null : h.engine();
    }

    private SslHandler clientHandler(ByteBufAllocator alloc, String host, int port) {
        SslContext c = client;
        if (c == null) {
            try {
                configure();
                c = client;
            } catch (TlsException e) {
                throw new IllegalStateException("TLS is not configured: " + e.getMessage(), e);
            }
        }
        return SslContexts.clientHandler(c, alloc, host, port);
    }
}
