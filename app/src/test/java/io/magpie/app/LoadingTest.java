package io.magpie.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.magpie.protocol.RespClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The server listens while it loads its dataset, as Redis does: commands without the
 * "loading" flag get -LOADING, INFO reports the progress, and SHUTDOWN during the load
 * exits without saving half a dataset. key-load-delay (microseconds per key, Redis's own
 * test knob) makes the load last long enough to be watched.
 */
class LoadingTest {
    private static final int KEYS = 3000;
    private Path dir;

    @BeforeEach
    void setUp() throws Exception {
        dir = Files.createTempDirectory("magpie-loading");
        try (TestServer s = new TestServer("--dir", dir.toString()); RespClient c = s.client()) {
            for (int i = 0; i < KEYS; i++) c.send("SET", "key:" + i, "value:" + i);
            for (int i = 0; i < KEYS; i++) c.read();
            c.call("SAVE");
        }
    }

    @AfterEach
    void tearDown() throws Exception {
        RdbInteropTest.deleteTree(dir);
    }

    private static String info(RespClient c) {
        return String.valueOf(c.value("INFO", "persistence"));
    }

    private static boolean loading(RespClient c) {
        return info(c).contains("loading:1\r\n");
    }

    /** Connects as soon as the port accepts (the load has begun by then, or is about to). */
    private static RespClient connect(int port) throws InterruptedException {
        for (int i = 0; i < 2000; i++) {
            try {
                RespClient c = new RespClient(port);
                c.setTimeout(30_000);
                return c;
            } catch (RuntimeException e) {
                Thread.sleep(10);
            }
        }
        throw new AssertionError("the server never listened on " + port);
    }

    private static void awaitLoaded(RespClient c) throws InterruptedException {
        for (int i = 0; i < 6000 && loading(c); i++) Thread.sleep(10);
        assertThat(loading(c)).isFalse();
    }

    /** What a client sees while the server loads: the replies of a small script, and INFO's loading field names. */
    private static List<String> duringLoad(RespClient c) throws InterruptedException {
        for (int i = 0; i < 2000 && !loading(c); i++) Thread.sleep(5);
        List<String> seen = new ArrayList<>();
        String info = info(c);
        Set<String> names = new LinkedHashSet<>();
        for (String line : info.split("\r\n")) if (line.startsWith("loading")) names.add(line.substring(0, line.indexOf(':')));
        seen.add(String.join(",", names));
        String[][] script = {{"PING"}, {"GET", "key:1"}, {"DBSIZE"}, {"SET", "x", "y"}, {"ECHO", "hi"}, {"SELECT", "1"},
                {"SELECT", "0"}, {"CONFIG", "GET", "key-load-delay"}, {"MULTI"}, {"GET", "key:2"}, {"EXEC"}, {"MULTI"},
                {"ECHO", "in multi"}, {"EXEC"}, {"NO-SUCH-COMMAND"}};
        for (String[] cmd : script) seen.add(String.join(" ", cmd) + " -> " + c.value(cmd));
        assertThat(loading(c)).as("still loading after the script").isTrue();
        return seen;
    }

