package io.magpie.app.scripting;

import static org.assertj.core.api.Assertions.assertThat;

import io.magpie.app.RealRedis;
import io.magpie.app.TestServer;
import io.magpie.protocol.RespClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Scripts go to the AOF as their effects and FUNCTION libraries as FUNCTION LOAD (or in the
 * RDB preamble of a rewritten base): after a restart, and in redis-server loading the same
 * directory, the data and the functions are back.
 */
class ScriptAofTest {
    static final String LIB = "#!lua name=acc\n"
            + "redis.register_function('deposit', function(keys, args) redis.call('hincrby', keys[1], 'balance', args[1]); "
            + "return redis.call('rpush', keys[2], args[1]) end)";
    private Path dir;

    @BeforeEach
    void setUp() throws Exception {
        dir = Files.createTempDirectory("magpie-script-aof");
    }

    @AfterEach
    void tearDown() throws Exception {
        try (var paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @ParameterizedTest(name = "aof-use-rdb-preamble {0}")
    @ValueSource(strings = {"yes", "no"})
    void scriptEffectsAndLibrariesSurviveARestartAndARewrite(String preamble) throws Exception {
        String[] args = {"--dir", dir.toString(), "--appendonly", "yes", "--aof-use-rdb-preamble", preamble};
        try (TestServer s = new TestServer(args); RespClient c = s.client()) {
            c.value("FUNCTION", "LOAD", LIB);
            for (int i = 0; i < 20; i++) c.value("FCALL", "deposit", "2", "acct", "log", String.valueOf(i));
            c.value("EVAL", "redis.call('set', KEYS[1], ARGV[1]); return redis.call('pexpire', KEYS[1], 3600000)", "1", "tmp", "v");
        }
        try (TestServer s = new TestServer(args); RespClient c = s.client()) {
            assertThat(c.value("HGET", "acct", "balance")).isEqualTo("190");
            assertThat(c.value("LLEN", "log")).isEqualTo(20L);
            assertThat((Long) c.value("PTTL", "tmp")).isPositive();
            c.value("BGREWRITEAOF");
            awaitRewrite(c);
            c.value("FCALL", "deposit", "2", "acct", "log", "10");
        }
        try (TestServer s = new TestServer(args); RespClient c = s.client()) {
            assertThat(c.value("HGET", "acct", "balance")).isEqualTo("200");
            assertThat(c.value("FCALL", "deposit", "2", "acct", "log", "1")).isEqualTo(22L);
        }
        try (RealRedis r = new RealRedis("--dir", dir.toString(), "--appendonly", "yes"); RespClient c = r.client()) {
            assertThat(c.value("HGET", "acct", "balance")).isEqualTo("201");
            assertThat(c.value("FCALL", "deposit", "2", "acct", "log", "1")).isEqualTo(23L);
        }
    }

    private static void awaitRewrite(RespClient c) throws InterruptedException {
        for (int i = 0; i < 2000; i++) {
            if (String.valueOf(c.value("INFO", "persistence")).contains("aof_rewrite_in_progress:0")) return;
            Thread.sleep(10);
        }
        throw new AssertionError("the AOF rewrite did not finish in 20 seconds");
    }
}
