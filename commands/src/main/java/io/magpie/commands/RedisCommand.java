package io.magpie.commands;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * One entry of the command table: Redis's metadata for the command (arity, flags, key
 * specs, ACL categories, docs) plus the handler that implements it and its INFO
 * commandstats counters. Container commands (CONFIG, CLIENT...) hold their subcommands.
 */
public final class RedisCommand {
    /** Lower-case name; "config|get" for a subcommand. */
    public final String fullName;
    /** Lower-case name as typed: "get", or "get" for "config|get". */
    public final String name;
    public final RedisCommand parent;
    public final int arity;
    public final Set<String> flags;
    public final int firstKey, lastKey, keyStep;
    final JsonNode info;
    final JsonNode docs;
    final KeySpec[] keySpecs;
    /** The getkeys proc, for commands whose keys depend on their arguments; else null. */
    final GetKeysProc getKeysProc;
    /** Some spec names real keys (not only NOT_KEY channels); some spec's flags vary with the arguments. */
    final boolean hasKeySpec, hasVariableFlags;
    final Map<String, RedisCommand> subcommands = new LinkedHashMap<>();
    /** The same subcommands, for lookups from argument bytes. */
    final CommandDict subcommandDict = new CommandDict();
    /** The implementation, opaque here (see CommandTable.handler); null when not implemented. */
    Object handler;

    // Flags read on the hot path, decoded once.
    public final boolean write, readonly, denyOom, admin, pubsub, noscript, loading, stale, fast, noAuth,
            mayReplicate, noMulti, allowBusy, noMandatoryKeys, movableKeys;
    /**
     * Sentinel's share of the one table, as Redis 7 flags it (CMD_SENTINEL, CMD_ONLY_SENTINEL):
     * the command is also served by a Sentinel, or only by one. Neither shows in COMMAND INFO.
     */
    public final boolean sentinel, onlySentinel;

    // INFO commandstats.
    public long calls, microseconds, rejectedCalls, failedCalls;
    /** INFO latencystats and LATENCY HISTOGRAM: created at the first call while latency-tracking is on. */
    public LatencyHistogram latencyHistogram;

    RedisCommand(String fullName, RedisCommand parent, int arity, Set<String> flags, int firstKey, int lastKey, int keyStep,
                 JsonNode info, JsonNode docs, KeySpec[] keySpecs, boolean sentinel, boolean onlySentinel) {
        this.fullName = fullName;
        this.name = fullName.contains("|") ? fullName.substring(fullName.indexOf('|') + 1) : fullName;
        this.parent = parent;
        this.arity = arity;
        this.flags = flags;
        this.firstKey = firstKey;
        this.lastKey = lastKey;
        this.keyStep = keyStep;
        this.info = info;
        this.docs = docs;
        this.keySpecs = keySpecs;
        this.getKeysProc = GetKeysProcs.forCommand(fullName);
        boolean realKeys = false, variable = false;
        for (KeySpec ks : keySpecs) {
            realKeys |= (ks.flags & KeyFlags.NOT_KEY) == 0;
            variable |= (ks.flags & KeyFlags.VARIABLE_FLAGS) != 0;
        }
        this.hasKeySpec = realKeys;
        this.hasVariableFlags = variable;
        this.sentinel = sentinel || onlySentinel;
        this.onlySentinel = onlySentinel;
        this.write = flags.contains("write");
        this.readonly = flags.contains("readonly");
        this.denyOom = flags.contains("denyoom");
        this.admin = flags.contains("admin");
        this.pubsub = flags.contains("pubsub");
        this.noscript = flags.contains("noscript");
        this.loading = flags.contains("loading");
        this.stale = flags.contains("stale");
        this.fast = flags.contains("fast");
        this.noAuth = flags.contains("no_auth");
        this.mayReplicate = flags.contains("may_replicate");
        this.noMulti = flags.contains("no_multi");
        this.allowBusy = flags.contains("allow_busy");
        this.noMandatoryKeys = flags.contains("no_mandatory_keys");
        this.movableKeys = flags.contains("movablekeys");
    }

    public Object handler() {
        return handler;
    }

    public boolean isImplemented() {
        return handler != null || subcommands.values().stream().anyMatch(RedisCommand::isImplemented);
    }

    public boolean hasSubcommands() {
        return !subcommands.isEmpty();
    }

    public RedisCommand subcommand(String lowerName) {
        RedisCommand c = subcommands.get(lowerName);
        return c != null && c.handler != null ? c : null;
    }

    /** The implemented subcommand named by an argument (any case), or null; allocates nothing. */
    public RedisCommand subcommand(byte[] name) {
        RedisCommand c = subcommandDict.get(name);
        return c != null && c.handler != null ? c : null;
    }

    /** The subcommand named by an argument, implemented or not (COMMAND GETKEYS reads the whole table). */
    public RedisCommand subcommandAny(byte[] name) {
        return subcommandDict.get(name);
    }

    public Map<String, RedisCommand> subcommands() {
        return Collections.unmodifiableMap(subcommands);
    }

    /** True when argc satisfies arity (exact when positive, at least -arity when negative). */
    public boolean arityOk(int argc) {
        return arity > 0 ? argc == arity : argc >= -arity;
    }

    public void resetStats() {
        calls = microseconds = rejectedCalls = failedCalls = 0;
        latencyHistogram = null;
    }

    /** updateCommandLatencyHistogram: one call's duration, in nanoseconds. */
    public void recordLatency(long nanos) {
        LatencyHistogram h = latencyHistogram;
        if (h == null) latencyHistogram = h = new LatencyHistogram();
        h.record(nanos);
    }

    @Override
    public String toString() {
        return fullName;
    }
}
