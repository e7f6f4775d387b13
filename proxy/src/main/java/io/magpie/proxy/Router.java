package io.magpie.proxy;

import java.util.List;

/**
 * Where keys live. A shard is the unit within which multi-key commands are allowed: a server's
 * index for plain servers, a hash slot for a cluster (Redis refuses multi-key commands across
 * slots even on one node).
 */
interface Router {
    /** The shard of a key; -1 when no server is live. */
    int shard(byte[] key);

    /** Sends argv to the owner of shard, following the backend's redirections if it has any. */
    void send(LoopState loop, int shard, boolean read, byte[][] argv, int resp, ReplyCallback cb);

    /** The backend that serves shard now (null when none). */
    Backend backend(int shard, boolean read);

    /** Every master, in a stable order (fan-out to all: DBSIZE, KEYS, SCAN, FLUSHALL). */
    List<Backend> masters();

    /** Where DBSIZE, KEYS and SCAN go: the masters, unless their keyspaces overlap (Raft nodes replicate groups). */
    default List<Backend> keyspaces() {
        return masters();
    }

    /** Where keyless commands and pub/sub go. */
    Backend defaultBackend();

    /** PROXY MAP's text. */
    String describe();

    /** PROXY RELOAD: re-reads the map (the config file's servers, or the cluster's slots). */
    String reload(ProxyServer server);

    /** INFO backends: what the router knows of a backend beyond its counters. */
    String status(Backend b);

    /** Lines of the router's own for INFO's Stats section ("name:value\r\n"...). */
    default String infoSection() {
        return "";
    }

    /** Called when a backend fails (connect refused, connection lost). */
    default void failed(Backend b, int consecutiveFailures) {}

    void start(ProxyServer server);
}
