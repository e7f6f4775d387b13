package io.magpie.engine.commands;

import static org.assertj.core.api.Assertions.assertThat;

import io.magpie.engine.Client;
import io.magpie.engine.EngineHarness;
import io.magpie.protocol.RespClient.Err;
import io.magpie.protocol.RespClient.Status;
import java.util.List;
import org.junit.jupiter.api.Test;

class TransactionCommandsTest {
    private static final Status OK = new Status("OK");

    private final EngineHarness h = new EngineHarness();
    private final Client c = h.newClient();
    private final Client other = h.newClient();

    private static final Status QUEUED = new Status("QUEUED");

    @Test
    void execRepliesQueuedCommandsInOrderAndAnErrorDoesNotStopTheRest() {
        assertThat(h.value(c, "MULTI")).isEqualTo(OK);
        assertThat(h.value(c, "SET", "a", "1")).isEqualTo(QUEUED);
        assertThat(h.value(c, "INCR", "a")).isEqualTo(QUEUED);
        assertThat(h.value(c, "SET", "s", "x")).isEqualTo(QUEUED);
        assertThat(h.value(c, "INCR", "s")).isEqualTo(QUEUED);
        assertThat(h.value(c, "GET", "a")).isEqualTo(QUEUED);
        assertThat(h.value(c, "EXEC")).isEqualTo(List.of(OK, 2L, OK, new Err("ERR value is not an integer or out of range"), "2"));
        assertThat(c.multi).isFalse();
    }

    @Test
    void aQueueTimeErrorMakesExecAbortAndDiscardsTheTransaction() {
        h.value(c, "MULTI");
        h.value(c, "SET", "a", "1");
        assertThat(h.value(c, "SET", "a")).isEqualTo(new Err("ERR wrong number of arguments for 'set' command"));
        assertThat(h.value(c, "EXEC")).isEqualTo(new Err("EXECABORT Transaction discarded because of previous errors."));
        assertThat(h.value(c, "GET", "a")).isNull();
        assertThat(h.value(c, "EXEC")).isEqualTo(new Err("ERR EXEC without MULTI"));
    }

    @Test
    void nestedMultiAndWatchInsideMultiAreErrorsThatDoNotAbort() {
        h.value(c, "MULTI");
        assertThat(h.value(c, "MULTI")).isEqualTo(new Err("ERR MULTI calls can not be nested"));
        assertThat(h.value(c, "WATCH", "k")).isEqualTo(new Err("ERR WATCH inside MULTI is not allowed"));
        h.value(c, "SET", "a", "1");
        assertThat(h.value(c, "EXEC")).isEqualTo(List.of(OK));
    }

    @Test
    void execAndDiscardWithoutMultiAreErrors() {
        assertThat(h.value(c, "EXEC")).isEqualTo(new Err("ERR EXEC without MULTI"));
        assertThat(h.value(c, "DISCARD")).isEqualTo(new Err("ERR DISCARD without MULTI"));
    }

    @Test
    void aRejectedExecAbortsNamingTheReason() {
        h.value(c, "MULTI");
        h.value(c, "SET", "a", "1");
        assertThat(h.value(c, "EXEC", "x")).isEqualTo(new Err("EXECABORT Transaction discarded because of: wrong number of arguments for 'exec' command"));
        assertThat(c.multi).isFalse();
    }

    @Test
    void watchedKeyModifiedByAnotherClientMakesExecReplyNullArray() {
        h.value(c, "SET", "k", "1");
        h.value(c, "WATCH", "k");
        h.value(other, "SET", "k", "2");
        h.value(c, "MULTI");
        h.value(c, "SET", "k", "3");
        assertThat(h.values(c, "EXEC")).containsExactly((Object) null);
        assertThat(h.value(c, "GET", "k")).isEqualTo("2");
        assertThat(c.watchedKeys).isEmpty();
    }

    @Test
    void nullArrayIsUnderscoreInResp3() {
        Client c3 = h.newClient(3);
        h.value(c3, "WATCH", "k");
        h.value(other, "SET", "k", "2");
        h.value(c3, "MULTI");
        EngineHarness.drainValues(c3);
        h.engine.execute(c3, "EXEC".getBytes());
        assertThat(EngineHarness.drainText(c3)).isEqualTo("_\r\n");
        h.value(c, "WATCH", "k");
        h.value(other, "SET", "k", "3");
        h.value(c, "MULTI");
        h.engine.execute(c, "EXEC".getBytes());
        assertThat(EngineHarness.drainText(c)).isEqualTo("*-1\r\n");
    }

    @Test
    void unwatchAndDiscardForgetWatches() {
        h.value(c, "WATCH", "k");
        h.value(c, "UNWATCH");
        h.value(other, "SET", "k", "2");
        h.value(c, "MULTI");
        assertThat(h.value(c, "EXEC")).isEqualTo(List.of());

        h.value(c, "WATCH", "k");
        h.value(c, "MULTI");
        h.value(c, "DISCARD");
        h.value(other, "SET", "k", "3");
        h.value(c, "MULTI");
        assertThat(h.value(c, "EXEC")).isEqualTo(List.of());
    }

    @Test
    void ownWritesBeforeMultiAlsoBreakTheWatch() {
        h.value(c, "WATCH", "k");
        h.value(c, "SET", "k", "mine");
        h.value(c, "MULTI");
        assertThat(h.values(c, "EXEC")).containsExactly((Object) null);
    }

