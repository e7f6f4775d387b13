package io.magpie.server.commands;

import io.magpie.engine.Client;
import io.magpie.engine.Engine;
import io.magpie.engine.Stats;
import io.magpie.commands.RedisCommand;
import io.magpie.engine.keyspace.Database;
import io.magpie.server.ConfigLoader;
import io.magpie.server.MagpieServer;
import io.magpie.server.Memory;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * INFO [section ...] (genRedisInfoString): the sections and field names of Redis 7.0, in its
 * order, so that tools parsing INFO (redis-cli, exporters, Sentinel) read ours unchanged.
 * Values Magpie has no equivalent for (fork, jemalloc, Lua) are reported as Redis reports
 * them when the feature is idle.
 */
public final class InfoCommand {
    /** The Magpie release, reported beside redis_version. */
    public static final String MAGPIE_VERSION = "0.1.0";

    private static final String[] DEFAULT_SECTIONS = {"server", "clients", "memory", "persistence", "stats",
            "replication", "cpu", "module_list", "errorstats", "cluster", "keyspace"};
    private static final String[] ALL_SECTIONS = {"server", "clients", "memory", "persistence", "stats",
            "replication", "cpu", "module_list", "commandstats", "errorstats", "latencystats", "cluster", "keyspace"};

    private static final String OS = System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
            + (System.getProperty("os.arch").equals("amd64") ? "x86_64" : System.getProperty("os.arch"));
    private static final String EXECUTABLE = ProcessHandle.current().info().command().orElse("");

    private InfoCommand() {}

    static void register(MagpieServer server) {
        server.engine().commands.register("info", c -> info(server, c));
    }

    static void info(MagpieServer server, Client c) {
        Set<String> sections = new HashSet<>();
        boolean everything = false;
        if (c.argc == 1) {
            sections.addAll(Set.of(DEFAULT_SECTIONS));
            sections.add("default"); // modules' sections that belong to the default set
        }
        for (int i = 1; i < c.argc; i++) {
            String s = c.argString(i).toLowerCase(Locale.ROOT);
            switch (s) {
                case "default" -> {
                    sections.addAll(Set.of(DEFAULT_SECTIONS));
                    sections.add("default");
                }
                case "all" -> {
                    sections.addAll(Set.of(ALL_SECTIONS));
                    sections.add("default");
                }
                case "everything" -> {
                    everything = true;
                    sections.add("default");
                }
                case "modules" -> sections.add("module_list");
                default -> sections.add(s);
            }
        }
        if (everything) {
            sections.addAll(Set.of(ALL_SECTIONS));
        } else if (sections.contains("all")) {
            sections.addAll(Set.of(ALL_SECTIONS));
        }
        String text = generate(server, sections);
        c.addReplyVerbatim(text, "txt");
    }

    /** The INFO text of the given sections, in Redis's order. */
    public static String generate(MagpieServer server, Set<String> sections) {
        Engine e = server.engine();
        StringBuilder sb = new StringBuilder(4096);
        int[] count = {0};
        if (sections.contains("server")) serverSection(server, begin(sb, count, "Server"));
        if (sections.contains("clients")) clientsSection(server, begin(sb, count, "Clients"));
        if (sections.contains("memory")) memorySection(server, begin(sb, count, "Memory"));
        if (sections.contains("persistence")) persistenceSection(server, begin(sb, count, "Persistence"));
        if (sections.contains("stats")) statsSection(server, begin(sb, count, "Stats"));
        if (sections.contains("replication")) replicationSection(server, begin(sb, count, "Replication"));
        if (sections.contains("cpu")) cpuSection(begin(sb, count, "CPU"));
        if (sections.contains("module_list")) begin(sb, count, "Modules");
        if (sections.contains("commandstats")) {
            begin(sb, count, "Commandstats");
            for (RedisCommand cmd : e.commands.allImplemented()) {
                if (cmd.calls == 0 && cmd.failedCalls == 0 && cmd.rejectedCalls == 0) continue;
                sb.append("cmdstat_").append(cmd.fullName).append(":calls=").append(cmd.calls)
                        .append(",usec=").append(cmd.microseconds)
                        .append(",usec_per_call=").append(f2(cmd.calls == 0 ? 0 : (double) cmd.microseconds / cmd.calls))
                        .append(",rejected_calls=").append(cmd.rejectedCalls)
                        .append(",failed_calls=").append(cmd.failedCalls).append("\r\n");
            }
        }
        if (sections.contains("errorstats")) {
            begin(sb, count, "Errorstats");
            for (Map.Entry<String, Long> err : e.stats.errors.entrySet()) {
                sb.append("errorstat_").append(err.getKey()).append(":count=").append(err.getValue()).append("\r\n");
            }
        }
        if (sections.contains("latencystats")) latencyStatsSection(server, begin(sb, count, "Latencystats"));
        if (sections.contains("cluster")) field(begin(sb, count, "Cluster"), "cluster_enabled", server.clusterEnabled() ? 1 : 0);
        if (sections.contains("keyspace")) {
            begin(sb, count, "Keyspace");
            for (int i = 0; i < e.dbCount(); i++) {
                Database db = e.db(i);
                if (db.size() == 0) continue;
                sb.append("db").append(i).append(":keys=").append(db.size()).append(",expires=").append(db.expires().size())
                        .append(",avg_ttl=").append(db.avgTtl).append("\r\n");
            }
        }
        server.modules().info(sections, sections.contains("default"), sb);
        return sb.toString();
    }

