package io.magpie.engine.commands;

import static io.magpie.engine.TestEngine.ok;
import static org.assertj.core.api.Assertions.assertThat;

import io.magpie.engine.Client;
import io.magpie.engine.TestEngine;
import io.magpie.engine.TestEngine.Err;
import io.magpie.engine.TestEngine.Status;
import java.util.List;
import org.junit.jupiter.api.Test;

class TransactionCommandsTest {
    private final TestEngine t = new TestEngine();
    private final Client c = t.client();
    private final Client other = t.client();

    private static final Status QUEUED = new Status("QUEUED");

    @Test
    void execRepliesQueuedCommandsInOrderAndAnErrorDoesNotStopTheRest() {
        assertThat(t.call(c, "MULTI")).isEqualTo(ok());
        assertThat(t.call(c, "SET", "a", "1")).isEqualTo(QUEUED);
        assertThat(t.call(c, "INCR", "a")).isEqualTo(QUEUED);
        assertThat(t.call(c, "SET", "s", "x")).isEqualTo(QUEUED);
        assertThat(t.call(c, "INCR", "s")).isEqualTo(QUEUED);
        assertThat(t.call(c, "GET", "a")).isEqualTo(QUEUED);
        assertThat(t.call(c, "EXEC")).isEqualTo(List.of(ok(), 2L, ok(), new Err("ERR value is not an integer or out of range"), "2"));
        assertThat(c.multi).isFalse();
    }

    @Test
    void aQueueTimeErrorMakesExecAbortAndDiscardsTheTransaction() {
        t.call(c, "MULTI");
        t.call(c, "SET", "a", "1");
        assertThat(t.call(c, "SET", "a")).isEqualTo(new Err("ERR wrong number of arguments for 'set' command"));
        assertThat(t.call(c, "EXEC")).isEqualTo(new Err("EXECABORT Transaction discarded because of previous errors."));
        assertThat(t.call(c, "GET", "a")).isNull();
        assertThat(t.call(c, "EXEC")).isEqualTo(new Err("ERR EXEC without MULTI"));
    }

    @Test
    void nestedMultiAndWatchInsideMultiAreErrorsThatDoNotAbort() {
        t.call(c, "MULTI");
        assertThat(t.call(c, "MULTI")).isEqualTo(new Err("ERR MULTI calls can not be nested"));
        assertThat(t.call(c, "WATCH", "k")).isEqualTo(new Err("ERR WATCH inside MULTI is not allowed"));
        t.call(c, "SET", "a", "1");
        assertThat(t.call(c, "EXEC")).isEqualTo(List.of(ok()));
    }

    @Test
    void execAndDiscardWithoutMultiAreErrors() {
        assertThat(t.call(c, "EXEC")).isEqualTo(new Err("ERR EXEC without MULTI"));
        assertThat(t.call(c, "DISCARD")).isEqualTo(new Err("ERR DISCARD without MULTI"));
    }

    @Test
    void aRejectedExecAbortsNamingTheReason() {
        t.call(c, "MULTI");
        t.call(c, "SET", "a", "1");
        assertThat(t.call(c, "EXEC", "x")).isEqualTo(new Err("EXECABORT Transaction discarded because of: wrong number of arguments for 'exec' command"));
        assertThat(c.multi).isFalse();
    }

    @Test
    void watchedKeyModifiedByAnotherClientMakesExecReplyNullArray() {
        t.call(c, "SET", "k", "1");
        t.call(c, "WATCH", "k");
        t.call(other, "SET", "k", "2");
        t.call(c, "MULTI");
        t.call(c, "SET", "k", "3");
        assertThat(t.run(c, "EXEC")).containsExactly((Object) null);
        assertThat(t.call(c, "GET", "k")).isEqualTo("2");
        assertThat(c.watchedKeys).isEmpty();
    }

    @Test
    void nullArrayIsUnderscoreInResp3() {
        Client c3 = t.client(3);
        t.call(c3, "WATCH", "k");
        t.call(other, "SET", "k", "2");
        t.call(c3, "MULTI");
        TestEngine.drain(c3);
        t.engine.execute(c3, "EXEC".getBytes());
        assertThat(TestEngine.drainRaw(c3)).isEqualTo("_\r\n");
        t.call(c, "WATCH", "k");
        t.call(other, "SET", "k", "3");
        t.call(c, "MULTI");
        t.engine.execute(c, "EXEC".getBytes());
        assertThat(TestEngine.drainRaw(c)).isEqualTo("*-1\r\n");
    }

