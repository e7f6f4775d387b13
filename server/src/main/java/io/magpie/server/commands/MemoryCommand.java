package io.magpie.server.commands;

import io.magpie.engine.Client;
import io.magpie.server.MagpieServer;
import io.magpie.server.MemoryOverhead;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryUsage;

/**
 * MEMORY STATS, DOCTOR, MALLOC-STATS and PURGE (object.c's memoryCommand; USAGE and HELP are
 * the engine's): Redis's fields, order and texts, with the JVM's heap standing in for the
 * allocator (see {@link MemoryOverhead}).
 */
final class MemoryCommand {
    private static final long MB = 1024 * 1024;

    private MemoryCommand() {}

    static void register(MagpieServer server) {
        var t = server.engine().commands;
        t.register("memory|stats", c -> stats(server, c));
        t.register("memory|doctor", c -> c.addReplyVerbatim(doctor(server, new MemoryOverhead(server)), "txt"));
        t.register("memory|malloc-stats", c -> c.addReplyVerbatim(mallocStats(), "txt"));
        t.register("memory|purge", MemoryCommand::purge);
    }

    static void stats(MagpieServer server, Client c) {
        MemoryOverhead mh = new MemoryOverhead(server);
        c.addReplyMapLen(27 + mh.dbs.size());
        field(c, "peak.allocated", mh.peakAllocated);
        field(c, "total.allocated", mh.totalAllocated);
        field(c, "startup.allocated", mh.startupAllocated);
        field(c, "replication.backlog", mh.replBacklog);
        field(c, "clients.slaves", mh.clientsSlaves);
        field(c, "clients.normal", mh.clientsNormal);
        field(c, "cluster.links", 0);
        field(c, "aof.buffer", 0);
        field(c, "lua.caches", mh.evalCaches);
        field(c, "functions.caches", mh.functionsCaches);
        for (MemoryOverhead.Db db : mh.dbs) {
            c.addReplyBulkString("db." + db.id());
            c.addReplyMapLen(3);
            field(c, "overhead.hashtable.main", db.overheadMain());
            field(c, "overhead.hashtable.expires", db.overheadExpires());
            field(c, "overhead.hashtable.slot-to-keys", 0);
        }
        field(c, "overhead.total", mh.overheadTotal);
        field(c, "keys.count", mh.totalKeys);
        field(c, "keys.bytes-per-key", mh.bytesPerKey);
        field(c, "dataset.bytes", mh.dataset);
        field(c, "dataset.percentage", mh.datasetPerc);
        field(c, "peak.percentage", mh.peakPerc);
        field(c, "allocator.allocated", mh.allocatorAllocated);
        field(c, "allocator.active", mh.allocatorActive);
        field(c, "allocator.resident", mh.allocatorResident);
        field(c, "allocator-fragmentation.ratio", mh.allocatorFrag);
        field(c, "allocator-fragmentation.bytes", mh.allocatorFragBytes);
        field(c, "allocator-rss.ratio", mh.allocatorRss);
        field(c, "allocator-rss.bytes", mh.allocatorRssBytes);
        field(c, "rss-overhead.ratio", mh.rssExtra);
        field(c, "rss-overhead.bytes", mh.rssExtraBytes);
        field(c, "fragmentation", mh.totalFrag);
        field(c, "fragmentation.bytes", mh.totalFragBytes);
    }

    private static void field(Client c, String name, long value) {
        c.addReplyBulkString(name);
        c.addReplyLongLong(value);
    }

    /** Redis computes these ratios as C floats and replies them as doubles. */
    private static void field(Client c, String name, float value) {
        c.addReplyBulkString(name);
        c.addReplyDouble(value);
    }