    private static StringBuilder begin(StringBuilder sb, int[] count, String title) {
        if (count[0]++ > 0) sb.append("\r\n");
        return sb.append("# ").append(title).append("\r\n");
    }

    private static void field(StringBuilder sb, String name, Object value) {
        sb.append(name).append(':').append(value).append("\r\n");
    }

    static String f2(double d) {
        return String.format(Locale.ROOT, "%.2f", d);
    }

    private static void serverSection(MagpieServer server, StringBuilder sb) {
        long nowMs = System.currentTimeMillis();
        long uptime = (nowMs - server.startTimeMillis()) / 1000;
        field(sb, "redis_version", ConfigLoader.REDIS_VERSION);
        field(sb, "redis_git_sha1", "00000000");
        field(sb, "redis_git_dirty", 0);
        field(sb, "redis_build_id", "0");
        field(sb, "redis_mode", server.modules().mode());
        field(sb, "os", OS);
        field(sb, "arch_bits", 64);
        field(sb, "monotonic_clock", "POSIX clock_gettime");
        field(sb, "multiplexing_api", server.multiplexingApi());
        field(sb, "atomicvar_api", "c11-builtin");
        field(sb, "gcc_version", "0.0.0");
        field(sb, "process_id", ProcessHandle.current().pid());
        field(sb, "process_supervised", "no");
        field(sb, "run_id", server.runId());
        field(sb, "tcp_port", server.port());
        field(sb, "server_time_usec", nowMs * 1000);
        field(sb, "uptime_in_seconds", uptime);
        field(sb, "uptime_in_days", uptime / 86400);
        field(sb, "hz", server.engine().config.hz.value());
        field(sb, "configured_hz", server.engine().config.hz.value());
        field(sb, "lru_clock", server.engine().eviction().lruClock());
        field(sb, "executable", EXECUTABLE);
        field(sb, "config_file", server.configFile() == null ? "" : server.configFile());
        field(sb, "io_threads_active", 0);
        field(sb, "magpie_version", MAGPIE_VERSION);
    }

    private static void clientsSection(MagpieServer server, StringBuilder sb) {
        Engine e = server.engine();
        field(sb, "connected_clients", server.connectedClients());
        field(sb, "cluster_connections", server.modules().clusterConnections());
        field(sb, "maxclients", server.config().maxclients.value());
        field(sb, "client_recent_max_input_buffer", server.recentMaxInputBuffer());
        field(sb, "client_recent_max_output_buffer", server.recentMaxOutputBuffer());
        field(sb, "blocked_clients", e.blocking.blockedClients() + server.postponedClients());
        field(sb, "tracking_clients", server.engine().tracking.trackingClients());
        field(sb, "clients_in_timeout_table", e.blocking.blockedClients());
    }