    @Test
    void aWatchedKeyThatExpiresBeforeExecCountsAsModified() {
        h.value(c, "SET", "k", "v", "PX", "100");
        h.value(c, "WATCH", "k");
        h.clock.millis += 200;
        h.value(c, "MULTI");
        h.value(c, "SET", "z", "1");
        assertThat(h.values(c, "EXEC")).containsExactly((Object) null);
        assertThat(h.value(c, "GET", "z")).isNull();
    }

    @Test
    void aWatchedKeyThatExpiresAndIsDeletedByAnotherClientsReadCountsAsModified() {
        h.value(c, "SET", "k", "v", "PX", "100");
        h.value(c, "WATCH", "k");
        h.clock.millis += 200;
        assertThat(h.value(other, "GET", "k")).isNull();
        h.value(c, "MULTI");
        assertThat(h.values(c, "EXEC")).containsExactly((Object) null);
    }

    @Test
    void activeExpiryOfAWatchedKeyCountsAsModified() {
        h.value(c, "SET", "k", "v", "PX", "100");
        h.value(c, "WATCH", "k");
        h.clock.millis += 200;
        for (int i = 0; i < 50 && h.engine.db(0).size() > 0; i++) h.engine.cron();
        assertThat(h.engine.db(0).size()).isZero();
        h.value(c, "MULTI");
        assertThat(h.values(c, "EXEC")).containsExactly((Object) null);
    }

    @Test
    void aKeyAlreadyExpiredWhenWatchedIsNoChangeWhenDeleted() {
        h.value(c, "SET", "k", "v", "PX", "100");
        h.clock.millis += 200;
        h.value(c, "WATCH", "k");
        h.value(other, "GET", "k"); // lazy expiry deletes it: logically nothing changed
        h.value(c, "MULTI");
        h.value(c, "SET", "z", "1");
        assertThat(h.value(c, "EXEC")).isEqualTo(List.of(OK));
    }

    @Test
    void aKeyAlreadyExpiredWhenWatchedThenWrittenBreaksTheWatch() {
        h.value(c, "SET", "k", "v", "PX", "100");
        h.clock.millis += 200;
        h.value(c, "WATCH", "k");
        h.value(other, "SET", "k", "new");
        h.value(c, "MULTI");
        assertThat(h.values(c, "EXEC")).containsExactly((Object) null);
    }

    @Test
    void flushOfADbWithTheWatchedKeyBreaksTheWatchButNotForMissingKeys() {
        h.value(c, "SET", "k", "v");
        h.value(c, "WATCH", "k", "missing");
        h.engine.db(0).touchAllWatchedKeys(null);
        h.engine.db(0).empty();
        h.value(c, "MULTI");
        assertThat(h.values(c, "EXEC")).containsExactly((Object) null);

        h.value(c, "WATCH", "missing");
        h.engine.db(0).touchAllWatchedKeys(null);
        h.value(c, "MULTI");
        assertThat(h.value(c, "EXEC")).isEqualTo(List.of());
    }

    @Test
    void swapBringingTheWatchedKeyInBreaksTheWatch() {
        h.value(other, "SELECT", "1");
        h.value(other, "SET", "s", "1");
        h.value(c, "WATCH", "s");
        h.engine.db(0).touchAllWatchedKeys(h.engine.db(1));
        h.value(c, "MULTI");
        assertThat(h.values(c, "EXEC")).containsExactly((Object) null);
    }

    @Test
    void watchOnlyConcernsTheDbItWasIssuedIn() {
        h.value(c, "WATCH", "k");
        h.value(other, "SELECT", "1");
        h.value(other, "SET", "k", "x");
        h.value(c, "MULTI");
        assertThat(h.value(c, "EXEC")).isEqualTo(List.of());
    }

    @Test
    void inExecIsSetOnlyWhileTheQueueRuns() {
        boolean[] seen = new boolean[1];
        h.engine.writes.addListener((db, argv) -> seen[0] |= c.inExec);
        h.value(c, "MULTI");
        h.value(c, "SET", "a", "1");
        h.value(c, "SET", "b", "1");
        h.value(c, "EXEC");
        assertThat(c.inExec).isFalse();
        assertThat(seen[0]).as("writes are delivered after EXEC ends, as one unit").isFalse();
    }

    @Test
    void disconnectingForgetsWatchers() {
        h.value(c, "WATCH", "k");
        h.engine.removeClient(c);
        h.value(other, "SET", "k", "1");
        assertThat(c.dirtyCas).isFalse();
    }

    @Test
    void monitorSeesQueuedCommandsWhenTheyRunAndExecAfterThem() {
        Client m = h.newClient();
        h.engine.addMonitor(m);
        h.value(c, "MULTI");
        h.value(c, "SET", "a", "1");
        h.value(c, "GET", "a");
        h.value(c, "EXEC");
        List<String> lines = new java.util.ArrayList<>();
        for (Object o : EngineHarness.drainValues(m)) {
            String line = o.toString();
            lines.add(line.substring(line.indexOf(']') + 2));
        }
        assertThat(lines).containsExactly("\"MULTI\"", "\"SET\" \"a\" \"1\"", "\"GET\" \"a\"", "\"EXEC\"");
    }

    @Test
    void execCountsAsAWriteForGuardsWhenItsQueueHoldsOne() {
        var exec = h.engine.commands.lookup("exec");
        h.value(c, "MULTI");
        h.value(c, "GET", "a");
        assertThat(h.engine.isWriteCommand(c, exec)).isFalse();
        assertThat(h.engine.isDenyOomCommand(c, exec)).isFalse();
        h.value(c, "SET", "a", "1");
        assertThat(h.engine.isWriteCommand(c, exec)).isTrue();
        assertThat(h.engine.isDenyOomCommand(c, exec)).isTrue();
    }
}
