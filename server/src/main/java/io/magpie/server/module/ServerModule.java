package io.magpie.server.module;

import java.util.List;

/**
 * What a mode adds to a node (Sentinel, Cluster, Raft): commands attached to the one command
 * table, an INFO section, work in the server's cron, listeners of its own, and work at
 * shutdown. A mode is a module on the one server base, not a second server, as Redis's
 * sentinel.c reuses the server's networking, command table and INFO.
 *
 * Every method runs on the keyspace thread (the server's main event loop), so a module sees
 * the same serial order of events as the commands do, and needs no locks of its own.
 */
public interface ServerModule {
    /** The module's name, for logs ("sentinel", "cluster"). */
    String name();

    /**
     * Called once, before the server listens: attach commands ({@link ModuleHost#command}),
     * remember the host for publishing and outgoing links.
     */
    default void attach(ModuleHost host) {}

    /**
     * The mode this module turns the node into (INFO's redis_mode, HELLO's mode), or null to
     * leave it standalone.
     */
    default String mode() {
        return null;
    }

    /** False for a mode without a keyspace (Sentinel): the server then loads and saves no data. */
    default boolean servesKeyspace() {
        return true;
    }

    /** Called once the server listens and has loaded its data: open the module's own listeners, start links. */
    default void start() {}

    /** The INFO sections this module writes (lower case, as INFO's arguments name them). */
    default List<String> infoSections() {
        return List.of();
    }

    /** Whether a plain INFO (and INFO default/all) includes this module's sections. */
    default boolean infoByDefault() {
        return false;
    }

    /** Writes one of {@link #infoSections()}: its "# Title" line and its fields, each ending in CRLF. */
    default void info(String section, StringBuilder out) {}

    /** serverCron: called hz times a second with the wall clock. */
    default void cron(long nowMs) {}

    /** INFO clients' cluster_connections: the node-to-node links this module keeps (the cluster bus's). */
    default long clusterConnections() {
        return 0;
    }

    /** The server is stopping: close the module's listeners and links. */
    default void shutdown() {}
}
