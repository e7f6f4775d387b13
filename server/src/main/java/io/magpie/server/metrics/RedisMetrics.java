package io.magpie.server.metrics;

import io.magpie.commands.LatencyHistogram;
import io.magpie.commands.RedisCommand;
import io.magpie.server.MagpieServer;
import io.magpie.server.commands.InfoCommand;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The data node's metric families, under redis_exporter's names and labels so that the
 * Grafana dashboards made for it read a Magpie node unchanged: commands and their latency
 * (from commandstats and the latency-tracking histograms), clients, memory, keyspace,
 * replication, persistence, and the instance's identity. Everything is read on the keyspace
 * thread in one go at scrape time (INFO's own fields, the command table's counters), then
 * turned into families on the HTTP thread.
 */
public final class RedisMetrics implements MultiCollector {
    private static final Set<String> SECTIONS = Set.of("server", "clients", "memory", "persistence", "stats", "replication",
            "keyspace");
    /** The latency histogram's bucket bounds in microseconds, as LATENCY HISTOGRAM names them. */
    private static final double[] LATENCY_BOUNDS_USEC = latencyBounds();

    private final MagpieServer server;

    public RedisMetrics(MagpieServer server) {
        this.server = server;
    }

    private record CommandFigures(String name, long calls, long usec, long[] cumulative, long count) {}

    private record Figures(Map<String, String> info, List<CommandFigures> commands, int dbCount) {}

    /** Runs on the keyspace thread: copies what the scrape reports. */
    private Figures read() {
        List<CommandFigures> cmds = new ArrayList<>();
        for (RedisCommand cmd : server.engine().commands.allImplemented()) {
            if (cmd.calls == 0 && cmd.failedCalls == 0 && cmd.rejectedCalls == 0) continue;
            long[] cumulative = null;
            long count = 0;
            LatencyHistogram h = cmd.latencyHistogram;
            if (h != null) {
                long[] out = new long[LATENCY_BOUNDS_USEC.length];
                int[] i = {0};
                h.forEachBucket(false, (usec, n) -> out[i[0]++] = n);
                cumulative = out;
                count = h.totalCount();
            }
            cmds.add(new CommandFigures(cmd.fullName, cmd.calls, cmd.microseconds, cumulative, count));
        }
        return new Figures(InfoFields.parse(InfoCommand.generate(server, SECTIONS)), cmds, server.engine().dbCount());
    }

    @Override
    public MetricSnapshots collect() {
        Figures f = OwnerThread.read(server.mainLoop(), this::read);
        Families out = new Families();
        Map<String, String> info = f.info;
        out.gauge("redis_up", "Information about the Redis instance", 1);
        out.info("redis_instance_info", "Information about the Redis instance",
                "role", info.getOrDefault("role", ""), "redis_version", info.getOrDefault("redis_version", ""),
                "redis_build_id", info.getOrDefault("redis_build_id", ""), "redis_mode", info.getOrDefault("redis_mode", ""),
                "os", info.getOrDefault("os", ""), "maxmemory_policy", info.getOrDefault("maxmemory_policy", ""),
                "tcp_port", info.getOrDefault("tcp_port", ""), "run_id", info.getOrDefault("run_id", ""),
                "process_id", info.getOrDefault("process_id", ""));
        gauge(out, info, "uptime_in_seconds", "redis_uptime_in_seconds");
        gauge(out, info, "connected_clients", "redis_connected_clients");
        gauge(out, info, "blocked_clients", "redis_blocked_clients");
        gauge(out, info, "tracking_clients", "redis_tracking_clients");
        gauge(out, info, "used_memory", "redis_memory_used_bytes");
        gauge(out, info, "used_memory_rss", "redis_memory_used_rss_bytes");
        gauge(out, info, "used_memory_peak", "redis_memory_used_peak_bytes");
        gauge(out, info, "used_memory_startup", "redis_memory_used_startup_bytes");
        gauge(out, info, "used_memory_dataset", "redis_memory_used_dataset_bytes");
        gauge(out, info, "maxmemory", "redis_memory_max_bytes");
        gauge(out, info, "mem_fragmentation_ratio", "redis_mem_fragmentation_ratio");
        gauge(out, info, "loading", "redis_loading_dump_file");
        gauge(out, info, "rdb_changes_since_last_save", "redis_rdb_changes_since_last_save");
        gauge(out, info, "rdb_bgsave_in_progress", "redis_rdb_bgsave_in_progress");
        gauge(out, info, "rdb_last_save_time", "redis_rdb_last_save_timestamp_seconds");
        gauge(out, info, "rdb_last_bgsave_time_sec", "redis_rdb_last_bgsave_duration_sec");
        out.gauge("redis_rdb_last_bgsave_status", "rdb_last_bgsave_status metric",
                "ok".equals(info.get("rdb_last_bgsave_status")) ? 1 : 0);
        gauge(out, info, "aof_enabled", "redis_aof_enabled");
        gauge(out, info, "aof_rewrite_in_progress", "redis_aof_rewrite_in_progress");
        gauge(out, info, "pubsub_channels", "redis_pubsub_channels");
        gauge(out, info, "pubsub_patterns", "redis_pubsub_patterns");
        gauge(out, info, "connected_slaves", "redis_connected_slaves");
        gauge(out, info, "master_repl_offset", "redis_master_repl_offset");
        gauge(out, info, "repl_backlog_size", "redis_replication_backlog_bytes");
        gauge(out, info, "sync_full", "redis_replica_resyncs_full");
        gauge(out, info, "sync_partial_ok", "redis_replica_partial_resync_accepted");
        gauge(out, info, "sync_partial_err", "redis_replica_partial_resync_denied");
        counter(out, info, "total_connections_received", "redis_connections_received_total");
        counter(out, info, "total_commands_processed", "redis_commands_processed_total");
        counter(out, info, "rejected_connections", "redis_rejected_connections_total");
        counter(out, info, "total_net_input_bytes", "redis_net_input_bytes_total");
        counter(out, info, "total_net_output_bytes", "redis_net_output_bytes_total");
        counter(out, info, "expired_keys", "redis_expired_keys_total");
        counter(out, info, "evicted_keys", "redis_evicted_keys_total");
        counter(out, info, "keyspace_hits", "redis_keyspace_hits_total");
        counter(out, info, "keyspace_misses", "redis_keyspace_misses_total");
        counter(out, info, "used_cpu_sys", "redis_cpu_sys_seconds_total");
        counter(out, info, "used_cpu_user", "redis_cpu_user_seconds_total");
        replicas(out, info);
        keyspace(out, info, f.dbCount);
        for (CommandFigures c : f.commands) {
            out.counter("redis_commands_total", "Total number of calls per command", c.calls, "cmd", c.name);
            out.counter("redis_commands_duration_seconds_total", "Total amount of time in seconds spent per command",
                    c.usec / 1e6, "cmd", c.name);
        }
        for (CommandFigures c : f.commands) {
            if (c.cumulative == null) continue;
            out.histogram("redis_latency_usec", "Latency of commands in microseconds (latency-tracking)", LATENCY_BOUNDS_USEC,
                    c.cumulative, c.count, c.usec, "cmd", c.name);
        }
        return new MetricSnapshots(out.build());
    }

