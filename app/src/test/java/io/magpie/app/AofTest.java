package io.magpie.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.magpie.protocol.RespClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The multi-part AOF against redis-server 7.0.15: the same layout and manifest, the same
 * incr-file bytes for the same commands, BGREWRITEAOF, and directories that each server
 * loads from the other.
 */
class AofTest {
    private static final long FUTURE = System.currentTimeMillis() + 3_600_000;
    private Path dir;

    @BeforeEach
    void setUp() throws Exception {
        dir = Files.createTempDirectory("magpie-aof");
    }

    @AfterEach
    void tearDown() throws Exception {
        RdbInteropTest.deleteTree(dir);
    }

    private TestServer magpie(Path d, String... extra) {
        List<String> args = new ArrayList<>(List.of("--dir", d.toString(), "--appendonly", "yes"));
        args.addAll(List.of(extra));
        return new TestServer(args.toArray(new String[0]));
    }

    private static RealRedis redis(Path d, String... extra) {
        List<String> args = new ArrayList<>(List.of("--dir", d.toString(), "--appendonly", "yes"));
        args.addAll(List.of(extra));
        return new RealRedis(args.toArray(new String[0]));
    }

    /** Writes over several dbs: plain sets, TTLs, counters, appends, deletes and a transaction. */
    private static void workload(RespClient c, int n, long seed) {
        Random r = new Random(seed);
        for (int i = 0; i < n; i++) {
            String db = String.valueOf(r.nextInt(4));
            c.call("SELECT", db);
            String key = "k" + r.nextInt(n / 2 + 1);
            switch (r.nextInt(7)) {
                case 0 -> c.call("SET", key, "v" + i);
                case 1 -> c.call("SET", key, "x".repeat(r.nextInt(300)), "PXAT", String.valueOf(FUTURE + i));
                case 2 -> c.call("INCRBY", "counter" + r.nextInt(5), String.valueOf(r.nextInt(100)));
                case 3 -> c.call("APPEND", key + "a", "tail" + i);
                case 4 -> c.call("DEL", key);
                case 5 -> c.call("INCRBYFLOAT", "float" + r.nextInt(3), "1.5");
                default -> c.call("MSET", key + "m1", "a" + i, key + "m2", "b" + i);
            }
        }
    }

    /** Runs the workload on a Magpie with the AOF in dir and returns what it holds at the end. */
    private Map<String, String> writeAndRead(int n, long seed, String... extra) {
        try (TestServer s = magpie(dir, extra); RespClient c = s.client()) {
            workload(c, n, seed);
            return contents(c);
        }
    }

    /** Every key of dbs 0..15 with its value and absolute expiry, read through the protocol. */
    static Map<String, String> contents(RespClient c) {
        Map<String, String> m = new TreeMap<>();
        for (int db = 0; db < 16; db++) {
            c.call("SELECT", String.valueOf(db));
            @SuppressWarnings("unchecked")
            List<Object> keys = (List<Object>) c.value("KEYS", "*");
            for (Object k : keys) {
                String key = String.valueOf(k);
                m.put(db + ":" + key, c.value("GET", key) + "|" + c.value("PEXPIRETIME", key));
            }
        }
        c.call("SELECT", "0");
        return m;
    }

    private static String manifest(Path d) throws Exception {
        return Files.readString(d.resolve("appendonlydir/appendonly.aof.manifest"));
    }

