package io.magpie.engine.commands;

import static org.assertj.core.api.Assertions.assertThat;

import io.magpie.engine.Client;
import io.magpie.engine.EngineHarness;
import io.magpie.protocol.RespClient.Err;
import io.magpie.protocol.RespClient.Push;
import io.magpie.protocol.RespClient.Status;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class PubSubCommandsTest {
    private static final Status OK = new Status("OK");

    private final EngineHarness h = new EngineHarness();
    private final Client sub = h.newClient();
    private final Client pub = h.newClient();

    private static List<Object> l(Object... items) {
        return Arrays.asList(items);
    }

    @Test
    void subscribeConfirmsEachChannelWithTheRunningCount() {
        assertThat(h.values(sub, "SUBSCRIBE", "a", "b", "a")).containsExactly(
                l("subscribe", "a", 1L), l("subscribe", "b", 2L), l("subscribe", "a", 2L));
        assertThat(h.values(sub, "PSUBSCRIBE", "p*")).containsExactly(l("psubscribe", "p*", 3L));
        assertThat(h.values(sub, "SSUBSCRIBE", "s")).as("shard channels count apart").containsExactly(l("ssubscribe", "s", 1L));
    }

    @Test
    void unsubscribeWithoutArgumentsDropsAllOrRepliesNullWhenNone() {
        assertThat(h.values(sub, "UNSUBSCRIBE")).containsExactly(l("unsubscribe", null, 0L));
        assertThat(h.values(sub, "PUNSUBSCRIBE")).containsExactly(l("punsubscribe", null, 0L));
        assertThat(h.values(sub, "SUNSUBSCRIBE")).containsExactly(l("sunsubscribe", null, 0L));
        h.values(sub, "SUBSCRIBE", "a", "b");
        h.values(sub, "PSUBSCRIBE", "x*");
        assertThat(h.values(sub, "UNSUBSCRIBE")).containsExactly(l("unsubscribe", "a", 2L), l("unsubscribe", "b", 1L));
        assertThat(h.values(sub, "PUNSUBSCRIBE")).containsExactly(l("punsubscribe", "x*", 0L));
        assertThat(sub.isSubscribed()).isFalse();
    }

    @Test
    void publishReachesChannelAndPatternSubscribersAndCountsThem() {
        h.values(sub, "SUBSCRIBE", "news");
        h.values(sub, "PSUBSCRIBE", "n*", "x*");
        Client sub2 = h.newClient();
        h.values(sub2, "PSUBSCRIBE", "*s");
        assertThat(h.value(pub, "PUBLISH", "news", "hi")).isEqualTo(3L);
        assertThat(EngineHarness.drainValues(sub)).containsExactly(l("message", "news", "hi"), l("pmessage", "n*", "news", "hi"));
        assertThat(EngineHarness.drainValues(sub2)).containsExactly(l("pmessage", "*s", "news", "hi"));
        assertThat(h.value(pub, "PUBLISH", "nobody", "hi")).isEqualTo(1L);
        assertThat(h.value(pub, "PUBLISH", "zzz", "hi")).isEqualTo(0L);
    }

    @Test
    void spublishReachesOnlyShardSubscribers() {
        h.values(sub, "SSUBSCRIBE", "s");
        Client p = h.newClient();
        h.values(p, "PSUBSCRIBE", "*");
        assertThat(h.value(pub, "SPUBLISH", "s", "m")).isEqualTo(1L);
        assertThat(EngineHarness.drainValues(sub)).containsExactly(l("smessage", "s", "m"));
        assertThat(EngineHarness.drainValues(p)).isEmpty();
        assertThat(h.value(pub, "PUBLISH", "s", "m")).isEqualTo(1L); // only the pattern
    }

    @Test
    void resp2SubscribedClientMayOnlySendSubscriptionCommands() {
        h.values(sub, "SSUBSCRIBE", "s");
        assertThat(h.value(sub, "GET", "x")).isEqualTo(new Err(
                "ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context"));
        assertThat(h.value(sub, "PING")).isEqualTo(l("pong", ""));
        h.values(sub, "SUNSUBSCRIBE");
        assertThat(h.value(sub, "PING")).isEqualTo(new Status("PONG"));
    }

    @Test
    void resp3ConfirmationsAndMessagesArePushesAndOtherCommandsWork() {
        Client c3 = h.newClient(3);
        assertThat(h.values(c3, "SUBSCRIBE", "a")).containsExactly(new Push(l("subscribe", "a", 1L)));
        assertThat(h.value(c3, "GET", "x")).isNull();
        assertThat(h.values(c3, "PUBLISH", "a", "self")).containsExactly(new Push(l("message", "a", "self")), 1L);
        h.engine.execute(c3, "UNSUBSCRIBE".getBytes(), "zz".getBytes());
        h.engine.execute(c3, "PUNSUBSCRIBE".getBytes());
        assertThat(EngineHarness.drainText(c3)).isEqualTo(
                ">3\r\n$11\r\nunsubscribe\r\n$2\r\nzz\r\n:1\r\n>3\r\n$12\r\npunsubscribe\r\n_\r\n:1\r\n");
    }

    @Test
    @SuppressWarnings("unchecked")
    void pubsubIntrospection() {
        h.values(sub, "SUBSCRIBE", "a1", "a2", "b");
        h.values(sub, "PSUBSCRIBE", "p1", "p2");
        h.values(sub, "SSUBSCRIBE", "s1");
        Client sub2 = h.newClient();
        h.values(sub2, "SUBSCRIBE", "a1");
        h.values(sub2, "PSUBSCRIBE", "p1");
        assertThat((List<Object>) h.value(pub, "PUBSUB", "CHANNELS")).containsExactlyInAnyOrder("a1", "a2", "b");
        assertThat((List<Object>) h.value(pub, "PUBSUB", "CHANNELS", "a*")).containsExactlyInAnyOrder("a1", "a2");
        assertThat(h.value(pub, "PUBSUB", "NUMSUB", "a1", "b", "p1", "zz")).isEqualTo(l("a1", 2L, "b", 1L, "p1", 0L, "zz", 0L));
        assertThat(h.value(pub, "PUBSUB", "NUMSUB")).isEqualTo(l());
        assertThat(h.value(pub, "PUBSUB", "NUMPAT")).isEqualTo(2L);
        assertThat(h.value(pub, "PUBSUB", "SHARDCHANNELS")).isEqualTo(l("s1"));
        assertThat(h.value(pub, "PUBSUB", "SHARDNUMSUB", "s1", "a1")).isEqualTo(l("s1", 1L, "a1", 0L));
        assertThat(h.value(pub, "PUBSUB", "CHANNELS", "a", "b")).isEqualTo(new Err(
                "ERR unknown subcommand or wrong number of arguments for 'CHANNELS'. Try PUBSUB HELP."));
        h.engine.removeClient(sub);
        assertThat(h.value(pub, "PUBSUB", "NUMSUB", "a1", "a2")).isEqualTo(l("a1", 1L, "a2", 0L));
        assertThat(h.value(pub, "PUBSUB", "NUMPAT")).isEqualTo(1L);
    }

    @Test
    void subscribeInsideMultiIsQueuedAndConfirmedInTheExecArray() {
        h.value(sub, "MULTI");
        h.value(sub, "SUBSCRIBE", "x");
        assertThat(h.value(sub, "EXEC")).isEqualTo(l(l("subscribe", "x", 1L)));
        assertThat(h.value(sub, "MULTI")).isEqualTo(new Err(
                "ERR Can't execute 'multi': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context"));
        assertThat(h.value(sub, "EXEC")).isEqualTo(new Err(
                "EXECABORT Transaction discarded because of: Can't execute 'exec': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context"));
    }
}