    @Test
    void clientsAreAnsweredLoadingWhileTheDatasetLoadsAsByRedis() throws Exception {
        List<String> redisSaw, magpieSaw;
        Path redisDir = Files.createTempDirectory("redis-loading");
        Files.copy(dir.resolve("dump.rdb"), redisDir.resolve("dump.rdb"), StandardCopyOption.REPLACE_EXISTING);
        // Started by hand: RealRedis waits for PONG, which comes only once the load is over.
        // Redis serves clients between chunks of this many bytes of the file; its default (2 MB) exceeds the file.
        int redisPort = RealRedis.freePort();
        Process redis = new ProcessBuilder("redis-server", "--port", String.valueOf(redisPort), "--bind", "127.0.0.1",
                "--save", "", "--dir", redisDir.toString(), "--key-load-delay", "2000",
                "--loading-process-events-interval-bytes", "1024").redirectErrorStream(true)
                .redirectOutput(redisDir.resolve("redis.log").toFile()).start();
        try (RespClient r = connect(redisPort)) {
            redisSaw = duringLoad(r);
        } finally {
            redis.destroyForcibly().waitFor();
            RdbInteropTest.deleteTree(redisDir);
        }
        int port = RealRedis.freePort();
        CompletableFuture<TestServer> starting = CompletableFuture.supplyAsync(
                () -> new TestServer("--dir", dir.toString(), "--port", String.valueOf(port), "--key-load-delay", "2000"));
        try (RespClient m = connect(port)) {
            magpieSaw = duringLoad(m);
            String info = info(m);
            assertThat(info).contains("loading_total_bytes:" + Files.size(dir.resolve("dump.rdb")));
            assertThat(info).containsPattern("loading_loaded_perc:\\d+\\.\\d\\d\r\n");
            m.call("CONFIG", "SET", "key-load-delay", "0");
            awaitLoaded(m);
            assertThat(m.value("DBSIZE")).isEqualTo((long) KEYS);
            assertThat(m.value("GET", "key:1")).isEqualTo("value:1");
            assertThat(info(m)).doesNotContain("loading_start_time").contains("rdb_last_load_keys_loaded:" + KEYS);
        } finally {
            starting.get().close();
        }
        assertThat(redisSaw).contains("PING -> (error) LOADING Redis is loading the dataset in memory",
                "ECHO hi -> hi", "loading,loading_start_time,loading_total_bytes,loading_rdb_used_mem,"
                        + "loading_loaded_bytes,loading_loaded_perc,loading_eta_seconds");
        assertThat(magpieSaw).isEqualTo(redisSaw);
    }

    /**
     * Dispatch order: NOAUTH comes before LOADING (processCommand checks authentication
     * first). While the dataset loads, an unauthenticated SET gets NOAUTH, an authenticated
     * one LOADING, on redis-server and on Magpie.
     */
    @Test
    void anUnauthenticatedClientIsAnsweredNoauthNotLoading() throws Exception {
        Path redisDir = Files.createTempDirectory("redis-loading");
        Files.copy(dir.resolve("dump.rdb"), redisDir.resolve("dump.rdb"), StandardCopyOption.REPLACE_EXISTING);
        int redisPort = RealRedis.freePort();
        Process redis = new ProcessBuilder("redis-server", "--port", String.valueOf(redisPort), "--bind", "127.0.0.1",
                "--save", "", "--dir", redisDir.toString(), "--key-load-delay", "2000", "--requirepass", "secret",
                "--loading-process-events-interval-bytes", "1024").redirectErrorStream(true)
                .redirectOutput(redisDir.resolve("redis.log").toFile()).start();
        List<Object> redisSaw;
        try {
            redisSaw = unauthenticatedThenAuthenticatedSetDuringLoad(redisPort);
        } finally {
            redis.destroyForcibly().waitFor();
            RdbInteropTest.deleteTree(redisDir);
        }
        int port = RealRedis.freePort();
        CompletableFuture<TestServer> starting = CompletableFuture.supplyAsync(() -> new TestServer("--dir", dir.toString(),
                "--port", String.valueOf(port), "--key-load-delay", "2000", "--requirepass", "secret"));
        List<Object> magpieSaw;
        try {
            magpieSaw = unauthenticatedThenAuthenticatedSetDuringLoad(port);
            try (RespClient m = connect(port)) {
                m.call("AUTH", "secret");
                m.call("CONFIG", "SET", "key-load-delay", "0");
            }
        } finally {
            starting.get().close();
        }
        assertThat(redisSaw).containsExactly(new RespClient.Err("NOAUTH Authentication required."),
                new RespClient.Err("LOADING Redis is loading the dataset in memory"));
        assertThat(magpieSaw).isEqualTo(redisSaw);
    }

