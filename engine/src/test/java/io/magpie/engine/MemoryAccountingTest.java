package io.magpie.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.magpie.engine.config.Config;
import io.magpie.engine.keyspace.Database;
import io.magpie.engine.types.RedisValue;
import io.magpie.engine.types.ValueType;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The used-memory estimate: exact for strings, self-correcting for values edited in place. */
class MemoryAccountingTest {
    /** A collection edited in place behind the keyspace's back, as list/hash/set commands do. */
    static final class Growing implements RedisValue {
        long bytes = 64;

        @Override public ValueType type() {
            return ValueType.LIST;
        }

        @Override public String encoding() {
            return "quicklist";
        }

        @Override public RedisValue duplicate() {
            Growing g = new Growing();
            g.bytes = bytes;
            return g;
        }

        @Override public long memoryUsage() {
            return bytes;
        }
    }

    Engine engine;
    Database db;

    @BeforeEach
    void setUp() {
        engine = new Engine(new Config(), new EvictionTest.ManualClock(), 7);
        engine.start();
        db = engine.db(0);
    }

    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    long dataset() {
        engine.usedMemory(); // drains re-measures
        return engine.memory().datasetBytes();
    }

    @Test
    void aStringKeyCostsItsEntryKeyAndValueBytes() {
        db.add(b("key"), b("hello world"));
        assertThat(dataset()).isEqualTo(MemoryAccounting.ENTRY_BYTES + 24 + 32);
        db.setExpire(b("key"), 1);
        assertThat(dataset()).isEqualTo(MemoryAccounting.ENTRY_BYTES + 24 + 32 + MemoryAccounting.EXPIRE_BYTES);
        db.overwrite(b("key"), new byte[100]);
        assertThat(dataset()).isEqualTo(MemoryAccounting.ENTRY_BYTES + 24 + 120 + MemoryAccounting.EXPIRE_BYTES);
        db.delete(b("key"));
        assertThat(dataset()).isZero();
    }

    @Test
    void usedMemoryGrowsWithTheDatasetAndReturnsWhenItIsDeleted() {
        long empty = engine.usedMemory();
        for (int i = 0; i < 1000; i++) db.add(b("k" + i), new byte[50]);
        assertThat(engine.usedMemory()).isGreaterThan(empty + 1000 * 100);
        for (int i = 0; i < 1000; i++) db.delete(b("k" + i));
        assertThat(dataset()).isZero();
        assertThat(engine.memory().tableBytes()).isPositive(); // tables shrink later, in cron
    }

    @Test
    void aValueEditedInPlaceIsRemeasuredAfterItsNextLookup() {
        Growing g = new Growing();
        db.add(b("list"), g);
        long before = dataset();
        db.lookupWrite(b("list"));
        g.bytes += 10_000; // the command's in-place edit, after its lookup
        assertThat(dataset()).isEqualTo(before + 10_000);
    }

    @Test
    void aCollectionFilledByTheCommandThatAddedItIsMeasuredFullAtTheNextRead() {
        Growing g = new Growing();
        db.add(b("list"), g);
        g.bytes += 10_000; // ZADD/HSET/RPUSH fill the value they just added, with no lookup after
        assertThat(dataset()).isEqualTo(MemoryAccounting.ENTRY_BYTES + 24 + 64 + 10_000);
    }

    @Test
    void cronCatchesEditsThatBypassedLookups() {
        Growing g = new Growing();
        db.add(b("list"), g);
        long before = dataset();
        g.bytes += 500;
        engine.cron();
        assertThat(dataset()).isEqualTo(before + 500);
    }

    @Test
    void flushingADbForgetsItsKeys() {
        db.add(b("s"), b("v"));
        db.add(b("l"), new Growing());
        db.setExpire(b("s"), 10);
        db.empty();
        assertThat(dataset()).isZero();
    }

    /**
     * Thousands of random adds, overwrites, in-place edits (some never followed by a lookup),
     * expires and deletes: the estimate never drifts from the sum of what each live key
     * was last measured at, and returns to zero when everything is gone.
     */
    @Test
    void randomWorkloadNeverDrifts() {
        SplittableRandom rnd = new SplittableRandom(1);
        List<byte[]> keys = new ArrayList<>();
        for (int i = 0; i < 50; i++) keys.add(b("key:" + i));
        for (int op = 0; op < 20_000; op++) {
            byte[] key = keys.get(rnd.nextInt(keys.size()));
            Object v = db.lookupWrite(key);
            switch (rnd.nextInt(6)) {
                case 0 -> {
                    Object nv = rnd.nextBoolean() ? new byte[rnd.nextInt(100)] : new Growing();
                    if (v == null) db.add(key, nv);
                    else db.overwrite(key, nv);
                }
                case 1 -> db.delete(key);
                case 2 -> {
                    if (v instanceof Growing g) g.bytes += rnd.nextInt(1000);
                }
                case 3 -> {
                    if (v != null) db.setExpire(key, 1L << 50);
                }
                case 4 -> db.removeExpire(key);
                default -> {
                    if (v != null) db.overwrite(key, v);
                }
            }
            if (op % 1000 == 0) assertThat(dataset()).isEqualTo(recount());
        }
        assertThat(dataset()).isEqualTo(recount());
        for (byte[] k : keys) db.delete(k);
        assertThat(dataset()).isZero();
    }

    /** What the estimate should be: every live key measured now. */
    private long recount() {
        long[] n = {0};
        db.dict().forEach(e -> {
            n[0] += MemoryAccounting.ENTRY_BYTES + MemoryAccounting.byteArrayBytes(e.key().length) + MemoryAccounting.measure(e.value());
        });
        return n[0] + (long) db.expires().size() * MemoryAccounting.EXPIRE_BYTES;
    }

    @Test
    void rssIsReadFromProc() {
        if (!java.nio.file.Files.exists(java.nio.file.Path.of("/proc/self/statm"))) return;
        assertThat(MemoryAccounting.processRss()).isGreaterThan(1 << 20);
    }
}
