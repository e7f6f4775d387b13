package io.magpie.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.magpie.protocol.RespClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * No data lost by the process around its dataset: a start that fails writes nothing, FLUSHALL
 * survives a crash, a missing dir stops the start, a final save that fails keeps the server
 * running, as redis-server 7.0 does in each case.
 */
class DataSafetyProcessTest {
    @TempDir
    Path dir;

    private static void fill(RespClient c, int keys) {
        List<String> mset = new ArrayList<>(List.of("MSET"));
        for (int i = 0; i < keys; i++) {
            mset.add("key:" + i);
            mset.add("value:" + i);
        }
        assertThat(c.value(mset.toArray(new String[0])).toString()).isEqualTo("OK");
    }

    @Test
    void aSecondNodeOnATakenPortExitsWithCode1AndLeavesTheDumpFileAndTheAofAlone() throws Exception {
        String[] args = {"--dir", dir.toString(), "--appendonly", "yes"};
        try (MagpieProcess first = MagpieProcess.start(dir.resolve("first.log"), args)) {
            try (RespClient c = first.client()) {
                fill(c, 1000);
                assertThat(c.value("SAVE").toString()).isEqualTo("OK");
            }
            Path aofDir = dir.resolve("appendonlydir");
            await().atMost(Duration.ofSeconds(30)).until(() -> Files.list(aofDir).count() >= 3); // base, incr, manifest
            byte[] saved = Files.readAllBytes(dir.resolve("dump.rdb"));
            Map<String, byte[]> aofBefore = snapshot(aofDir);
            MagpieProcess second = MagpieProcess.launch(dir.resolve("second.log"), Map.of(), first.port, args);
            assertThat(second.waitExit()).isEqualTo(1);
            assertThat(second.logText()).contains("Could not create server TCP listening socket")
                    .doesNotContain("Saving the final RDB snapshot").doesNotContain("DB saved on disk");
            assertThat(Files.readAllBytes(dir.resolve("dump.rdb"))).isEqualTo(saved);
            Map<String, byte[]> aofAfter = snapshot(aofDir);
            assertThat(aofAfter.keySet()).isEqualTo(aofBefore.keySet());
            for (String f : aofBefore.keySet()) assertThat(aofAfter.get(f)).as(f).isEqualTo(aofBefore.get(f));
            try (RespClient c = first.client()) {
                assertThat(c.value("DBSIZE")).isEqualTo(1000L);
            }
        }
    }

    private static Map<String, byte[]> snapshot(Path d) throws Exception {
        Map<String, byte[]> m = new java.util.TreeMap<>();
        try (var files = Files.list(d)) {
            for (Path p : files.toList()) m.put(p.getFileName().toString(), Files.readAllBytes(p));
        }
        return m;
    }

    /** Runs writes on a node, kills it with -9, restarts it on the same files and answers its DBSIZE. */
    private long dbsizeAfterKill9AndRestart(String[] args, java.util.function.Consumer<RespClient> writes) throws Exception {
        try (MagpieProcess node = MagpieProcess.start(dir.resolve("before-kill.log"), args)) {
            try (RespClient c = node.client()) {
                writes.accept(c);
            }
            node.kill9();
        }
        try (MagpieProcess node = MagpieProcess.start(dir.resolve("after-kill.log"), args); RespClient c = node.client()) {
            return (Long) c.value("DBSIZE");
        }
    }

    @Test
    void flushallWithSavePointsSavesAtOnceSoAKilledNodeRestartsEmpty() throws Exception {
        assertThat(dbsizeAfterKill9AndRestart(new String[] {"--dir", dir.toString(), "--save", "3600 1"}, c -> {
            fill(c, 5000);
            assertThat(c.value("SAVE").toString()).isEqualTo("OK");
            assertThat(c.value("FLUSHALL").toString()).isEqualTo("OK");
        })).isEqualTo(0L);
    }

    @Test
    void flushallIsInTheAofSoAKilledNodeRestartsEmpty() throws Exception {
        assertThat(dbsizeAfterKill9AndRestart(new String[] {"--dir", dir.toString(), "--appendonly", "yes", "--appendfsync", "always"}, c -> {
            fill(c, 500);
            assertThat(c.value("BGREWRITEAOF").toString()).startsWith("Background append only file rewriting");
            await().atMost(Duration.ofSeconds(30)).until(() -> c.value("INFO", "persistence").toString()
                    .contains("aof_rewrite_in_progress:0"));
            assertThat(c.value("FLUSHALL").toString()).isEqualTo("OK");
        })).isEqualTo(0L);
    }

    @Test
    void aDirThatDoesNotExistStopsTheStartAsRedisDoes() throws Exception {
        Path missing = dir.resolve("nonexistent");
        Process redis = new ProcessBuilder("redis-server", "--port", "0", "--dir", missing.toString())
                .redirectOutput(dir.resolve("redis.out").toFile()).redirectError(dir.resolve("redis.err").toFile()).start();
        Process magpie = new ProcessBuilder(MagpieProcess.command("--port", "0", "--dir", missing.toString()))
                .redirectOutput(dir.resolve("magpie.out").toFile()).redirectError(dir.resolve("magpie.err").toFile()).start();
        assertThat(MagpieProcess.waitExit(redis)).isEqualTo(1);
        assertThat(MagpieProcess.waitExit(magpie)).isEqualTo(1);
        String expected = Files.readString(dir.resolve("redis.err"));
        assertThat(expected).contains("No such file or directory");
        assertThat(Files.readString(dir.resolve("magpie.err"))).isEqualTo(expected);
    }

    @Test
    void aFinalSaveThatFailsAtSigtermKeepsTheServerRunningAndBgsaveReportsLikeRedis() throws Exception {
        Path data = Files.createDirectory(dir.resolve("data"));
        try (MagpieProcess node = MagpieProcess.start(dir.resolve("node.log"), "--dir", data.toString(), "--save", "3600 1")) {
            try (RespClient c = node.client()) {
                fill(c, 10);
                Files.delete(data); // every save now fails to open its temp file
                assertThat(c.value("BGSAVE").toString()).isEqualTo("Background saving started");
                await().atMost(Duration.ofSeconds(30)).until(() -> node.logText().contains("Background saving error"));
                assertThat(node.logText()).contains("Failed opening the temp RDB file temp-" + node.process.pid()
                        + ".rdb (in server root dir " + data + ") for saving: No such file or directory");
                assertThat(c.value("INFO", "persistence").toString()).contains("rdb_last_bgsave_status:err");
                node.process.destroy(); // SIGTERM
                await().atMost(Duration.ofSeconds(30)).until(() -> node.logText().contains("Errors trying to shut down the server"));
                assertThat(node.logText()).contains("Error trying to save the DB, can't exit.");
                assertThat(node.process.isAlive()).isTrue();
                assertThat(c.value("DBSIZE")).isEqualTo(10L);
                Files.createDirectory(data);
            }
            node.process.destroy();
            assertThat(node.waitExit()).isEqualTo(0);
            assertThat(data.resolve("dump.rdb")).exists();
        }
    }
}