    @Test
    void unwatchAndDiscardForgetWatches() {
        t.call(c, "WATCH", "k");
        t.call(c, "UNWATCH");
        t.call(other, "SET", "k", "2");
        t.call(c, "MULTI");
        assertThat(t.call(c, "EXEC")).isEqualTo(List.of());

        t.call(c, "WATCH", "k");
        t.call(c, "MULTI");
        t.call(c, "DISCARD");
        t.call(other, "SET", "k", "3");
        t.call(c, "MULTI");
        assertThat(t.call(c, "EXEC")).isEqualTo(List.of());
    }

    @Test
    void ownWritesBeforeMultiAlsoBreakTheWatch() {
        t.call(c, "WATCH", "k");
        t.call(c, "SET", "k", "mine");
        t.call(c, "MULTI");
        assertThat(t.run(c, "EXEC")).containsExactly((Object) null);
    }

    @Test
    void aWatchedKeyThatExpiresBeforeExecCountsAsModified() {
        t.call(c, "SET", "k", "v", "PX", "100");
        t.call(c, "WATCH", "k");
        t.clock.millis += 200;
        t.call(c, "MULTI");
        t.call(c, "SET", "z", "1");
        assertThat(t.run(c, "EXEC")).containsExactly((Object) null);
        assertThat(t.call(c, "GET", "z")).isNull();
    }

    @Test
    void aKeyAlreadyExpiredWhenWatchedIsNoChangeWhenDeleted() {
        t.call(c, "SET", "k", "v", "PX", "100");
        t.clock.millis += 200;
        t.call(c, "WATCH", "k");
        t.call(other, "GET", "k"); // lazy expiry deletes it: logically nothing changed
        t.call(c, "MULTI");
        t.call(c, "SET", "z", "1");
        assertThat(t.call(c, "EXEC")).isEqualTo(List.of(ok()));
    }

    @Test
    void aKeyAlreadyExpiredWhenWatchedThenWrittenBreaksTheWatch() {
        t.call(c, "SET", "k", "v", "PX", "100");
        t.clock.millis += 200;
        t.call(c, "WATCH", "k");
        t.call(other, "SET", "k", "new");
        t.call(c, "MULTI");
        assertThat(t.run(c, "EXEC")).containsExactly((Object) null);
    }

    @Test
    void flushOfADbWithTheWatchedKeyBreaksTheWatchButNotForMissingKeys() {
        t.call(c, "SET", "k", "v");
        t.call(c, "WATCH", "k", "missing");
        t.engine.db(0).touchAllWatchedKeys(null);
        t.engine.db(0).empty();
        t.call(c, "MULTI");
        assertThat(t.run(c, "EXEC")).containsExactly((Object) null);

        t.call(c, "WATCH", "missing");
        t.engine.db(0).touchAllWatchedKeys(null);
        t.call(c, "MULTI");
        assertThat(t.call(c, "EXEC")).isEqualTo(List.of());
    }

    @Test
    void swapBringingTheWatchedKeyInBreaksTheWatch() {
        t.call(other, "SELECT", "1");
        t.call(other, "SET", "s", "1");
        t.call(c, "WATCH", "s");
        t.engine.db(0).touchAllWatchedKeys(t.engine.db(1));
        t.call(c, "MULTI");
        assertThat(t.run(c, "EXEC")).containsExactly((Object) null);
    }

    @Test
    void watchOnlyConcernsTheDbItWasIssuedIn() {
        t.call(c, "WATCH", "k");
        t.call(other, "SELECT", "1");
        t.call(other, "SET", "k", "x");
        t.call(c, "MULTI");
        assertThat(t.call(c, "EXEC")).isEqualTo(List.of());
    }

    @Test
    void inExecIsSetOnlyWhileTheQueueRuns() {
        boolean[] seen = new boolean[1];
        t.engine.writes.addListener((db, argv) -> seen[0] |= c.inExec);
        t.call(c, "MULTI");
        t.call(c, "SET", "a", "1");
        t.call(c, "SET", "b", "1");
        t.call(c, "EXEC");
        assertThat(c.inExec).isFalse();
        assertThat(seen[0]).as("writes are delivered after EXEC ends, as one unit").isFalse();
    }

    @Test
    void disconnectingForgetsWatchers() {
        t.call(c, "WATCH", "k");
        t.engine.removeClient(c);
        t.call(other, "SET", "k", "1");
        assertThat(c.dirtyCas).isFalse();
    }
}
