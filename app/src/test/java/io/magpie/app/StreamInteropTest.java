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
import org.junit.jupiter.api.Test;

/**
 * Streams with consumer groups move between redis-server 7.0 and Magpie through RDB files
 * and DUMP/RESTORE: XINFO STREAM FULL (entries, counters, groups, PELs with delivery times
 * and counts, consumers with seen-times), XINFO STREAM and XRANGE read byte for byte the
 * same on both sides, and Magpie's files pass redis-check-rdb.
 */
class StreamInteropTest {
    /** Streams over several nodes, with tombstones, mixed field sets, groups, PELs and NOACK reads. */
    private static List<String[]> dataset() {
        List<String[]> ops = new ArrayList<>();
        for (int i = 1; i <= 450; i++) {
            String id = (1000 + i / 3) + "-" + (i % 3);
            if (i % 7 == 0) ops.add(new String[] {"XADD", "big", id, "other", "x" + i});
            else ops.add(new String[] {"XADD", "big", id, "name", "n" + i, "n", String.valueOf(i * 1000L), "neg", String.valueOf(-i)});
        }
        for (int i = 10; i <= 450; i += 11) ops.add(new String[] {"XDEL", "big", (1000 + i / 3) + "-" + (i % 3)});
        ops.add(new String[] {"XGROUP", "CREATE", "big", "g1", "0"});
        ops.add(new String[] {"XGROUP", "CREATE", "big", "g2", "$"});
        ops.add(new String[] {"XGROUP", "CREATE", "big", "g3", "1050-0", "ENTRIESREAD", "100"});
        ops.add(new String[] {"XREADGROUP", "GROUP", "g1", "alice", "COUNT", "30", "STREAMS", "big", ">"});
        ops.add(new String[] {"XREADGROUP", "GROUP", "g1", "bob", "COUNT", "20", "STREAMS", "big", ">"});
        ops.add(new String[] {"XREADGROUP", "GROUP", "g3", "carol", "NOACK", "COUNT", "5", "STREAMS", "big", ">"});
        ops.add(new String[] {"XACK", "big", "g1", "1000-1", "1000-2", "1003-0"});
        ops.add(new String[] {"XCLAIM", "big", "g1", "dave", "0", "1004-0", "1004-1", "TIME", "1700000000000", "RETRYCOUNT", "5"});
        ops.add(new String[] {"XGROUP", "CREATECONSUMER", "big", "g1", "erin"});
        ops.add(new String[] {"XADD", "small", "1-1", "a", "1"});
        ops.add(new String[] {"XADD", "empty", "5-5", "a", "1"});
        ops.add(new String[] {"XDEL", "empty", "5-5"});
        ops.add(new String[] {"XSETID", "empty", "9-9", "ENTRIESADDED", "12", "MAXDELETEDID", "7-7"});
        ops.add(new String[] {"XGROUP", "CREATE", "nostream", "g", "$", "MKSTREAM"});
        ops.add(new String[] {"XADD", "huge", "18446744073709551614-18446744073709551615", "v", "x".repeat(5000)});
        return ops;
    }

    private static final String[] KEYS = {"big", "small", "empty", "nostream", "huge"};

    private static void populate(RespClient c) {
        for (String[] op : dataset()) assertThat(c.call(op).text()).as(String.join(" ", op)).doesNotStartWith("-");
    }

