package io.magpie.proxy;

import java.util.List;

/** backend cluster: placeholder until the slot map is learned. */
final class ClusterRouter implements Router {
    ClusterRouter(ProxyConfig config, ProxyServer server) {
        throw new UnsupportedOperationException("backend cluster");
    }

    public int shard(byte[] key) { return -1; }
    public void send(LoopState loop, int shard, boolean read, byte[][] argv, int resp, ReplyCallback cb) {}
    public Backend backend(int shard, boolean read) { return null; }
    public List<Backend> masters() { return List.of(); }
    public Backend defaultBackend() { return null; }
    public String describe() { return ""; }
    public String reload(ProxyServer server) { return null; }
    public String status(Backend b) { return ""; }
    public void start(ProxyServer server) {}
}