    private static void memorySection(MagpieServer server, StringBuilder sb) {
        Engine e = server.engine();
        long used = Memory.usedMemory(e);
        long peak = Memory.peak(e);
        long startup = Memory.startup(e);
        long rss = Memory.rss();
        long total = Memory.totalSystemMemory();
        long overhead = Math.min(used, startup);
        long dataset = used - overhead;
        long maxmemory = e.config.maxmemory.value();
        field(sb, "used_memory", used);
        field(sb, "used_memory_human", Memory.human(used));
        field(sb, "used_memory_rss", rss);
        field(sb, "used_memory_rss_human", Memory.human(rss));
        field(sb, "used_memory_peak", peak);
        field(sb, "used_memory_peak_human", Memory.human(peak));
        field(sb, "used_memory_peak_perc", f2(peak == 0 ? 0 : 100.0 * used / peak) + "%");
        field(sb, "used_memory_overhead", overhead);
        field(sb, "used_memory_startup", startup);
        field(sb, "used_memory_dataset", dataset);
        field(sb, "used_memory_dataset_perc", f2(used - startup <= 0 ? 0 : 100.0 * dataset / (used - startup)) + "%");
        // The JVM's heap in place of the allocator, as MEMORY STATS reports it.
        io.magpie.server.MemoryOverhead mh = new io.magpie.server.MemoryOverhead(server);
        field(sb, "allocator_allocated", mh.allocatorAllocated);
        field(sb, "allocator_active", mh.allocatorActive);
        field(sb, "allocator_resident", mh.allocatorResident);
        field(sb, "total_system_memory", total);
        field(sb, "total_system_memory_human", Memory.human(total));
        field(sb, "used_memory_lua", 32768);
        field(sb, "used_memory_vm_eval", 32768);
        field(sb, "used_memory_lua_human", Memory.human(32768));
        field(sb, "used_memory_scripts_eval", 0);
        field(sb, "number_of_cached_scripts", 0);
        field(sb, "number_of_functions", 0);
        field(sb, "number_of_libraries", 0);
        field(sb, "used_memory_vm_functions", 32768);
        field(sb, "used_memory_vm_total", 65536);
        field(sb, "used_memory_vm_total_human", Memory.human(65536));
        field(sb, "used_memory_functions", 0);
        field(sb, "used_memory_scripts", 0);
        field(sb, "used_memory_scripts_human", "0B");
        field(sb, "maxmemory", maxmemory);
        field(sb, "maxmemory_human", Memory.human(maxmemory));
        field(sb, "maxmemory_policy", e.config.maxmemoryPolicy.get());
        field(sb, "allocator_frag_ratio", f2(mh.allocatorFrag));
        field(sb, "allocator_frag_bytes", mh.allocatorFragBytes);
        field(sb, "allocator_rss_ratio", f2(mh.allocatorRss));
        field(sb, "allocator_rss_bytes", mh.allocatorRssBytes);
        field(sb, "rss_overhead_ratio", f2(mh.rssExtra));
        field(sb, "rss_overhead_bytes", mh.rssExtraBytes);
        long dataRss = Memory.rssForFragmentation(rss);
        field(sb, "mem_fragmentation_ratio", f2(used == 0 ? 0 : (double) dataRss / used));
        field(sb, "mem_fragmentation_bytes", dataRss - used);
        field(sb, "mem_not_counted_for_evict", 0);
        field(sb, "mem_replication_backlog", server.replication().backlogMemory());
        field(sb, "mem_total_replication_buffers", 0);
        field(sb, "mem_clients_slaves", 0);
        field(sb, "mem_clients_normal", server.clientsOutputMemory());
        field(sb, "mem_cluster_links", 0);
        field(sb, "mem_aof_buffer", 0);
        field(sb, "mem_allocator", "jvm-" + Runtime.version().feature());
        field(sb, "active_defrag_running", 0);
        field(sb, "lazyfree_pending_objects", 0);
        field(sb, "lazyfreed_objects", 0);
    }

    /** latency_percentiles_usec_<cmd>:p50=…,p99=… for each command with a latency histogram. */
    private static void latencyStatsSection(MagpieServer server, StringBuilder sb) {
        String[] percentiles = server.registry().find("latency-tracking-info-percentiles").get().split(" ");
        for (RedisCommand cmd : server.engine().commands.allImplemented()) {
            if (cmd.latencyHistogram == null) continue;
            sb.append("latency_percentiles_usec_").append(cmd.fullName).append(':');
            for (int j = 0; j < percentiles.length; j++) {
                if (percentiles[j].isEmpty()) continue;
                double p = Double.parseDouble(percentiles[j]);
                if (j > 0) sb.append(',');
                sb.append('p').append(trimDouble(p)).append('=')
                        .append(String.format(Locale.ROOT, "%.3f", cmd.latencyHistogram.valueAtPercentile(p) / 1000.0));
            }
            sb.append("\r\n");
        }
    }

    /** "%f" with trailing zeros and point removed (trimDoubleString): 50 → "50", 99.9 → "99.9". */
    private static String trimDouble(double d) {
        String s = String.format(Locale.ROOT, "%f", d);
        if (s.indexOf('.') >= 0) s = s.replaceAll("0+$", "").replaceAll("\\.$", "");
        return s;
    }

    private static void persistenceSection(MagpieServer server, StringBuilder sb) {
        sb.append(server.persistence().infoFields());
    }

