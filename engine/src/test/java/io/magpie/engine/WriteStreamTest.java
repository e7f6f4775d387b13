package io.magpie.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** What the engine propagates: the one description of every write, as Redis 7.0 propagates it. */
class WriteStreamTest {
    private final EngineHarness h = new EngineHarness();
    private final Client c = h.client;
    /** What the engine propagated, as "db:ARG ARG ...". */
    private final List<String> log = h.propagated;

    @Test
    void aSingleWriteIsPropagatedAloneAndReadsNotAtAll() {
        h.call(c, "SET", "a", "1");
        h.call(c, "GET", "a");
        h.call(c, "INCR", "a");
        assertThat(log).containsExactly("0:SET a 1", "0:INCR a");
    }

    @Test
    void aFailedOrNoOpWriteIsNotPropagated() {
        h.call(c, "SET", "s", "x");
        log.clear();
        h.call(c, "INCR", "s");
        h.call(c, "SET", "s", "y", "NX");
        assertThat(log).isEmpty();
    }

    @Test
    void aTransactionWithSeveralWritesIsWrappedInMultiExec() {
        h.call(c, "MULTI");
        h.call(c, "SET", "a", "1");
        h.call(c, "GET", "a");
        h.call(c, "INCR", "a");
        assertThat(log).as("nothing before EXEC").isEmpty();
        h.call(c, "EXEC");
        assertThat(log).containsExactly("0:MULTI", "0:SET a 1", "0:INCR a", "0:EXEC");
    }

    @Test
    void aTransactionWithOneWriteIsPropagatedUnwrapped() {
        h.call(c, "MULTI");
        h.call(c, "GET", "a");
        h.call(c, "SET", "a", "1");
        h.call(c, "EXEC");
        assertThat(log).containsExactly("0:SET a 1");
    }

    @Test
    void aReadOnlyOrAbortedTransactionPropagatesNothing() {
        h.call(c, "MULTI");
        h.call(c, "GET", "a");
        h.call(c, "EXEC");
        h.call(c, "MULTI");
        h.call(c, "SET", "a", "1");
        h.call(c, "SET", "a");
        h.call(c, "EXEC");
        h.call(c, "MULTI");
        h.call(c, "SET", "a", "1");
        h.call(c, "DISCARD");
        assertThat(log).isEmpty();
    }

    @Test
    void transactionWritesKeepTheirDbs() {
        h.call(c, "MULTI");
        h.call(c, "SET", "a", "1");
        h.call(c, "SELECT", "2");
        h.call(c, "SET", "b", "2");
        h.call(c, "EXEC");
        assertThat(log).containsExactly("0:MULTI", "0:SET a 1", "2:SET b 2", "2:EXEC");
    }

    @Test
    void aLazilyExpiredKeyIsPropagatedAsDel() {
        h.call(c, "SET", "k", "v", "PX", "100");
        log.clear();
        h.clock.millis += 200;
        h.call(c, "GET", "k");
        assertThat(log).containsExactly("0:DEL k");
    }

    @Test
    void anExpiryFoundByAWriteJoinsItsUnit() {
        h.call(c, "SET", "k", "1", "PX", "100");
        log.clear();
        h.clock.millis += 200;
        h.call(c, "INCR", "k");
        assertThat(log).containsExactly("0:MULTI", "0:DEL k", "0:INCR k", "0:EXEC");
    }

    @Test
    void activeExpiryDeletesArePropagatedOneByOne() {
        h.call(c, "SET", "k1", "v", "PX", "100");
        h.call(c, "SET", "k2", "v", "PX", "100");
        log.clear();
        h.clock.millis += 200;
        for (int i = 0; i < 50 && h.engine.db(0).size() > 0; i++) h.engine.cron();
        assertThat(h.engine.db(0).size()).isZero();
        assertThat(log).containsExactlyInAnyOrder("0:DEL k1", "0:DEL k2");
    }

    @Test
    void eachServedBlockedClientIsAUnitOfItsOwnAfterTheWriteThatFedIt() {
        // A stand-in for BLPOP's waiter: serving deletes the key and propagates its own write.
        Blocking.Waiter popper = new Blocking.Waiter() {
            @Override public boolean tryServe(Client w, io.magpie.engine.keyspace.Database db, byte[] key) {
                if (!db.delete(key)) return false;
                h.engine.dirty++;
                h.engine.writes.propagate(db.id, new byte[][] {"DEL".getBytes(), key});
                w.addReplyOk();
                return true;
            }

            @Override public void timeout(Client w) {
                w.addReplyNullArray();
            }
        };
        Client w1 = h.newClient(), w2 = h.newClient();
        h.engine.blocking.block(w1, h.engine.db(0), new byte[][] {"L".getBytes()}, 0, popper);
        h.engine.blocking.block(w2, h.engine.db(0), new byte[][] {"M".getBytes()}, 0, popper);
        h.call(c, "MSET", "L", "1", "M", "2");
        assertThat(log).containsExactly("0:MSET L 1 M 2", "0:DEL L", "0:DEL M");
        assertThat(w1.blocked || w2.blocked).isFalse();
    }
}
