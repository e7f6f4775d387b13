package io.magpie.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.protocol.ProtocolVersion;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.magpie.protocol.RespClient;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPubSub;

/**
 * Pub/sub across connections: the exact bytes a subscriber receives compared with
 * redis-server (RESP2 and RESP3), and real clients: Lettuce over RESP3 (push messages,
 * commands while subscribed) and Jedis over RESP2.
 */
class PubSubTest extends AgainstRealRedis {
    /** Runs the same subscriber/publisher exchange on both servers and compares every byte received. */
    private static void sameOnBoth(int resp, String[][] subscriberCommands, String[][] publisherCommands, int expectedMessages) {
        String[] got = new String[2];
        int i = 0;
        for (int port : new int[] {redis.port(), magpie.port()}) {
            StringBuilder transcript = new StringBuilder();
            try (RespClient sub = new RespClient(port); RespClient pub = new RespClient(port)) {
                sub.call("HELLO", Integer.toString(resp));
                for (String[] cmd : subscriberCommands) {
                    sub.send(cmd);
                    int replies = cmd[0].toUpperCase().contains("SUBSCRIBE") ? Math.max(1, cmd.length - 1) : 1;
                    for (int r = 0; r < replies; r++) transcript.append("S< ").append(sub.read().text());
                }
                for (String[] cmd : publisherCommands) transcript.append("P< ").append(pub.call(cmd).text());
                for (int m = 0; m < expectedMessages; m++) transcript.append("S< ").append(sub.read().text());
                sub.send("PING");
                transcript.append("S< ").append(sub.read().text());
            }
            got[i++] = transcript.toString();
        }
        assertThat(Differential.escape(got[1])).isEqualTo(Differential.escape(got[0]));
    }

    private static String[] cmd(String... a) {
        return a;
    }

    @Test
    void messagesOnChannelsPatternsAndShardChannelsMatchRedisInBothProtocols() {
        for (int resp : new int[] {2, 3}) {
            sameOnBoth(resp,
                    // Redis delivers to matching patterns in its dict's (seeded) order: let one pattern match each message.
                    new String[][] {cmd("SUBSCRIBE", "news"), cmd("PSUBSCRIBE", "n*", "*z"), cmd("SSUBSCRIBE", "shard")},
                    new String[][] {cmd("PUBLISH", "news", "hello"), cmd("PUBLISH", "nope", "x"), cmd("PUBLISH", "fizz", "y"),
                        cmd("SPUBLISH", "shard", "s1"), cmd("PUBLISH", "other", "unheard"), cmd("PUBSUB", "NUMSUB", "news", "n*"),
                        cmd("PUBSUB", "NUMPAT"), cmd("PUBSUB", "SHARDNUMSUB", "shard")},
                    5);
        }
    }

    @Test
    void binaryChannelsAndMessagesAndUnsubscribeCountsMatchRedis() {
        for (int resp : new int[] {2, 3}) {
            sameOnBoth(resp,
                    new String[][] {cmd("SUBSCRIBE", "ch\u00ff\u0000"), cmd("PSUBSCRIBE", "ch?*"), cmd("UNSUBSCRIBE", "ch\u00ff\u0000"),
                        cmd("SUBSCRIBE", "ch\u00ff\u0000"), cmd("PUNSUBSCRIBE", "ch?*", "never")},
                    new String[][] {cmd("PUBLISH", "ch\u00ff\u0000", "m\r\nm"), cmd("PUBSUB", "CHANNELS", "ch*")},
                    1);
        }
    }

