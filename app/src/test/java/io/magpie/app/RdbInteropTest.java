package io.magpie.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.magpie.engine.Engine;
import io.magpie.protocol.RespClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * RDB files and DUMP payloads move between real redis-server 7.0 and Magpie in both
 * directions with identical contents.
 */
class RdbInteropTest {
    /** Far enough ahead that nothing expires during the test. */
    private static final long FUTURE = System.currentTimeMillis() + 3_600_000;

    /** A deterministic dataset of strings in every RDB string encoding, over 16 dbs. */
    private static List<String[]> dataset() {
        Random r = new Random(2024);
        List<String[]> ops = new ArrayList<>(); // db, key, value, pxat or ""
        for (int i = 0; i < 3000; i++) {
            int db = i % 16;
            String value = switch (i % 9) {
                case 0 -> String.valueOf(r.nextInt(256) - 128);
                case 1 -> String.valueOf(r.nextInt(65536) - 32768);
                case 2 -> String.valueOf(r.nextInt());
                case 3 -> String.valueOf(r.nextLong());
                case 4 -> "";
                case 5 -> "compressible-" + "abcabcabc".repeat(1 + r.nextInt(200));
                case 6 -> randomBinary(r, 10 + r.nextInt(300));
                case 7 -> "0" + r.nextInt(1000); // leading zero: not int-encoded
                default -> "v" + i;
            };
            String px = (i % 4 == 0) ? String.valueOf(FUTURE + r.nextInt(100000)) : "";
            ops.add(new String[] {String.valueOf(db), "key:" + i, value, px});
        }
        // one big value to cross compress-lzf's 64 KiB chunk size
        ops.add(new String[] {"3", "big", "0123456789".repeat(20000), ""});
        return ops;
    }

    private static String randomBinary(Random r, int n) {
        byte[] b = new byte[n];
        r.nextBytes(b);
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    private static byte[] bin(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static void populate(RespClient c, List<String[]> ops) {
        for (String[] op : ops) {
            c.call(bin("SELECT"), bin(op[0]));
            Object reply = op[3].isEmpty() ? c.call(bin("SET"), bin(op[1]), bin(op[2])).value()
                    : c.call(bin("SET"), bin(op[1]), bin(op[2]), bin("PXAT"), bin(op[3])).value();
            assertThat(String.valueOf(reply)).isEqualTo("OK");
        }
    }

    /** db -> key -> value|pxat as the dataset says. */
    private static Map<String, String> expected(List<String[]> ops) {
        Map<String, String> m = new TreeMap<>();
        for (String[] op : ops) m.put(op[0] + ":" + op[1], op[2] + "|" + (op[3].isEmpty() ? "-1" : op[3]));
        return m;
    }

    /** Reads a Redis server's contents with GET and PEXPIRETIME. */
    private static Map<String, String> redisContents(RespClient c, List<String[]> ops) {
        Map<String, String> m = new TreeMap<>();
        for (String[] op : ops) {
            c.call(bin("SELECT"), bin(op[0]));
            Object v = c.call(bin("GET"), bin(op[1])).value();
            Object px = c.call(bin("PEXPIRETIME"), bin(op[1])).value();
            m.put(op[0] + ":" + op[1], v + "|" + px);
        }
        return m;
    }

    private static Map<String, String> magpieContents(TestServer s, List<String[]> ops) throws Exception {
        Engine e = s.server().engine();
        return s.server().onMainThread(() -> {
            Map<String, String> m = new TreeMap<>();
            for (String[] op : ops) {
                var db = e.db(Integer.parseInt(op[0]));
                Object v = db.lookupNoTouch(bin(op[1]));
                String value = v == null ? "null" : new String(io.magpie.engine.commands.StringValues.bytes(v), StandardCharsets.ISO_8859_1);
                m.put(op[0] + ":" + op[1], value + "|" + db.getExpire(bin(op[1])));
            }
            return m;
        });
    }

    @Test
    void aDumpRdbWrittenByRedisLoadsIntoMagpieWithIdenticalContents() throws Exception {
        List<String[]> ops = dataset();
        Path magpieDir = Files.createTempDirectory("magpie-interop");
        try (RealRedis redis = new RealRedis(); RespClient c = redis.client()) {
            populate(c, ops);
            assertThat(String.valueOf(c.value("SAVE"))).isEqualTo("OK");
            Files.copy(redis.dir().resolve("dump.rdb"), magpieDir.resolve("dump.rdb"), StandardCopyOption.REPLACE_EXISTING);
        }
        try (TestServer s = new TestServer("--dir", magpieDir.toString())) {
            assertThat(magpieContents(s, ops)).isEqualTo(expected(ops));
        } finally {
            deleteTree(magpieDir);
        }
    }

    @Test
    void aDumpRdbWrittenByMagpiePassesRedisCheckRdbAndLoadsIntoRedis() throws Exception {
        List<String[]> ops = dataset();
        Path magpieDir = Files.createTempDirectory("magpie-interop");
        try {
            try (TestServer s = new TestServer("--dir", magpieDir.toString()); RespClient c = s.client()) {
                populate(c, ops);
                assertThat(String.valueOf(c.value("SAVE"))).isEqualTo("OK");
            }
            Path rdb = magpieDir.resolve("dump.rdb");
            Process check = new ProcessBuilder("redis-check-rdb", rdb.toString()).redirectErrorStream(true).start();
            String out = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(check.waitFor()).as(out).isZero();
            assertThat(out).contains("RDB looks OK");
            try (RealRedis redis = new RealRedis("--dir", magpieDir.toString()); RespClient c = redis.client()) {
                assertThat(redisContents(c, ops)).isEqualTo(expected(ops));
            }
        } finally {
            deleteTree(magpieDir);
        }
    }

    @Test
    void dumpPayloadsRestoreAcrossBothServers() throws Exception {
        String[] values = {"12", "-40000", "hello", "", "x".repeat(100), "abc".repeat(30000), "123456789012"};
        try (RealRedis redis = new RealRedis(); RespClient rc = redis.client();
             TestServer s = new TestServer(); RespClient mc = s.client()) {
            for (int i = 0; i < values.length; i++) {
                String key = "k" + i;
                rc.call(bin("SET"), bin(key), bin(values[i]));
                mc.call(bin("SET"), bin(key), bin(values[i]));
                String fromRedis = (String) rc.value("DUMP", key);
                String fromMagpie = (String) mc.value("DUMP", key);
                assertThat(String.valueOf(mc.call(bin("RESTORE"), bin("r" + i), bin("0"), bin(fromRedis)).value())).isEqualTo("OK");
                assertThat(String.valueOf(rc.call(bin("RESTORE"), bin("r" + i), bin("0"), bin(fromMagpie)).value())).isEqualTo("OK");
                assertThat(mc.value("GET", "r" + i)).isEqualTo(values[i]);
                assertThat(rc.value("GET", "r" + i)).isEqualTo(values[i]);
            }
        }
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
