package io.magpie.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What the engine propagates: the one description of every write, as Redis 7.0 propagates it. */
class WriteStreamTest {
    private final TestEngine t = new TestEngine();
    private final Client c = t.client();
    private final List<String> log = new ArrayList<>();

    @BeforeEach
    void listen() {
        t.engine.writes.addListener((db, argv) -> {
            StringBuilder sb = new StringBuilder().append(db).append(':');
            for (byte[] a : argv) sb.append(' ').append(new String(a, StandardCharsets.UTF_8));
            log.add(sb.toString());
        });
    }

    @Test
    void aSingleWriteIsPropagatedAloneAndReadsNotAtAll() {
        t.call(c, "SET", "a", "1");
        t.call(c, "GET", "a");
        t.call(c, "INCR", "a");
        assertThat(log).containsExactly("0: SET a 1", "0: INCR a");
    }

    @Test
    void aFailedOrNoOpWriteIsNotPropagated() {
        t.call(c, "SET", "s", "x");
        log.clear();
        t.call(c, "INCR", "s");
        t.call(c, "SET", "s", "y", "NX");
        assertThat(log).isEmpty();
    }

    @Test
    void aTransactionWithSeveralWritesIsWrappedInMultiExec() {
        t.call(c, "MULTI");
        t.call(c, "SET", "a", "1");
        t.call(c, "GET", "a");
        t.call(c, "INCR", "a");
        assertThat(log).as("nothing before EXEC").isEmpty();
        t.call(c, "EXEC");
        assertThat(log).containsExactly("0: MULTI", "0: SET a 1", "0: INCR a", "0: EXEC");
    }

    @Test
    void aTransactionWithOneWriteIsPropagatedUnwrapped() {
        t.call(c, "MULTI");
        t.call(c, "GET", "a");
        t.call(c, "SET", "a", "1");
        t.call(c, "EXEC");
        assertThat(log).containsExactly("0: SET a 1");
    }

    @Test
    void aReadOnlyOrAbortedTransactionPropagatesNothing() {
        t.call(c, "MULTI");
        t.call(c, "GET", "a");
        t.call(c, "EXEC");
        t.call(c, "MULTI");
        t.call(c, "SET", "a", "1");
        t.call(c, "SET", "a");
        t.call(c, "EXEC");
        t.call(c, "MULTI");
        t.call(c, "SET", "a", "1");
        t.call(c, "DISCARD");
        assertThat(log).isEmpty();
    }

    @Test
    void transactionWritesKeepTheirDbs() {
        t.call(c, "MULTI");
        t.call(c, "SET", "a", "1");
        t.call(c, "SELECT", "2");
        t.call(c, "SET", "b", "2");
        t.call(c, "EXEC");
        assertThat(log).containsExactly("0: MULTI", "0: SET a 1", "2: SET b 2", "2: EXEC");
    }

    @Test
    void aLazilyExpiredKeyIsPropagatedAsDel() {
        t.call(c, "SET", "k", "v", "PX", "100");
        log.clear();
        t.clock.millis += 200;
        t.call(c, "GET", "k");
        assertThat(log).containsExactly("0: DEL k");
    }

    @Test
    void anExpiryFoundByAWriteJoinsItsUnit() {
        t.call(c, "SET", "k", "1", "PX", "100");
        log.clear();
        t.clock.millis += 200;
        t.call(c, "INCR", "k");
        assertThat(log).containsExactly("0: MULTI", "0: DEL k", "0: INCR k", "0: EXEC");
    }

    @Test
    void activeExpiryDeletesArePropagatedOneByOne() {
        t.call(c, "SET", "k1", "v", "PX", "100");
        t.call(c, "SET", "k2", "v", "PX", "100");
        log.clear();
        t.clock.millis += 200;
        for (int i = 0; i < 50 && t.engine.db(0).size() > 0; i++) t.engine.cron();
        assertThat(t.engine.db(0).size()).isZero();
        assertThat(log).containsExactlyInAnyOrder("0: DEL k1", "0: DEL k2");
    }
}