    private static List<String> files(Path d) throws Exception {
        try (var s = Files.list(d.resolve("appendonlydir"))) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void aFreshServerCreatesTheSameLayoutAndManifestAsRedis() throws Exception {
        Path rdir = Files.createTempDirectory("redis-aof");
        try {
            try (RealRedis r = redis(rdir); RespClient c = r.client()) {
                c.call("PING");
            }
            try (TestServer s = magpie(dir); RespClient c = s.client()) {
                c.call("PING");
            }
            assertThat(files(dir)).isEqualTo(files(rdir)).containsExactly(
                    "appendonly.aof.1.base.rdb", "appendonly.aof.1.incr.aof", "appendonly.aof.manifest");
            assertThat(manifest(dir)).isEqualTo(manifest(rdir))
                    .isEqualTo("file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n");
        } finally {
            RdbInteropTest.deleteTree(rdir);
        }
    }

    @Test
    void theIncrFileHoldsTheSameBytesAsRedisForTheSameCommands() throws Exception {
        Path rdir = Files.createTempDirectory("redis-aof");
        try {
            try (RealRedis r = redis(rdir, "--appendfsync", "always"); RespClient c = r.client()) {
                workload(c, 400, 7);
            }
            try (TestServer s = magpie(dir, "--appendfsync", "always"); RespClient c = s.client()) {
                workload(c, 400, 7);
            }
            byte[] mine = Files.readAllBytes(dir.resolve("appendonlydir/appendonly.aof.1.incr.aof"));
            byte[] theirs = Files.readAllBytes(rdir.resolve("appendonlydir/appendonly.aof.1.incr.aof"));
            assertThat(new String(mine, StandardCharsets.ISO_8859_1)).isEqualTo(new String(theirs, StandardCharsets.ISO_8859_1));
        } finally {
            RdbInteropTest.deleteTree(rdir);
        }
    }

    @Test
    void writesSurviveARestartThroughBaseAndIncrFiles() throws Exception {
        Map<String, String> before = writeAndRead(2000, 11, "--appendfsync", "always");
        assertThat(before).isNotEmpty();
        try (TestServer s = magpie(dir); RespClient c = s.client()) {
            assertThat(contents(c)).isEqualTo(before);
            assertThat(s.server().registry().find("appendonly").get()).isEqualTo("yes");
        }
    }

    @Test
    void bgrewriteaofMakesANewBaseAndIncrAndRemovesTheOldFiles() throws Exception {
        Map<String, String> before;
        try (TestServer s = magpie(dir, "--appendfsync", "always"); RespClient c = s.client()) {
            workload(c, 1500, 3);
            assertThat(String.valueOf(c.value("BGREWRITEAOF"))).isEqualTo("Background append only file rewriting started");
            workload(c, 500, 4); // writes during the rewrite go to the new incr file
            waitForRewrite(s);
            workload(c, 200, 5);
            before = contents(c);
            String info = info(s);
            assertThat(info).contains("aof_enabled:1").contains("aof_rewrites:1").contains("aof_last_bgrewrite_status:ok");
        }
        assertThat(manifest(dir)).isEqualTo("file appendonly.aof.2.base.rdb seq 2 type b\nfile appendonly.aof.2.incr.aof seq 2 type i\n");
        assertThat(files(dir)).containsExactly("appendonly.aof.2.base.rdb", "appendonly.aof.2.incr.aof", "appendonly.aof.manifest");
        try (TestServer s = magpie(dir); RespClient c = s.client()) {
            assertThat(contents(c)).isEqualTo(before);
        }
    }

    @Test
    void withoutRdbPreambleTheBaseIsAnAofThatBothServersLoad() throws Exception {
        Map<String, String> before;
        try (TestServer s = magpie(dir, "--aof-use-rdb-preamble", "no"); RespClient c = s.client()) {
            workload(c, 800, 21);
            c.call("BGREWRITEAOF");
            waitForRewrite(s);
            workload(c, 100, 22);
            before = contents(c);
        }
        assertThat(files(dir)).contains("appendonly.aof.2.base.aof");
        try (TestServer s = magpie(dir); RespClient c = s.client()) {
            assertThat(contents(c)).isEqualTo(before);
        }
        try (RealRedis r = redis(dir); RespClient c = r.client()) {
            assertThat(contents(c)).isEqualTo(before);
        }
    }

    static String info(TestServer s) throws Exception {
        return s.server().onMainThread(() -> s.server().persistence().infoSection());
    }

    static void waitForRewrite(TestServer s) throws Exception {
        waitForRewrite(() -> info(s));
    }

    static void waitForRewrite(java.util.concurrent.Callable<String> info) throws Exception {
        for (int i = 0; i < 1000; i++) {
            if (info.call().contains("aof_rewrite_in_progress:0")) return;
            Thread.sleep(10);
        }
        throw new AssertionError("the AOF rewrite did not finish in 10 seconds");
    }

    @Test
    void anAofDirectoryWrittenByRedisLoadsIntoMagpie() throws Exception {
        Map<String, String> before;
        try (RealRedis r = redis(dir); RespClient c = r.client()) {
            workload(c, 1000, 31);
            c.call("BGREWRITEAOF");
            waitForRewrite(() -> String.valueOf(c.value("INFO", "persistence")));
            workload(c, 300, 32);
            before = contents(c);
        }
        try (TestServer s = magpie(dir); RespClient c = s.client()) {
            assertThat(contents(c)).isEqualTo(before).isNotEmpty();
        }
    }

    @Test
    void anAofDirectoryWrittenByMagpieLoadsIntoRedis() throws Exception {
        Map<String, String> before;
        try (TestServer s = magpie(dir); RespClient c = s.client()) {
            workload(c, 1000, 41);
            c.call("BGREWRITEAOF");
            waitForRewrite(s);
            workload(c, 300, 42);
            before = contents(c);
            s.server().onMainThread(() -> s.server().persistence().prepareForShutdown(false));
        }
        try (RealRedis r = redis(dir); RespClient c = r.client()) {
            assertThat(contents(c)).isEqualTo(before).isNotEmpty();
        }
    }

    @Test
    void infoPersistenceShowsTheAofFieldsInRedisOrder() throws Exception {
        try (TestServer s = magpie(dir); RespClient c = s.client()) {
            c.call("SET", "a", "1");
            String info = info(s);
            List<String> names = new ArrayList<>();
            for (String line : info.split("\r\n")) if (line.startsWith("aof_")) names.add(line.substring(0, line.indexOf(':')));
            assertThat(names).containsExactly("aof_enabled", "aof_rewrite_in_progress", "aof_rewrite_scheduled",
                    "aof_last_rewrite_time_sec", "aof_current_rewrite_time_sec", "aof_last_bgrewrite_status", "aof_rewrites",
                    "aof_rewrites_consecutive_failures", "aof_last_write_status", "aof_last_cow_size", "aof_current_size",
                    "aof_base_size", "aof_pending_rewrite", "aof_buffer_length", "aof_pending_bio_fsync", "aof_delayed_fsync");
            assertThat(info).contains("aof_enabled:1");
        }
    }

    @Test
    void configSetAppendonlyYesStartsTheAofFromTheCurrentDataset() throws Exception {
        try (TestServer s = new TestServer("--dir", dir.toString()); RespClient c = s.client()) {
            c.call("SET", "before", "1");
            s.server().onMainThread(() -> {
                s.server().registry().find("appendonly").set("yes");
                return null;
            });
            c.call("SET", "after", "2");
            assertThat(info(s)).contains("aof_enabled:1");
        }
        try (TestServer s = magpie(dir); RespClient c = s.client()) {
            assertThat(c.value("GET", "before")).isEqualTo("1");
            assertThat(c.value("GET", "after")).isEqualTo("2");
        }
    }

    @Test
    void aTruncatedIncrFileStopsTheServerUnlessAofLoadTruncatedCutsTheTail() throws Exception {
        try (TestServer s = magpie(dir, "--appendfsync", "always"); RespClient c = s.client()) {
            c.call("SET", "a", "1");
            c.call("SET", "b", "2");
        }
        Path incr = dir.resolve("appendonlydir/appendonly.aof.1.incr.aof");
        long full = Files.size(incr);
        try (var ch = java.nio.channels.FileChannel.open(incr, java.nio.file.StandardOpenOption.WRITE)) {
            ch.truncate(full - 3);
        }
        assertThatThrownBy(() -> magpie(dir, "--aof-load-truncated", "no").close())
                .hasStackTraceContaining("Unexpected end of file reading the append only file appendonly.aof.1.incr.aof at offset");
        try (TestServer s = magpie(dir, "--aof-load-truncated", "yes"); RespClient c = s.client()) {
            assertThat(c.value("GET", "a")).isEqualTo("1");
            assertThat(c.value("GET", "b")).isNull();
        }
        assertThat(Files.size(incr)).isLessThan(full - 3);
    }

    @Test
    void theAofIsRewrittenAutomaticallyOnceItGrowsPastMinSizeAndPercentage() throws Exception {
        Map<String, String> before;
        try (TestServer s = magpie(dir, "--auto-aof-rewrite-min-size", "20kb", "--auto-aof-rewrite-percentage", "100");
             RespClient c = s.client()) {
            for (int i = 0; i < 2000 && !info(s).contains("aof_rewrites:1"); i++) {
                c.call("SET", "key" + (i % 50), "v".repeat(100) + i);
                if (i % 100 == 99) Thread.sleep(120); // give the cron (hz 10) its turn
            }
            waitForRewrite(s);
            assertThat(info(s)).contains("aof_rewrites:1");
            before = contents(c);
        }
        assertThat(files(dir)).contains("appendonly.aof.2.base.rdb", "appendonly.aof.2.incr.aof");
        try (TestServer s = magpie(dir); RespClient c = s.client()) {
            assertThat(contents(c)).isEqualTo(before);
        }
    }

    @Test
    void bgsaveAndBgrewriteaofTakeTurnsOnTheOneSnapshotAsInRedis() throws Exception {
        try (TestServer s = magpie(dir); RespClient c = s.client()) {
            for (int i = 0; i < 30_000; i++) c.send("SET", "key:" + i, "value:" + i);
            for (int i = 0; i < 30_000; i++) c.read();
            String started = String.valueOf(c.value("BGREWRITEAOF"));
            assertThat(started).isEqualTo("Background append only file rewriting started");
            Object bgsave = c.value("BGSAVE");
            if (info(s).contains("aof_rewrite_in_progress:1")) {
                assertThat(String.valueOf(bgsave)).isEqualTo("(error) ERR Another child process is active (AOF?): can't BGSAVE right now. "
                        + "Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.");
            }
            waitForRewrite(s);
            s.server().persistence().awaitBgsave(10_000);
            assertThat(String.valueOf(c.value("BGSAVE"))).isEqualTo("Background saving started");
            Object rewrite = c.value("BGREWRITEAOF");
            if (s.server().onMainThread(() -> s.server().persistence().bgsaveInProgress())) {
                assertThat(String.valueOf(rewrite)).isEqualTo("Background append only file rewriting scheduled");
            }
            s.server().persistence().awaitBgsave(10_000);
            for (int i = 0; i < 500 && !info(s).contains("aof_rewrites:2"); i++) Thread.sleep(20);
            assertThat(info(s)).contains("aof_rewrites:2").contains("aof_rewrite_scheduled:0");
        }
        try (TestServer s = magpie(dir); RespClient c = s.client()) {
            assertThat(c.value("GET", "key:29999")).isEqualTo("value:29999");
        }
    }

    @Test
    void saveDuringARewriteCompletesBoth() throws Exception {
        try (TestServer s = magpie(dir); RespClient c = s.client()) {
            for (int i = 0; i < 30_000; i++) c.send("SET", "key:" + i, "value:" + i);
            for (int i = 0; i < 30_000; i++) c.read();
            c.call("BGREWRITEAOF");
            assertThat(String.valueOf(c.value("SAVE"))).isEqualTo("OK");
            waitForRewrite(s);
            assertThat(info(s)).contains("aof_last_bgrewrite_status:ok").contains("aof_rewrites:1");
        }
        try (TestServer s = magpie(dir); RespClient c = s.client()) {
            assertThat(c.value("DBSIZE")).isEqualTo(30_000L);
        }
    }

    @Test
    void timestampAnnotationsAreWrittenWhenEnabledAndSkippedWhenLoading() throws Exception {
        Map<String, String> before = writeAndRead(300, 51, "--aof-timestamp-enabled", "yes");
        String incr = Files.readString(dir.resolve("appendonlydir/appendonly.aof.1.incr.aof"), StandardCharsets.ISO_8859_1);
        assertThat(incr).startsWith("#TS:").matches("(?s)#TS:\\d+\r\n\\*2\r\n\\$6\r\nSELECT.*");
        try (TestServer s = magpie(dir); RespClient c = s.client()) {
            assertThat(contents(c)).isEqualTo(before);
        }
        try (RealRedis r = redis(dir); RespClient c = r.client()) {
            assertThat(contents(c)).isEqualTo(before);
        }
    }
}