    /** Each replica's offset and lag, and on a replica its link to the master. */
    private static void replicas(Families out, Map<String, String> info) {
        for (Map.Entry<String, String> e : info.entrySet()) {
            if (!e.getKey().matches("slave\\d+")) continue;
            Map<String, String> r = InfoFields.parseList(e.getValue());
            String[] labels = {"slave_ip", r.getOrDefault("ip", ""), "slave_port", r.getOrDefault("port", ""),
                    "slave_state", r.getOrDefault("state", "")};
            out.gauge("redis_connected_slave_offset_bytes", "Offset of connected slave", InfoFields.number(r, "offset"), labels);
            out.gauge("redis_connected_slave_lag_seconds", "Lag of connected slave", InfoFields.number(r, "lag"), labels);
        }
        if (info.containsKey("master_link_status")) {
            String[] labels = {"master_host", info.getOrDefault("master_host", ""), "master_port", info.getOrDefault("master_port", "")};
            out.gauge("redis_master_link_up", "Master link status on Redis slave", "up".equals(info.get("master_link_status")) ? 1 : 0, labels);
            out.gauge("redis_master_sync_in_progress", "Master sync in progress", InfoFields.number(info, "master_sync_in_progress"), labels);
        }
    }

    /** db_keys and db_keys_expiring for every database (0 for an empty one, which INFO leaves out). */
    private static void keyspace(Families out, Map<String, String> info, int dbCount) {
        for (int i = 0; i < dbCount; i++) {
            Map<String, String> db = InfoFields.parseList(info.getOrDefault("db" + i, ""));
            out.gauge("redis_db_keys", "Total number of keys by DB", InfoFields.number(db, "keys"), "db", "db" + i);
            out.gauge("redis_db_keys_expiring", "Total number of expiring keys by DB", InfoFields.number(db, "expires"), "db", "db" + i);
        }
    }

    private static void gauge(Families out, Map<String, String> info, String field, String name) {
        if (info.containsKey(field)) out.gauge(name, field + " metric", InfoFields.number(info, field));
    }

    private static void counter(Families out, Map<String, String> info, String field, String name) {
        if (info.containsKey(field)) out.counter(name, field + " metric", InfoFields.number(info, field));
    }

    private static double[] latencyBounds() {
        List<Long> bounds = new ArrayList<>();
        new LatencyHistogram().forEachBucket(false, (usec, n) -> bounds.add(usec));
        double[] out = new double[bounds.size()];
        for (int i = 0; i < out.length; i++) out[i] = bounds.get(i);
        return out;
    }
}
