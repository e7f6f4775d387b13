package io.magpie.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.magpie.protocol.RespClient;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A pre-7.0 AOF (one appendonly.aof in dir, plain commands or an RDB preamble then
 * commands) loads and is moved into the multi-part layout as redis-server 7.0 does it:
 * the same manifest, the same files; and a bad one stops the start with its error logged once.
 */
class AofUpgradeProcessTest {
    @TempDir
    Path dir;

    private static byte[] commands(String[]... cmds) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String[] c : cmds) out.writeBytes(RespClient.encode(RespClient.args(c)));
        return out.toByteArray();
    }

    /** Starts redis-server 7.0 on a copy of an old-style AOF and returns its dir once it has upgraded and stopped. */
    private Path upgradedByRedis(byte[] aof) throws Exception {
        Path rdir = Files.createDirectory(dir.resolve("redis"));
        Files.write(rdir.resolve("appendonly.aof"), aof);
        int port = RealRedis.freePort();
        Process redis = new ProcessBuilder("redis-server", "--port", String.valueOf(port), "--bind", "127.0.0.1", "--save", "",
                "--appendonly", "yes", "--dir", rdir.toString()).redirectErrorStream(true)
                .redirectOutput(rdir.resolve("redis.log").toFile()).start();
        try {
            RealRedis.waitUntilReady(port, redis);
        } finally {
            redis.destroy();
            MagpieProcess.waitExit(redis);
        }
        return rdir;
    }

    private void assertUpgradedAsRedis(byte[] aof, Map<String, String> expected) throws Exception {
        Path redisDir = upgradedByRedis(aof);
        Path mdir = Files.createDirectory(dir.resolve("magpie"));
        Files.write(mdir.resolve("appendonly.aof"), aof);
        try (MagpieProcess node = MagpieProcess.start(dir.resolve("magpie.log"), "--dir", mdir.toString(), "--appendonly", "yes",
                "--save", ""); RespClient c = node.client()) {
            for (var e : expected.entrySet()) assertThat(c.value("GET", e.getKey())).isEqualTo(e.getValue());
            assertThat(c.value("DBSIZE")).isEqualTo((long) expected.size());
            assertThat(node.logText()).contains("Successfully migrated an old-style AOF file (appendonly.aof) into the AOF directory (appendonlydir).");
        }
        assertThat(mdir.resolve("appendonly.aof")).doesNotExist();
        Path manifest = Path.of("appendonlydir", "appendonly.aof.manifest");
        assertThat(Files.readString(mdir.resolve(manifest))).isEqualTo(Files.readString(redisDir.resolve(manifest)));
        assertThat(Files.readAllBytes(mdir.resolve("appendonlydir/appendonly.aof"))).isEqualTo(aof);
    }

    @Test
    void anOldStyleAofOfCommandsLoadsAndMovesIntoTheAofDirectoryAsRedisDoes() throws Exception {
        assertUpgradedAsRedis(commands(new String[] {"SET", "a", "1"}, new String[] {"SELECT", "0"}, new String[] {"RPUSH", "l", "x"},
                new String[] {"SET", "b", "2"}, new String[] {"DEL", "l"}), Map.of("a", "1", "b", "2"));
    }

    @Test
    void anOldStyleAofWithAnRdbPreambleLoadsAndMovesIntoTheAofDirectoryAsRedisDoes() throws Exception {
        byte[] rdb;
        try (RealRedis redis = new RealRedis(); RespClient c = redis.client()) {
            c.value("SET", "base", "from-rdb");
            c.value("SAVE");
            rdb = Files.readAllBytes(redis.dir().resolve("dump.rdb"));
        }
        ByteArrayOutputStream aof = new ByteArrayOutputStream();
        aof.writeBytes(rdb);
        aof.writeBytes(commands(new String[] {"SET", "tail", "from-aof"}));
        assertUpgradedAsRedis(aof.toByteArray(), Map.of("base", "from-rdb", "tail", "from-aof"));
    }

    @Test
    void aBadOldStyleAofStopsTheStartWithItsErrorLoggedOnce() throws Exception {
        byte[] aof = "*3\r\n$3\r\nSET\r\n$1\r\na\r\n$1\r\n1\r\nGARBAGE\r\n".getBytes(StandardCharsets.US_ASCII);
        Files.write(dir.resolve("appendonly.aof"), aof);
        MagpieProcess node = MagpieProcess.launch(dir.resolve("node.log"), Map.of(), RealRedis.freePort(), "--dir", dir.toString(),
                "--appendonly", "yes", "--save", "");
        assertThat(node.waitExit()).isEqualTo(1);
        List<String> errors = node.logText().lines().filter(l -> l.contains("Bad file format reading the append only file")).toList();
        assertThat(errors).hasSize(1);
    }
}
