package io.magpie.sentinel;

import io.magpie.server.MagpieServer;
import io.magpie.server.metrics.Families;
import io.magpie.server.metrics.InfoFields;
import io.magpie.server.metrics.OwnerThread;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.util.Map;

/**
 * Sentinel's metric families on the node's metrics endpoint, under redis_exporter's names:
 * the Sentinel's own state and, per monitored master, its status, replicas and Sentinels,
 * read from INFO's sentinel section on the keyspace thread.
 */
final class SentinelMetrics implements MultiCollector {
    private final MagpieServer server;
    /** INFO's sentinel section, written by SentinelCommands once the module is attached. */
    private java.util.function.Supplier<String> infoSection = () -> "";

    SentinelMetrics(MagpieServer server) {
        this.server = server;
    }

    void infoSection(java.util.function.Supplier<String> section) {
        this.infoSection = section;
    }

    @Override
    public MetricSnapshots collect() {
        String text = OwnerThread.read(server.mainLoop(), infoSection::get);
        Map<String, String> info = InfoFields.parse(text);
        Families out = new Families();
        for (String field : new String[] {"sentinel_masters", "sentinel_tilt", "sentinel_running_scripts",
                "sentinel_scripts_queue_length", "sentinel_simulate_failure_flags"}) {
            out.gauge("redis_" + field, field + " metric", InfoFields.number(info, field));
        }
        for (Map.Entry<String, String> e : info.entrySet()) {
            if (!e.getKey().matches("master\\d+")) continue;
            Map<String, String> m = InfoFields.parseList(e.getValue());
            String name = m.getOrDefault("name", ""), address = m.getOrDefault("address", "");
            String status = m.getOrDefault("status", "");
            out.gauge("redis_sentinel_master_status", "Master status on Sentinel", "ok".equals(status) ? 1 : 0,
                    "master_name", name, "master_address", address, "master_status", status);
            out.gauge("redis_sentinel_master_slaves", "The number of slaves of the master", InfoFields.number(m, "slaves"),
                    "master_name", name, "master_address", address);
            out.gauge("redis_sentinel_master_sentinels", "The number of sentinels monitoring this master",
                    InfoFields.number(m, "sentinels"), "master_name", name, "master_address", address);
        }
        return new MetricSnapshots(out.build());
    }
}
