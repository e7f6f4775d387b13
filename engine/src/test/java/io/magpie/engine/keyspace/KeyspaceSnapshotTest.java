package io.magpie.engine.keyspace;

import static org.assertj.core.api.Assertions.assertThat;

import io.magpie.engine.Clock;
import io.magpie.engine.Engine;
import io.magpie.engine.commands.StringValues;
import io.magpie.engine.config.Config;
import io.magpie.engine.types.RawString;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class KeyspaceSnapshotTest {
    /** Far in the future so nothing expires during the test. */
    private static final long BASE_TTL = 4_000_000_000_000L;

    private static Engine newEngine() {
        Engine e = new Engine(new Config(), Clock.SYSTEM, 42);
        e.start();
        return e;
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** db -> key -> "value|expire", what a snapshot must contain. */
    private static Map<Integer, Map<String, String>> contents(Engine e) {
        Map<Integer, Map<String, String>> m = new TreeMap<>();
        for (int i = 0; i < e.dbCount(); i++) {
            Database db = e.db(i);
            Map<String, String> keys = new TreeMap<>();
            db.dict().forEach(en -> keys.put(new String(en.key(), StandardCharsets.ISO_8859_1),
                    new String(StringValues.bytes(en.value()), StandardCharsets.ISO_8859_1) + "|" + db.getExpire(en.key())));
            if (!keys.isEmpty()) m.put(i, keys);
        }
        return m;
    }

    /** Records what the snapshot emits, failing on a key emitted twice or dbs out of order. */
    static final class Recorder implements KeyspaceSnapshot.Sink {
        final Map<Integer, Map<String, String>> got = new TreeMap<>();
        int lastDb = -1;
        boolean ended;

        @Override public void beginDb(int dbIndex, long keys, long expires) {
            assertThat(dbIndex).isGreaterThan(lastDb);
            lastDb = dbIndex;
        }

        @Override public void entry(int dbIndex, byte[] key, Object value, long expireMs) {
            String k = new String(key, StandardCharsets.ISO_8859_1);
            String v = new String(StringValues.bytes(value), StandardCharsets.ISO_8859_1) + "|" + expireMs;
            String prev = got.computeIfAbsent(dbIndex, x -> new TreeMap<>()).put(k, v);
            assertThat(prev).as("key %s emitted twice", k).isNull();
        }

        @Override public void end() {
            ended = true;
        }
    }

    @Test
    void snapshotHoldsExactlyTheKeysAndValuesPresentWhenItStarted() {
        for (long seed = 1; seed <= 20; seed++) {
            Random r = new Random(seed);
            Engine e = newEngine();
            int keys = 200 + r.nextInt(3000);
            for (int i = 0; i < keys; i++) {
                Database db = e.db(r.nextInt(4));
                byte[] key = b("k" + r.nextInt(keys));
                db.setKey(null, key, b("v" + i), false);
                if (r.nextInt(4) == 0) db.setExpire(key, BASE_TTL + r.nextInt(1000));
            }
            Map<Integer, Map<String, String>> expected = contents(e);
            Recorder rec = new Recorder();
            KeyspaceSnapshot snap = KeyspaceSnapshot.start(e, rec);
            int steps = 0;
            while (!snap.step(1 + r.nextInt(64))) {
                for (int w = 0; w < 20; w++) randomWrite(e, r, keys);
                assertThat(++steps).isLessThan(1_000_000);
            }
            assertThat(rec.ended).isTrue();
            assertThat(rec.got).as("seed %d", seed).isEqualTo(expected);
            for (int i = 0; i < e.dbCount(); i++) assertThat(e.db(i).snapshotPart).isNull();
        }
    }

    private static void randomWrite(Engine e, Random r, int keys) {
        Database db = e.db(r.nextInt(5));
        byte[] key = b("k" + r.nextInt(keys * 2));
        switch (r.nextInt(100)) {
            case 0 -> db.empty();
            case 1 -> db.swapWith(e.db(r.nextInt(5)));
            default -> {
                int op = r.nextInt(6);
                Object cur = db.lookupWrite(key);
                if (op == 0) db.setKey(null, key, b("new" + r.nextInt()), r.nextBoolean());
                else if (op == 1) db.delete(key);
                else if (op == 2 && cur != null) StringValues.unshare(db, key, cur).append(b("+tail"));
                else if (op == 3 && cur instanceof RawString rs) rs.setRange(0, b("XY"));
                else if (op == 4 && cur != null) db.setExpire(key, BASE_TTL + r.nextInt(1000));
                else if (op == 5 && cur != null) db.removeExpire(key);
            }
        }
    }

    @Test
    void writesAfterTheSnapshotCompletedNeedNoCopy() {
        Engine e = newEngine();
        for (int i = 0; i < 100; i++) e.db(0).setKey(null, b("k" + i), b("v"), false);
        Recorder rec = new Recorder();
        KeyspaceSnapshot.start(e, rec).finish();
        assertThat(rec.got.get(0)).hasSize(100);
        e.db(0).setKey(null, b("k1"), b("changed"), false);
        assertThat(rec.got.get(0).get("k1")).isEqualTo("v|-1");
        // rehashing resumes: the dict can grow normally again
        for (int i = 0; i < 1000; i++) e.db(0).setKey(null, b("n" + i), b("v"), false);
        e.cron();
        assertThat(e.db(0).size()).isEqualTo(1100);
    }

    @Test
    void abortDetachesEveryDatabase() {
        Engine e = newEngine();
        for (int i = 0; i < 100; i++) e.db(i % 3).setKey(null, b("k" + i), b("v"), false);
        KeyspaceSnapshot snap = KeyspaceSnapshot.start(e, new Recorder());
        snap.step(3);
        snap.abort();
        for (int i = 0; i < 3; i++) assertThat(e.db(i).snapshotPart).isNull();
    }
}
