package io.magpie.jepsen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.magpie.jepsen.NetProxy.Direction;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisConnectionException;

/** The fault proxy between a Jedis client and a redis-server: each fault, then heal. */
class NetProxyTest {
    @TempDir static Path dir;
    static ServerProcess redis;
    static EventLoopGroup group;
    NetProxy proxy;

    @BeforeAll
    static void startServer() {
        redis = ServerProcess.start(ServerProcess.Kind.REDIS, "r", dir, ServerProcess.freePort(), "--save", "");
        group = new NioEventLoopGroup(1);
    }

    @AfterAll
    static void stopServer() {
        redis.close();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    @BeforeEach
    void open() {
        proxy = new NetProxy(group, redis.port());
        try (Jedis direct = redis.client()) {
            direct.flushAll();
        }
    }

    @AfterEach
    void close() {
        proxy.close();
    }

    private Jedis viaProxy(int timeoutMillis) {
        return new Jedis("127.0.0.1", proxy.port(), timeoutMillis);
    }

    private static String direct(String key) {
        try (Jedis j = redis.client()) {
            return j.get(key);
        }
    }

    @Test
    void aHealthyLinkCarriesCommandsAndRepliesBothWays() {
        try (Jedis j = viaProxy(5000)) {
            assertThat(j.set("k", "v".repeat(100_000))).isEqualTo("OK");
            assertThat(j.get("k")).hasSize(100_000);
        }
    }

    @Test
    void aDroppedLinkBreaksOpenConnectionsAndRefusesNewOnesUntilHealed() {
        try (Jedis j = viaProxy(5000)) {
            assertThat(j.ping()).isEqualTo("PONG");
            proxy.drop();
            assertThatThrownBy(j::ping).isInstanceOf(JedisConnectionException.class);
        }
        // Jedis says hello as it connects: the refusal shows in its constructor or its first command.
        assertThatThrownBy(() -> {
            try (Jedis j = viaProxy(5000)) {
                j.ping();
            }
        }).isInstanceOf(JedisConnectionException.class);
        proxy.heal();
        try (Jedis j = viaProxy(5000)) {
            assertThat(j.ping()).isEqualTo("PONG");
        }
    }

    @Test
    void aBlockedForwardDirectionHoldsTheCommandUntilHealedThenDeliversIt() throws Exception {
        try (Jedis j = viaProxy(30_000)) {
            assertThat(j.ping()).isEqualTo("PONG");
            proxy.block(Direction.FORWARD);
            CompletableFuture<String> set = CompletableFuture.supplyAsync(() -> j.set("k", "late"));
            Thread.sleep(300); // the command had every chance to arrive: it must not have
            assertThat(direct("k")).isNull();
            assertThat(set).isNotDone();
            proxy.heal();
            assertThat(set.get(30, TimeUnit.SECONDS)).isEqualTo("OK");
            assertThat(direct("k")).isEqualTo("late");
        }
    }

    @Test
    void aBlockedBackwardDirectionLetsTheCommandRunButHoldsItsReply() throws Exception {
        try (Jedis j = viaProxy(30_000)) {
            assertThat(j.ping()).isEqualTo("PONG");
            proxy.block(Direction.BACKWARD);
            CompletableFuture<String> set = CompletableFuture.supplyAsync(() -> j.set("k", "ran"));
            long deadline = System.currentTimeMillis() + 30_000;
            while (direct("k") == null && System.currentTimeMillis() < deadline) Thread.sleep(10);
            assertThat(direct("k")).isEqualTo("ran");
            assertThat(set).isNotDone();
            proxy.heal();
            assertThat(set.get(30, TimeUnit.SECONDS)).isEqualTo("OK");
        }
    }

    @Test
    void aBlockedLinkTimesOutAClientAndItsConnectionCanBeDroppedAfterwards() {
        try (Jedis j = viaProxy(300)) {
            assertThat(j.ping()).isEqualTo("PONG");
            proxy.block(Direction.FORWARD);
            assertThatThrownBy(j::ping).isInstanceOf(JedisConnectionException.class);
        }
        proxy.drop();
        proxy.heal();
        try (Jedis j = viaProxy(5000)) {
            assertThat(j.ping()).isEqualTo("PONG");
        }
    }

    @Test
    void aDelayedLinkDeliversNothingBeforeTheDelayAndKeepsTheOrder() {
        try (Jedis j = viaProxy(30_000)) {
            assertThat(j.ping()).isEqualTo("PONG");
            proxy.delay(200);
            long start = System.nanoTime();
            assertThat(j.ping()).isEqualTo("PONG");
            // Both ways are delayed: a round trip cannot take less than twice the delay.
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isGreaterThanOrEqualTo(400);
            redis.clients.jedis.Pipeline p = j.pipelined();
            for (int i = 0; i < 20; i++) p.rpush("order", String.valueOf(i));
            p.sync();
            assertThat(j.lrange("order", 0, -1)).containsExactly("0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12",
                    "13", "14", "15", "16", "17", "18", "19");
            proxy.heal();
        }
    }

    @Test
    void aOneWayPartitionInTheMeshHoldsOnlyOneNodesBytesToTheOther() throws Exception {
        // Two "nodes" a and b that are both this redis-server: a's link to b carries a's
        // commands; with a ↛ b they are held, while b's commands to a still run and are answered.
        try (Network net = new Network(new TreeMap<>(Map.of("a", redis.port(), "b", redis.port())))) {
            try (Jedis bToA = new Jedis("127.0.0.1", net.link("b", "a").port(), 30_000);
                 Jedis aToB = new Jedis("127.0.0.1", net.link("a", "b").port(), 30_000)) {
                net.oneWay("a", "b");
                CompletableFuture<String> fromA = CompletableFuture.supplyAsync(() -> aToB.set("a", "1"));
                // b → a: the command arrives (b's bytes flow) but its reply is a's bytes to b: held.
                CompletableFuture<String> fromB = CompletableFuture.supplyAsync(() -> bToA.set("b", "1"));
                long deadline = System.currentTimeMillis() + 30_000;
                while (direct("b") == null && System.currentTimeMillis() < deadline) Thread.sleep(10);
                assertThat(direct("b")).isEqualTo("1");
                Thread.sleep(300);
                assertThat(direct("a")).isNull();
                assertThat(fromA).isNotDone();
                assertThat(fromB).isNotDone();
                net.heal();
                assertThat(fromA.get(30, TimeUnit.SECONDS)).isEqualTo("OK");
                assertThat(fromB.get(30, TimeUnit.SECONDS)).isEqualTo("OK");
            }
            assertThat(net.membersFor("a")).isEqualTo("a=127.0.0.1:" + redis.port() + ",b=127.0.0.1:" + net.link("a", "b").port());
        }
    }
}