    private static void statsSection(MagpieServer server, StringBuilder sb) {
        Engine e = server.engine();
        Stats s = e.stats;
        field(sb, "total_connections_received", s.numConnections);
        field(sb, "total_commands_processed", s.numCommands);
        field(sb, "instantaneous_ops_per_sec", server.instantaneousOps());
        field(sb, "total_net_input_bytes", s.netInputBytes);
        field(sb, "total_net_output_bytes", s.netOutputBytes);
        field(sb, "total_net_repl_input_bytes", server.replication().netReplInputBytes());
        field(sb, "total_net_repl_output_bytes", server.replication().netReplOutputBytes());
        field(sb, "instantaneous_input_kbps", f2(server.instantaneousInputKbps()));
        field(sb, "instantaneous_output_kbps", f2(server.instantaneousOutputKbps()));
        field(sb, "instantaneous_input_repl_kbps", "0.00");
        field(sb, "instantaneous_output_repl_kbps", "0.00");
        field(sb, "rejected_connections", s.rejectedConnections);
        field(sb, "sync_full", server.replication().syncFull());
        field(sb, "sync_partial_ok", server.replication().syncPartialOk());
        field(sb, "sync_partial_err", server.replication().syncPartialErr());
        field(sb, "expired_keys", s.expiredKeys);
        field(sb, "expired_stale_perc", "0.00");
        field(sb, "expired_time_cap_reached_count", 0);
        field(sb, "expire_cycle_cpu_milliseconds", s.expireCycleCpuMillis);
        field(sb, "evicted_keys", s.evictedKeys);
        field(sb, "evicted_clients", s.evictedClients);
        field(sb, "total_eviction_exceeded_time", 0);
        field(sb, "current_eviction_exceeded_time", 0);
        field(sb, "keyspace_hits", s.keyspaceHits);
        field(sb, "keyspace_misses", s.keyspaceMisses);
        field(sb, "pubsub_channels", e.pubsub.channelCount());
        field(sb, "pubsub_patterns", e.pubsub.patternCount());
        field(sb, "pubsubshard_channels", e.pubsub.shardChannelCount());
        field(sb, "latest_fork_usec", 0);
        field(sb, "total_forks", 0);
        field(sb, "migrate_cached_sockets", server.migrateSockets().size());
        field(sb, "slave_expires_tracked_keys", 0);
        field(sb, "active_defrag_hits", 0);
        field(sb, "active_defrag_misses", 0);
        field(sb, "active_defrag_key_hits", 0);
        field(sb, "active_defrag_key_misses", 0);
        field(sb, "total_active_defrag_time", 0);
        field(sb, "current_active_defrag_time", 0);
        field(sb, "tracking_total_keys", server.engine().tracking.totalKeys());
        field(sb, "tracking_total_items", server.engine().tracking.totalItems());
        field(sb, "tracking_total_prefixes", server.engine().tracking.totalPrefixes());
        field(sb, "unexpected_error_replies", s.unexpectedErrorReplies);
        field(sb, "total_error_replies", s.totalErrorReplies);
        field(sb, "dump_payload_sanitizations", 0);
        field(sb, "total_reads_processed", s.totalReadsProcessed);
        field(sb, "total_writes_processed", s.totalWritesProcessed);
        field(sb, "io_threaded_reads_processed", 0);
        field(sb, "io_threaded_writes_processed", 0);
        field(sb, "client_query_buffer_limit_disconnections", s.clientQbufLimitDisconnections);
        field(sb, "client_output_buffer_limit_disconnections", s.clientOutbufLimitDisconnections);
        field(sb, "reply_buffer_shrinks", 0);
        field(sb, "reply_buffer_expands", 0);
    }

    private static void replicationSection(MagpieServer server, StringBuilder sb) {
        sb.append(server.replication().infoFields());
    }

    private static void cpuSection(StringBuilder sb) {
        double sys = 0, user = 0;
        try {
            // /proc/self/stat fields 14 and 15: utime and stime in clock ticks (100 Hz on Linux).
            String stat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/self/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            user = Long.parseLong(f[11]) / 100.0;
            sys = Long.parseLong(f[12]) / 100.0;
        } catch (java.io.IOException | RuntimeException ex) {
            user = ManagementFactory.getRuntimeMXBean().getUptime() / 1000.0;
        }
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        double mainUser = 0, mainSys = 0;
        Long mainId = MagpieServer.mainThreadId();
        if (mainId != null && threads.isThreadCpuTimeSupported()) {
            long cpu = Math.max(0, threads.getThreadCpuTime(mainId));
            long usr = Math.max(0, threads.getThreadUserTime(mainId));
            mainUser = usr / 1e9;
            mainSys = Math.max(0, cpu - usr) / 1e9;
        }
        field(sb, "used_cpu_sys", f6(sys));
        field(sb, "used_cpu_user", f6(user));
        field(sb, "used_cpu_sys_children", "0.000000");
        field(sb, "used_cpu_user_children", "0.000000");
        field(sb, "used_cpu_sys_main_thread", f6(mainSys));
        field(sb, "used_cpu_user_main_thread", f6(mainUser));
    }

    private static String f6(double d) {
        return String.format(Locale.ROOT, "%.6f", d);
    }
}
