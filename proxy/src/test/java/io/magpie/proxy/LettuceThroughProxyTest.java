package io.magpie.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.KeyValue;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.sync.RedisCommands;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Lettuce (RESP3 by HELLO, asynchronous pipelining) through magpie-proxy over three servers. */
class LettuceThroughProxyTest {
    @Test
    void lettuceSpeaksResp3AndPipelinesAsynchronouslyThroughTheProxy() throws Exception {
        try (RedisNodes nodes = new RedisNodes(3)) {
            ProxyServer proxy = Proxies.start("--servers", nodes.serverList());
            RedisClient client = RedisClient.create("redis://127.0.0.1:" + proxy.port());
            try (StatefulRedisConnection<String, String> conn = client.connect()) {
                RedisCommands<String, String> sync = conn.sync();
                assertThat(sync.set("a", "1")).isEqualTo("OK");
                assertThat(sync.hset("h", "f", "v")).isTrue();
                assertThat(sync.hgetall("h")).containsEntry("f", "v");
                RedisAsyncCommands<String, String> async = conn.async();
                List<RedisFuture<Long>> incrs = new ArrayList<>();
                for (int i = 0; i < 2000; i++) incrs.add(async.incr("n" + (i % 13)));
                long[] expected = new long[13];
                for (int i = 0; i < 2000; i++) assertThat(incrs.get(i).get(20, TimeUnit.SECONDS)).isEqualTo(++expected[i % 13]);
                List<KeyValue<String, String>> values = sync.mget("a", "nope", "n0");
                assertThat(values.get(0).getValue()).isEqualTo("1");
                assertThat(values.get(1).hasValue()).isFalse();
                assertThat(values.get(2).getValue()).isEqualTo(String.valueOf(expected[0]));
            } finally {
                client.shutdown();
                proxy.close();
            }
        }
    }
}
