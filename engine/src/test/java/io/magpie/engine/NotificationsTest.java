package io.magpie.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.magpie.engine.config.Param;
import io.magpie.protocol.RespClient;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class NotificationsTest {
    private final EngineHarness h = new EngineHarness();

    private static List<Object> values(List<RespClient.Reply> replies) {
        return replies.stream().map(r -> r.value()).toList();
    }

    private Param param() {
        return h.engine.registry.find("notify-keyspace-events");
    }

    /** Pairs checked against redis-server 7.0.15's CONFIG SET / CONFIG GET. */
    @ParameterizedTest
    @CsvSource(value = {"KEA|AKE", "g$lshzxetdKE|AKE", "Kx|xK", "nmKEl|lnKEm", "A|A", "AmnKE|AKEm", "|", "Eg|gE", "d|d", "ez$|$ze"},
            delimiter = '|')
    void flagStringRoundTripsAsRedisPrintsIt(String set, String get) throws Exception {
        param().set(set == null ? "" : set);
        assertThat(param().get()).isEqualTo(get == null ? "" : get);
    }

    @Test
    void anUnknownClassIsRejectedWithRedisText() {
        assertThatThrownBy(() -> param().set("KEQ")).hasMessage("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.");
    }

    @Test
    void eventsArePublishedOnKeyspaceAndKeyeventChannels() throws Exception {
        param().set("KEA");
        Client sub = h.newClient();
        Client c = h.newClient();
        h.callAll(sub, "PSUBSCRIBE", "__key*__:*");
        h.call(c, "SET", "foo", "bar");
        assertThat(values(EngineHarness.drain(sub))).containsExactly(
                List.of("pmessage", "__key*__:*", "__keyspace@0__:foo", "set"),
                List.of("pmessage", "__key*__:*", "__keyevent@0__:set", "foo"));
    }

    @Test
    void aResp3SubscriberWritingItselfGetsItsEventsBeforeItsReply() throws Exception {
        param().set("KEA");
        Client c = h.newClient(3);
        h.callAll(c, "PSUBSCRIBE", "__keyevent@0__:*");
        assertThat(values(h.callAll(c, "SET", "k", "v"))).containsExactly(
                new RespClient.Push(List.of("pmessage", "__keyevent@0__:*", "__keyevent@0__:set", "k")),
                new RespClient.Status("OK"));
    }

    @Test
    void newAndMissAreOutsideA() throws Exception {
        param().set("AKEnm");
        Client sub = h.newClient();
        Client c = h.newClient();
        h.callAll(sub, "PSUBSCRIBE", "__keyevent*");
        h.call(c, "SET", "k", "v");
        h.call(c, "GET", "nope");
        assertThat(values(EngineHarness.drain(sub))).containsExactly(
                Arrays.asList("pmessage", "__keyevent*", "__keyevent@0__:new", "k"),
                Arrays.asList("pmessage", "__keyevent*", "__keyevent@0__:set", "k"),
                Arrays.asList("pmessage", "__keyevent*", "__keyevent@0__:keymiss", "nope"));
    }

    @Test
    void expiredEventOnLazyExpiry() throws Exception {
        param().set("Ex");
        Client sub = h.newClient();
        Client c = h.newClient();
        h.call(c, "SET", "k", "v", "PX", "10");
        h.callAll(sub, "SUBSCRIBE", "__keyevent@0__:expired");
        h.clock.millis += 20;
        h.call(c, "GET", "k");
        assertThat(values(EngineHarness.drain(sub))).containsExactly(List.of("message", "__keyevent@0__:expired", "k"));
    }
}
