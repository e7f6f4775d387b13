package io.magpie.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.magpie.commands.HashSlot;
import io.magpie.engine.dispatch.TopologyGuard;
import io.magpie.protocol.RespClient;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisMovedDataException;

/**
 * The topology port end to end: a test-only {@link TopologyGuard} that sends one hash slot
 * to another node. Plain clients (not cluster-aware, so they do not follow the redirect) get
 * exactly Redis Cluster's "-MOVED slot host:port" for any command on a key of that slot,
 * multi-key commands included, and every other key is served.
 */
class TopologyPortTest {
    /** CLUSTER KEYSLOT {user1}.a on redis-server. */
    private static final int MOVED_SLOT = 8106;
    private static final String ELSEWHERE = "127.0.0.1:7001";

    private TestServer server;

    @BeforeEach
    void start() throws Exception {
        server = new TestServer();
        TopologyGuard movesOneSlot = (c, cmd, keys) -> {
            for (int i = 0; i < keys.count(); i++) {
                int slot = TopologyGuard.slot(c, keys, i);
                if (slot == MOVED_SLOT) return "MOVED " + slot + " " + ELSEWHERE;
            }
            return null;
        };
        server.server().onMainThread(() -> {
            server.server().engine().pipeline().setTopologyGuard(movesOneSlot);
            return null;
        });
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void aPlainClientGetsTheExactMovedError() {
        assertThat(HashSlot.keyHashSlot("{user1}.a".getBytes())).isEqualTo(MOVED_SLOT);
        try (RespClient c = server.client()) {
            assertThat(c.call("SET", "{user1}.a", "v").text()).isEqualTo("-MOVED 8106 127.0.0.1:7001\r\n");
            assertThat(c.call("MGET", "other", "{user1}.b").text()).isEqualTo("-MOVED 8106 127.0.0.1:7001\r\n");
            assertThat(c.call("SET", "other", "v").text()).isEqualTo("+OK\r\n");
            assertThat(c.call("PING").text()).isEqualTo("+PONG\r\n");
        }
    }

    @Test
    void jedisSeesMovedWithSlotAndNode() {
        try (Jedis jedis = new Jedis("127.0.0.1", server.port())) {
            assertThatThrownBy(() -> jedis.get("{user1}.a"))
                    .isInstanceOfSatisfying(JedisMovedDataException.class, e -> {
                        assertThat(e.getMessage()).isEqualTo("MOVED 8106 127.0.0.1:7001");
                        assertThat(e.getSlot()).isEqualTo(MOVED_SLOT);
                        assertThat(e.getTargetNode().getPort()).isEqualTo(7001);
                    });
            assertThat(jedis.set("other", "v")).isEqualTo("OK");
        }
    }

    @Test
    void lettuceSeesMoved() {
        RedisClient client = RedisClient.create(RedisURI.create("127.0.0.1", server.port()));
        client.setDefaultTimeout(Duration.ofSeconds(30));
        try (StatefulRedisConnection<String, String> conn = client.connect()) {
            assertThatThrownBy(() -> conn.sync().set("{user1}.a", "v"))
                    .isInstanceOf(RedisCommandExecutionException.class)
                    .hasMessage("MOVED 8106 127.0.0.1:7001");
            assertThat(conn.sync().get("other")).isNull();
        } finally {
            client.shutdown();
        }
    }
}
