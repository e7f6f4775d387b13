package io.magpie.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.magpie.protocol.RespClient;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A pattern built to backtrack ("a*a*a*...b" against a long run of a's) must not hang the
 * node, wherever patterns are matched: KEYS, SCAN MATCH, PSUBSCRIBE, CONFIG GET.
 * Before the fix one such KEYS ran for ever; each of these answers in milliseconds.
 */
class GlobAttackTest {
    private static final String EVIL = "a*".repeat(40) + "b";
    private static final String LONG = "a".repeat(20_000);

    @Test
    void evilPatternsAnswerAtOnceAndMatchNothing() {
        try (TestServer magpie = new TestServer(); RespClient c = magpie.client(); RespClient sub = magpie.client()) {
            c.setTimeout(30_000);
            sub.setTimeout(30_000);
            c.call("SET", LONG, "v");
            c.call("SADD", "set", LONG);
            assertThat((List<?>) c.value("KEYS", EVIL)).isEmpty();
            assertThat(c.value("SCAN", "0", "MATCH", EVIL, "COUNT", "1000").toString()).isEqualTo("[0, []]");
            assertThat(c.value("SSCAN", "set", "0", "MATCH", EVIL).toString()).isEqualTo("[0, []]");
            assertThat((List<?>) c.value("CONFIG", "GET", EVIL)).isEmpty();
            sub.call("PSUBSCRIBE", EVIL);
            assertThat(c.value("PUBLISH", LONG, "m")).isEqualTo(0L);
            assertThat((List<?>) c.value("PUBSUB", "CHANNELS", EVIL)).isEmpty();
            assertThat(c.value("PING").toString()).isEqualTo("PONG");
        }
    }
}
