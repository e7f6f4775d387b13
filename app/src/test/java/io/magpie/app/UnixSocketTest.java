package io.magpie.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** unixsocket and unixsocketperm: redis-cli -s and Lettuce on the socket, and CLIENT LIST's view of it, as redis-server's. */
class UnixSocketTest {
    @TempDir
    Path dir;

    private static String redisCli(String... args) throws Exception {
        Process p = new ProcessBuilder(List.of(args)).redirectErrorStream(true).start();
        p.getOutputStream().close();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("redis-cli did not end");
        }
        return new String(p.getInputStream().readAllBytes()).strip();
    }

    /** CLIENT INFO's fields that say how the client is connected. */
    private static String connectionFields(String clientInfo) {
        StringBuilder sb = new StringBuilder();
        for (String f : clientInfo.split(" ")) {
            if (f.startsWith("addr=") || f.startsWith("laddr=") || f.startsWith("flags=")) sb.append(f).append(' ');
        }
        return sb.toString().strip();
    }

    @Test
    void redis_cli_s_and_lettuce_talk_to_the_unix_socket_which_has_unixsocketperm_and_goes_at_shutdown() throws Exception {
        Path sock = dir.resolve("magpie.sock");
        TestServer s = new TestServer("--unixsocket", sock.toString(), "--unixsocketperm", "700");
        try {
            assertThat(s.port()).as("port 0 with a unix socket: no TCP listener, as Redis").isZero();
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(sock))).isEqualTo("rwx------");
            assertThat(redisCli("redis-cli", "-s", sock.toString(), "SET", "k", "via unix socket")).isEqualTo("OK");
            assertThat(redisCli("redis-cli", "-s", sock.toString(), "GET", "k")).isEqualTo("via unix socket");
            assertThat(connectionFields(redisCli("redis-cli", "-s", sock.toString(), "CLIENT", "INFO")))
                    .isEqualTo("addr=" + sock + ":0 laddr=" + sock + ":0 flags=U");
            assertThat(redisCli("redis-cli", "-s", sock.toString(), "CONFIG", "SET", "unixsocket", "/tmp/x")).isEqualTo(
                    "ERR CONFIG SET failed (possibly related to argument 'unixsocket') - can't set immutable config");
            RedisClient client = RedisClient.create(RedisURI.Builder.socket(sock.toString()).build());
            try (StatefulRedisConnection<String, String> c = client.connect()) {
                assertThat(c.sync().get("k")).isEqualTo("via unix socket");
                assertThat(c.sync().incr("n")).isEqualTo(1L);
            } finally {
                client.shutdown();
            }
        } finally {
            s.close();
        }
        assertThat(sock).doesNotExist();
    }

    @Test
    void a_relative_unixsocket_path_is_inside_dir_as_after_redis_chdir() throws Exception {
        try (TestServer s = new TestServer("--unixsocket", "relative.sock")) {
            Path sock = s.server().config().dir.path().resolve("relative.sock");
            assertThat(redisCli("redis-cli", "-s", sock.toString(), "PING")).isEqualTo("PONG");
        }
    }

    @Test
    void client_info_on_the_unix_socket_reads_as_redis_servers() throws Exception {
        Path sock = dir.resolve("redis.sock");
        try (RealRedis r = new RealRedis("--unixsocket", sock.toString())) {
            assertThat(connectionFields(redisCli("redis-cli", "-s", sock.toString(), "CLIENT", "INFO")))
                    .isEqualTo("addr=" + sock + ":0 laddr=" + sock + ":0 flags=U");
        }
    }
}
