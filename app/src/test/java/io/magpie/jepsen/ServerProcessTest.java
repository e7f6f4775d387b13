package io.magpie.jepsen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisConnectionException;

/** The process faults, on a redis-server: kill -9 and restart, SIGSTOP and SIGCONT. */
class ServerProcessTest {
    @TempDir Path dir;

    @Test
    void killedAndRestartedServerComesBackOnItsPortWithWhatItPersisted() {
        try (ServerProcess redis = ServerProcess.start(ServerProcess.Kind.REDIS, "r", dir, ServerProcess.freePort(), "--save", "",
                "--appendonly", "yes", "--appendfsync", "always")) {
            try (Jedis j = redis.client()) {
                j.set("k", "v");
            }
            redis.kill9();
            assertThat(redis.isAlive()).isFalse();
            assertThatThrownBy(() -> {
                try (Jedis j = redis.client()) {
                    j.ping();
                }
            }).isInstanceOf(JedisConnectionException.class);
            redis.restart();
            try (Jedis j = redis.client()) {
                assertThat(j.get("k")).isEqualTo("v");
            }
        }
    }

    @Test
    void aStoppedServerAnswersNothingUntilContinued() {
        try (ServerProcess redis = ServerProcess.start(ServerProcess.Kind.REDIS, "r", dir, ServerProcess.freePort(), "--save", "");
             Jedis j = new Jedis("127.0.0.1", redis.port(), 300)) {
            assertThat(j.ping()).isEqualTo("PONG");
            redis.pause();
            assertThatThrownBy(j::ping).isInstanceOf(JedisConnectionException.class);
            redis.resume();
            redis.awaitPing(30_000);
            assertThat(redis.isAlive()).isTrue();
        }
    }
}
