package io.magpie.engine.commands;

import static org.assertj.core.api.Assertions.assertThat;

import io.magpie.engine.Client;
import io.magpie.engine.TestEngine;
import io.magpie.engine.TestEngine.Err;
import io.magpie.engine.TestEngine.Push;
import io.magpie.engine.TestEngine.Status;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class PubSubCommandsTest {
    private final TestEngine t = new TestEngine();
    private final Client sub = t.client();
    private final Client pub = t.client();

    private static List<Object> l(Object... items) {
        return Arrays.asList(items);
    }

    @Test
    void subscribeConfirmsEachChannelWithTheRunningCount() {
        assertThat(t.run(sub, "SUBSCRIBE", "a", "b", "a")).containsExactly(
                l("subscribe", "a", 1L), l("subscribe", "b", 2L), l("subscribe", "a", 2L));
        assertThat(t.run(sub, "PSUBSCRIBE", "p*")).containsExactly(l("psubscribe", "p*", 3L));
        assertThat(t.run(sub, "SSUBSCRIBE", "s")).as("shard channels count apart").containsExactly(l("ssubscribe", "s", 1L));
    }

    @Test
    void unsubscribeWithoutArgumentsDropsAllOrRepliesNullWhenNone() {
        assertThat(t.run(sub, "UNSUBSCRIBE")).containsExactly(l("unsubscribe", null, 0L));
        assertThat(t.run(sub, "PUNSUBSCRIBE")).containsExactly(l("punsubscribe", null, 0L));
        assertThat(t.run(sub, "SUNSUBSCRIBE")).containsExactly(l("sunsubscribe", null, 0L));
        t.run(sub, "SUBSCRIBE", "a", "b");
        t.run(sub, "PSUBSCRIBE", "x*");
        assertThat(t.run(sub, "UNSUBSCRIBE")).containsExactly(l("unsubscribe", "a", 2L), l("unsubscribe", "b", 1L));
        assertThat(t.run(sub, "PUNSUBSCRIBE")).containsExactly(l("punsubscribe", "x*", 0L));
        assertThat(sub.isSubscribed()).isFalse();
    }

    @Test
    void publishReachesChannelAndPatternSubscribersAndCountsThem() {
        t.run(sub, "SUBSCRIBE", "news");
        t.run(sub, "PSUBSCRIBE", "n*", "x*");
        Client sub2 = t.client();
        t.run(sub2, "PSUBSCRIBE", "*s");
        assertThat(t.call(pub, "PUBLISH", "news", "hi")).isEqualTo(3L);
        assertThat(TestEngine.drain(sub)).containsExactly(l("message", "news", "hi"), l("pmessage", "n*", "news", "hi"));
        assertThat(TestEngine.drain(sub2)).containsExactly(l("pmessage", "*s", "news", "hi"));
        assertThat(t.call(pub, "PUBLISH", "nobody", "hi")).isEqualTo(1L);
        assertThat(t.call(pub, "PUBLISH", "zzz", "hi")).isEqualTo(0L);
    }

    @Test
    void spublishReachesOnlyShardSubscribers() {
        t.run(sub, "SSUBSCRIBE", "s");
        Client p = t.client();
        t.run(p, "PSUBSCRIBE", "*");
        assertThat(t.call(pub, "SPUBLISH", "s", "m")).isEqualTo(1L);
        assertThat(TestEngine.drain(sub)).containsExactly(l("smessage", "s", "m"));
        assertThat(TestEngine.drain(p)).isEmpty();
        assertThat(t.call(pub, "PUBLISH", "s", "m")).isEqualTo(1L); // only the pattern
    }

    @Test
    void resp2SubscribedClientMayOnlySendSubscriptionCommands() {
        t.run(sub, "SSUBSCRIBE", "s");
        assertThat(t.call(sub, "GET", "x")).isEqualTo(new Err(
                "ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context"));
        assertThat(t.call(sub, "PING")).isEqualTo(l("pong", ""));
        t.run(sub, "SUNSUBSCRIBE");
        assertThat(t.call(sub, "PING")).isEqualTo(new Status("PONG"));
    }

    @Test
    void resp3ConfirmationsAndMessagesArePushesAndOtherCommandsWork() {
        Client c3 = t.client(3);
        assertThat(t.run(c3, "SUBSCRIBE", "a")).containsExactly(new Push(l("subscribe", "a", 1L)));
        assertThat(t.call(c3, "GET", "x")).isNull();
        assertThat(t.run(c3, "PUBLISH", "a", "self")).containsExactly(new Push(l("message", "a", "self")), 1L);
        t.engine.execute(c3, "UNSUBSCRIBE".getBytes(), "zz".getBytes());
        t.engine.execute(c3, "PUNSUBSCRIBE".getBytes());
        assertThat(TestEngine.drainRaw(c3)).isEqualTo(
                ">3\r\n$11\r\nunsubscribe\r\n$2\r\nzz\r\n:1\r\n>3\r\n$12\r\npunsubscribe\r\n_\r\n:1\r\n");
    }

    @Test
    @SuppressWarnings("unchecked")
    void pubsubIntrospection() {
        t.run(sub, "SUBSCRIBE", "a1", "a2", "b");
        t.run(sub, "PSUBSCRIBE", "p1", "p2");
        t.run(sub, "SSUBSCRIBE", "s1");
        Client sub2 = t.client();
        t.run(sub2, "SUBSCRIBE", "a1");
        t.run(sub2, "PSUBSCRIBE", "p1");
        assertThat((List<Object>) t.call(pub, "PUBSUB", "CHANNELS")).containsExactlyInAnyOrder("a1", "a2", "b");
        assertThat((List<Object>) t.call(pub, "PUBSUB", "CHANNELS", "a*")).containsExactlyInAnyOrder("a1", "a2");
        assertThat(t.call(pub, "PUBSUB", "NUMSUB", "a1", "b", "p1", "zz")).isEqualTo(l("a1", 2L, "b", 1L, "p1", 0L, "zz", 0L));
        assertThat(t.call(pub, "PUBSUB", "NUMSUB")).isEqualTo(l());
        assertThat(t.call(pub, "PUBSUB", "NUMPAT")).isEqualTo(2L);
        assertThat(t.call(pub, "PUBSUB", "SHARDCHANNELS")).isEqualTo(l("s1"));
        assertThat(t.call(pub, "PUBSUB", "SHARDNUMSUB", "s1", "a1")).isEqualTo(l("s1", 1L, "a1", 0L));
        assertThat(t.call(pub, "PUBSUB", "CHANNELS", "a", "b")).isEqualTo(new Err(
                "ERR unknown subcommand or wrong number of arguments for 'CHANNELS'. Try PUBSUB HELP."));
        t.engine.removeClient(sub);
        assertThat(t.call(pub, "PUBSUB", "NUMSUB", "a1", "a2")).isEqualTo(l("a1", 1L, "a2", 0L));
        assertThat(t.call(pub, "PUBSUB", "NUMPAT")).isEqualTo(1L);
    }

    @Test
    void subscribeInsideMultiIsQueuedAndConfirmedInTheExecArray() {
        t.call(sub, "MULTI");
        t.call(sub, "SUBSCRIBE", "x");
        assertThat(t.call(sub, "EXEC")).isEqualTo(l(l("subscribe", "x", 1L)));
        assertThat(t.call(sub, "MULTI")).isEqualTo(new Err(
                "ERR Can't execute 'multi': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context"));
        assertThat(t.call(sub, "EXEC")).isEqualTo(new Err(
                "EXECABORT Transaction discarded because of: Can't execute 'exec': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context"));
    }
}
