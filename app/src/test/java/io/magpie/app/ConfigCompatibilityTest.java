package io.magpie.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.magpie.protocol.RespClient;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every Redis 7.0 configuration loads: CONFIG GET * lists the same parameters as
 * redis-server 7.0 with the same defaults, the same ones are immutable, and Debian's stock
 * redis.conf starts a node.
 */
class ConfigCompatibilityTest {
    @TempDir
    Path dir;

    private static Map<String, String> allParameters(RespClient c) {
        List<?> flat = (List<?>) c.value("CONFIG", "GET", "*");
        Map<String, String> m = new TreeMap<>();
        for (int i = 0; i < flat.size(); i += 2) m.put(String.valueOf(flat.get(i)), String.valueOf(flat.get(i + 1)));
        return m;
    }

    @Test
    void configGetStarListsRedisParametersWithRedisDefaultsAndTheSameOnesAreImmutable() throws Exception {
        try (RealRedis redis = new RealRedis(); TestServer magpie = new TestServer("--dir", dir.toString());
                RespClient r = redis.client(); RespClient m = magpie.client()) {
            Map<String, String> expected = allParameters(r);
            Map<String, String> actual = allParameters(m);
            assertThat(expected).hasSize(192);
            assertThat(actual.keySet()).isEqualTo(expected.keySet());
            for (String name : expected.keySet()) {
                if (Set.of("port", "dir").contains(name)) continue; // each server's own
                assertThat(actual.get(name)).as(name).isEqualTo(expected.get(name));
            }
            // Setting each parameter to its own value: OK where Redis allows it, Redis's error where not.
            for (String name : expected.keySet()) {
                Object want = r.value("CONFIG", "SET", name, expected.get(name));
                Object got = m.value("CONFIG", "SET", name, actual.get(name));
                assertThat(String.valueOf(got)).as(name).isEqualTo(String.valueOf(want));
            }
            assertThat(String.valueOf(m.value("CONFIG", "SET", "pidfile", "/tmp/x.pid")))
                    .isEqualTo("(error) ERR CONFIG SET failed (possibly related to argument 'pidfile') - can't set immutable config");
        }
    }

    /** Debian's stock redis.conf, its "dir /var/lib/redis" (a chdir when read, as in Redis) pointed at this test's dir. */
    private Path debianConf(String name, String extra) throws Exception {
        String conf;
        try (InputStream in = getClass().getResourceAsStream("/redis-7.0-debian.conf")) {
            conf = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertThat(conf).contains("\ndir /var/lib/redis\n").contains("\ndaemonize yes\n").contains("\njemalloc-bg-thread yes\n");
        Path file = dir.resolve(name);
        Files.writeString(file, conf.replace("\ndir /var/lib/redis\n", "\ndir " + dir + "\n") + extra);
        return file;
    }

    @Test
    void debiansStockRedisConfStartsANodeAndInertValuesAreLogged() throws Exception {
        Path file = debianConf("redis.conf", "");
        try (MagpieProcess node = MagpieProcess.start(dir.resolve("node.log"), file.toString(), "--daemonize", "no",
                "--pidfile", "node.pid", "--logfile", "", "--supervised", "no", "--disable-thp", "no");
                RespClient c = node.client()) {
            assertThat(c.value("SET", "k", "v").toString()).isEqualTo("OK");
            assertThat(c.value("CONFIG", "GET", "stream-node-max-entries")).isEqualTo(List.of("stream-node-max-entries", "100"));
            assertThat(c.value("CONFIG", "GET", "bind")).isEqualTo(List.of("bind", "127.0.0.1"));
            assertThat(dir.resolve("node.pid")).hasContent(String.valueOf(node.process.pid()));
            assertThat(node.logText()).contains("Configuration loaded")
                    .contains("Config 'disable-thp' is set to 'no': accepted for compatibility, it has no effect on the JVM.");
        }
    }

    @Test
    void sentinelModeReadsEveryRedisServerDirectiveAsRedisSentinelDoes() throws Exception {
        String monitor = "\nsentinel monitor mymaster 127.0.0.1 " + RealRedis.freePort() + " 2\n";
        String[] overrides = {"--sentinel", "--daemonize", "no", "--pidfile", "", "--logfile", "", "--bind", "127.0.0.1"};
        int redisPort = RealRedis.freePort();
        List<String> redisCmd = new java.util.ArrayList<>(List.of("redis-server", debianConf("redis-sentinel.conf", monitor).toString()));
        redisCmd.addAll(List.of(overrides));
        redisCmd.addAll(List.of("--port", String.valueOf(redisPort)));
        Process redis = new ProcessBuilder(redisCmd).redirectErrorStream(true).redirectOutput(dir.resolve("redis-sentinel.log").toFile()).start();
        try {
            RealRedis.waitUntilReady(redisPort, redis); // the oracle: redis-sentinel starts on this file
        } finally {
            redis.destroy();
            MagpieProcess.waitExit(redis);
        }
        List<String> args = new java.util.ArrayList<>(List.of(debianConf("magpie-sentinel.conf", monitor).toString()));
        args.addAll(List.of(overrides));
        try (MagpieProcess node = MagpieProcess.start(dir.resolve("magpie-sentinel.log"), args.toArray(new String[0]));
                RespClient c = node.client()) {
            assertThat(String.valueOf(c.value("SENTINEL", "MASTERS"))).contains("mymaster");
        }
    }
}