    /** getMemoryDoctorReport: the same thresholds and texts, over the figures above. */
    static String doctor(MagpieServer server, MemoryOverhead mh) {
        if (mh.totalAllocated < 5 * MB) {
            return "Hi Sam, this instance is empty or is using very little memory, my issues detector can't be used in these "
                    + "conditions. Please, leave for your mission on Earth and fill it with some data. The new Sam and I will be "
                    + "back to our programming as soon as I finished rebooting.\n";
        }
        StringBuilder s = new StringBuilder();
        if ((float) mh.peakAllocated / mh.totalAllocated > 1.5) {
            s.append(" * Peak memory: In the past this instance used more than 150% the memory that is currently using. The "
                    + "allocator is normally not able to release memory after a peak, so you can expect to see a big fragmentation "
                    + "ratio, however this is actually harmless and is only due to the memory peak, and if the Redis instance "
                    + "Resident Set Size (RSS) is currently bigger than expected, the memory will be used as soon as you fill the "
                    + "Redis instance with more data. If the memory peak was only occasional and you want to try to reclaim memory, "
                    + "please try the MEMORY PURGE command, otherwise the only other option is to shutdown and restart the "
                    + "instance.\n\n");
        }
        if (mh.totalFrag > 1.4 && mh.totalFragBytes > 10 * MB) {
            s.append(" * High total RSS: This instance has a memory fragmentation and RSS overhead greater than 1.4 (this means "
                    + "that the Resident Set Size of the Redis process is much larger than the sum of the logical allocations Redis "
                    + "performed). This problem is usually due either to a large peak memory (check if there is a peak memory entry "
                    + "above in the report) or may result from a workload that causes the allocator to fragment memory a lot. If the "
                    + "problem is a large peak memory, then there is no issue. Otherwise, make sure you are using the Jemalloc "
                    + "allocator and not the default libc malloc. Note: The currently used allocator is \"jvm-")
                    .append(Runtime.version().feature()).append("\".\n\n");
        }
        if (mh.allocatorFrag > 1.1 && mh.allocatorFragBytes > 10 * MB) {
            s.append(" * High allocator fragmentation: This instance has an allocator external fragmentation greater than 1.1. "
                    + "This problem is usually due either to a large peak memory (check if there is a peak memory entry above in the "
                    + "report) or may result from a workload that causes the allocator to fragment memory a lot. You can try "
                    + "enabling 'activedefrag' config option.\n\n");
        }
        if (mh.allocatorRss > 1.1 && mh.allocatorRssBytes > 10 * MB) {
            s.append(" * High allocator RSS overhead: This instance has an RSS memory overhead is greater than 1.1 (this means "
                    + "that the Resident Set Size of the allocator is much larger than the sum what the allocator actually holds). "
                    + "This problem is usually due to a large peak memory (check if there is a peak memory entry above in the "
                    + "report), you can try the MEMORY PURGE command to reclaim it.\n\n");
        }
        if (mh.rssExtra > 1.1 && mh.rssExtraBytes > 10 * MB) {
            s.append(" * High process RSS overhead: This instance has non-allocator RSS memory overhead is greater than 1.1 "
                    + "(this means that the Resident Set Size of the Redis process is much larger than the RSS the allocator "
                    + "holds). This problem may be due to Lua scripts or Modules.\n\n");
        }
        long replicas = server.replication().replicaCount();
        if (replicas > 0 && mh.clientsSlaves / replicas > 10 * MB) {
            s.append(" * Big replica buffers: The replica output buffers in this instance are greater than 10MB for each "
                    + "replica (on average). This likely means that there is some replica instance that is struggling receiving "
                    + "data, either because it is too slow or because of networking issues. As a result, data piles on the master "
                    + "output buffers. Please try to identify what replica is not receiving data correctly and why. You can use the "
                    + "INFO output in order to check the replicas delays and the CLIENT LIST command to check the output buffers of "
                    + "each replica.\n\n");
        }
        long clients = Math.max(1, server.connectedClients());
        if (mh.clientsNormal / clients > 1024 * 200) {
            s.append(" * Big client buffers: The clients output buffers in this instance are greater than 200K per client (on "
                    + "average). This may result from different causes, like Pub/Sub clients subscribed to channels bot not "
                    + "receiving data fast enough, so that data piles on the Redis instance output buffer, or clients sending "
                    + "commands with large replies or very large sequences of commands in the same pipeline. Please use the CLIENT "
                    + "LIST command in order to investigate the issue if it causes problems in your instance, or to understand "
                    + "better why certain clients are using a big amount of memory.\n\n");
        }
        if (server.engine().scripting.cachedScripts() > 1000) {
            s.append(" * Many scripts: There seem to be many cached scripts in this instance (more than 1000). This may be "
                    + "because scripts are generated and `EVAL`ed, instead of being parameterized (with KEYS and ARGV), `SCRIPT "
                    + "LOAD`ed and `EVALSHA`ed. Unless `SCRIPT FLUSH` is called periodically, the scripts' caches may end up "
                    + "consuming most of your memory.\n\n");
        }
        if (s.length() == 0) {
            return "Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this base.\n";
        }
        return "Sam, I detected a few issues in this Redis instance memory implants:\n\n" + s
                + "I'm here to keep you safe, Sam. I want to help you.\n";
    }

    /** In place of jemalloc's statistics: the JVM's heap, its pools, its collectors and its buffer pools. */
    static String mallocStats() {
        StringBuilder s = new StringBuilder("___ Begin JVM memory statistics ___\n");
        s.append("Version: \"").append(System.getProperty("java.vm.name")).append(' ').append(Runtime.version()).append("\"\n");
        var mem = ManagementFactory.getMemoryMXBean();
        usage(s, "heap", mem.getHeapMemoryUsage());
        usage(s, "non-heap", mem.getNonHeapMemoryUsage());
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            usage(s, "pool \"" + p.getName() + "\" (" + p.getType().toString().toLowerCase(java.util.Locale.ROOT) + ")", p.getUsage());
            MemoryUsage peak = p.getPeakUsage();
            if (peak != null) s.append("  peak used: ").append(peak.getUsed()).append('\n');
        }
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            s.append("gc \"").append(gc.getName()).append("\": collections: ").append(gc.getCollectionCount())
                    .append(", time ms: ").append(gc.getCollectionTime()).append('\n');
        }
        for (BufferPoolMXBean b : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            s.append("buffer pool \"").append(b.getName()).append("\": count: ").append(b.getCount()).append(", used: ")
                    .append(b.getMemoryUsed()).append(", capacity: ").append(b.getTotalCapacity()).append('\n');
        }
        return s.append("--- End JVM memory statistics ---\n").toString();
    }

    private static void usage(StringBuilder s, String what, MemoryUsage u) {
        s.append(what).append(": used: ").append(u.getUsed()).append(", committed: ").append(u.getCommitted())
                .append(", max: ").append(u.getMax()).append('\n');
    }

    /**
     * MEMORY PURGE: jemalloc gives dirty pages back to the system; the JVM's equivalent is a full
     * collection, after which the collector may uncommit free heap regions.
     */
    static void purge(Client c) {
        System.gc();
        c.addReplyOk();
    }
}
