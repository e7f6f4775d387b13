package io.magpie.engine;

import java.util.TreeMap;

/** Counters for INFO stats and errorstats (Redis's server.stat_*). */
public final class Stats {
    public long numCommands;
    public long numConnections;
    public long rejectedConnections;
    public long expiredKeys;
    public long expiredStaleChecks;
    public long evictedKeys;
    public long evictedClients;
    public long keyspaceHits;
    public long keyspaceMisses;
    public long totalErrorReplies;
    public long netInputBytes;
    public long netOutputBytes;
    public long unexpectedErrorReplies;
    public long ioReadsProcessed, ioWritesProcessed;
    public long totalReadsProcessed, totalWritesProcessed;
    public long clientQbufLimitDisconnections, clientOutbufLimitDisconnections;
    public long expireCycleCpuMillis;
    public long dirtyAtLastReset;
    /** errorstat_<CODE>: count, keyed by the first word of the error. */
    public final TreeMap<String, Long> errors = new TreeMap<>();

    /** Counts an error reply by its code, as Redis's afterErrorReply (at most 128 distinct codes). */
    public void countError(String text) {
        totalErrorReplies++;
        int sp = text.indexOf(' ');
        String code = sp < 0 ? text : text.substring(0, sp);
        if (errors.size() >= 128 && !errors.containsKey(code)) return;
        errors.merge(code, 1L, Long::sum);
    }

    /** CONFIG RESETSTAT. */
    public void reset() {
        numCommands = numConnections = rejectedConnections = expiredKeys = expiredStaleChecks = 0;
        evictedKeys = evictedClients = keyspaceHits = keyspaceMisses = totalErrorReplies = 0;
        netInputBytes = netOutputBytes = unexpectedErrorReplies = 0;
        totalReadsProcessed = totalWritesProcessed = 0;
        clientQbufLimitDisconnections = clientOutbufLimitDisconnections = 0;
        errors.clear();
    }
}
