package io.magpie.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.magpie.engine.config.Config;
import io.magpie.engine.config.ConfigException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** maxmemory: which keys each policy evicts, OOM refusals, and what an eviction emits. */
class EvictionTest {
    static final class ManualClock implements Clock {
        long millis = 1_700_000_000_000L;

        @Override public long millis() {
            return millis;
        }

        @Override public long nanos() {
            return millis * 1_000_000L;
        }
    }

    ManualClock clock;
    Engine engine;
    Client client;
    final List<String> propagated = new ArrayList<>();

    @BeforeEach
    void setUp() {
        clock = new ManualClock();
        engine = new Engine(new Config(), clock, 42);
        engine.start();
        client = Client.detached(engine);
        engine.writes.addListener((db, argv) -> propagated.add(join(argv)));
    }

    static String join(byte[][] argv) {
        StringBuilder sb = new StringBuilder();
        for (byte[] a : argv) sb.append(sb.length() == 0 ? "" : " ").append(new String(a, StandardCharsets.UTF_8));
        return sb.toString();
    }

    String call(String... args) {
        client.output().clear();
        byte[][] argv = new byte[args.length][];
        for (int i = 0; i < args.length; i++) argv[i] = args[i].getBytes(StandardCharsets.UTF_8);
        engine.execute(client, argv);
        return client.output().toString(StandardCharsets.UTF_8);
    }

    void policy(String name) throws ConfigException {
        engine.config.maxmemoryPolicy.set(name);
    }

    /** Caps memory so that about `room` more bytes fit beyond what is used now. */
    void limitTo(long bytesBelowUsed) {
        engine.config.maxmemory.value(engine.usedMemory() - bytesBelowUsed);
    }

    boolean exists(String key) {
        return engine.db(0).dict().find(key.getBytes(StandardCharsets.UTF_8)) != null;
    }

    int survivors(String prefix, int from, int to) {
        int n = 0;
        for (int i = from; i < to; i++) if (exists(prefix + i)) n++;
        return n;
    }

    void fill(String prefix, int n) {
        for (int i = 0; i < n; i++) call("SET", prefix + i, "value-" + i);
    }

    @Test
    void allkeysLruKeepsRecentlyReadKeys() throws Exception {
        policy("allkeys-lru");
        fill("k", 1000);
        clock.millis += 100_000;
        for (int i = 0; i < 500; i++) call("GET", "k" + i);
        clock.millis += 10_000;
        long perKey = (engine.usedMemory() - MemoryAccounting.STARTUP_BYTES) / 1000;
        limitTo(perKey * 400);
        call("PING");
        assertThat(engine.usedMemory()).isLessThanOrEqualTo(engine.config.maxmemory.value());
        assertThat(engine.stats.evictedKeys).isGreaterThanOrEqualTo(350);
        assertThat(survivors("k", 0, 500)).isGreaterThanOrEqualTo(480);
        assertThat(survivors("k", 500, 1000)).isLessThanOrEqualTo(200);
    }

    @Test
    void aHeapLimitBelowMaxmemoryEvictsBeforeMaxmemoryIsReached() throws Exception {
        policy("allkeys-random");
        fill("k", 1000);
        long used = engine.usedMemory();
        engine.config.maxmemory.value(used * 10); // far above: maxmemory alone evicts nothing
        call("PING");
        assertThat(engine.stats.evictedKeys).isZero();
        long perKey = (used - MemoryAccounting.STARTUP_BYTES) / 1000;
        engine.eviction().setHeapLimit(used - perKey * 300); // what the heap can hold is less
        call("PING");
        assertThat(engine.stats.evictedKeys).isGreaterThanOrEqualTo(250);
        assertThat(engine.usedMemory()).isLessThanOrEqualTo(engine.eviction().heapLimit());
        engine.eviction().setHeapLimit(Long.MAX_VALUE);
    }

    @Test
    void allkeysLfuKeepsFrequentlyReadKeys() throws Exception {
        policy("allkeys-lfu");
        fill("k", 1000);
        for (int round = 0; round < 20; round++) {
            for (int i = 0; i < 300; i++) call("GET", "k" + i);
        }
        long perKey = (engine.usedMemory() - MemoryAccounting.STARTUP_BYTES) / 1000;
        limitTo(perKey * 500);
        call("PING");
        assertThat(survivors("k", 0, 300)).isGreaterThanOrEqualTo(290);
        assertThat(survivors("k", 300, 1000)).isLessThanOrEqualTo(300);
        client.output().clear();
        assertThat(call("OBJECT", "FREQ", "k1")).matches(":\\d+\r\n");
        assertThat(Integer.parseInt(call("OBJECT", "FREQ", "k1").substring(1).trim())).isGreaterThan(Eviction.LFU_INIT_VAL);
    }

    @Test
    void volatileTtlEvictsShortestTtlsFirst() throws Exception {
        policy("volatile-ttl");
        for (int i = 0; i < 400; i++) call("SET", "t" + i, "v", "EX", String.valueOf(1000 + i * 10));
        fill("p", 200);
        long perKey = (engine.usedMemory() - MemoryAccounting.STARTUP_BYTES) / 600;
        limitTo(perKey * 200);
        call("PING");
        assertThat(survivors("p", 0, 200)).isEqualTo(200);
        assertThat(survivors("t", 0, 100)).isLessThanOrEqualTo(10);
        assertThat(survivors("t", 300, 400)).isGreaterThanOrEqualTo(90);
    }

