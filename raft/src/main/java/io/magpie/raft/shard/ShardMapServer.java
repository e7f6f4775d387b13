package io.magpie.raft.shard;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.magpie.engine.Engine;
import io.magpie.server.Log;
import io.magpie.server.MagpieServer;
import io.magpie.server.metrics.InfoFields;
import io.magpie.server.metrics.MetricsEndpoint;
import io.magpie.server.metrics.OwnerThread;
import io.magpie.server.metrics.StatusPage;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * raft-http-port: a listener of its own serving the {@link ShardMapPage} at "/". Its own
 * port rather than a page on metrics-port, because an operator shows the map where Prometheus
 * is not wanted (and the other way round), and the interface names it; it is the same
 * JDK HTTP server the metrics endpoint runs on, at the address metrics-port takes (the first
 * bind address), and a port it cannot have stops the start as metrics-port does.
 *
 * The map and what the node knows beyond it are read on the keyspace thread
 * ({@link OwnerThread}), in one moment; the page is drawn on the HTTP thread.
 */
final class ShardMapServer {
    private final HttpServer http;
    private final ExecutorService threads;

    private ShardMapServer(HttpServer http, ExecutorService threads) {
        this.http = http;
        this.threads = threads;
    }

    /** Opens raft-http-port when set (null when 0). */
    static ShardMapServer start(MagpieServer server, ShardedRaftModule module) {
        int port = (int) module.shardConfig.httpPort.value();
        if (port == 0) return null;
        try {
            InetAddress address = MetricsEndpoint.listenAddress(server.config().bind.addresses());
            HttpServer http = HttpServer.create(address == null ? new InetSocketAddress(port) : new InetSocketAddress(address, port), 16);
            ExecutorService threads = Executors.newFixedThreadPool(2, r -> {
                Thread t = new Thread(r, "magpie-raft-http");
                t.setDaemon(true);
                return t;
            });
            http.setExecutor(threads);
            http.createContext("/", exchange -> handle(exchange, server, module));
            http.start();
            Log.notice("Raft shards: map page on port %d", http.getAddress().getPort());
            return new ShardMapServer(http, threads);
        } catch (IOException e) {
            throw new IllegalStateException("Failed listening on raft-http-port " + port + ": " + e.getMessage(), e);
        }
    }

    private static void handle(HttpExchange exchange, MagpieServer server, ShardedRaftModule module) throws IOException {
        try {
            String path = exchange.getRequestURI().getPath();
            if (!exchange.getRequestMethod().equals("GET") && !exchange.getRequestMethod().equals("HEAD")) {
                StatusPage.send(exchange, 405, "text/plain", "method not allowed\n");
            } else if (path.equals("/") || path.equals("/index.html")) {
                Snapshot s = OwnerThread.read(server.mainLoop(), () -> snapshot(module));
                StatusPage.send(exchange, 200, "text/html; charset=utf-8", ShardMapPage.render(s.map(), s.local()));
            } else {
                StatusPage.send(exchange, 404, "text/plain", "not found\n");
            }
        } catch (RuntimeException e) {
            StatusPage.send(exchange, 503, "text/plain", "map unavailable: " + e.getMessage() + "\n");
        } finally {
            exchange.close();
        }
    }

    private record Snapshot(ClusterMap map, ShardMapPage.Local local) {}

    /** Runs on the keyspace thread: the map, leaders and roles as RAFT INFO has them, keys by the per-slot index. */
    private static Snapshot snapshot(ShardedRaftModule module) {
        ClusterMap map = module.map();
        Map<Integer, String> leaders = new HashMap<>(), roles = new HashMap<>();
        for (ClusterMap.Group g : map.groups) {
            String leader = module.leaderOf(g.index());
            if (leader != null) leaders.put(g.index(), leader);
        }
        Map<Integer, Long> keys = new HashMap<>();
        Map<Integer, DataGroup> local = module.localGroups();
        for (Map.Entry<Integer, DataGroup> e : local.entrySet()) {
            roles.put(e.getKey(), e.getValue().role());
            keys.put(e.getKey(), 0L);
        }
        if (!map.isEmpty()) {
            Engine engine = module.engine();
            for (int s = 0; s < SlotPlacement.SLOTS; s++) {
                int g = map.groupOf(s);
                if (!keys.containsKey(g)) continue;
                long n = 0;
                for (int db = 0; db < engine.dbCount(); db++) n += engine.db(db).slotIndex().countKeysInSlot(s);
                keys.merge(g, n, Long::sum);
            }
        }
        // The moves this node drives, as RAFT INFO reports them.
        StringBuilder info = new StringBuilder();
        module.infoFields(info);
        Set<Integer> driven = new HashSet<>();
        for (Map.Entry<String, String> e : InfoFields.parse(info.toString()).entrySet()) {
            if (!e.getKey().matches("move\\d+")) continue;
            Map<String, String> move = InfoFields.parseList(e.getValue());
            if ("1".equals(move.get("running_here"))) driven.add(Integer.parseInt(move.get("from")));
        }
        return new Snapshot(map, new ShardMapPage.Local(module.myId(), leaders, roles, keys, driven));
    }

    void stop() {
        http.stop(0);
        threads.shutdownNow();
    }
}