    private static List<Object> unauthenticatedThenAuthenticatedSetDuringLoad(int port) throws InterruptedException {
        try (RespClient authed = connect(port); RespClient stranger = connect(port)) {
            assertThat(authed.value("AUTH", "secret")).hasToString("OK");
            for (int i = 0; i < 2000 && !loading(authed); i++) Thread.sleep(5);
            assertThat(loading(authed)).as("the server is loading").isTrue();
            return List.of(stranger.value("SET", "k", "v"), authed.value("SET", "k", "v"));
        }
    }

    /** An RDB of KEYS distinct keys, then "key:7" again; with a wrong checksum if badCrc. */
    private static byte[] rdbWithDuplicateKey(boolean badCrc) {
        io.magpie.persistence.rdb.RdbWriter w = new io.magpie.persistence.rdb.RdbWriter(false);
        w.writeHeader();
        w.writeSelectDb(0);
        for (int i = 0; i < KEYS; i++) {
            w.writeType(0);
            w.writeString(("key:" + i).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            w.writeString(("value:" + i).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        }
        w.writeType(0);
        w.writeString("key:7".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        w.writeString("again".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        w.writeByte(255);
        w.writeMillis(badCrc ? 12345 : w.crcSoFar());
        return w.toByteArray();
    }

    @Test
    void aDuplicateKeyFoundWhileTheKeyspaceThreadAppliesABatchFailsTheStartNamingFileAndOffset() throws Exception {
        Path rdb = dir.resolve("dump.rdb");
        for (boolean badCrc : new boolean[] {false, true}) {
            byte[] data = rdbWithDuplicateKey(badCrc);
            Files.write(rdb, data);
            // The duplicate ends 9 bytes (type, key, value) before EOF and the checksum; it is
            // reported even though the reading went on to the end (and to a wrong checksum).
            long offset = data.length - 9;
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> new TestServer("--dir", dir.toString()))
                    .hasStackTraceContaining("Fatal error loading the DB " + rdb.toAbsolutePath()
                            + ": Duplicate key 'key:7' found in RDB file (at offset " + offset + "). Exiting.");
        }
    }

    @Test
    void aProcessWhoseLoadFailsExitsWith1AndLeavesTheFileAsItWas() throws Exception {
        byte[] bad = rdbWithDuplicateKey(false);
        Files.write(dir.resolve("dump.rdb"), bad);
        // Default save rules: the exit must not save the part that was loaded over the file.
        Process p = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"), "-cp",
                System.getProperty("java.class.path"), "io.magpie.app.Main", "--port", String.valueOf(RealRedis.freePort()),
                "--bind", "127.0.0.1", "--dir", dir.toString()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("failed.log").toFile()).start();
        boolean exited = p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS);
        if (!exited) p.destroyForcibly().waitFor();
        assertThat(exited).isTrue();
        assertThat(p.exitValue()).isEqualTo(1);
        assertThat(Files.readString(dir.resolve("failed.log"))).contains("Duplicate key 'key:7' found in RDB file")
                .doesNotContain("Saving the final RDB snapshot");
        assertThat(Files.readAllBytes(dir.resolve("dump.rdb"))).isEqualTo(bad);
    }

    @Test
    void shutdownWhileLoadingExitsWithoutSavingHalfTheDataset() throws Exception {
        byte[] before = Files.readAllBytes(dir.resolve("dump.rdb"));
        int port = RealRedis.freePort();
        CompletableFuture<TestServer> starting = CompletableFuture.supplyAsync(() -> new TestServer("--dir", dir.toString(),
                "--port", String.valueOf(port), "--key-load-delay", "2000", "--save", "1 1"));
        try (RespClient m = connect(port)) {
            for (int i = 0; i < 2000 && !loading(m); i++) Thread.sleep(5);
            assertThat(loading(m)).isTrue();
            m.send("SHUTDOWN");
            assertThat(m.isClosedByServer()).isTrue();
        }
        starting.get().close(); // the start returns once the load gave up
        assertThat(Files.readAllBytes(dir.resolve("dump.rdb"))).isEqualTo(before);
    }
}
