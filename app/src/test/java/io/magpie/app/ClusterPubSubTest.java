package io.magpie.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.magpie.protocol.RespClient;
import java.nio.file.Files;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * PUBLISH in a cluster reaches the subscribers of every node, over the cluster bus, between a
 * Magpie node and a redis-server node in both directions; shard channels (SSUBSCRIBE,
 * SPUBLISH) belong to the slot's owner and are redirected elsewhere.
 */
class ClusterPubSubTest {
    @Test
    void publishCrossesTheBusBothWaysAndShardChannelsStayWithTheirSlot() throws Exception {
        try (ClusterRedirectionTest.Node magpie = new ClusterRedirectionTest.Node(Files.createTempDirectory("cluster-pubsub"));
                RealRedis redis = new RealRedis("--cluster-enabled", "yes", "--cluster-port", String.valueOf(RealRedis.freePort()),
                        "--cluster-node-timeout", "3000");
                RespClient m = new RespClient(magpie.port); RespClient r = redis.client();
                RespClient mSub = new RespClient(magpie.port); RespClient rSub = redis.client()) {
            m.call("CLUSTER", "ADDSLOTSRANGE", "0", "8191");
            r.call("CLUSTER", "ADDSLOTSRANGE", "8192", "16383");
            String redisBusPort = String.valueOf(r.value("CONFIG", "GET", "cluster-port")).replaceAll("[^0-9]", "");
            assertThat(m.value("CLUSTER", "MEET", "127.0.0.1", String.valueOf(redis.port()), redisBusPort).toString()).isEqualTo("OK");
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() ->
                    m.value("CLUSTER", "INFO").toString().contains("cluster_state:ok")
                    && r.value("CLUSTER", "INFO").toString().contains("cluster_state:ok"));

            rSub.call("SUBSCRIBE", "news");
            mSub.call("SUBSCRIBE", "news");
            rSub.setTimeout(30_000);
            mSub.setTimeout(30_000);
            // The receivers counted are the local ones; the bus carries the message to the others.
            assertThat(m.value("PUBLISH", "news", "from-magpie")).isEqualTo(1L);
            assertThat(rSub.read().value().toString()).isEqualTo("[message, news, from-magpie]");
            assertThat(mSub.read().value().toString()).isEqualTo("[message, news, from-magpie]");
            assertThat(r.value("PUBLISH", "news", "from-redis")).isEqualTo(1L);
            assertThat(mSub.read().value().toString()).isEqualTo("[message, news, from-redis]");
            assertThat(rSub.read().value().toString()).isEqualTo("[message, news, from-redis]");

            // "foo" hashes to slot 12182, served by the redis-server node.
            assertThat(m.value("SPUBLISH", "foo", "x").toString()).isEqualTo("(error) MOVED 12182 127.0.0.1:" + redis.port());
            assertThat(m.value("SSUBSCRIBE", "foo").toString()).isEqualTo("(error) MOVED 12182 127.0.0.1:" + redis.port());
            // "bar" (slot 5061) is the Magpie node's.
            try (RespClient shardSub = new RespClient(magpie.port)) {
                assertThat(shardSub.value("SSUBSCRIBE", "bar").toString()).isEqualTo("[ssubscribe, bar, 1]");
                assertThat(m.value("SPUBLISH", "bar", "y")).isEqualTo(1L);
                shardSub.setTimeout(30_000);
                assertThat(shardSub.read().value().toString()).isEqualTo("[smessage, bar, y]");
            }
            assertThat(r.value("SPUBLISH", "bar", "z").toString()).isEqualTo("(error) MOVED 5061 127.0.0.1:" + magpie.port);
        }
    }
}
