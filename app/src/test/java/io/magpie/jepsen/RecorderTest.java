package io.magpie.jepsen;

import static org.assertj.core.api.Assertions.assertThat;

import io.magpie.jepsen.History.Event;
import io.magpie.jepsen.History.Type;
import io.magpie.jepsen.LinearizabilityChecker.Result;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The recorder against a real redis-server: what it records as ok, fail and info. */
class RecorderTest {
    @TempDir Path dir;

    private static final Workload WORKLOAD = new Workload(2, 2, 2);

    @Test
    void aHealthyServersHistoryIsLinearizableAndKeepsEveryAcknowledgedWrite() throws Exception {
        try (ServerProcess redis = ServerProcess.start(ServerProcess.Kind.REDIS, "r", dir, ServerProcess.freePort(), "--save", "")) {
            History h = new History();
            Recorder rec = new Recorder(h, WORKLOAD, List.of(redis.port()), 6, 42, 5000, 1);
            rec.start();
            awaitOps(h, Type.OK, 300);
            rec.stop();
            rec.finalReads(30_000);
            Result r = WORKLOAD.checker().check(h);
            assertThat(r.verdict()).as(r.report()).isEqualTo(LinearizabilityChecker.Verdict.LINEARIZABLE);
            assertThat(AcknowledgedWrites.lost(h.ops(), WORKLOAD)).isEmpty();
            assertThat(h.events()).noneMatch(e -> e.type() == Type.FAIL || e.type() == Type.INFO);
        }
    }

    @Test
    void aWriteRefusedBeforeItRanIsAFailureAndReadsGoOn() throws Exception {
        // No replica: every write is refused with NOREPLICAS, a definite error.
        try (ServerProcess redis = ServerProcess.start(ServerProcess.Kind.REDIS, "r", dir, ServerProcess.freePort(), "--save", "",
                "--min-replicas-to-write", "1")) {
            History h = new History();
            Recorder rec = new Recorder(h, WORKLOAD, List.of(redis.port()), 4, 7, 5000, 1);
            rec.start();
            awaitOps(h, Type.FAIL, 50);
            rec.stop();
            List<Event> events = h.events();
            assertThat(events).filteredOn(e -> e.type() == Type.FAIL).allMatch(e -> String.valueOf(e.value()).startsWith("NOREPLICAS"));
            assertThat(events).noneMatch(e -> e.type() == Type.INFO);
            assertThat(h.ops()).allMatch(op -> op.f() == Op.Fn.GET || op.f() == Op.Fn.LRANGE);
            assertThat(WORKLOAD.checker().check(h).linearizable()).isTrue();
        }
    }

    @Test
    void operationsTimingOutOnAStoppedServerAreOpenEndedAndStillExplainTheHistory() throws Exception {
        try (ServerProcess redis = ServerProcess.start(ServerProcess.Kind.REDIS, "r", dir, ServerProcess.freePort(), "--save", "")) {
            History h = new History();
            Recorder rec = new Recorder(h, WORKLOAD, List.of(redis.port()), 6, 9, 300, 1);
            rec.start();
            awaitOps(h, Type.OK, 100);
            redis.pause();
            try {
                awaitOps(h, Type.INFO, 6); // every client times out
            } finally {
                redis.resume(); // the stopped server then runs the commands it had read: late effects
            }
            long okBefore = count(h, Type.OK);
            awaitOps(h, Type.OK, (int) okBefore + 100);
            rec.stop();
            rec.finalReads(30_000);
            List<Op> ops = h.ops();
            assertThat(ops).filteredOn(Op::open).hasSizeGreaterThanOrEqualTo(6);
            // A timed-out process never runs again: its successor has a new id.
            assertThat(ops.stream().filter(Op::open).map(Op::process).distinct().count()).isEqualTo(ops.stream().filter(Op::open).count());
            Result r = WORKLOAD.checker().check(h);
            assertThat(r.verdict()).as(r.report()).isEqualTo(LinearizabilityChecker.Verdict.LINEARIZABLE);
            assertThat(AcknowledgedWrites.lost(ops, WORKLOAD)).isEmpty();
        }
    }

    static long count(History h, Type type) {
        return h.events().stream().filter(e -> e.type() == type).count();
    }

    /** Waits (at most a minute) until the history has {@code n} events of a type. */
    static void awaitOps(History h, Type type, int n) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 60_000;
        while (count(h, type) < n) {
            if (System.currentTimeMillis() > deadline) throw new AssertionError("fewer than " + n + " " + type + " events in a minute: " + h.summary());
            Thread.sleep(20);
        }
    }
}
