package io.magpie.server;

import io.magpie.engine.Engine;
import io.magpie.engine.MemoryAccounting;
import io.magpie.engine.keyspace.Database;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;

/**
 * Redis's getMemoryOverheadData: where used memory goes (startup, backlog, client buffers,
 * the keyspace's hash tables, the dataset) and how the process's memory compares with it, for
 * MEMORY STATS and MEMORY DOCTOR. Where Redis asks jemalloc, the JVM's real figures stand in:
 * allocator.allocated is the heap in use (live data and garbage not yet collected),
 * allocator.active the heap the JVM has committed, allocator.resident the process RSS. The
 * figure maxmemory works with (total.allocated, INFO used_memory) stays the engine's own
 * deterministic accounting (see MemoryAccounting).
 */
public final class MemoryOverhead {
    /** A db's hash-table overhead (dbs with keys only, as Redis lists them). */
    public record Db(int id, long overheadMain, long overheadExpires) {}

    public final long peakAllocated, totalAllocated, startupAllocated, replBacklog, clientsSlaves, clientsNormal, evalCaches,
            functionsCaches, overheadTotal, totalKeys, bytesPerKey, dataset;
    public final float datasetPerc, peakPerc;
    public final long allocatorAllocated, allocatorActive, allocatorResident, processRss;
    public final float allocatorFrag, allocatorRss, rssExtra, totalFrag;
    public final long allocatorFragBytes, allocatorRssBytes, rssExtraBytes, totalFragBytes;
    public final List<Db> dbs = new ArrayList<>();

    /** Read on the keyspace thread. */
    public MemoryOverhead(MagpieServer server) {
        Engine e = server.engine();
        totalAllocated = Memory.usedMemory(e);
        peakAllocated = Math.max(Memory.peak(e), totalAllocated);
        startupAllocated = Memory.startup(e);
        replBacklog = server.replication().backlogMemory();
        clientsSlaves = 0;
        clientsNormal = server.clientsOutputMemory();
        evalCaches = e.scripting.scriptsMemory();
        functionsCaches = 0;
        long overhead = startupAllocated + replBacklog + clientsSlaves + clientsNormal + evalCaches + functionsCaches;
        long keys = 0;
        for (int i = 0; i < e.dbCount(); i++) {
            Database db = e.db(i);
            if (db.size() == 0) continue;
            long main = (long) db.dict().size() * MemoryAccounting.ENTRY_BYTES + (long) db.dict().buckets() * 4;
            long expires = (long) db.expires().size() * MemoryAccounting.EXPIRE_BYTES + (long) db.expires().buckets() * 4;
            dbs.add(new Db(i, main, expires));
            overhead += main + expires;
            keys += db.size();
        }
        overheadTotal = overhead;
        totalKeys = keys;
        dataset = totalAllocated - overheadTotal;
        long netUsage = totalAllocated > startupAllocated ? totalAllocated - startupAllocated : 1;
        datasetPerc = (float) dataset * 100 / netUsage;
        bytesPerKey = keys == 0 ? 0 : netUsage / keys;
        peakPerc = (float) totalAllocated * 100 / peakAllocated;

        var heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        allocatorAllocated = heap.getUsed();
        allocatorActive = heap.getCommitted();
        processRss = Memory.rss();
        allocatorResident = processRss;
        allocatorFrag = (float) allocatorActive / allocatorAllocated;
        allocatorFragBytes = allocatorActive - allocatorAllocated;
        allocatorRss = (float) allocatorResident / allocatorActive;
        allocatorRssBytes = allocatorResident - allocatorActive;
        rssExtra = (float) processRss / allocatorResident;
        rssExtraBytes = processRss - allocatorResident;
        // INFO's mem_fragmentation_ratio: the RSS the data accounts for, against used_memory.
        long dataRss = Memory.rssForFragmentation(processRss);
        totalFrag = (float) dataRss / totalAllocated;
        totalFragBytes = dataRss - totalAllocated;
    }
}
