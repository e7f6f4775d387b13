package io.magpie.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.magpie.protocol.RespClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Every value type, in its small and big encodings, with expiries and over several dbs,
 * moves between redis-server 7.0 and Magpie through RDB files, DUMP/RESTORE and DEBUG
 * RELOAD with identical contents and OBJECT ENCODING. Keys are compared one by one with
 * type-appropriate reads (order-sensitive where the encoding keeps an order).
 */
class RdbAllTypesInteropTest {
    private static final long FUTURE = System.currentTimeMillis() + 3_600_000;
    private static final int DBS = 3;

    private static byte[] bin(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static Object call(RespClient c, String... args) {
        byte[][] a = new byte[args.length][];
        for (int i = 0; i < args.length; i++) a[i] = bin(args[i]);
        return c.call(a).value();
    }

    /** Elements of every listpack/intset width and string length class. */
    private static String element(Random r, int i) {
        return switch (i % 9) {
            case 0 -> String.valueOf(r.nextInt(128));
            case 1 -> String.valueOf(r.nextInt(8000) - 4000);
            case 2 -> String.valueOf(r.nextInt(60000) - 30000);
            case 3 -> String.valueOf(r.nextInt(16_000_000) - 8_000_000);
            case 4 -> String.valueOf(r.nextInt());
            case 5 -> String.valueOf(r.nextLong());
            case 6 -> "e" + i;
            case 7 -> "m".repeat(40 + r.nextInt(30)) + i;
            default -> "0" + i;
        };
    }

    /** The commands building the dataset: db index, then the command. */
    private static List<String[]> dataset() {
        Random r = new Random(77);
        List<String[]> ops = new ArrayList<>();
        for (int db = 0; db < DBS; db++) {
            String d = String.valueOf(db);
            for (int size : new int[] {3, 40, 700}) {
                String p = "d" + db + ":" + size + ":";
                for (int i = 0; i < size; i++) {
                    ops.add(new String[] {d, "RPUSH", p + "list", element(r, i)});
                    ops.add(new String[] {d, "HSET", p + "hash", "f" + i, element(r, i)});
                    ops.add(new String[] {d, "SADD", p + "set", element(r, i)});
                    ops.add(new String[] {d, "SADD", p + "intset", String.valueOf(i % 2 == 0 ? i : -100_000L * i)});
                    String score = i % 3 == 0 ? String.valueOf(i) : i % 3 == 1 ? String.valueOf(i / 7.0) : String.valueOf(-i * 1e10);
                    ops.add(new String[] {d, "ZADD", p + "zset", score, element(r, i)});
                }
            }
            String p = "d" + db + ":";
            // Big by value length rather than count.
            ops.add(new String[] {d, "HSET", p + "longhash", "f", "v".repeat(100)});
            ops.add(new String[] {d, "ZADD", p + "longzset", "1.5", "z".repeat(100)});
            ops.add(new String[] {d, "RPUSH", p + "longlist", "L".repeat(9000), "a", "L".repeat(20000), "b"});
            ops.add(new String[] {d, "ZADD", p + "infz", "inf", "a", "-inf", "b", "0", "c", "-0.5", "d"});
            ops.add(new String[] {d, "SADD", p + "bigint", String.valueOf(Long.MAX_VALUE), String.valueOf(Long.MIN_VALUE)});
            // Strings, including the forms edited in place (RawString, as bitmaps and HLLs are).
            ops.add(new String[] {d, "SET", p + "str", "hello"});
            ops.add(new String[] {d, "SET", p + "int", "12345"});
            ops.add(new String[] {d, "SETRANGE", p + "bitmap", "100", "\u0000\u0080\u00ff\u0001"});
            ops.add(new String[] {d, "APPEND", p + "appended", "abc"});
            ops.add(new String[] {d, "APPEND", p + "appended", "def".repeat(20)});
            ops.add(new String[] {d, "INCRBYFLOAT", p + "float", "1.5"});
            // Expiries on a key of each type.
            for (String k : new String[] {"3:list", "40:hash", "3:set", "700:intset", "40:zset", "str", "bitmap"}) {
                ops.add(new String[] {d, "PEXPIREAT", p + k, String.valueOf(FUTURE + db * 1000 + k.length())});
            }
        }
        return ops;
    }

    private static List<String> keys(List<String[]> ops) {
        List<String> keys = new ArrayList<>();
        for (String[] op : ops) {
            String k = op[0] + "/" + op[2];
            if (!keys.contains(k)) keys.add(k);
        }
        return keys;
    }

    private static void populate(RespClient c, List<String[]> ops) {
        String db = "";
        for (String[] op : ops) {
            if (!op[0].equals(db)) {
                call(c, "SELECT", op[0]);
                db = op[0];
            }
            String[] cmd = java.util.Arrays.copyOfRange(op, 1, op.length);
            assertThat(String.valueOf(call(c, cmd))).as(String.join(" ", cmd)).doesNotStartWith("(error)");
        }
    }

    @SuppressWarnings("unchecked")
    private static List<String> sorted(Object o) {
        List<String> l = new ArrayList<>((List<String>) o);
        l.sort(null);
        return l;
    }

    /** One key as a server reports it: type, encoding, contents and expire time. */
    private static String view(RespClient c, String key) {
        String type = String.valueOf(call(c, "TYPE", key));
        String enc = String.valueOf(call(c, "OBJECT", "ENCODING", key));
        Object contents = switch (type) {
            case "list" -> call(c, "LRANGE", key, "0", "-1");
            // hashtable order is the implementation's; listpack/intset order must match
            case "set" -> enc.equals("intset") ? call(c, "SMEMBERS", key) : sorted(call(c, "SMEMBERS", key));
            case "hash" -> enc.equals("listpack") ? call(c, "HGETALL", key) : sorted(call(c, "HGETALL", key));
            case "zset" -> call(c, "ZRANGE", key, "0", "-1", "WITHSCORES");
            default -> call(c, "GET", key);
        };
        return type + " " + enc + " " + call(c, "PEXPIRETIME", key) + " " + contents;
    }

    /** Views of all keys. Saving and loading turns edited strings into embstr (in Redis too), so
     * comparisons across a reload drop string encodings; comparisons of one file loaded by
     * both servers keep them. */
    private static Map<String, String> views(RespClient c, List<String> keys, boolean stringEncodings) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String k : keys) {
            String[] dbKey = k.split("/", 2);
            call(c, "SELECT", dbKey[0]);
            String v = view(c, dbKey[1]);
            if (!stringEncodings && v.startsWith("string ")) v = "string " + v.substring(v.indexOf(' ', 7) + 1);
            m.put(k, v);
        }
        call(c, "SELECT", "0");
        return m;
    }

    static void assertSameViews(Map<String, String> actual, Map<String, String> expected) {
        assertThat(actual.keySet()).containsExactlyElementsOf(expected.keySet());
        for (String k : expected.keySet()) assertThat(actual.get(k)).as(k).isEqualTo(expected.get(k));
    }

    static void assertRedisCheckRdbPasses(Path rdb) throws Exception {
        Process check = new ProcessBuilder("redis-check-rdb", rdb.toString()).redirectErrorStream(true).start();
        String out = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(check.waitFor()).as(out).isZero();
        assertThat(out).contains("RDB looks OK");
    }

    @Test
    void aMagpieDumpWithEveryTypeLoadsIntoRedisIdentically() throws Exception {
        List<String[]> ops = dataset();
        List<String> keys = keys(ops);
        Path dir = Files.createTempDirectory("magpie-alltypes");
        try {
            Map<String, String> saved, magpieLoaded;
            try (TestServer s = new TestServer("--dir", dir.toString()); RespClient c = s.client()) {
                populate(c, ops);
                saved = views(c, keys, false);
                assertThat(String.valueOf(call(c, "SAVE"))).isEqualTo("OK");
            }
            assertRedisCheckRdbPasses(dir.resolve("dump.rdb"));
            try (TestServer s = new TestServer("--dir", dir.toString()); RespClient c = s.client()) {
                magpieLoaded = views(c, keys, true);
            }
            try (RealRedis redis = new RealRedis("--dir", dir.toString()); RespClient c = redis.client()) {
                assertSameViews(views(c, keys, false), saved);
                assertSameViews(views(c, keys, true), magpieLoaded);
            }
        } finally {
            RdbInteropTest.deleteTree(dir);
        }
    }

    @Test
    void aRedisDumpWithEveryTypeLoadsIntoMagpieIdentically() throws Exception {
        List<String[]> ops = dataset();
        List<String> keys = keys(ops);
        Path dir = Files.createTempDirectory("magpie-alltypes");
        try {
            Map<String, String> saved, redisLoaded;
            try (RealRedis redis = new RealRedis(); RespClient c = redis.client()) {
                populate(c, ops);
                saved = views(c, keys, false);
                assertThat(String.valueOf(call(c, "SAVE"))).isEqualTo("OK");
                Files.copy(redis.dir().resolve("dump.rdb"), dir.resolve("dump.rdb"), StandardCopyOption.REPLACE_EXISTING);
            }
            try (RealRedis redis = new RealRedis("--dir", dir.toString()); RespClient c = redis.client()) {
                redisLoaded = views(c, keys, true);
            }
            try (TestServer s = new TestServer("--dir", dir.toString()); RespClient c = s.client()) {
                assertSameViews(views(c, keys, false), saved);
                assertSameViews(views(c, keys, true), redisLoaded);
            }
        } finally {
            RdbInteropTest.deleteTree(dir);
        }
    }

    /** Loading under smaller thresholds converts encodings exactly as redis-server does on load. */
    @Test
    void loadingUnderOtherThresholdsConvertsAsRedisDoes() throws Exception {
        List<String[]> ops = dataset();
        List<String> keys = keys(ops);
        String[] thresholds = {"--hash-max-listpack-entries", "20", "--hash-max-listpack-value", "8",
                "--zset-max-listpack-entries", "20", "--zset-max-listpack-value", "8", "--set-max-intset-entries", "20",
                "--list-max-listpack-size", "5"};
        Path dir = Files.createTempDirectory("magpie-alltypes");
        try {
            try (RealRedis redis = new RealRedis(); RespClient c = redis.client()) {
                populate(c, ops);
                assertThat(String.valueOf(call(c, "SAVE"))).isEqualTo("OK");
                Files.copy(redis.dir().resolve("dump.rdb"), dir.resolve("dump.rdb"), StandardCopyOption.REPLACE_EXISTING);
            }
            Map<String, String> redisViews;
            String[] redisArgs = new String[thresholds.length + 2];
            redisArgs[0] = "--dir";
            redisArgs[1] = dir.toString();
            System.arraycopy(thresholds, 0, redisArgs, 2, thresholds.length);
            try (RealRedis redis = new RealRedis(redisArgs); RespClient c = redis.client()) {
                redisViews = views(c, keys, true);
            }
            try (TestServer s = new TestServer(redisArgs); RespClient c = s.client()) {
                assertSameViews(views(c, keys, true), redisViews);
                // and a Magpie save under these thresholds loads back into Redis the same
                assertThat(String.valueOf(call(c, "SAVE"))).isEqualTo("OK");
            }
            assertRedisCheckRdbPasses(dir.resolve("dump.rdb"));
            try (RealRedis redis = new RealRedis(redisArgs); RespClient c = redis.client()) {
                assertSameViews(views(c, keys, true), redisViews);
            }
        } finally {
            RdbInteropTest.deleteTree(dir);
        }
    }

    @Test
    void dumpAndRestoreRoundTripEveryTypeBothWays() throws Exception {
        List<String[]> ops = dataset();
        List<String> keys = keys(ops);
        // Without LZF (Magpie's compressor is compatible but not byte-identical to liblzf), so
        // the payloads can be compared byte for byte where the encoding fixes the order.
        try (RealRedis redis = new RealRedis("--rdbcompression", "no"); RespClient rc = redis.client();
             TestServer s = new TestServer("--rdbcompression", "no"); RespClient mc = s.client()) {
            populate(rc, ops);
            populate(mc, ops);
            for (String k : keys) {
                String[] dbKey = k.split("/", 2);
                call(rc, "SELECT", dbKey[0]);
                call(mc, "SELECT", dbKey[0]);
                String key = dbKey[1];
                String enc = String.valueOf(call(rc, "OBJECT", "ENCODING", key));
                String type = String.valueOf(call(rc, "TYPE", key));
                Object fromRedis = call(rc, "DUMP", key);
                Object fromMagpie = call(mc, "DUMP", key);
                // Orders kept by the encoding make the payloads byte-identical; hashtables differ in order.
                if (!enc.equals("hashtable") && !type.equals("string")) {
                    assertThat(fromMagpie).as("DUMP " + k).isEqualTo(fromRedis);
                }
                String copy = "restored:" + key;
                assertThat(String.valueOf(call(mc, "RESTORE", copy, "0", (String) fromRedis))).as(k).isEqualTo("OK");
                assertThat(String.valueOf(call(rc, "RESTORE", copy, "0", (String) fromMagpie))).as(k).isEqualTo("OK");
                String original = view(rc, key).replaceFirst(" -?\\d+ ", " ");
                assertThat(view(mc, copy).replaceFirst(" -?\\d+ ", " ")).as("Redis payload in Magpie: " + k).isEqualTo(original);
                assertThat(view(rc, copy).replaceFirst(" -?\\d+ ", " ")).as("Magpie payload in Redis: " + k).isEqualTo(original);
            }
        }
    }

    @Test
    void debugReloadKeepsEveryType() throws Exception {
        List<String[]> ops = dataset();
        List<String> keys = keys(ops);
        Path dir = Files.createTempDirectory("magpie-alltypes");
        try (TestServer s = new TestServer("--dir", dir.toString(), "--enable-debug-command", "yes"); RespClient c = s.client()) {
            populate(c, ops);
            Map<String, String> before = views(c, keys, false);
            assertThat(String.valueOf(call(c, "DEBUG", "RELOAD"))).isEqualTo("OK");
            assertSameViews(views(c, keys, false), before);
        } finally {
            RdbInteropTest.deleteTree(dir);
        }
    }

    /** BGREWRITEAOF's base file (RDB preamble, or RESTORE commands without it) keeps every type across a restart. */
    @Test
    void aofRewriteBasesKeepEveryTypeAcrossARestart() throws Exception {
        List<String[]> ops = dataset();
        List<String> keys = keys(ops);
        for (String preamble : new String[] {"yes", "no"}) {
            Path dir = Files.createTempDirectory("magpie-alltypes");
            try {
                String[] args = {"--dir", dir.toString(), "--appendonly", "yes", "--aof-use-rdb-preamble", preamble};
                Map<String, String> before;
                try (TestServer s = new TestServer(args); RespClient c = s.client()) {
                    populate(c, ops);
                    before = views(c, keys, false);
                    assertThat(String.valueOf(call(c, "BGREWRITEAOF"))).isEqualTo("Background append only file rewriting started");
                    AofTest.waitForRewrite(() -> String.valueOf(call(c, "INFO", "persistence")));
                }
                try (TestServer s = new TestServer(args); RespClient c = s.client()) {
                    assertSameViews(views(c, keys, false), before);
                }
                if (preamble.equals("yes")) {
                    // and redis-server loads the same directory identically
                    try (RealRedis redis = new RealRedis(args); RespClient c = redis.client()) {
                        assertSameViews(views(c, keys, false), before);
                    }
                }
            } finally {
                RdbInteropTest.deleteTree(dir);
            }
        }
    }
}
