package io.magpie.server.replication;

import io.magpie.engine.EngineConfig;
import io.magpie.engine.config.Config;
import io.magpie.engine.config.ConfigException;
import io.magpie.engine.config.Params.BoolParam;
import io.magpie.engine.config.Params.EnumParam;
import io.magpie.engine.config.Params.LongParam;
import io.magpie.engine.config.Params.StringParam;
import java.util.List;
import java.util.Locale;

/** The replication parameters, with Redis 7.0's names, aliases and defaults. */
public final class ReplicationConfig {
    private static final long INTMAX = Integer.MAX_VALUE;

    /** repl-diskless-load: how a replica takes in the RDB of a full sync. */
    public enum DisklessLoad { DISABLED, ON_EMPTY_DB, SWAPDB }

    public final ReplicaOfParam replicaof;
    public final StringParam masterauth, masteruser, replicaAnnounceIp;
    public final BoolParam replicaReadOnly, replicaServeStaleData, replicaAnnounced, replDisklessSync,
            replicaLazyFlush, replDisableTcpNodelay, replicaIgnoreMaxmemory, replicaIgnoreDiskWriteErrors;
    public final LongParam replicaPriority, replicaAnnouncePort, replTimeout, replPingReplicaPeriod, replBacklogSize,
            replBacklogTtl, replDisklessSyncDelay, replDisklessSyncMaxReplicas, minReplicasToWrite, minReplicasMaxLag;
    public final EnumParam<DisklessLoad> replDisklessLoad;

    public ReplicationConfig(Config c) {
        replicaof = c.register(new ReplicaOfParam());
        replicaof.immutable();
        masterauth = c.register(new StringParam("masterauth", ""));
        masterauth.sensitive();
        masteruser = c.register(new StringParam("masteruser", ""));
        replicaAnnounceIp = c.register(new StringParam("replica-announce-ip", "", "slave-announce-ip"));
        replicaReadOnly = c.register(new BoolParam("replica-read-only", true, "slave-read-only"));
        replicaServeStaleData = c.register(new BoolParam("replica-serve-stale-data", true, "slave-serve-stale-data"));
        replicaAnnounced = c.register(new BoolParam("replica-announced", true));
        replDisklessSync = c.register(new BoolParam("repl-diskless-sync", true));
        replicaLazyFlush = c.register(new BoolParam("replica-lazy-flush", false, "slave-lazy-flush"));
        replDisableTcpNodelay = c.register(new BoolParam("repl-disable-tcp-nodelay", false));
        replicaIgnoreMaxmemory = c.register(new BoolParam("replica-ignore-maxmemory", true, "slave-ignore-maxmemory"));
        replicaIgnoreDiskWriteErrors = c.register(new BoolParam("replica-ignore-disk-write-errors", false));
        replicaPriority = c.register(new LongParam("replica-priority", 100, 0, INTMAX, false, "slave-priority"));
        replicaAnnouncePort = c.register(new LongParam("replica-announce-port", 0, 0, 65535, false, "slave-announce-port"));
        replTimeout = c.register(new LongParam("repl-timeout", 60, 1, INTMAX, false));
        replPingReplicaPeriod = c.register(new LongParam("repl-ping-replica-period", 10, 1, INTMAX, false, "repl-ping-slave-period"));
        replBacklogSize = c.register(new LongParam("repl-backlog-size", 1 << 20, 1, Long.MAX_VALUE, true));
        replBacklogTtl = c.register(new LongParam("repl-backlog-ttl", 3600, 0, INTMAX, false));
        replDisklessSyncDelay = c.register(new LongParam("repl-diskless-sync-delay", 5, 0, INTMAX, false));
        replDisklessSyncMaxReplicas = c.register(new LongParam("repl-diskless-sync-max-replicas", 0, 0, INTMAX, false));
        minReplicasToWrite = c.register(new LongParam("min-replicas-to-write", 0, 0, INTMAX, false, "min-slaves-to-write"));
        minReplicasMaxLag = c.register(new LongParam("min-replicas-max-lag", 10, 0, INTMAX, false, "min-slaves-max-lag"));
        replDisklessLoad = c.register(new EnumParam<>("repl-diskless-load", DisklessLoad.DISABLED, DisklessLoad.values(),
                d -> d.name().toLowerCase(Locale.ROOT).replace('_', '-')));
    }

    /**
     * replicaof (slaveof) host port: read from redis.conf, shown by CONFIG GET and written
     * by CONFIG REWRITE; changed at runtime only through REPLICAOF.
     */
    public static final class ReplicaOfParam extends EngineConfig.Custom {
        private String host;
        private int port;

        ReplicaOfParam() {
            super("replicaof", "slaveof");
        }

        public String host() {
            return host;
        }

        public int port() {
            return port;
        }

        /** REPLICAOF at runtime (null host: NO ONE). */
        public void setMaster(String host, int port) {
            this.host = host;
            this.port = port;
        }

        @Override public String get() {
            return host == null ? "" : host + " " + port;
        }

        @Override public String defaultValue() {
            return "";
        }

        @Override public void setFromConfigFile(List<String> words) throws ConfigException {
            // redis-server also takes --replicaof "host port" as one argument.
            if (words.size() == 1) words = List.of(words.get(0).trim().split("\\s+"));
            if (words.size() != 2) throw error("wrong number of arguments");
            if (words.get(0).equalsIgnoreCase("no") && words.get(1).equalsIgnoreCase("one")) {
                host = null;
                return;
            }
            try {
                port = Integer.parseInt(words.get(1));
            } catch (NumberFormatException e) {
                throw error("Invalid master port");
            }
            if (port < 0 || port > 65535) throw error("Invalid master port");
            host = words.get(0);
        }

        @Override protected void parseAndSet(String value) throws ConfigException {
            setFromConfigFile(List.of(value.trim().split("\\s+")));
        }
    }
}
