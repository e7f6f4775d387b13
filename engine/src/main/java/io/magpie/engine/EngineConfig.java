package io.magpie.engine;

import io.magpie.engine.config.Config;
import io.magpie.engine.config.Params.BoolParam;
import io.magpie.engine.config.Params.EnumParam;
import io.magpie.engine.config.Params.LongParam;
import io.magpie.engine.config.Param;
import io.magpie.engine.config.ConfigException;
import java.util.Locale;

/**
 * The engine's configuration parameters, with Redis 7.0's names, defaults and ranges.
 * Encoding thresholds decide when a small compact encoding converts to the big one.
 */
public final class EngineConfig {
    public enum MaxmemoryPolicy {
        VOLATILE_LRU, VOLATILE_LFU, VOLATILE_RANDOM, VOLATILE_TTL, ALLKEYS_LRU, ALLKEYS_LFU, ALLKEYS_RANDOM, NOEVICTION;

        public String configName() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }

        public boolean isLfu() {
            return this == VOLATILE_LFU || this == ALLKEYS_LFU;
        }

        public boolean isLru() {
            return this == VOLATILE_LRU || this == ALLKEYS_LRU;
        }

        public boolean allKeys() {
            return this == ALLKEYS_LRU || this == ALLKEYS_LFU || this == ALLKEYS_RANDOM;
        }
    }

    private static final long LLMAX = Long.MAX_VALUE;
    private static final long INTMAX = Integer.MAX_VALUE;

    public final Config registry;
    public final LongParam databases;
    public final LongParam hz;
    public final LongParam activeExpireEffort;
    public final Notifications.Param notifyKeyspaceEvents;
    public final LongParam maxmemory;
    public final EnumParam<MaxmemoryPolicy> maxmemoryPolicy;
    public final LongParam maxmemorySamples;
    public final LongParam maxmemoryEvictionTenacity;
    public final LongParam lfuLogFactor;
    public final LongParam lfuDecayTime;
    public final LongParam slowlogLogSlowerThan;
    public final LongParam slowlogMaxLen;
    public final BoolParam lazyfreeLazyEviction, lazyfreeLazyExpire, lazyfreeLazyServerDel, lazyfreeLazyUserDel, lazyfreeLazyUserFlush;
    public final LongParam hashMaxListpackEntries, hashMaxListpackValue;
    public final LongParam setMaxIntsetEntries;
    public final LongParam zsetMaxListpackEntries, zsetMaxListpackValue;
    public final LongParam listMaxListpackSize, listCompressDepth;
    public final LongParam hllSparseMaxBytes;
    public final LongParam latencyMonitorThreshold;
    public final BoolParam latencyTracking;
    public final LongParam trackingTableMaxKeys;
    public final LongParam streamNodeMaxBytes, streamNodeMaxEntries;

    public EngineConfig(Config c) {
        this.registry = c;
        databases = c.register(new LongParam("databases", 16, 1, INTMAX, false));
        databases.immutable();
        hz = c.register(new LongParam("hz", 10, 0, INTMAX, false));
        activeExpireEffort = c.register(new LongParam("active-expire-effort", 1, 1, 10, false));
        notifyKeyspaceEvents = c.register(new Notifications.Param());
        maxmemory = c.register(new LongParam("maxmemory", 0, 0, LLMAX, true));
        maxmemoryPolicy = c.register(new EnumParam<>("maxmemory-policy", MaxmemoryPolicy.NOEVICTION, MaxmemoryPolicy.values(), MaxmemoryPolicy::configName));
        maxmemorySamples = c.register(new LongParam("maxmemory-samples", 5, 1, INTMAX, false));
        maxmemoryEvictionTenacity = c.register(new LongParam("maxmemory-eviction-tenacity", 10, 0, 100, false));
        lfuLogFactor = c.register(new LongParam("lfu-log-factor", 10, 0, INTMAX, false));
        lfuDecayTime = c.register(new LongParam("lfu-decay-time", 1, 0, INTMAX, false));
        slowlogLogSlowerThan = c.register(new LongParam("slowlog-log-slower-than", 10000, -1, LLMAX, false));
        slowlogMaxLen = c.register(new LongParam("slowlog-max-len", 128, 0, LLMAX, false));
        lazyfreeLazyEviction = c.register(new BoolParam("lazyfree-lazy-eviction", false));
        lazyfreeLazyExpire = c.register(new BoolParam("lazyfree-lazy-expire", false));
        lazyfreeLazyServerDel = c.register(new BoolParam("lazyfree-lazy-server-del", false));
        lazyfreeLazyUserDel = c.register(new BoolParam("lazyfree-lazy-user-del", false));
        lazyfreeLazyUserFlush = c.register(new BoolParam("lazyfree-lazy-user-flush", false));
        hashMaxListpackEntries = c.register(new LongParam("hash-max-listpack-entries", 512, 0, LLMAX, false, "hash-max-ziplist-entries"));
        hashMaxListpackValue = c.register(new LongParam("hash-max-listpack-value", 64, 0, LLMAX, false, "hash-max-ziplist-value"));
        setMaxIntsetEntries = c.register(new LongParam("set-max-intset-entries", 512, 0, LLMAX, false));
        zsetMaxListpackEntries = c.register(new LongParam("zset-max-listpack-entries", 128, 0, LLMAX, false, "zset-max-ziplist-entries"));
        zsetMaxListpackValue = c.register(new LongParam("zset-max-listpack-value", 64, 0, LLMAX, false, "zset-max-ziplist-value"));
        listMaxListpackSize = c.register(new LongParam("list-max-listpack-size", -2, Integer.MIN_VALUE, INTMAX, false, "list-max-ziplist-size"));
        listCompressDepth = c.register(new LongParam("list-compress-depth", 0, 0, INTMAX, false));
        hllSparseMaxBytes = c.register(new LongParam("hll-sparse-max-bytes", 3000, 0, LLMAX, true));
        latencyMonitorThreshold = c.register(new LongParam("latency-monitor-threshold", 0, 0, LLMAX, false));
        latencyTracking = c.register(new BoolParam("latency-tracking", true));
        trackingTableMaxKeys = c.register(new LongParam("tracking-table-max-keys", 1_000_000, 0, LLMAX, false));
        // Streams (t_stream.c): a node closes at this many listpack bytes or entries.
        streamNodeMaxBytes = c.register(new LongParam("stream-node-max-bytes", 4096, 0, LLMAX, true));
        streamNodeMaxEntries = c.register(new LongParam("stream-node-max-entries", 100, 0, LLMAX, false));
    }

    /** Helper for parameters whose parse needs custom code. */
    public static abstract class Custom extends Param {
        protected Custom(String name, String... aliases) {
            super(name, aliases);
        }

        protected static ConfigException error(String msg) {
            return new ConfigException(msg);
        }
    }
}
