package io.magpie.jepsen;

import static io.magpie.jepsen.Op.Fn.GET;
import static io.magpie.jepsen.Op.Fn.INCR;
import static io.magpie.jepsen.Op.Fn.LRANGE;
import static io.magpie.jepsen.Op.Fn.RPUSH;
import static io.magpie.jepsen.Op.Fn.SET;
import static org.assertj.core.api.Assertions.assertThat;

import io.magpie.jepsen.LinearizabilityChecker.KeyResult;
import io.magpie.jepsen.LinearizabilityChecker.Result;
import io.magpie.jepsen.LinearizabilityChecker.Verdict;
import io.magpie.jepsen.Op.Fn;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The checker on histories whose verdict is known: the classic anomalies and their look-alikes that are fine. */
class LinearizabilityCheckerTest {
    private static final LinearizabilityChecker REGISTERS = new LinearizabilityChecker(k -> Models.REGISTER);
    private static final LinearizabilityChecker COUNTERS = new LinearizabilityChecker(k -> Models.COUNTER);
    private static final LinearizabilityChecker LISTS = new LinearizabilityChecker(k -> Models.LIST);

    private static Verdict registers(History h) {
        return REGISTERS.check(h).verdict();
    }

    @Test
    void sequentialWritesAndReadsAreLinearizable() {
        History h = History.logical();
        h.invoke(0, GET, "x", null); h.ok(0, null);
        h.invoke(0, SET, "x", "1"); h.ok(0, "OK");
        h.invoke(1, GET, "x", null); h.ok(1, "1");
        h.invoke(1, SET, "x", "2"); h.ok(1, "OK");
        h.invoke(0, GET, "x", null); h.ok(0, "2");
        assertThat(registers(h)).isEqualTo(Verdict.LINEARIZABLE);
    }

    @Test
    void aReadConcurrentWithAWriteMaySeeEitherValue() {
        for (String seen : new String[] {"1", "2"}) {
            History h = History.logical();
            h.invoke(0, SET, "x", "1"); h.ok(0, "OK");
            h.invoke(0, SET, "x", "2");
            h.invoke(1, GET, "x", null); h.ok(1, seen);
            h.ok(0, "OK");
            assertThat(registers(h)).as("read of %s", seen).isEqualTo(Verdict.LINEARIZABLE);
        }
    }