    /** Each stream as a server reports it, as raw RESP. */
    private static Map<String, String> views(RespClient c) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String k : KEYS) {
            m.put(k + " type", c.call("TYPE", k).text() + c.call("OBJECT", "ENCODING", k).text());
            m.put(k + " full", c.call("XINFO", "STREAM", k, "FULL", "COUNT", "0").text());
            m.put(k + " info", c.call("XINFO", "STREAM", k).text());
            m.put(k + " range", c.call("XREVRANGE", k, "+", "-").text());
            m.put(k + " groups", c.call("XINFO", "GROUPS", k).text());
        }
        return m;
    }

    /**
     * Views as a replay can reproduce them: replaying XCLAIM/CREATECONSUMER sets seen-times
     * to the replay's time, and XADDs without the deleted entries pack nodes differently
     * (radix-tree-keys/-nodes), in Redis too.
     */
    private static Map<String, String> replayedViews(RespClient c) {
        Map<String, String> m = views(c);
        m.put("auto", c.call("XINFO", "STREAM", "auto", "FULL", "COUNT", "0").text());
        m.replaceAll((k, v) -> v.replaceAll("(seen-time|radix-tree-keys|radix-tree-nodes)\\r\\n:\\d+", "$1"));
        return m;
    }

    /** Writes whose propagated forms must replay exactly: generated IDs, approximate trims, group reads. */
    private static void writesAfterTheRewrite(RespClient c) {
        for (int i = 0; i < 300; i++) c.call("XADD", "auto", "MAXLEN", "~", "120", "*", "i", String.valueOf(i));
        c.call("XGROUP", "CREATE", "auto", "wg", "0");
        c.call("XREADGROUP", "GROUP", "wg", "w1", "COUNT", "7", "STREAMS", "auto", ">");
        c.call("XREADGROUP", "GROUP", "wg", "w2", "NOACK", "COUNT", "3", "STREAMS", "auto", ">");
        c.call("XTRIM", "big", "MINID", "~", "1100");
        c.call("XAUTOCLAIM", "big", "g1", "zed", "0", "0", "COUNT", "4");
    }

    @Test
    void anAofRewriteWithoutPreambleWritesStreamsAsRedisDoesAndBothServersReplayIt() throws Exception {
        Path dir = Files.createTempDirectory("magpie-streams-aof");
        try {
            Map<String, String> before;
            try (TestServer s = new TestServer("--dir", dir.toString(), "--appendonly", "yes", "--aof-use-rdb-preamble", "no");
                 RespClient c = s.client()) {
                populate(c);
                c.call("BGREWRITEAOF");
                AofTest.waitForRewrite(s);
                writesAfterTheRewrite(c);
                before = replayedViews(c);
            }
            String base = Files.readString(dir.resolve("appendonlydir").resolve("appendonly.aof.2.base.aof"), StandardCharsets.ISO_8859_1);
            assertThat(base).contains("XSETID").contains("ENTRIESREAD").contains("XCLAIM").contains("CREATECONSUMER").doesNotContain("RESTORE");
            try (TestServer s = new TestServer("--dir", dir.toString(), "--appendonly", "yes"); RespClient c = s.client()) {
                RdbAllTypesInteropTest.assertSameViews(replayedViews(c), before);
            }
            try (RealRedis r = new RealRedis("--dir", dir.toString(), "--appendonly", "yes"); RespClient c = r.client()) {
                RdbAllTypesInteropTest.assertSameViews(replayedViews(c), before);
            }
        } finally {
            RdbInteropTest.deleteTree(dir);
        }
    }

    @Test
    void streamsSavedByRedisLoadIntoMagpieFieldByField() throws Exception {
        Path dir = Files.createTempDirectory("magpie-streams");
        try {
            Map<String, String> saved;
            try (RealRedis redis = new RealRedis(); RespClient c = redis.client()) {
                populate(c);
                saved = views(c);
                assertThat(c.call("SAVE").text()).isEqualTo("+OK\r\n");
                Files.copy(redis.dir().resolve("dump.rdb"), dir.resolve("dump.rdb"), StandardCopyOption.REPLACE_EXISTING);
            }
            try (TestServer s = new TestServer("--dir", dir.toString()); RespClient c = s.client()) {
                RdbAllTypesInteropTest.assertSameViews(views(c), saved);
            }
        } finally {
            RdbInteropTest.deleteTree(dir);
        }
    }

    @Test
    void streamsSavedByMagpiePassRedisCheckRdbAndLoadIntoRedisFieldByField() throws Exception {
        Path dir = Files.createTempDirectory("magpie-streams");
        try {
            Map<String, String> saved;
            try (TestServer s = new TestServer("--dir", dir.toString()); RespClient c = s.client()) {
                populate(c);
                saved = views(c);
                assertThat(c.call("SAVE").text()).isEqualTo("+OK\r\n");
            }
            RdbAllTypesInteropTest.assertRedisCheckRdbPasses(dir.resolve("dump.rdb"));
            try (RealRedis redis = new RealRedis("--dir", dir.toString()); RespClient c = redis.client()) {
                RdbAllTypesInteropTest.assertSameViews(views(c), saved);
            }
            // and back: Magpie reads its own file the same
            try (TestServer s = new TestServer("--dir", dir.toString()); RespClient c = s.client()) {
                RdbAllTypesInteropTest.assertSameViews(views(c), saved);
            }
        } finally {
            RdbInteropTest.deleteTree(dir);
        }
    }

    @Test
    void dumpPayloadsOfStreamsRestoreOnTheOtherServer() {
        try (RealRedis redis = new RealRedis(); RespClient rc = redis.client();
             TestServer s = new TestServer(); RespClient mc = s.client()) {
            populate(rc);
            populate(mc);
            Map<String, String> redisBefore = views(rc), magpieBefore = views(mc);
            for (String k : KEYS) {
                byte[] fromRedis = ((String) rc.call("DUMP", k).value()).getBytes(StandardCharsets.ISO_8859_1);
                byte[] fromMagpie = ((String) mc.call("DUMP", k).value()).getBytes(StandardCharsets.ISO_8859_1);
                byte[] key = k.getBytes(StandardCharsets.US_ASCII);
                byte[] replace = "REPLACE".getBytes(StandardCharsets.US_ASCII);
                byte[] restore = "RESTORE".getBytes(StandardCharsets.US_ASCII), zero = {'0'};
                assertThat(mc.call(restore, key, zero, fromRedis, replace).text()).as(k).isEqualTo("+OK\r\n");
                assertThat(rc.call(restore, key, zero, fromMagpie, replace).text()).as(k).isEqualTo("+OK\r\n");
            }
            // Each side now holds the other's streams, delivery and seen times included.
            RdbAllTypesInteropTest.assertSameViews(views(mc), redisBefore);
            RdbAllTypesInteropTest.assertSameViews(views(rc), magpieBefore);
        }
    }
}
