package io.magpie.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.magpie.engine.geo.GeoHash;
import io.magpie.engine.geo.GeoSearch;
import io.magpie.protocol.RespClient;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Seeded random command streams run on redis-server and Magpie side by side; every reply
 * (including GET of the raw bitmap/HLL bytes) must be byte-identical.
 */
class RandomBitmapHllGeoDifferentialTest extends AgainstRealRedis {
    private static void same(RespClient r, RespClient m, String where, byte[]... argv) {
        RespClient.Reply expected = r.call(argv), actual = m.call(argv);
        String e = expected.text(), a = actual.text();
        if (e.equals(a)) return;
        int i = 0;
        while (i < Math.min(e.length(), a.length()) && e.charAt(i) == a.charAt(i)) i++;
        int from = Math.max(0, i - 120);
        throw new AssertionError(where + " [" + new String(argv[0], StandardCharsets.UTF_8) + " ...]: replies differ at byte " + i
                + "\n redis:  " + escape(e.substring(from, Math.min(e.length(), i + 80)))
                + "\n magpie: " + escape(a.substring(from, Math.min(a.length(), i + 80))));
    }

    private static String escape(String raw) {
        return raw.replace("\r\n", "\\r\\n ");
    }

    /** The payload of a bulk reply, from its raw bytes. */
    private static byte[] bulk(RespClient.Reply reply) {
        byte[] raw = reply.raw();
        int i = 1;
        while (raw[i] != '\r') i++;
        int len = Integer.parseInt(new String(raw, 1, i - 1, StandardCharsets.US_ASCII));
        return java.util.Arrays.copyOfRange(raw, i + 2, i + 2 + len);
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[][] argv(Object... parts) {
        byte[][] out = new byte[parts.length][];
        for (int i = 0; i < parts.length; i++) out[i] = parts[i] instanceof byte[] x ? x : b(String.valueOf(parts[i]));
        return out;
    }

    @Test
    void randomPfaddAndPfmergeStoreTheSameBytesAndCountsAsRedis() {
        Random rnd = new Random(0x5eed_411L);
        try (RespClient r = redis.client(); RespClient m = magpie.client()) {
            // Fresh key names per run: the servers may hold keys from earlier tests.
            String run = "hll" + System.nanoTime() + ":";
            String[] keys = {run + "a", run + "b", run + "c", run + "d"};
            int ops = 0;
            for (int round = 0; round < 4000; round++) {
                String k = keys[rnd.nextInt(keys.length)];
                int kind = rnd.nextInt(100);
                String where = "op " + round;
                if (kind < 70) {
                    int n = 1 + rnd.nextInt(rnd.nextInt(10) == 0 ? 200 : 5);
                    Object[] parts = new Object[n + 2];
                    parts[0] = "PFADD";
                    parts[1] = k;
                    // A growing element space, so HLLs cross from sparse to dense over time.
                    int space = 10 + round * 5;
                    for (int i = 0; i < n; i++) parts[i + 2] = "e" + rnd.nextInt(space);
                    same(r, m, where + " PFADD", argv(parts));
                } else if (kind < 80) {
                    String k2 = keys[rnd.nextInt(keys.length)];
                    same(r, m, where + " PFMERGE", argv("PFMERGE", k, k2, run + "missing"));
                } else if (kind < 90) {
                    same(r, m, where + " PFCOUNT", argv("PFCOUNT", k));
                } else {
                    same(r, m, where + " PFCOUNT multi", argv("PFCOUNT", k, keys[rnd.nextInt(keys.length)], run + "missing"));
                }
                if (round % 20 == 0) {
                    for (String kk : keys) {
                        same(r, m, where + " GET " + kk, argv("GET", kk));
                        same(r, m, where + " ENCODING " + kk, argv("PFDEBUG", "ENCODING", kk));
                    }
                }
                ops++;
            }
            for (String kk : keys) {
                same(r, m, "final GET " + kk, argv("GET", kk));
                same(r, m, "final PFCOUNT " + kk, argv("PFCOUNT", kk));
                same(r, m, "final GET after count " + kk, argv("GET", kk));
            }
            assert ops == 4000;
        }
    }

    @Test
    void hllBytesFromRedisAreReadByMagpieAndBack() {
        Random rnd = new Random(42);
        try (RespClient r = redis.client(); RespClient m = magpie.client()) {
            for (int size : new int[] {1, 10, 100, 1000, 5000, 100_000}) {
                String k = "xfer:" + size + ":" + rnd.nextInt(1 << 30);
                List<byte[]> batch = new ArrayList<>();
                batch.add(b("PFADD"));
                batch.add(b(k));
                for (int i = 0; i < size; i++) {
                    batch.add(b("x" + rnd.nextLong()));
                    if (batch.size() == 1002 || i == size - 1) {
                        same(r, m, "pfadd " + size, batch.toArray(new byte[0][]));
                        batch.subList(2, batch.size()).clear();
                    }
                }
                byte[] fromRedis = bulk(r.call("GET", k));
                byte[] fromMagpie = bulk(m.call("GET", k));
                same(r, m, "get " + size, argv("GET", k));
                // Swap the values: each server counts the other's bytes.
                r.call(argv("SET", k, fromMagpie));
                m.call(argv("SET", k, fromRedis));
                same(r, m, "count swapped " + size, argv("PFCOUNT", k));
                same(r, m, "get swapped " + size, argv("GET", k));
                same(r, m, "decode " + size, argv("PFDEBUG", "DECODE", k));
                same(r, m, "add after swap " + size, argv("PFADD", k, "one-more", "and-another"));
                same(r, m, "todense " + size, argv("PFDEBUG", "TODENSE", k));
                same(r, m, "getreg " + size, argv("PFDEBUG", "GETREG", k));
                same(r, m, "get dense " + size, argv("GET", k));
            }
        }
    }

    @Test
    void randomBitmapOperationsMatchRedis() {
        Random rnd = new Random(7);
        try (RespClient r = redis.client(); RespClient m = magpie.client()) {
            String[] keys = {"bm:a", "bm:b", "bm:c"};
            for (String k : keys) same(r, m, "reset", argv("SET", k, ""));
            String[] types = {"u1", "u3", "u8", "u16", "u31", "u63", "i1", "i5", "i8", "i17", "i32", "i64"};
            String[] ow = {"WRAP", "SAT", "FAIL"};
            for (int round = 0; round < 5000; round++) {
                String k = keys[rnd.nextInt(keys.length)];
                String w = "op " + round;
                int maxBit = 8 * (1 + rnd.nextInt(rnd.nextInt(20) == 0 ? 2000 : 40));
                switch (rnd.nextInt(9)) {
                    case 0, 1 -> same(r, m, w, argv("SETBIT", k, rnd.nextInt(maxBit), rnd.nextInt(2)));
                    case 2 -> same(r, m, w, argv("GETBIT", k, rnd.nextInt(maxBit)));
                    case 3 -> same(r, m, w, argv("BITCOUNT", k, rnd.nextInt(80) - 40, rnd.nextInt(80) - 40,
                            rnd.nextBoolean() ? "BIT" : "BYTE"));
                    case 4 -> same(r, m, w, argv("BITCOUNT", k, rnd.nextInt(20) - 10, rnd.nextInt(20) - 10));
                    case 5 -> {
                        int argc = rnd.nextInt(4);
                        Object[] p = switch (argc) {
                            case 0 -> new Object[] {"BITPOS", k, rnd.nextInt(2)};
                            case 1 -> new Object[] {"BITPOS", k, rnd.nextInt(2), rnd.nextInt(80) - 40};
                            case 2 -> new Object[] {"BITPOS", k, rnd.nextInt(2), rnd.nextInt(80) - 40, rnd.nextInt(80) - 40};
                            default -> new Object[] {"BITPOS", k, rnd.nextInt(2), rnd.nextInt(400) - 200,
                                    rnd.nextInt(400) - 200, rnd.nextBoolean() ? "BIT" : "BYTE"};
                        };
                        same(r, m, w, argv(p));
                    }
                    case 6 -> same(r, m, w, argv("BITOP", new String[] {"AND", "OR", "XOR"}[rnd.nextInt(3)],
                            keys[rnd.nextInt(3)], keys[rnd.nextInt(3)], keys[rnd.nextInt(3)]));
                    default -> {
                        List<Object> p = new ArrayList<>(List.of("BITFIELD", k));
                        int n = 1 + rnd.nextInt(4);
                        for (int i = 0; i < n; i++) {
                            String t = types[rnd.nextInt(types.length)];
                            Object off = rnd.nextInt(4) == 0 ? "#" + rnd.nextInt(10) : rnd.nextInt(maxBit);
                            long v = switch (rnd.nextInt(3)) {
                                case 0 -> rnd.nextLong();
                                case 1 -> rnd.nextInt(1000) - 500;
                                default -> rnd.nextInt(1 << 20) - (1 << 19);
                            };
                            switch (rnd.nextInt(4)) {
                                case 0 -> p.addAll(List.of("GET", t, off));
                                case 1 -> p.addAll(List.of("SET", t, off, v));
                                case 2 -> p.addAll(List.of("INCRBY", t, off, v));
                                default -> p.addAll(List.of("OVERFLOW", ow[rnd.nextInt(3)]));
                            }
                        }
                        same(r, m, w, argv(p.toArray()));
                    }
                }
                if (round % 50 == 0) for (String kk : keys) same(r, m, w + " GET", argv("GET", kk));
            }
        }
    }

    /* ---------------- geo ---------------- */

    /** A point anywhere on the globe, often near the poles' limits or the antimeridian. */
    private static double[] randomLonLat(Random rnd) {
        double lon = switch (rnd.nextInt(4)) {
            case 0 -> 180 - rnd.nextDouble() * 0.5;
            case 1 -> -180 + rnd.nextDouble() * 0.5;
            default -> rnd.nextDouble() * 360 - 180;
        };
        double lat = switch (rnd.nextInt(4)) {
            case 0 -> GeoHash.LAT_MAX - rnd.nextDouble() * 2;
            case 1 -> GeoHash.LAT_MIN + rnd.nextDouble() * 2;
            default -> rnd.nextDouble() * 2 * GeoHash.LAT_MAX - GeoHash.LAT_MAX;
        };
        return new double[] {lon, lat};
    }

    /** The members of a zset on the real server, in zset order, as a searchable score range. */
    private static GeoSearch.ScoreRange zsetOf(RespClient r, String key) {
        @SuppressWarnings("unchecked")
        List<Object> flat = (List<Object>) r.call("ZRANGE", key, "0", "-1", "WITHSCORES").value();
        int n = flat.size() / 2;
        String[] members = new String[n];
        double[] scores = new double[n];
        for (int i = 0; i < n; i++) {
            members[i] = (String) flat.get(2 * i);
            Object sc = flat.get(2 * i + 1);
            scores[i] = sc instanceof Double d ? d : Double.parseDouble((String) sc);
        }
        return (min, max, visitor) -> {
            for (int i = 0; i < n; i++) {
                if (scores[i] < min) continue;
                if (scores[i] >= max) break;
                if (!visitor.visit(b(members[i]), scores[i])) break;
            }
        };
    }

    @Test
    void geohashScoresPositionsHashesAndDistancesMatchRedis() {
        Random rnd = new Random(99);
        try (RespClient r = redis.client()) {
            String key = "geo:math:" + System.nanoTime();
            List<double[]> pts = new ArrayList<>();
            for (int i = 0; i < 2000; i++) {
                double[] p = randomLonLat(rnd);
                pts.add(p);
                r.call("GEOADD", key, Double.toString(p[0]), Double.toString(p[1]), "m" + i);
            }
            for (int i = 0; i < pts.size(); i++) {
                double[] p = pts.get(i);
                long expectedScore = Long.parseLong((String) r.call("ZSCORE", key, "m" + i).value());
                assertThat(GeoHash.score(p[0], p[1])).as("score of m" + i).isEqualTo(expectedScore);
                @SuppressWarnings("unchecked")
                List<Object> pos = (List<Object>) ((List<Object>) r.call("GEOPOS", key, "m" + i).value()).get(0);
                double[] xy = GeoHash.decodeScore(expectedScore);
                assertThat(GeoSearch.formatHumanLongDouble(xy[0])).as("lon of m" + i).isEqualTo(pos.get(0));
                assertThat(GeoSearch.formatHumanLongDouble(xy[1])).as("lat of m" + i).isEqualTo(pos.get(1));
                @SuppressWarnings("unchecked")
                List<Object> hash = (List<Object>) r.call("GEOHASH", key, "m" + i).value();
                assertThat(GeoHash.geohashString(expectedScore)).as("geohash of m" + i).isEqualTo(hash.get(0));
                int j = rnd.nextInt(pts.size());
                String unit = new String[] {"m", "km", "mi", "ft"}[rnd.nextInt(4)];
                double conv = switch (unit) { case "km" -> 1000; case "mi" -> 1609.34; case "ft" -> 0.3048; default -> 1; };
                double[] xj = GeoHash.decodeScore(GeoHash.score(pts.get(j)[0], pts.get(j)[1]));
                String expectedDist = (String) r.call("GEODIST", key, "m" + i, "m" + j, unit).value();
                assertThat(GeoSearch.formatDistance(GeoSearch.distance(xy[0], xy[1], xj[0], xj[1]) / conv))
                        .as("GEODIST m%d m%d %s", i, j, unit).isEqualTo(expectedDist);
            }
        }
    }

    @Test
    void geosearchResultsAndOrderMatchRedisForEveryShape() {
        Random rnd = new Random(1234);
        try (RespClient r = redis.client()) {
            String key = "geo:search:" + System.nanoTime();
            int n = 3000;
            for (int i = 0; i < n; i++) {
                double[] p = randomLonLat(rnd);
                // Clusters too, so that small shapes find something.
                if (i % 3 == 0 && i > 0) {
                    p[0] = Math.max(-180, Math.min(180, p[0] * 0 + (rnd.nextDouble() - 0.5) * 2 + 10));
                    p[1] = Math.max(-85, Math.min(85, (rnd.nextDouble() - 0.5) * 2 + 45));
                }
                r.call("GEOADD", key, Double.toString(p[0]), Double.toString(p[1]), "p" + i);
            }
            GeoSearch.ScoreRange zset = zsetOf(r, key);
            int mismatches = 0;
            for (int round = 0; round < 1500; round++) {
                List<String> cmd = new ArrayList<>(List.of("GEOSEARCH", key));
                double lon, lat;
                if (rnd.nextBoolean()) {
                    String m = "p" + rnd.nextInt(n);
                    cmd.addAll(List.of("FROMMEMBER", m));
                    double[] xy = GeoHash.decodeScore(Double.parseDouble((String) r.call("ZSCORE", key, m).value()));
                    lon = xy[0];
                    lat = xy[1];
                } else {
                    double[] p = rnd.nextInt(3) == 0 ? new double[] {10 + rnd.nextDouble(), 45 + rnd.nextDouble()} : randomLonLat(rnd);
                    lon = p[0];
                    lat = p[1];
                    cmd.addAll(List.of("FROMLONLAT", Double.toString(lon), Double.toString(lat)));
                }
                String unit = new String[] {"m", "km", "mi", "ft"}[rnd.nextInt(4)];
                double conv = switch (unit) { case "km" -> 1000; case "mi" -> 1609.34; case "ft" -> 0.3048; default -> 1; };
                double scaleMeters = Math.pow(10, 1 + rnd.nextDouble() * 6.5); // 10 m .. 30000 km
                GeoSearch.Shape shape;
                if (rnd.nextBoolean()) {
                    double radius = scaleMeters / conv;
                    cmd.addAll(List.of("BYRADIUS", Double.toString(radius), unit));
                    shape = GeoSearch.Shape.radius(lon, lat, radius, conv);
                } else {
                    double w = scaleMeters / conv, h = scaleMeters * (0.2 + rnd.nextDouble() * 2) / conv;
                    cmd.addAll(List.of("BYBOX", Double.toString(w), Double.toString(h), unit));
                    shape = GeoSearch.Shape.box(lon, lat, w, h, conv);
                }
                int order = rnd.nextInt(3); // none, ASC, DESC
                if (order == 1) cmd.add("ASC");
                if (order == 2) cmd.add("DESC");
                long count = 0;
                boolean any = false;
                if (rnd.nextInt(3) == 0) {
                    count = 1 + rnd.nextInt(20);
                    cmd.addAll(List.of("COUNT", Long.toString(count)));
                    if (rnd.nextBoolean()) {
                        cmd.add("ANY");
                        any = true;
                    }
                }
                cmd.addAll(List.of("WITHCOORD", "WITHDIST", "WITHHASH"));
                List<GeoSearch.Point> got = GeoSearch.search(shape, zset, any ? count : 0);
                boolean sortAsc = order == 1 || (order == 0 && count > 0 && !any);
                if (sortAsc || order == 2) GeoSearch.sort(got, order != 2);
                if (count > 0 && got.size() > count) got = got.subList(0, (int) count);
                List<List<Object>> mine = new ArrayList<>();
                for (GeoSearch.Point p : got) {
                    mine.add(List.of(new String(p.member(), StandardCharsets.UTF_8), GeoSearch.formatDistance(p.dist() / conv),
                            (long) p.score(), List.of(GeoSearch.formatHumanLongDouble(p.lon()), GeoSearch.formatHumanLongDouble(p.lat()))));
                }
                Object theirs = r.call(cmd.toArray(new String[0])).value();
                if (!mine.equals(theirs)) {
                    List<?> t = (List<?>) theirs;
                    int k = 0;
                    while (k < Math.min(t.size(), mine.size()) && mine.get(k).equals(t.get(k))) k++;
                    throw new AssertionError(String.join(" ", cmd) + ": sizes mine=" + mine.size() + " redis=" + t.size()
                            + " first difference at " + k + ": mine=" + (k < mine.size() ? mine.get(k) : null)
                            + " redis=" + (k < t.size() ? t.get(k) : null));
                }
            }
            assert mismatches == 0;
        }
    }

    @Test
    void randomGeoCommandsReplyAsRedisForEveryShape() {
        Random rnd = new Random(4242);
        try (RespClient r = redis.client(); RespClient m = magpie.client()) {
            String key = "geo:cmd:" + System.nanoTime();
            String store = key + ":store";
            int n = 1500;
            for (int i = 0; i < n; i += 3) {
                List<Object> add = new ArrayList<>(List.of("GEOADD", key));
                for (int k = i; k < i + 3; k++) {
                    double[] p = randomLonLat(rnd);
                    if (k % 2 == 0) {
                        p[0] = 10 + (rnd.nextDouble() - 0.5) * 2;
                        p[1] = 45 + (rnd.nextDouble() - 0.5) * 2;
                    }
                    add.addAll(List.of(Double.toString(p[0]), Double.toString(p[1]), "p" + k));
                }
                same(r, m, "geoadd " + i, argv(add.toArray()));
            }
            String[] units = {"m", "km", "mi", "ft"};
            for (int round = 0; round < 1500; round++) {
                String w = "round " + round;
                String unit = units[rnd.nextInt(4)];
                double conv = switch (unit) { case "km" -> 1000; case "mi" -> 1609.34; case "ft" -> 0.3048; default -> 1; };
                double scale = Math.pow(10, 1 + rnd.nextDouble() * 6.5) / conv;
                String member = "p" + rnd.nextInt(n + 10);
                double[] c = rnd.nextBoolean() ? new double[] {10 + rnd.nextDouble() - 0.5, 45 + rnd.nextDouble() - 0.5} : randomLonLat(rnd);
                List<Object> cmd = new ArrayList<>();
                int kind = rnd.nextInt(10);
                switch (kind) {
                    case 0 -> cmd.addAll(List.of("GEORADIUS", key, c[0], c[1], scale, unit));
                    case 1 -> cmd.addAll(List.of("GEORADIUSBYMEMBER", key, member, scale, unit));
                    case 2 -> cmd.addAll(List.of("GEORADIUS_RO", key, c[0], c[1], scale, unit));
                    case 3 -> cmd.addAll(List.of("GEOSEARCHSTORE", store, key));
                    default -> cmd.addAll(List.of("GEOSEARCH", key));
                }
                if (kind >= 3) {
                    if (rnd.nextBoolean()) cmd.addAll(List.of("FROMMEMBER", member));
                    else cmd.addAll(List.of("FROMLONLAT", c[0], c[1]));
                    if (rnd.nextBoolean()) cmd.addAll(List.of("BYRADIUS", scale, unit));
                    else cmd.addAll(List.of("BYBOX", scale, scale * (0.2 + rnd.nextDouble() * 3), unit));
                }
                switch (rnd.nextInt(3)) {
                    case 1 -> cmd.add("ASC");
                    case 2 -> cmd.add("DESC");
                    default -> { }
                }
                if (rnd.nextInt(3) == 0) {
                    cmd.addAll(List.of("COUNT", 1 + rnd.nextInt(30)));
                    if (rnd.nextBoolean()) cmd.add("ANY");
                }
                if (kind == 3) {
                    if (rnd.nextBoolean()) cmd.add("STOREDIST");
                } else if (kind == 0 && rnd.nextInt(4) == 0) {
                    cmd.addAll(List.of(rnd.nextBoolean() ? "STORE" : "STOREDIST", store));
                } else {
                    if (rnd.nextBoolean()) cmd.add("WITHDIST");
                    if (rnd.nextBoolean()) cmd.add("WITHCOORD");
                    if (rnd.nextBoolean()) cmd.add("WITHHASH");
                }
                same(r, m, w, argv(cmd.toArray()));
                if (kind == 3 || cmd.contains(store)) {
                    // STOREDIST scores are full-precision distances: Java's and glibc's asin differ
                    // in the last ulp now and then, so those are compared as members (in order) only.
                    boolean dist = cmd.contains("STOREDIST");
                    same(r, m, w + " stored by " + cmd, dist ? argv("ZRANGE", store, 0, -1) : argv("ZRANGE", store, 0, -1, "WITHSCORES"));
                }
                if (round % 10 == 0) {
                    String a = "p" + rnd.nextInt(n + 5), b2 = "p" + rnd.nextInt(n + 5);
                    same(r, m, w + " GEODIST", argv("GEODIST", key, a, b2, units[rnd.nextInt(4)]));
                    same(r, m, w + " GEOPOS", argv("GEOPOS", key, a, b2, "nosuch"));
                    same(r, m, w + " GEOHASH", argv("GEOHASH", key, a, b2, "nosuch"));
                }
            }
            for (int resp : new int[] {3, 2}) {
                r.call("HELLO", Integer.toString(resp));
                m.call("HELLO", Integer.toString(resp));
                same(r, m, "geopos resp" + resp, argv("GEOPOS", key, "p1", "p2", "nosuch"));
                same(r, m, "geosearch resp" + resp, argv("GEOSEARCH", key, "FROMMEMBER", "p2", "BYRADIUS", 50, "km", "ASC",
                        "COUNT", 5, "WITHCOORD", "WITHDIST", "WITHHASH"));
            }
        }
    }
}
