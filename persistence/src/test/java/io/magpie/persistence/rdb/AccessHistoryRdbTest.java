package io.magpie.persistence.rdb;

import static org.assertj.core.api.Assertions.assertThat;

import io.magpie.engine.Clock;
import io.magpie.engine.Engine;
import io.magpie.engine.config.Config;
import io.magpie.engine.keyspace.KeyspaceSnapshot;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * rdbSaveKeyValuePair's IDLE and FREQ opcodes: written under an LRU or LFU
 * maxmemory-policy (and only then), right before the key's type byte, and given back to
 * the key when loaded under the same kind of policy.
 */
class AccessHistoryRdbTest {
    private static final byte[] KEY = "k".getBytes(StandardCharsets.US_ASCII);

    private static Engine engine(String policy) throws Exception {
        Config registry = new Config();
        Engine e = new Engine(registry, Clock.SYSTEM, 1);
        registry.find("maxmemory-policy").set(policy);
        e.start();
        return e;
    }

    private static byte[] save(Engine e) {
        RdbWriter w = new RdbWriter(false);
        KeyspaceSnapshot.start(e, new RdbSaver(w, true, new RdbSaver.Aux("7.0.15", 1, 1, false, null, 0, 0)).accessHistory(e)).finish();
        return w.toByteArray();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"noeviction", "allkeys-lru", "volatile-lru", "allkeys-lfu", "volatile-lfu", "allkeys-random"})
    void idleOrFreqPrecedesTheTypeByteUnderItsPolicyAndComesBackOnLoad(String policy) throws Exception {
        Engine e = engine(policy);
        e.db(0).add(KEY, "v".getBytes(StandardCharsets.US_ASCII));
        boolean lfu = policy.endsWith("lfu"), lru = policy.endsWith("lru");
        // 500 seconds idle, or an LFU counter of 42.
        e.eviction().restoreAccessHistory(e.db(0).entry(KEY), lfu ? 42 : -1, lfu ? -1 : 500);
        String hex = HexFormat.of().formatHex(save(e));
        String typeKeyValue = "00" + "016b" + "0176"; // string type, "k", "v"
        if (lru) {
            assertThat(hex).contains("f8" + "41f4" + typeKeyValue); // IDLE, 500 as a 14-bit length
        } else if (lfu) {
            assertThat(hex).contains("f9" + "2a" + typeKeyValue); // FREQ, one byte
        } else {
            assertThat(hex).doesNotContain("f8" + "41f4").doesNotContain("f9" + "2a").contains("fb0100" + typeKeyValue);
        }
        Engine loaded = engine(policy);
        byte[] rdb = HexFormat.of().parseHex(hex);
        new RdbLoader(loaded, true, true).load(new RdbReader(new ByteArrayInputStream(rdb)));
        var entry = loaded.db(0).entry(KEY);
        if (lfu) {
            assertThat(loaded.eviction().frequency(entry)).isEqualTo(42);
        } else if (lru) {
            assertThat(loaded.eviction().idleMillis(entry) / 1000).isBetween(500L, 501L);
        } else {
            assertThat(loaded.eviction().idleMillis(entry) / 1000).isLessThanOrEqualTo(1);
        }
    }
}
