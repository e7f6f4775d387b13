package io.magpie.engine.commands;

import static org.assertj.core.api.Assertions.assertThat;

import io.magpie.engine.Client;
import io.magpie.engine.Clock;
import io.magpie.engine.Engine;
import io.magpie.engine.config.Config;
import io.magpie.engine.types.HashValue;
import io.magpie.engine.types.ListValue;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Blocking list commands and what hash/list writes propagate, on the engine alone. */
class BlockingListCommandsTest {
    private long now = 1_000_000;
    private Engine engine;
    private final List<String> propagated = new ArrayList<>();

    @BeforeEach
    void setUp() {
        engine = new Engine(new Config(), new Clock() {
            @Override public long millis() {
                return now;
            }

            @Override public long nanos() {
                return now * 1_000_000;
            }
        }, 1);
        engine.writes.addListener((db, argv) -> {
            StringBuilder sb = new StringBuilder();
            for (byte[] a : argv) sb.append(sb.length() == 0 ? "" : " ").append(new String(a, StandardCharsets.UTF_8));
            propagated.add(sb.toString());
        });
    }

    private String run(Client c, String... args) {
        c.output().clear();
        byte[][] argv = new byte[args.length][];
        for (int i = 0; i < args.length; i++) argv[i] = args[i].getBytes(StandardCharsets.UTF_8);
        engine.execute(c, argv);
        return out(c);
    }

    private static String out(Client c) {
        String s = c.output().toString(StandardCharsets.ISO_8859_1);
        c.output().clear();
        return s;
    }

    @Test
    void blpopOnAnEmptyKeyBlocksAndIsServedByAPushPropagatedAsLpop() {
        Client waiter = Client.detached(engine), pusher = Client.detached(engine);
        assertThat(run(waiter, "BLPOP", "k", "0")).isEmpty();
        assertThat(waiter.blocked).isTrue();
        assertThat(engine.blocking.blockedClients()).isEqualTo(1);
        assertThat(run(pusher, "LPUSH", "k", "a", "b", "c")).isEqualTo(":3\r\n");
        assertThat(out(waiter)).isEqualTo("*2\r\n$1\r\nk\r\n$1\r\nc\r\n");
        assertThat(waiter.blocked).isFalse();
        assertThat(engine.blocking.blockedClients()).isZero();
        assertThat(propagated).containsExactly("LPUSH k a b c", "LPOP k");
    }

    @Test
    void blmoveServedLaterIsPropagatedAsLmoveWithItsArguments() {
        Client waiter = Client.detached(engine), pusher = Client.detached(engine);
        run(waiter, "BLMOVE", "src", "dst", "right", "LEFT", "0");
        run(pusher, "RPUSH", "src", "x", "y");
        assertThat(out(waiter)).isEqualTo("$1\r\ny\r\n");
        assertThat(propagated).containsExactly("RPUSH src x y", "LMOVE src dst right LEFT");
        run(pusher, "BRPOPLPUSH", "src", "dst", "0");
        assertThat(propagated).endsWith("RPOPLPUSH src dst");
    }

    @Test
    void blmpopPropagatesThePopWithTheCountActuallyPopped() {
        Client c = Client.detached(engine);
        run(c, "RPUSH", "k", "a", "b");
        assertThat(run(c, "BLMPOP", "0", "1", "k", "LEFT", "COUNT", "5")).isEqualTo("*2\r\n$1\r\nk\r\n*2\r\n$1\r\na\r\n$1\r\nb\r\n");
        assertThat(propagated).containsExactly("RPUSH k a b", "LPOP k 2");
        assertThat(engine.db(0).lookupNoTouch("k".getBytes())).isNull();
    }

    @Test
    void insideExecABlockingCommandDoesNotBlockAndRepliesAsOnTimeout() {
        Client c = Client.detached(engine);
        c.inExec = true;
        assertThat(run(c, "BLPOP", "k", "0")).isEqualTo("*-1\r\n");
        assertThat(run(c, "BLMOVE", "k", "d", "LEFT", "LEFT", "0")).isEqualTo("$-1\r\n");
        assertThat(c.blocked).isFalse();
    }

    @Test
    void timeoutsAndClientUnblock() {
        Client a = Client.detached(engine), b = Client.detached(engine), d = Client.detached(engine);
        run(a, "BLPOP", "k", "0.1");
        run(b, "BRPOPLPUSH", "k", "x", "0");
        run(d, "BLMPOP", "0", "1", "k", "LEFT");
        now += 99;
        engine.blocking.handleTimeouts(now);
        assertThat(a.blocked).isTrue();
        now += 2;
        engine.blocking.handleTimeouts(now);
        assertThat(out(a)).isEqualTo("*-1\r\n");
        assertThat(engine.blocking.unblockByRequest(b, false)).isTrue();
        assertThat(out(b)).isEqualTo("*-1\r\n");
        assertThat(engine.blocking.unblockByRequest(d, true)).isTrue();
        assertThat(out(d)).isEqualTo("-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n");
        assertThat(engine.blocking.blockedClients()).isZero();
    }

    @Test
    void aKeyOfAnotherTypeDoesNotServeAWaiter() {
        Client waiter = Client.detached(engine), other = Client.detached(engine);
        run(waiter, "BLPOP", "k", "0");
        run(other, "HSET", "k", "f", "v");
        assertThat(waiter.blocked).isTrue();
        assertThat(out(waiter)).isEmpty();
    }

    @Test
    void writesPropagateAsRedisDoes() {
        Client c = Client.detached(engine);
        run(c, "HINCRBYFLOAT", "h", "f", "1.5");
        run(c, "HINCRBYFLOAT", "h", "f", "0.25");
        run(c, "LTRIM", "nolist", "0", "1");
        run(c, "RPUSH", "l", "a");
        run(c, "LTRIM", "l", "0", "-1");
        run(c, "LPOP", "l");
        assertThat(propagated).containsExactly("HSET h f 1.5", "HSET h f 1.75", "RPUSH l a", "LPOP l");
    }

    @Test
    void encodingsFollowTheConfiguredThresholds() {
        Client c = Client.detached(engine);
        engine.config.hashMaxListpackEntries.value(2);
        run(c, "HSET", "h", "a", "1", "b", "2");
        assertThat(((HashValue) engine.db(0).lookupNoTouch("h".getBytes())).encoding()).isEqualTo("listpack");
        run(c, "HSET", "h", "c", "3");
        assertThat(((HashValue) engine.db(0).lookupNoTouch("h".getBytes())).encoding()).isEqualTo("hashtable");
        run(c, "RPUSH", "l", "a");
        assertThat(((ListValue) engine.db(0).lookupNoTouch("l".getBytes())).encoding()).isEqualTo("quicklist");
        assertThat(Arrays.asList(run(c, "HLEN", "h"))).containsExactly(":3\r\n");
    }
}