    @Test
    void lettuceResp3ReceivesPushMessagesAndRunsCommandsWhileSubscribed() throws Exception {
        RedisClient client = RedisClient.create(RedisURI.create("127.0.0.1", magpie.port()));
        client.setOptions(ClientOptions.builder().protocolVersion(ProtocolVersion.RESP3).build());
        try (StatefulRedisPubSubConnection<String, String> sub = client.connectPubSub();
             var pub = client.connect()) {
            BlockingQueue<String> received = new LinkedBlockingQueue<>();
            sub.addListener(new RedisPubSubAdapter<>() {
                @Override public void message(String channel, String message) {
                    received.add(channel + "=" + message);
                }

                @Override public void message(String pattern, String channel, String message) {
                    received.add(pattern + ":" + channel + "=" + message);
                }
            });
            sub.sync().subscribe("lettuce");
            sub.sync().psubscribe("lett*");
            // RESP3 lets a subscribed connection run ordinary commands
            assertThat(sub.sync().ping()).isEqualTo("PONG");
            sub.sync().set("lettuce:key", "v");
            assertThat(sub.sync().get("lettuce:key")).isEqualTo("v");
            assertThat(pub.sync().publish("lettuce", "hi")).isEqualTo(2L);
            assertThat(received.poll(10, TimeUnit.SECONDS)).isEqualTo("lettuce=hi");
            assertThat(received.poll(10, TimeUnit.SECONDS)).isEqualTo("lett*:lettuce=hi");
            assertThat(pub.sync().pubsubNumsub("lettuce")).containsEntry("lettuce", 1L);
            sub.sync().unsubscribe("lettuce");
            sub.sync().punsubscribe("lett*");
            assertThat(pub.sync().publish("lettuce", "again")).isZero();
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }

    @Test
    void lettuceResp3ReceivesKeyspaceNotificationsAsPushMessages() throws Exception {
        configureMagpie("notify-keyspace-events", "KEA");
        RedisClient client = RedisClient.create(RedisURI.create("127.0.0.1", magpie.port()));
        client.setOptions(ClientOptions.builder().protocolVersion(ProtocolVersion.RESP3).build());
        try (StatefulRedisPubSubConnection<String, String> sub = client.connectPubSub();
             var writer = client.connect()) {
            BlockingQueue<String> received = new LinkedBlockingQueue<>();
            sub.addListener(new RedisPubSubAdapter<>() {
                @Override public void message(String pattern, String channel, String message) {
                    received.add(channel + " " + message);
                }
            });
            sub.sync().psubscribe("__keyevent@0__:*");
            writer.sync().set("lettuce:ks", "1");
            writer.sync().incr("lettuce:ks");
            writer.sync().del("lettuce:ks");
            List<String> events = new java.util.ArrayList<>();
            for (int i = 0; i < 3; i++) events.add(received.poll(10, TimeUnit.SECONDS));
            assertThat(events).containsExactly("__keyevent@0__:set lettuce:ks", "__keyevent@0__:incrby lettuce:ks",
                    "__keyevent@0__:del lettuce:ks");
            writer.sync().ping(); // anything more would have been pushed before this reply's turn
            assertThat(received.poll(200, TimeUnit.MILLISECONDS)).isNull();
        } finally {
            configureMagpie("notify-keyspace-events", "");
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }

    @Test
    void jedisResp2SubscriberReceivesUntilItUnsubscribes() throws Exception {
        BlockingQueue<String> received = new LinkedBlockingQueue<>();
        CountDownLatch subscribed = new CountDownLatch(1);
        JedisPubSub listener = new JedisPubSub() {
            @Override public void onSubscribe(String channel, int count) {
                subscribed.countDown();
            }

            @Override public void onMessage(String channel, String message) {
                received.add(channel + "=" + message);
                if (message.equals("bye")) unsubscribe();
            }
        };
        Thread t = new Thread(() -> {
            try (Jedis j = new Jedis("127.0.0.1", magpie.port())) {
                j.subscribe(listener, "jedis");
            }
        });
        t.start();
        try (Jedis pub = new Jedis("127.0.0.1", magpie.port())) {
            assertThat(subscribed.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(pub.publish("jedis", "one")).isEqualTo(1L);
            assertThat(pub.publish("jedis", "bye")).isEqualTo(1L);
            t.join(10_000);
            assertThat(t.isAlive()).isFalse();
            assertThat(List.copyOf(received)).containsExactly("jedis=one", "jedis=bye");
            assertThat(pub.publish("jedis", "nobody")).isZero();
        }
    }
}
