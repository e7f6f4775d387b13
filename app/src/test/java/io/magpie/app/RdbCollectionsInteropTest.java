package io.magpie.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.magpie.engine.types.ValueType;
import io.magpie.persistence.rdb.Rdb;
import io.magpie.persistence.rdb.RdbCollections;
import io.magpie.persistence.rdb.RdbCollections.Elements;
import io.magpie.persistence.rdb.RdbReader;
import io.magpie.persistence.rdb.RdbWriter;
import io.magpie.protocol.RespClient;
import java.io.BufferedInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The collection encodings (quicklist 2 of listpacks, intset, listpack hashes and zsets,
 * their big forms) decode exactly what redis-server 7.0 wrote, and what Magpie writes
 * passes redis-check-rdb and loads into redis-server with the same contents and encodings.
 */
class RdbCollectionsInteropTest {
    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static String s(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    /** Values of every listpack/intset width: small ints, 13-bit, 16, 24, 32, 64 bit, strings short and long. */
    private static String value(Random r, int i) {
        return switch (i % 10) {
            case 0 -> String.valueOf(r.nextInt(128));
            case 1 -> String.valueOf(r.nextInt(8000) - 4000);
            case 2 -> String.valueOf(r.nextInt(60000) - 30000);
            case 3 -> String.valueOf(r.nextInt(16_000_000) - 8_000_000);
            case 4 -> String.valueOf(r.nextInt());
            case 5 -> String.valueOf(r.nextLong());
            case 6 -> "s" + i;
            case 7 -> "m".repeat(70 + r.nextInt(100)) + i;
            case 8 -> "L".repeat(5000 + r.nextInt(100)) + i;
            default -> "0" + i;
        };
    }

    /** key -> what redis reports (list order, sorted set/hash entries) and encoding. */
    private static Map<String, String> populate(RespClient c, Random r) {
        Map<String, String> keys = new HashMap<>();
        for (int size : new int[] {5, 200}) {
            String list = "list" + size, hash = "hash" + size, zset = "zset" + size, set = "set" + size, iset = "intset" + size;
            for (int i = 0; i < size; i++) {
                c.call(b("RPUSH"), b(list), b(value(r, i)));
                c.call(b("HSET"), b(hash), b("f" + i), b(i % 10 == 8 && size > 5 ? "short" : value(r, i)));
                c.call(b("ZADD"), b(zset), b(String.valueOf(i % 3 == 0 ? i : i + 0.25)), b(i % 10 == 8 && size > 5 ? "mem" + i : value(r, i)));
                c.call(b("SADD"), b(set), b(value(r, i)));
                c.call(b("SADD"), b(iset), b(String.valueOf(i % 2 == 0 ? i : -100000L * i)));
            }
            keys.put(list, "list");
            keys.put(hash, "hash");
            keys.put(zset, "zset");
            keys.put(set, "set");
            keys.put(iset, "set");
        }
        c.call("SADD", "bigintset", String.valueOf(Long.MAX_VALUE), "1");
        keys.put("bigintset", "set");
        c.call("ZADD", "infz", "inf", "a", "-inf", "b", "0", "c");
        keys.put("infz", "zset");
        return keys;
    }

    /** The contents as redis-server reports them, normalized (sets and hashes sorted). */
    private static String redisView(RespClient c, String key, String type) {
        Object v = switch (type) {
            case "list" -> c.value("LRANGE", key, "0", "-1");
            case "set" -> sorted(c.value("SMEMBERS", key));
            case "hash" -> sortedPairs(c.value("HGETALL", key));
            default -> c.value("ZRANGE", key, "0", "-1", "WITHSCORES");
        };
        return String.valueOf(v);
    }

    @SuppressWarnings("unchecked")
    private static List<String> sorted(Object o) {
        List<String> l = new ArrayList<>((List<String>) o);
        l.sort(null);
        return l;
    }

    @SuppressWarnings("unchecked")
    private static List<String> sortedPairs(Object o) {
        List<String> l = (List<String>) o, pairs = new ArrayList<>();
        for (int i = 0; i < l.size(); i += 2) pairs.add(l.get(i) + "=" + l.get(i + 1));
        pairs.sort(null);
        return pairs;
    }

    /** The decoded contents in the same normalized form. */
    private static String magpieView(Elements e) {
        List<String> l = new ArrayList<>();
        switch (e.type()) {
            case LIST -> e.items().forEach(x -> l.add(s(x)));
            case SET -> {
                e.items().forEach(x -> l.add(s(x)));
                l.sort(null);
            }
            case HASH -> {
                for (int i = 0; i < e.items().size(); i += 2) l.add(s(e.items().get(i)) + "=" + s(e.items().get(i + 1)));
                l.sort(null);
            }
            default -> {
                Integer[] idx = new Integer[e.items().size()];
                for (int i = 0; i < idx.length; i++) idx[i] = i;
                java.util.Arrays.sort(idx, (x, y) -> {
                    int cmp = Double.compare(e.scores()[x], e.scores()[y]);
                    return cmp != 0 ? cmp : java.util.Arrays.compareUnsigned(e.items().get(x), e.items().get(y));
                });
                for (int i : idx) {
                    l.add(s(e.items().get(i)));
                    double d = e.scores()[i];
                    l.add(Double.isInfinite(d) ? (d > 0 ? "inf" : "-inf")
                            : d == Math.rint(d) ? String.valueOf((long) d) : io.magpie.protocol.NumberFormat.formatG17(d));
                }
            }
        }
        return String.valueOf(l);
    }

    /** Walks an RDB file, decoding each collection (strings and opcodes skipped). */
    private static Map<String, Elements> decodeAll(Path file) throws Exception {
        Map<String, Elements> out = new HashMap<>();
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file))) {
            RdbReader r = new RdbReader(in);
            r.readBytes(9);
            while (true) {
                int t = r.readType();
                if (t == Rdb.OPCODE_EOF) break;
                switch (t) {
                    case Rdb.OPCODE_AUX -> { r.readString(); r.readString(); }
                    case Rdb.OPCODE_SELECTDB -> r.readLen();
                    case Rdb.OPCODE_RESIZEDB -> { r.readLen(); r.readLen(); }
                    case Rdb.OPCODE_EXPIRETIME_MS -> r.readMillis();
                    default -> {
                        String key = s(r.readString());
                        if (t == Rdb.TYPE_STRING) r.readString();
                        else out.put(key, RdbCollections.read(r, t));
                    }
                }
            }
        }
        return out;
    }

    @Test
    void collectionsWrittenByRedisDecodeToTheSameContents() throws Exception {
        try (RealRedis redis = new RealRedis(); RespClient c = redis.client()) {
            Map<String, String> keys = populate(c, new Random(11));
            assertThat(String.valueOf(c.value("SAVE"))).isEqualTo("OK");
            Map<String, Elements> decoded = decodeAll(redis.dir().resolve("dump.rdb"));
            assertThat(decoded.keySet()).containsExactlyInAnyOrderElementsOf(keys.keySet());
            for (var k : keys.entrySet()) {
                assertThat(magpieView(decoded.get(k.getKey()))).as(k.getKey()).isEqualTo(redisView(c, k.getKey(), k.getValue()));
            }
        }
    }

    @Test
    void collectionsWrittenByMagpieLoadIntoRedisWithTheirEncodings() throws Exception {
        Random r = new Random(5);
        Path dir = Files.createTempDirectory("magpie-coll");
        try {
            RdbWriter w = new RdbWriter(true);
            w.writeHeader();
            w.writeAux("redis-ver", "7.0.15");
            w.writeSelectDb(0);
            Map<String, Elements> written = new HashMap<>();
            Map<String, String> encodings = new HashMap<>();
            for (int size : new int[] {5, 300}) {
                List<byte[]> list = new ArrayList<>(), hash = new ArrayList<>(), zm = new ArrayList<>(), set = new ArrayList<>();
                double[] scores = new double[size];
                for (int i = 0; i < size; i++) {
                    list.add(b(value(r, i)));
                    hash.add(b("f" + i));
                    hash.add(b(value(r, i)));
                    zm.add(b("m" + i));
                    scores[i] = i % 3 == 0 ? i : i / 7.0;
                    set.add(b("x" + i));
                }
                // zset listpack must be in score order
                Integer[] idx = new Integer[size];
                for (int i = 0; i < size; i++) idx[i] = i;
                java.util.Arrays.sort(idx, (x, y) -> Double.compare(scores[x], scores[y]));
                List<byte[]> zmSorted = new ArrayList<>();
                double[] scSorted = new double[size];
                for (int i = 0; i < size; i++) {
                    zmSorted.add(zm.get(idx[i]));
                    scSorted[i] = scores[idx[i]];
                }
                boolean small = size == 5;
                w.writeType(Rdb.TYPE_LIST_QUICKLIST_2);
                w.writeString(b("list" + size));
                RdbCollections.writeList(w, list, -2);
                written.put("list" + size, new Elements(ValueType.LIST, list, null));
                encodings.put("list" + size, "quicklist"); // Redis 7.0 lists are always quicklists

                w.writeType(small ? Rdb.TYPE_HASH_LISTPACK : Rdb.TYPE_HASH);
                w.writeString(b("hash" + size));
                if (small) RdbCollections.writeHashListpack(w, hash);
                else RdbCollections.writeHashTable(w, hash);
                written.put("hash" + size, new Elements(ValueType.HASH, hash, null));
                encodings.put("hash" + size, small ? "listpack" : "hashtable");

                w.writeType(small ? Rdb.TYPE_ZSET_LISTPACK : Rdb.TYPE_ZSET_2);
                w.writeString(b("zset" + size));
                if (small) RdbCollections.writeZsetListpack(w, zmSorted, scSorted);
                else RdbCollections.writeZset2(w, zmSorted, scSorted);
                written.put("zset" + size, new Elements(ValueType.ZSET, zmSorted, scSorted));
                encodings.put("zset" + size, small ? "listpack" : "skiplist");

                w.writeType(Rdb.TYPE_SET);
                w.writeString(b("set" + size));
                RdbCollections.writeSetTable(w, set);
                written.put("set" + size, new Elements(ValueType.SET, set, null));
                encodings.put("set" + size, "hashtable");
            }
            long[] ints = {-5_000_000_000L, -3, 0, 7, 70000, Long.MAX_VALUE};
            w.writeType(Rdb.TYPE_SET_INTSET);
            w.writeString(b("intset"));
            RdbCollections.writeIntset(w, ints);
            List<byte[]> intStrings = new ArrayList<>();
            for (long v : ints) intStrings.add(b(String.valueOf(v)));
            written.put("intset", new Elements(ValueType.SET, intStrings, null));
            encodings.put("intset", "intset");
            w.writeEof(true);
            Path rdb = dir.resolve("dump.rdb");
            Files.write(rdb, w.toByteArray());

            Process check = new ProcessBuilder("redis-check-rdb", rdb.toString()).redirectErrorStream(true).start();
            String out = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(check.waitFor()).as(out).isZero();
            try (RealRedis redis = new RealRedis("--dir", dir.toString()); RespClient c = redis.client()) {
                for (var e : written.entrySet()) {
                    String type = e.getValue().type().typeName();
                    assertThat(redisView(c, e.getKey(), type)).as(e.getKey()).isEqualTo(magpieView(e.getValue()));
                    assertThat(String.valueOf(c.value("OBJECT", "ENCODING", e.getKey()))).as(e.getKey()).isEqualTo(encodings.get(e.getKey()));
                }
            }
        } finally {
            RdbInteropTest.deleteTree(dir);
        }
    }
}
