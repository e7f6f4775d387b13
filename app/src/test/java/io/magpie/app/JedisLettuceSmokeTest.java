package io.magpie.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.exceptions.JedisDataException;

/** The two Java clients people use, against Magpie: connect, basic commands, pipelining, AUTH, names. */
class JedisLettuceSmokeTest {

    @Test
    void jedisConnectsRunsCommandsAndPipelines() {
        try (TestServer server = new TestServer(); Jedis jedis = new Jedis("127.0.0.1", server.port())) {
            assertThat(jedis.ping()).isEqualTo("PONG");
            assertThat(jedis.set("j:k", "v")).isEqualTo("OK");
            assertThat(jedis.get("j:k")).isEqualTo("v");
            assertThat(jedis.incr("j:n")).isEqualTo(1L);
            assertThat(jedis.incrBy("j:n", 41)).isEqualTo(42L);
            assertThat(jedis.mset("j:a", "1", "j:b", "2")).isEqualTo("OK");
            assertThat(jedis.mget("j:a", "j:b", "j:none")).containsExactly("1", "2", null);
            assertThat(jedis.clientSetname("jedis-smoke")).isEqualTo("OK");
            assertThat(jedis.clientGetname()).isEqualTo("jedis-smoke");
            assertThat(jedis.clientList()).contains("name=jedis-smoke");
            assertThat(jedis.info("server")).contains("redis_version:7.0.15");
            assertThat(jedis.configGet("maxmemory")).containsEntry("maxmemory", "0");

            Pipeline p = jedis.pipelined();
            List<Response<Long>> incrs = new ArrayList<>();
            for (int i = 0; i < 1000; i++) incrs.add(p.incr("j:pipe"));
            Response<String> last = p.get("j:pipe");
            p.sync();
            for (int i = 0; i < 1000; i++) assertThat(incrs.get(i).get()).isEqualTo(i + 1L);
            assertThat(last.get()).isEqualTo("1000");
        }
    }

    @Test
    void jedisAuthenticatesWithRequirepass() {
        try (TestServer server = new TestServer("--requirepass", "s3cret"); Jedis jedis = new Jedis("127.0.0.1", server.port())) {
            assertThatThrownBy(() -> jedis.get("k")).isInstanceOf(JedisDataException.class).hasMessage("NOAUTH Authentication required.");
            assertThatThrownBy(() -> jedis.auth("wrong")).isInstanceOf(JedisDataException.class)
                    .hasMessageStartingWith("WRONGPASS");
            assertThat(jedis.auth("s3cret")).isEqualTo("OK");
            assertThat(jedis.set("k", "v")).isEqualTo("OK");
        }
    }

    @Test
    void lettuceConnectsWithHello3RunsCommandsAndPipelines() throws Exception {
        try (TestServer server = new TestServer()) {
            RedisClient client = RedisClient.create(RedisURI.builder().withHost("127.0.0.1").withPort(server.port())
                    .withTimeout(Duration.ofSeconds(30)).build());
            try (StatefulRedisConnection<String, String> conn = client.connect()) {
                RedisCommands<String, String> sync = conn.sync();
                assertThat(sync.ping()).isEqualTo("PONG");
                assertThat(sync.set("l:k", "v")).isEqualTo("OK");
                assertThat(sync.get("l:k")).isEqualTo("v");
                assertThat(sync.incr("l:n")).isEqualTo(1L);
                assertThat(sync.mset(Map.of("l:a", "1", "l:b", "2"))).isEqualTo("OK");
                assertThat(sync.clientSetname("lettuce-smoke")).isEqualTo("OK");
                assertThat(sync.clientGetname()).isEqualTo("lettuce-smoke");
                // Lettuce negotiated RESP3 with HELLO 3.
                assertThat(sync.clientInfo()).contains("resp=3").contains("name=lettuce-smoke");

                RedisAsyncCommands<String, String> async = conn.async();
                conn.setAutoFlushCommands(false);
                List<RedisFuture<Long>> futures = new ArrayList<>();
                for (int i = 0; i < 1000; i++) futures.add(async.incr("l:pipe"));
                conn.flushCommands();
                for (int i = 0; i < 1000; i++) assertThat(futures.get(i).get(30, TimeUnit.SECONDS)).isEqualTo(i + 1L);
                conn.setAutoFlushCommands(true);
            } finally {
                client.shutdown();
            }
        }
    }

    @Test
    void lettuceAuthenticatesThroughHelloWithPassword() {
        try (TestServer server = new TestServer("--requirepass", "s3cret")) {
            RedisClient client = RedisClient.create(RedisURI.builder().withHost("127.0.0.1").withPort(server.port())
                    .withPassword("s3cret".toCharArray()).withTimeout(Duration.ofSeconds(30)).build());
            try (StatefulRedisConnection<String, String> conn = client.connect()) {
                assertThat(conn.sync().set("k", "v")).isEqualTo("OK");
                assertThat(conn.sync().get("k")).isEqualTo("v");
            } finally {
                client.shutdown();
            }
        }
    }
}
