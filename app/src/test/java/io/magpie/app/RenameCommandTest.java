package io.magpie.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.magpie.protocol.RespClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * rename-command, as redis.conf uses it to hide or rename dangerous commands: the same
 * configuration on redis-server and Magpie gives the same replies, and the same refusals.
 */
class RenameCommandTest {
    @TempDir
    Path dir;

    private static final String[] ARGS = {"--rename-command", "FLUSHALL", "", "--rename-command", "CONFIG", "MYCONFIG"};

    @Test
    void aRenamedCommandAnswersUnderItsNewNameOnlyAndAnEmptyNameHidesIt() {
        try (RealRedis redis = new RealRedis(ARGS); TestServer magpie = new TestServer(ARGS);
             RespClient r = redis.client(); RespClient m = magpie.client()) {
            Differential d = new Differential(r, m);
            d.same("SET", "k", "v");
            d.same("FLUSHALL");
            d.same("flushall", "async");
            d.same("DBSIZE");
            d.same("CONFIG", "GET", "maxmemory");
            d.same("MYCONFIG", "GET", "maxmemory");
            d.same("myconfig", "SET", "maxmemory-samples", "7");
            d.same("MYCONFIG", "GET", "maxmemory-samples");
            d.same("COMMAND", "INFO", "flushall", "config");
            d.same("MULTI");
            d.same("FLUSHALL");
            d.same("EXEC");
        }
    }

    @Test
    void renamingAnUnknownCommandOrOntoATakenNameStopsTheStartAsRedisDoes() throws Exception {
        for (String[] lines : new String[][] {{"rename-command NOSUCH whatever"}, {"rename-command GET SET"}}) {
            Path conf = dir.resolve("rename.conf");
            Files.writeString(conf, lines[0] + "\n");
            String redisReport = redisStartError(conf);
            String reason = redisReport.strip().substring(redisReport.strip().lastIndexOf('\n') + 1);
            assertThat(reason).isIn("No such command in rename-command", "Target command name already exists");
            assertThatThrownBy(() -> new TestServer("--include", conf.toString()))
                    .rootCause().hasMessageEndingWith(reason).hasMessageContaining(">>> '" + lines[0] + "'");
        }
    }

    private static String redisStartError(Path conf) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("redis-server", conf.toString(), "--port", "0").redirectErrorStream(true).start();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isEqualTo(1);
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }
}