    @ParameterizedTest
    @ValueSource(strings = {"volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl"})
    void volatilePoliciesEvictOnlyKeysWithATtl(String policy) throws Exception {
        policy(policy);
        fill("p", 300);
        for (int i = 0; i < 300; i++) call("SET", "t" + i, "v", "EX", "1000");
        limitTo(20_000);
        call("PING");
        assertThat(engine.usedMemory()).isLessThanOrEqualTo(engine.config.maxmemory.value());
        assertThat(survivors("p", 0, 300)).isEqualTo(300);
        assertThat(survivors("t", 0, 300)).isLessThan(300);
    }

    @Test
    void allkeysRandomEvictsAcrossDatabases() throws Exception {
        policy("allkeys-random");
        fill("a", 300);
        call("SELECT", "1");
        fill("b", 300);
        call("SELECT", "0");
        limitTo(30_000);
        call("PING");
        assertThat(engine.usedMemory()).isLessThanOrEqualTo(engine.config.maxmemory.value());
        assertThat(engine.db(0).size()).isLessThan(300);
        assertThat(engine.db(1).size()).isLessThan(300);
    }

    @Test
    void volatilePolicyWithoutVolatileKeysRefusesWritesButNotReads() throws Exception {
        policy("volatile-lru");
        fill("p", 200);
        limitTo(1000);
        assertThat(call("SET", "new", "v")).isEqualTo("-" + Errors.OOM + "\r\n");
        assertThat(call("GET", "p1")).isEqualTo("$7\r\nvalue-1\r\n");
        assertThat(engine.db(0).size()).isEqualTo(200);
        assertThat(engine.stats.evictedKeys).isZero();
    }

    @Test
    void noevictionRefusesDenyoomCommandsButServesReadsAndDeletes() throws Exception {
        policy("noeviction");
        fill("p", 200);
        limitTo(1000);
        assertThat(call("SET", "new", "v")).isEqualTo("-" + Errors.OOM + "\r\n");
        assertThat(call("INCR", "counter")).startsWith("-OOM ");
        assertThat(call("GET", "p1")).isEqualTo("$7\r\nvalue-1\r\n");
        assertThat(engine.stats.errors).containsEntry("OOM", 2L);
        for (int i = 0; i < 200; i++) engine.db(0).delete(("p" + i).getBytes(StandardCharsets.UTF_8));
        assertThat(call("SET", "new", "v")).isEqualTo("+OK\r\n");
    }

    @Test
    void insideMultiEvenAReadIsRefusedAndTheTransactionMarkedFailed() throws Exception {
        policy("noeviction");
        fill("p", 200);
        client.multi = true; // as MULTI leaves it
        limitTo(1000);
        assertThat(call("GET", "p1")).startsWith("-OOM ");
        assertThat(client.dirtyExec).isTrue();
    }

    @Test
    void anEvictedKeyIsCountedNotifiedAndPropagatedAsDel() throws Exception {
        policy("allkeys-lru");
        call("SET", "only", "x");
        propagated.clear();
        limitTo(10);
        call("GET", "only");
        assertThat(exists("only")).isFalse();
        assertThat(engine.stats.evictedKeys).isEqualTo(1);
        assertThat(propagated).containsExactly("DEL only");
    }

    @Test
    void evictionStopsOnceUnderTheLimit() throws Exception {
        policy("allkeys-lru");
        fill("k", 1000);
        long used = engine.usedMemory();
        engine.config.maxmemory.value(used - 1);
        call("PING");
        assertThat(engine.stats.evictedKeys).isBetween(1L, 2L);
        assertThat(engine.db(0).size()).isGreaterThanOrEqualTo(998);
    }

    @Test
    void cronEvictsWithoutWaitingForACommandOnceMaxmemoryIsLowered() throws Exception {
        policy("allkeys-random");
        fill("k", 500);
        limitTo(10_000);
        engine.cron();
        assertThat(engine.stats.evictedKeys).isPositive();
        assertThat(engine.usedMemory()).isLessThanOrEqualTo(engine.config.maxmemory.value());
    }

    @Test
    void objectFreqAndIdletimeAnswerOnlyUnderTheirPolicy() throws Exception {
        call("SET", "k", "v");
        clock.millis += 5_000;
        assertThat(call("OBJECT", "IDLETIME", "k")).isEqualTo(":5\r\n");
        assertThat(call("OBJECT", "FREQ", "k")).startsWith("-ERR An LFU maxmemory policy is not selected");
        policy("allkeys-lfu");
        call("SET", "f", "v");
        assertThat(call("OBJECT", "FREQ", "f")).isEqualTo(":5\r\n");
        call("GET", "f");
        assertThat(call("OBJECT", "FREQ", "f")).isEqualTo(":6\r\n");
        assertThat(call("OBJECT", "IDLETIME", "f")).startsWith("-ERR An LFU maxmemory policy is selected");
    }

    @Test
    void sharedIntegersHaveNoRefcountUnderLruWithMaxmemory() throws Exception {
        call("SET", "k", "42");
        assertThat(call("OBJECT", "REFCOUNT", "k")).isEqualTo(":2147483647\r\n");
        policy("allkeys-lru");
        engine.config.maxmemory.value(1L << 30);
        assertThat(call("OBJECT", "REFCOUNT", "k")).isEqualTo(":1\r\n");
    }
}
