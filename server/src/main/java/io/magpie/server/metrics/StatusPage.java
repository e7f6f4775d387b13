package io.magpie.server.metrics;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.magpie.engine.SlowLog;
import io.magpie.server.MagpieServer;
import io.magpie.server.commands.InfoCommand;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The node's status page on the metrics port: "/" is an HTML page whose script draws the
 * figures of "/status.json" (role, replication links, memory, keyspace, an ops/s graph of the
 * last minutes, the slowlog) and refreshes them every two seconds. The page carries the
 * figures of the moment it was served, so it renders before its first refresh. Modes add
 * sections of their own ({@link #addSection}: the cluster's slot map, a Raft ring).
 */
public final class StatusPage implements HttpHandler {
    private static final Set<String> SECTIONS = Set.of("server", "clients", "memory", "persistence", "stats", "replication",
            "keyspace");
    private static final int SLOWLOG_SHOWN = 20;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final MagpieServer server;
    private final OpsHistory history;
    private final Map<String, Supplier<Object>> sections = new LinkedHashMap<>();
    private final String template;

    public StatusPage(MagpieServer server, OpsHistory history) {
        this.server = server;
        this.history = history;
        try (InputStream in = StatusPage.class.getResourceAsStream("status.html")) {
            this.template = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException | NullPointerException e) {
            throw new IllegalStateException("status.html is missing from the build", e);
        }
    }

    /** A mode's own part of status.json, read on the keyspace thread (JSON-able maps, lists, numbers, strings). */
    public void addSection(String name, Supplier<Object> section) {
        sections.put(name, section);
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        try {
            String path = exchange.getRequestURI().getPath();
            if (!exchange.getRequestMethod().equals("GET") && !exchange.getRequestMethod().equals("HEAD")) {
                send(exchange, 405, "text/plain", "method not allowed\n");
            } else if (path.equals("/status.json")) {
                send(exchange, 200, "application/json", statusJson());
            } else if (path.equals("/") || path.equals("/index.html")) {
                // The figures go in a script element: "</" must not end it early.
                send(exchange, 200, "text/html; charset=utf-8", template.replace("/*STATUS*/null", statusJson().replace("</", "<\\/")));
            } else {
                send(exchange, 404, "text/plain", "not found\n");
            }
        } catch (RuntimeException e) {
            send(exchange, 503, "text/plain", "status unavailable: " + e.getMessage() + "\n");
        } finally {
            exchange.close();
        }
    }

    private String statusJson() throws IOException {
        return JSON.writeValueAsString(OwnerThread.read(server.mainLoop(), this::status));
    }

    /** Runs on the keyspace thread. */
    private Map<String, Object> status() {
        Map<String, String> info = InfoFields.parse(InfoCommand.generate(server, SECTIONS));
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("role", info.getOrDefault("role", ""));
        s.put("mode", info.getOrDefault("redis_mode", ""));
        s.put("redis_version", info.getOrDefault("redis_version", ""));
        s.put("magpie_version", info.getOrDefault("magpie_version", ""));
        s.put("run_id", info.getOrDefault("run_id", ""));
        s.put("tcp_port", info.getOrDefault("tcp_port", ""));
        s.put("uptime_in_seconds", InfoFields.number(info, "uptime_in_seconds"));
        s.put("connected_clients", InfoFields.number(info, "connected_clients"));
        s.put("blocked_clients", InfoFields.number(info, "blocked_clients"));
        s.put("total_commands_processed", InfoFields.number(info, "total_commands_processed"));
        s.put("instantaneous_ops_per_sec", InfoFields.number(info, "instantaneous_ops_per_sec"));
        s.put("memory", pick(info, "used_memory", "used_memory_human", "used_memory_rss", "used_memory_peak", "maxmemory",
                "maxmemory_policy", "mem_fragmentation_ratio"));
        s.put("persistence", pick(info, "rdb_changes_since_last_save", "rdb_last_save_time", "rdb_last_bgsave_status",
                "aof_enabled", "aof_last_write_status"));
        Map<String, Object> replication = new LinkedHashMap<>();
        List<Map<String, String>> replicas = new ArrayList<>();
        for (String field : List.of("role", "master_host", "master_port", "master_link_status", "master_last_io_seconds_ago",
                "master_sync_in_progress", "slave_repl_offset", "connected_slaves", "master_replid", "master_repl_offset")) {
            if (info.containsKey(field)) replication.put(field, info.get(field));
        }
        for (Map.Entry<String, String> e : info.entrySet()) {
            if (e.getKey().matches("slave\\d+")) replicas.add(InfoFields.parseList(e.getValue()));
        }
        replication.put("replicas", replicas);
        s.put("replication", replication);
        List<Map<String, Object>> keyspace = new ArrayList<>();
        for (int i = 0; i < server.engine().dbCount(); i++) {
            String line = info.get("db" + i);
            if (line == null) continue;
            Map<String, Object> db = new LinkedHashMap<>(InfoFields.parseList(line));
            db.put("db", i);
            keyspace.add(db);
        }
        s.put("keyspace", keyspace);
        List<Map<String, Object>> ops = new ArrayList<>();
        for (long[] sample : history.samples()) {
            ops.add(Map.of("time_ms", sample[0], "ops_per_sec", sample[1], "used_memory", sample[2]));
        }
        s.put("ops", ops);
        List<Map<String, Object>> slowlog = new ArrayList<>();
        for (SlowLog.Entry e : server.engine().slowlog.entries()) {
            if (slowlog.size() == SLOWLOG_SHOWN) break;
            List<String> args = new ArrayList<>();
            for (byte[] a : e.argv()) args.add(new String(a, StandardCharsets.UTF_8));
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("id", e.id());
            entry.put("time", e.timeSeconds());
            entry.put("duration_usec", e.micros());
            entry.put("args", args);
            entry.put("client", e.peer());
            entry.put("name", e.clientName());
            slowlog.add(entry);
        }
        s.put("slowlog", slowlog);
        for (Map.Entry<String, Supplier<Object>> e : sections.entrySet()) s.put(e.getKey(), e.getValue().get());
        return s;
    }

    private static Map<String, String> pick(Map<String, String> info, String... fields) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String f : fields) if (info.containsKey(f)) m.put(f, info.get(f));
        return m;
    }

    /** Sends a whole response, never cached (the figures are of the moment); HEAD gets the headers only. */
    public static void send(HttpExchange exchange, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        boolean head = exchange.getRequestMethod().equals("HEAD");
        exchange.sendResponseHeaders(status, head ? -1 : bytes.length);
        if (head) return;
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }
}
