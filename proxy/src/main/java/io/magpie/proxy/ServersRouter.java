package io.magpie.proxy;

import io.magpie.commands.placement.Distribution;
import io.magpie.commands.placement.HashTag;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * backend servers: a static list placed by modula, ketama or a ring (with twemproxy's hash
 * and hash_tag). With auto_eject_hosts, a server that fails server_failure_limit times in a
 * row leaves the distribution for server_retry_timeout ms, then comes back, as in twemproxy.
 */
final class ServersRouter implements Router {
    private final ProxyConfig config;
    private volatile List<Backend> servers;
    private volatile List<Distribution.Node> nodes;
    private volatile Distribution distribution;
    /** nanoTime at which an ejected server comes back, so the distribution must be rebuilt; 0: none. */
    private volatile long nextRebuild;

    ServersRouter(ProxyConfig config, ProxyServer server) {
        this.config = config;
        install(config.servers, server);
    }

    private synchronized void install(List<ProxyConfig.Server> list, ProxyServer server) {
        List<Backend> backends = new ArrayList<>();
        List<Distribution.Node> ns = new ArrayList<>();
        for (ProxyConfig.Server s : list) {
            backends.add(server.backend(s.host(), s.port()));
            ns.add(new Distribution.Node(s.address(), s.weight()));
        }
        servers = backends;
        nodes = ns;
        rebuild();
    }

    private synchronized void rebuild() {
        long now = System.nanoTime();
        List<Backend> list = servers;
        boolean[] live = new boolean[list.size()];
        long next = 0;
        boolean any = false;
        for (int i = 0; i < live.length; i++) {
            Backend b = list.get(i);
            live[i] = !config.autoEjectHosts || !b.ejected(now);
            if (!live[i] && (next == 0 || b.ejectedUntil - next < 0)) next = b.ejectedUntil;
            any |= live[i];
        }
        nextRebuild = next;
        distribution = any ? Distribution.build(config.distribution, nodes, live) : null;
    }

    @Override
    public void start(ProxyServer server) {}

    @Override
    public int shard(byte[] key) {
        long next = nextRebuild;
        if (next != 0 && System.nanoTime() - next >= 0) rebuild();
        Distribution d = distribution;
        return d == null ? -1 : d.node(HashTag.hash(config.hash, config.hashTag, key));
    }

    @Override
    public void send(LoopState loop, int shard, boolean read, byte[][] argv, int resp, ReplyCallback cb) {
        Backend b = backend(shard, read);
        if (b == null) {
            cb.reply(Resp.error("ERR magpie-proxy: no live backend server"));
            return;
        }
        loop.shared(b, resp).send(argv, cb);
    }

    @Override
    public Backend backend(int shard, boolean read) {
        List<Backend> list = servers;
        return shard < 0 || shard >= list.size() ? null : list.get(shard);
    }

    @Override
    public List<Backend> masters() {
        return servers;
    }

    @Override
    public Backend defaultBackend() {
        return servers.get(0);
    }

    @Override
    public void failed(Backend b, int consecutiveFailures) {
        if (!config.autoEjectHosts || consecutiveFailures < config.serverFailureLimit) return;
        b.ejectedUntil = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(config.serverRetryTimeoutMs) | 1;
        b.consecutiveFailures.set(0);
        rebuild();
    }

    @Override
    public String status(Backend b) {
        return config.autoEjectHosts && b.ejected(System.nanoTime()) ? "ejected" : "in";
    }

    @Override
    public String describe() {
        StringBuilder sb = new StringBuilder();
        sb.append("backend servers distribution ").append(config.distribution.configName()).append(" hash ").append(config.hash.configName());
        if (!config.hashTagText.isEmpty()) sb.append(" hash_tag ").append(config.hashTagText);
        sb.append('\n');
        List<Backend> list = servers;
        for (int i = 0; i < list.size(); i++) {
            sb.append(i).append(' ').append(list.get(i).address).append(" weight ").append(nodes.get(i).weight())
                    .append(' ').append(status(list.get(i))).append('\n');
        }
        return sb.toString();
    }

    @Override
    public String reload(ProxyServer server) {
        try {
            install(config.reloadServers(), server);
            return null;
        } catch (Exception e) {
            return "ERR reload failed: " + e.getMessage();
        }
    }
}
