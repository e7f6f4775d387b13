package io.magpie.persistence.rdb;

import static org.assertj.core.api.Assertions.assertThat;

import io.magpie.engine.Client;
import io.magpie.engine.Clock;
import io.magpie.engine.DatasetDigest;
import io.magpie.engine.Engine;
import io.magpie.engine.config.Config;
import io.magpie.engine.keyspace.Database;
import io.magpie.engine.keyspace.KeyspaceSnapshot;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * A full sync in one JVM, deterministically interleaved: a master runs writes of every type
 * with short TTLs, EXPIRE extensions and RENAMEs in 16 dbs while its RDB snapshot is taken a
 * few buckets at a time (with cron's active expiry and table resizing between slices); a
 * replica loads that RDB, then applies the stream written since the snapshot started, later
 * (a lagging replica). Replica and master must then hold the same keys, values and expire
 * times: a full sync under writes loses nothing and adds nothing.
 */
class FullSyncReplayTest {
    /** A clock the test moves by hand (the engine test-jar's is not on this module's path). */
    static final class ManualClock implements Clock {
        long millis = 1_700_000_000_000L;

        @Override public long millis() { return millis; }

        @Override public long nanos() { return millis * 1_000_000L; }
    }

    private static final int DBS = 16;

    @Test
    void replicaLoadingTheSnapshotThenTheStreamHoldsTheMastersData() throws IOException {
        for (long seed = 1; seed <= Long.getLong("replay.seeds", 40); seed++) {
            String failure = runOnce(seed);
            assertThat(failure).as("seed %d", seed).isNull();
        }
    }

    private static Engine engine(ManualClock clock, long seed) {
        Engine e = new Engine(new Config(), clock, seed);
        e.start();
        return e;
    }

    private static String runOnce(long seed) throws IOException {
        Random r = new Random(seed);
        int keys = 1 + r.nextInt(r.nextBoolean() ? 4 : 40);
        ManualClock clock = new ManualClock();
        Engine master = engine(clock, seed);
        List<String[]> stream = new ArrayList<>();
        boolean[] recording = {false};
        master.writes.addListener((int db, byte[][] argv) -> {
            if (!recording[0]) return;
            String[] line = new String[argv.length + 1];
            line[0] = String.valueOf(db);
            for (int i = 0; i < argv.length; i++) line[i + 1] = new String(argv[i], StandardCharsets.ISO_8859_1);
            stream.add(line);
        });
        Client c = Client.detached(master);
        master.addClient(c);
        for (int i = 0; i < 100 + r.nextInt(500); i++) step(master, clock, c, r, keys);

        RdbWriter w = new RdbWriter(r.nextBoolean());
        RdbSaver saver = new RdbSaver(w, true, new RdbSaver.Aux("7.0.15", 1700000000, 1000, false, "x".repeat(40), 0, 0));
        KeyspaceSnapshot snap = KeyspaceSnapshot.start(master, saver);
        recording[0] = true;
        int guard = 0;
        while (!snap.step(1 + r.nextInt(4))) {
            for (int i = r.nextInt(4); i > 0; i--) step(master, clock, c, r, keys);
            if (++guard > 1_000_000) throw new AssertionError("snapshot did not end");
        }
        for (int i = r.nextInt(100); i > 0; i--) step(master, clock, c, r, keys);

        ManualClock replicaClock = new ManualClock();
        replicaClock.millis = clock.millis;
        Engine replica = engine(replicaClock, seed);
        replica.setReplica(true);
        byte[] rdb = w.toByteArray();
        new RdbLoader(replica, false, true).load(new RdbReader(new ByteArrayInputStream(rdb)));
        Client link = Client.detached(replica);
        link.master = true;
        link.obeyed = true;
        replica.addClient(link);
        int selected = 0;
        for (String[] line : stream) {
            replicaClock.millis += r.nextInt(3) == 0 ? r.nextInt(300) : 0; // the stream arrives late, and later
            int db = Integer.parseInt(line[0]);
            if (db != selected) {
                replica.execute(link, bytes("SELECT", String.valueOf(db)));
                selected = db;
            }
            String[] argv = new String[line.length - 1];
            System.arraycopy(line, 1, argv, 0, argv.length);
            replica.execute(link, bytes(argv));
            link.output().clear();
        }
        Map<String, String> want = contents(master), got = contents(replica);
        if (want.equals(got)) return null;
        StringBuilder sb = new StringBuilder("differences:");
        for (String k : new java.util.TreeSet<>(want.keySet())) {
            if (!want.get(k).equals(got.get(k))) sb.append("\n ").append(k).append(" master ").append(want.get(k)).append(" replica ").append(got.get(k));
        }
        for (String k : got.keySet()) if (!want.containsKey(k)) sb.append("\n ").append(k).append(" only on replica ").append(got.get(k));
        sb.append("\nstream since the snapshot:");
        for (String[] line : stream) sb.append("\n ").append(String.join(" ", line));
        return sb.toString();
    }

    /** db/key -> digest of the value|absolute expire, the raw keyspace (logically expired keys included). */
    private static Map<String, String> contents(Engine e) {
        Map<String, String> m = new TreeMap<>();
        DatasetDigest digest = new DatasetDigest();
        for (int i = 0; i < e.dbCount(); i++) {
            Database db = e.db(i);
            List<byte[]> names = new ArrayList<>();
            db.dict().forEach(en -> names.add(en.key()));
            for (byte[] k : names) {
                m.put(i + "/" + new String(k, StandardCharsets.ISO_8859_1), DatasetDigest.hex(digest.value(db, k)) + "|" + db.getExpire(k));
            }
        }
        return m;
    }

    private static byte[][] bytes(String... args) {
        byte[][] out = new byte[args.length][];
        for (int i = 0; i < args.length; i++) out[i] = args[i].getBytes(StandardCharsets.ISO_8859_1);
        return out;
    }

    private static void run(Engine e, Client c, String... args) {
        e.execute(c, bytes(args));
        c.output().clear();
    }

    private static void step(Engine e, ManualClock clock, Client c, Random r, int keys) {
        switch (r.nextInt(25)) {
            case 0 -> {
                clock.millis += r.nextInt(400);
                e.cron();
            }
            case 1 -> run(e, c, "SELECT", String.valueOf(r.nextInt(DBS)));
            case 2 -> {
                run(e, c, "MULTI");
                for (int i = 1 + r.nextInt(3); i > 0; i--) run(e, c, write(r, keys));
                run(e, c, "EXEC");
            }
            default -> run(e, c, write(r, keys));
        }
        if (r.nextInt(4) == 0) clock.millis += r.nextInt(60);
    }

    private static String key(Random r, String type, int keys) {
        return type + ":" + r.nextInt(keys);
    }

    private static String shortTtl(Random r) {
        return String.valueOf(200 + r.nextInt(1800));
    }

    private static final String[] TYPES = {"s", "flt", "h", "l", "set", "z"};

    private static String[] write(Random r, int keys) {
        String any = key(r, TYPES[r.nextInt(TYPES.length)], keys);
        String m = "m" + r.nextInt(8);
        return switch (r.nextInt(26)) {
            case 0 -> new String[] {"SET", key(r, "s", keys), "v" + r.nextInt(100)};
            case 1 -> new String[] {"SET", key(r, "s", keys), "v" + r.nextInt(100), "EX", String.valueOf(1000 + r.nextInt(1000))};
            case 2 -> new String[] {"SETEX", key(r, "s", keys), "1", "v" + r.nextInt(100)};
            case 3 -> new String[] {"SET", key(r, "s", keys), "v" + r.nextInt(100), "PX", shortTtl(r)};
            case 4 -> new String[] {"SET", key(r, "s", keys), "v" + r.nextInt(100), "KEEPTTL"};
            case 5 -> new String[] {"APPEND", key(r, "s", keys), "a"};
            case 6 -> new String[] {"INCRBYFLOAT", key(r, "flt", keys), String.valueOf(r.nextInt(100) / 10.0)};
            case 7 -> new String[] {"DEL", any};
            case 8 -> new String[] {"UNLINK", any};
            case 9, 10 -> new String[] {"EXPIRE", any, String.valueOf(1000 + r.nextInt(1000))};
            case 11 -> new String[] {"PEXPIRE", any, shortTtl(r)};
            case 12 -> new String[] {"PERSIST", any};
            case 13, 14 -> new String[] {"RENAME", key(r, "s", keys), key(r, "s", keys)};
            case 15 -> new String[] {"MSET", key(r, "s", keys), "m", key(r, "s", keys), "n"};
            case 16 -> new String[] {"HSET", key(r, "h", keys), m, "v" + r.nextInt(9)};
            case 17 -> new String[] {"HDEL", key(r, "h", keys), m};
            case 18 -> new String[] {"RPUSH", key(r, "l", keys), "v" + r.nextInt(9)};
            case 19 -> new String[] {"LPOP", key(r, "l", keys)};
            case 20 -> new String[] {"SADD", key(r, "set", keys), m};
            case 21 -> new String[] {"SREM", key(r, "set", keys), m};
            case 22 -> new String[] {"ZADD", key(r, "z", keys), String.valueOf(r.nextInt(9)), m};
            case 23 -> new String[] {"ZREM", key(r, "z", keys), m};
            default -> new String[] {r.nextBoolean() ? "GET" : "TTL", any};
        };
    }
}