    @Test
    void staleReadAfterANewerWriteCompletedIsNotLinearizable() {
        History h = History.logical();
        h.invoke(0, SET, "x", "1"); h.ok(0, "OK");
        h.invoke(0, SET, "x", "2"); h.ok(0, "OK");
        h.invoke(1, GET, "x", null); h.ok(1, "1");
        Result r = REGISTERS.check(h);
        assertThat(r.verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
        assertThat(r.report()).contains("cannot linearize: #2 p1 GET x -> 1");
    }

    @Test
    void twoReadersSeeingTwoWritesInOppositeOrdersIsNotLinearizable() {
        // The writes overlap each other and every read, so either order alone is fine; but
        // one reader sees 1 then 2, the other 2 then 1, each pair after the other's first read.
        History h = History.logical();
        h.invoke(0, SET, "x", "1");
        h.invoke(1, SET, "x", "2");
        h.invoke(2, GET, "x", null); h.ok(2, "1");
        h.invoke(3, GET, "x", null); h.ok(3, "2");
        h.invoke(2, GET, "x", null); h.ok(2, "2");
        h.invoke(3, GET, "x", null); h.ok(3, "1");
        h.ok(0, "OK");
        h.ok(1, "OK");
        assertThat(registers(h)).isEqualTo(Verdict.NOT_LINEARIZABLE);
    }

    @Test
    void readOfAValueNeverWrittenIsNotLinearizable() {
        History h = History.logical();
        h.invoke(0, SET, "x", "1");
        h.invoke(1, GET, "x", null); h.ok(1, "7");
        h.ok(0, "OK");
        assertThat(registers(h)).isEqualTo(Verdict.NOT_LINEARIZABLE);
    }

    @Test
    void aFailedWriteDidNotHappenSoReadingItsValueIsNotLinearizable() {
        History h = History.logical();
        h.invoke(0, SET, "x", "1"); h.fail(0, "CLUSTERDOWN");
        h.invoke(1, GET, "x", null); h.ok(1, "1");
        assertThat(registers(h)).isEqualTo(Verdict.NOT_LINEARIZABLE);
    }

    @Test
    void anOpenEndedWriteExplainsALaterRead() {
        History h = History.logical();
        h.invoke(0, SET, "x", "1"); h.ok(0, "OK");
        h.invoke(0, SET, "x", "2"); h.info(0, "timeout");
        h.invoke(1, GET, "x", null); h.ok(1, "1");
        h.invoke(1, GET, "x", null); h.ok(1, "2"); // it took effect late, long after the client gave up
        assertThat(registers(h)).isEqualTo(Verdict.LINEARIZABLE);
    }

    @Test
    void anOpenEndedWriteMayNeverHappen() {
        History h = History.logical();
        h.invoke(0, SET, "x", "2"); h.info(0, "connection reset");
        h.invoke(1, GET, "x", null); h.ok(1, null);
        assertThat(registers(h)).isEqualTo(Verdict.LINEARIZABLE);
    }

    @Test
    void anOpenEndedWriteCannotTakeEffectBeforeItsInvocation() {
        History h = History.logical();
        h.invoke(1, GET, "x", null); h.ok(1, "2");
        h.invoke(0, SET, "x", "2"); h.info(0, "timeout");
        assertThat(registers(h)).isEqualTo(Verdict.NOT_LINEARIZABLE);
    }

    @Test
    void anOpenEndedWriteCannotBeUndoneOnceSeen() {
        History h = History.logical();
        h.invoke(0, SET, "x", "1"); h.ok(0, "OK");
        h.invoke(0, SET, "x", "2"); h.info(0, "timeout");
        h.invoke(1, GET, "x", null); h.ok(1, "2");
        h.invoke(1, GET, "x", null); h.ok(1, "1");
        assertThat(registers(h)).isEqualTo(Verdict.NOT_LINEARIZABLE);
    }

    @Test
    void anInvocationLeftOpenAtTheEndOfTheHistoryIsOpenEnded() {
        History h = History.logical();
        h.invoke(0, SET, "x", "1");
        h.invoke(1, GET, "x", null); h.ok(1, "1");
        assertThat(registers(h)).isEqualTo(Verdict.LINEARIZABLE);
    }

    @Test
    void lostIncrementIsNotLinearizable() {
        History h = History.logical();
        h.invoke(0, INCR, "c", null); h.ok(0, 1L);
        h.invoke(1, INCR, "c", null); h.ok(1, 2L);
        h.invoke(0, INCR, "c", null); h.ok(0, 3L);
        h.invoke(2, GET, "c", null); h.ok(2, "2");
        assertThat(COUNTERS.check(h).verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
    }

    @Test
    void concurrentIncrementsReturningTheSameValueAreNotLinearizable() {
        History h = History.logical();
        h.invoke(0, INCR, "c", null);
        h.invoke(1, INCR, "c", null);
        h.ok(0, 1L);
        h.ok(1, 1L);
        assertThat(COUNTERS.check(h).verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
    }

    @Test
    void openEndedIncrementsMayOrMayNotCount() {
        History h = History.logical();
        h.invoke(0, INCR, "c", null); h.ok(0, 1L);
        h.invoke(1, INCR, "c", null); h.info(1, "timeout");
        h.invoke(2, INCR, "c", null); h.info(2, "timeout");
        h.invoke(3, GET, "c", null); h.ok(3, "2");
        h.invoke(0, INCR, "c", null); h.ok(0, 4L);
        assertThat(COUNTERS.check(h).verdict()).isEqualTo(Verdict.LINEARIZABLE);
    }

    @Test
    void lostAcknowledgedPushIsNotLinearizable() {
        History h = History.logical();
        h.invoke(0, RPUSH, "l", "a"); h.ok(0, 1L);
        h.invoke(1, RPUSH, "l", "b"); h.ok(1, 2L);
        h.invoke(2, LRANGE, "l", null); h.ok(2, List.of("a"));
        Result r = LISTS.check(h);
        assertThat(r.verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
        assertThat(r.report()).contains("write 2 comes too late", "RPUSH l b -> 2");
    }

    @Test
    void concurrentPushesMayLandInEitherOrder() {
        History h = History.logical();
        h.invoke(0, RPUSH, "l", "a");
        h.invoke(1, RPUSH, "l", "b");
        h.ok(1, 1L);
        h.ok(0, 2L);
        h.invoke(2, LRANGE, "l", null); h.ok(2, List.of("b", "a"));
        assertThat(LISTS.check(h).verdict()).isEqualTo(Verdict.LINEARIZABLE);
    }

    @Test
    void anOpenEndedPushNoReadSawCanStillCountInALaterLength() {
        History h = History.logical();
        h.invoke(0, RPUSH, "l", "a"); h.info(0, "timeout");
        h.invoke(1, LRANGE, "l", null); h.ok(1, List.of());
        h.invoke(1, RPUSH, "l", "b"); h.ok(1, 2L); // a took effect after the read
        assertThat(LISTS.check(h).verdict()).isEqualTo(Verdict.LINEARIZABLE);
    }

    @Test
    void keysAreCheckedIndependentlyAndTheWorstVerdictWins() {
        History h = History.logical();
        h.invoke(0, SET, "x", "1"); h.ok(0, "OK");
        h.invoke(0, SET, "y", "1"); h.ok(0, "OK");
        h.invoke(1, GET, "x", null); h.ok(1, "1");
        h.invoke(1, GET, "y", null); h.ok(1, null); // y's write is lost
        Result r = REGISTERS.check(h);
        assertThat(r.verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
        assertThat(r.keys().get("x").verdict()).isEqualTo(Verdict.LINEARIZABLE);
        assertThat(r.keys().get("y").verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
    }

    @Test
    void aSearchPastItsBudgetAnswersUnknownInsteadOfRunningOn() {
        // Many concurrent open-ended pushes and a read that no order of them explains: the
        // search would try every ordered subset of the pushes before giving up.
        History h = History.logical();
        List<String> seen = new ArrayList<>();
        for (int p = 0; p < 30; p++) {
            h.invoke(p, RPUSH, "l", "e" + p);
            seen.add(0, "e" + p);
        }
        seen.add("never-pushed");
        h.invoke(100, LRANGE, "l", null); h.ok(100, seen);
        LinearizabilityChecker checker = new LinearizabilityChecker(k -> Models.LIST, 10_000);
        KeyResult searched = checker.search("l", Models.LIST, h.ops());
        assertThat(searched.verdict()).isEqualTo(Verdict.UNKNOWN);
        assertThat(searched.explanation()).contains("gave up after 10000 steps");
        // A list's outputs fix the order of its pushes, so the checker decides it directly.
        Result r = checker.check(h);
        assertThat(r.verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
        assertThat(r.report()).contains("never-pushed read but never pushed");
    }

    @Test
    void theDirectCheckOfCountersAgreesWithTheSearchOnRandomHistories() {
        crossCheck(Models.COUNTER, () -> new Sim() {
            long value;

            @Override public Object[] next(Random rnd, int n) {
                return new Object[] {rnd.nextBoolean() ? INCR : GET, null};
            }

            @Override public Object apply(Fn f, Object arg) {
                return f == INCR ? (Object) Long.valueOf(++value) : value == 0 ? null : String.valueOf(value);
            }

            @Override public Object corrupt(Fn f, Object output, Random rnd) {
                long v = output == null ? 0 : output instanceof Long l ? l : Long.parseLong((String) output);
                long wrong = Math.max(f == INCR ? 1 : 0, v + (rnd.nextBoolean() ? 1 : -1));
                return f == INCR ? (Object) wrong : wrong == 0 ? null : String.valueOf(wrong);
            }
        });
    }

    @Test
    void theDirectCheckOfListsAgreesWithTheSearchOnRandomHistories() {
        crossCheck(Models.LIST, () -> new Sim() {
            final List<String> list = new ArrayList<>();

            @Override public Object[] next(Random rnd, int n) {
                return rnd.nextBoolean() ? new Object[] {RPUSH, "e" + n} : new Object[] {LRANGE, null};
            }

            @Override public Object apply(Fn f, Object arg) {
                if (f == LRANGE) return List.copyOf(list);
                list.add((String) arg);
                return (long) list.size();
            }

            @SuppressWarnings("unchecked")
            @Override public Object corrupt(Fn f, Object output, Random rnd) {
                if (f == RPUSH) return Math.max(1, (Long) output + (rnd.nextBoolean() ? 1 : -1));
                List<String> read = new ArrayList<>((List<String>) output);
                if (read.size() >= 2 && rnd.nextBoolean()) java.util.Collections.swap(read, 0, 1);
                else if (!read.isEmpty() && rnd.nextBoolean()) read.remove(read.size() - 1);
                else read.add(list.isEmpty() ? "e0" : list.get(0)); // an element twice, or one not yet pushed
                return List.copyOf(read);
            }
        });
    }

    /** One key's sequential behaviour, for {@link #crossCheck}'s simulated histories. */
    interface Sim {
        /** The next operation, {f, argument}; {@code n} numbers it, for unique list elements. */
        Object[] next(Random rnd, int n);

        /** Applies the operation to the key now and returns its output. */
        Object apply(Fn f, Object arg);

        /** A plausible wrong output instead of {@code output}. */
        Object corrupt(Fn f, Object output, Random rnd);
    }

    /**
     * Small simulated histories, half of them with one output made wrong: the search, exhaustive
     * at this size, is the oracle for the one-pass check, and both verdicts must turn up often.
     */
    private static void crossCheck(Model model, java.util.function.Supplier<Sim> sims) {
        LinearizabilityChecker checker = new LinearizabilityChecker(k -> model);
        int[] verdicts = new int[2];
        for (long seed = 1; seed <= 2000; seed++) {
            Random rnd = new Random(seed);
            History h = simulateOneKey(rnd, sims.get(), 3, 6 + rnd.nextInt(8), rnd.nextBoolean());
            KeyResult searched = checker.search("k", model, h.ops());
            KeyResult direct = checker.check(h).keys().get("k");
            assertThat(searched.verdict()).as("seed %d", seed).isNotEqualTo(Verdict.UNKNOWN);
            assertThat(direct.verdict()).as("seed %d: %s\nsearch: %s\ndirect: %s", seed, h.ops(), searched.explanation(), direct.explanation())
                    .isEqualTo(searched.verdict());
            verdicts[direct.verdict() == Verdict.LINEARIZABLE ? 1 : 0]++;
        }
        assertThat(verdicts[0]).as("not linearizable").isGreaterThan(200);
        assertThat(verdicts[1]).as("linearizable").isGreaterThan(200);
    }

    /**
     * {@code processes} clients on key "k" running {@code count} operations of {@code sim}, each
     * taking effect at a random point inside its interval; about one in five is left open-ended,
     * and then perhaps never takes effect. With {@code corrupt}, one completed operation returns a
     * wrong output.
     */
    private static History simulateOneKey(Random rnd, Sim sim, int processes, int count, boolean corrupt) {
        History h = History.logical();
        Object[][] running = new Object[processes][]; // {f, arg, applied?, output, open?}
        int[] pid = new int[processes];
        for (int i = 0; i < processes; i++) pid[i] = i;
        int nextPid = processes;
        int started = 0;
        int wrong = corrupt ? rnd.nextInt(count) : -1;
        while (started < count || java.util.Arrays.stream(running).anyMatch(java.util.Objects::nonNull)) {
            int p = rnd.nextInt(processes);
            Object[] op = running[p];
            if (op == null) {
                if (started == count) continue;
                Object[] next = sim.next(rnd, started);
                running[p] = new Object[] {next[0], next[1], false, null, rnd.nextInt(5) == 0, started++};
                h.invoke(pid[p], (Fn) next[0], "k", next[1]);
            } else if (!(Boolean) op[2] && rnd.nextInt(4) != 0) {
                op[3] = sim.apply((Fn) op[0], op[1]);
                op[2] = true;
            } else if ((Boolean) op[4]) {
                h.info(pid[p], "timeout");
                pid[p] = nextPid++;
                running[p] = null;
            } else if ((Boolean) op[2]) {
                boolean bad = (Integer) op[5] >= wrong && wrong >= 0;
                if (bad) wrong = -1;
                h.ok(pid[p], bad ? sim.corrupt((Fn) op[0], op[3], rnd) : op[3]);
                running[p] = null;
            }
        }
        return h;
    }

    /**
     * A history of {@code processes} clients on a register, a counter and a list, each operation
     * taking effect atomically at a point inside its interval (so the history is linearizable),
     * about one in fifty left open-ended and one in fifty failed. The first completed read from
     * the operation numbered {@code corrupt} on (-1: none) returns a value never written.
     */
    static History simulate(long seed, int processes, int count, int corrupt) {
        Random rnd = new Random(seed);
        long[] now = {0};
        History h = new History(() -> now[0]);
        String reg = null;
        long ctr = 0;
        List<String> list = new ArrayList<>();
        boolean[] busy = new boolean[processes];
        Object[] outcome = new Object[processes];
        int[] kind = new int[processes]; // 0 ok, 1 info, 2 fail
        int started = 0;
        int nextProcess = processes;
        int[] pid = new int[processes];
        for (int i = 0; i < processes; i++) pid[i] = i;
        while (started < count || anyBusy(busy)) {
            now[0] += 1 + rnd.nextInt(3);
            int p = rnd.nextInt(processes);
            if (!busy[p]) {
                if (started >= count) continue;
                int which = rnd.nextInt(6);
                Fn f;
                String key;
                Object value = null;
                switch (which) {
                    case 0 -> { f = SET; key = "r"; value = "v" + started; }
                    case 1 -> { f = GET; key = "r"; }
                    case 2 -> { f = INCR; key = "c"; }
                    case 3 -> { f = GET; key = "c"; }
                    case 4 -> { f = RPUSH; key = "l"; value = "e" + started; }
                    default -> { f = LRANGE; key = "l"; }
                }
                h.invoke(pid[p], f, key, value);
                int roll = rnd.nextInt(50);
                kind[p] = roll == 0 ? 1 : roll == 1 ? 2 : 0;
                busy[p] = true;
                now[0] += rnd.nextInt(3);
                // The operation's linearization point: now. A failed one has none.
                if (kind[p] != 2) {
                    boolean bad = corrupt >= 0 && started >= corrupt && kind[p] == 0 && (f == GET || f == LRANGE);
                    if (bad) corrupt = -1;
                    outcome[p] = switch (f) {
                        case SET -> { reg = (String) value; yield "OK"; }
                        case GET -> key.equals("r") ? (bad ? "never-written" : reg) : (bad ? String.valueOf(ctr + 1000) : ctr == 0 ? null : String.valueOf(ctr));
                        case INCR -> ++ctr;
                        case RPUSH -> { list.add((String) value); yield (long) list.size(); }
                        case LRANGE -> {
                            List<String> l = new ArrayList<>(list);
                            if (bad) l.add("never-pushed");
                            yield List.copyOf(l);
                        }
                    };
                }
                started++;
            } else {
                switch (kind[p]) {
                    case 0 -> h.ok(pid[p], outcome[p]);
                    case 1 -> { h.info(pid[p], "timeout"); pid[p] = nextProcess++; }
                    default -> h.fail(pid[p], "NOREPLICAS");
                }
                busy[p] = false;
            }
        }
        return h;
    }

    private static boolean anyBusy(boolean[] busy) {
        for (boolean b : busy) if (b) return true;
        return false;
    }
}
