package io.magpie.cluster.state;

/**
 * The cluster-* parameters the state machine reads (Redis 7.0 names and defaults). The node
 * layer owns the values and may change them at any time between calls (CONFIG SET).
 */
public final class ClusterConfig {
    /** cluster-node-timeout, ms. */
    public long nodeTimeout = 15000;
    /** cluster-replica-validity-factor: 0 means a replica always tries to fail over. */
    public int replicaValidityFactor = 10;
    /** cluster-migration-barrier. */
    public int migrationBarrier = 1;
    /** cluster-require-full-coverage. */
    public boolean requireFullCoverage = true;
    /** cluster-allow-replica-migration. */
    public boolean allowReplicaMigration = true;
    /** cluster-replica-no-failover. */
    public boolean replicaNoFailover;
    /** repl-ping-replica-period, seconds: part of the failover data-age limit. */
    public int replPingReplicaPeriod = 10;
    /** cluster-announce-ip, or null: peers then take our address from the connection. */
    public String announceIp;
    /** The client port announced (cluster-announce-port, else the port; the TLS port when TLS serves clients). */
    public int port;
    /** The plaintext client port announced when {@link #port} is the TLS port, else 0. */
    public int pport;
    /** The bus port announced (cluster-announce-bus-port, else cluster-port, else port + 10000). */
    public int cport;
    /** cluster-announce-hostname, "" when none. */
    public String announceHostname = "";
    /** cluster-preferred-endpoint-type. */
    public EndpointType preferredEndpointType = EndpointType.IP;
    /** Whether clients are served over TLS (tls-cluster): CLUSTER SHARDS then reports tls-port. */
    public boolean tlsCluster;

    /** cluster-preferred-endpoint-type values. */
    public enum EndpointType {
        IP, HOSTNAME, UNKNOWN_ENDPOINT
    }

    /** A config for a node serving clients on {@code port}, its bus on port + 10000. */
    public static ClusterConfig forPort(int port) {
        ClusterConfig config = new ClusterConfig();
        config.port = port;
        config.cport = port + ClusterState.PORT_INCR;
        return config;
    }
}
