package io.magpie.cluster.node;

import io.magpie.cluster.state.ClusterConfig;
import io.magpie.engine.config.Config;
import io.magpie.engine.config.Param;
import io.magpie.engine.config.Params.BoolParam;
import io.magpie.engine.config.Params.LongParam;
import io.magpie.engine.config.Params.StringParam;
import java.util.Locale;

/**
 * The cluster-* parameters of Redis 7.0 that cluster mode implements, registered in place of
 * the server's inert placeholders (same names, aliases, types, ranges, defaults, mutability),
 * so that redis.conf, CONFIG SET/GET/REWRITE treat them as any parameter. Registered before
 * the configuration is read; cluster-enabled then decides whether the module is added.
 * cluster-announce-hostname and cluster-preferred-endpoint-type keep the server's parameters
 * (their validation lives there) and are read by name.
 */
public final class ClusterParams {
    public final BoolParam enabled, requireFullCoverage, allowReadsWhenDown, allowPubsubshardWhenDown, allowReplicaMigration,
            replicaNoFailover;
    public final StringParam configFile, announceIp;
    public final LongParam port, nodeTimeout, migrationBarrier, replicaValidityFactor, announcePort, announceBusPort,
            announceTlsPort, linkSendbufLimit;
    private final Config registry;

    private ClusterParams(Config r) {
        registry = r;
        enabled = reg(r, new BoolParam("cluster-enabled", false).immutable());
        configFile = reg(r, new StringParam("cluster-config-file", "nodes.conf").immutable());
        port = reg(r, new LongParam("cluster-port", 0, 0, 65535, false).immutable());
        nodeTimeout = r.register(new LongParam("cluster-node-timeout", 15000, 0, Long.MAX_VALUE, false));
        migrationBarrier = r.register(new LongParam("cluster-migration-barrier", 1, 0, Integer.MAX_VALUE, false));
        replicaValidityFactor = r.register(new LongParam("cluster-replica-validity-factor", 10, 0, Integer.MAX_VALUE, false,
                "cluster-slave-validity-factor"));
        replicaNoFailover = r.register(new BoolParam("cluster-replica-no-failover", false, "cluster-slave-no-failover"));
        requireFullCoverage = r.register(new BoolParam("cluster-require-full-coverage", true));
        allowReadsWhenDown = r.register(new BoolParam("cluster-allow-reads-when-down", false));
        allowPubsubshardWhenDown = r.register(new BoolParam("cluster-allow-pubsubshard-when-down", true));
        allowReplicaMigration = r.register(new BoolParam("cluster-allow-replica-migration", true));
        announceIp = r.register(new StringParam("cluster-announce-ip", ""));
        announcePort = r.register(new LongParam("cluster-announce-port", 0, 0, 65535, false));
        announceBusPort = r.register(new LongParam("cluster-announce-bus-port", 0, 0, 65535, false));
        announceTlsPort = r.register(new LongParam("cluster-announce-tls-port", 0, 0, 65535, false));
        linkSendbufLimit = r.register(new LongParam("cluster-link-sendbuf-limit", 0, 0, Long.MAX_VALUE, true));
    }

    @SuppressWarnings("unchecked")
    private static <P extends Param> P reg(Config r, Param p) {
        return (P) r.register(p);
    }

    /** Registers the parameters (before the configuration is read). */
    public static ClusterParams register(Config registry) {
        return new ClusterParams(registry);
    }

    /**
     * The values the state machine reads, for a node serving clients on serverPort and, with
     * tls-cluster, on tlsPort over TLS (Redis's deriveAnnouncedPorts): the announced port is then
     * the TLS one (cluster-announce-tls-port, else tls-port), pport the plaintext one
     * (cluster-announce-port, else port), and the bus listens at the TLS port + 10000.
     */
    void fill(ClusterConfig c, int serverPort, int tlsPort, boolean tlsCluster) {
        c.nodeTimeout = nodeTimeout.value();
        c.replicaValidityFactor = replicaValidityFactor.intValue();
        c.migrationBarrier = migrationBarrier.intValue();
        c.requireFullCoverage = requireFullCoverage.value();
        c.allowReplicaMigration = allowReplicaMigration.value();
        c.replicaNoFailover = replicaNoFailover.value();
        c.announceIp = announceIp.value().isEmpty() ? null : announceIp.value();
        int port = tlsCluster ? tlsPort : serverPort;
        c.tlsCluster = tlsCluster;
        c.port = port;
        c.pport = tlsCluster ? serverPort : 0;
        if (tlsCluster && announceTlsPort.value() != 0) {
            c.port = announceTlsPort.intValue();
            c.pport = announcePort.intValue();
        } else if (announcePort.value() != 0) {
            c.port = announcePort.intValue();
        }
        c.cport = announceBusPort.value() != 0 ? announceBusPort.intValue() : busPort(port);
        Param hostname = registry.find("cluster-announce-hostname");
        c.announceHostname = hostname == null ? "" : hostname.get();
        Param endpoint = registry.find("cluster-preferred-endpoint-type");
        String type = endpoint == null ? "ip" : endpoint.get().toLowerCase(Locale.ROOT);
        c.preferredEndpointType = switch (type) {
            case "hostname" -> ClusterConfig.EndpointType.HOSTNAME;
            case "unknown-endpoint" -> ClusterConfig.EndpointType.UNKNOWN_ENDPOINT;
            default -> ClusterConfig.EndpointType.IP;
        };
        Param pingPeriod = registry.find("repl-ping-replica-period");
        if (pingPeriod != null) c.replPingReplicaPeriod = Integer.parseInt(pingPeriod.get());
    }

    /** The port the bus listens on: cluster-port, else the client port (the TLS one with tls-cluster) + 10000. */
    int busPort(int serverPort) {
        return port.value() != 0 ? port.intValue() : serverPort + 10000;
    }
}
