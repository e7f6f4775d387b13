package io.magpie.jepsen;

import io.magpie.jepsen.Op.Fn;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * A concurrent history as Jepsen records it: each process (one client connection, one
 * operation at a time) invokes an operation and then completes it as ok (it happened, with
 * this output), fail (it certainly did not happen) or info (unknown: a timeout or a broken
 * connection). Times come from one monotonic clock read at the caller: an invocation's time
 * before the request is sent, a completion's after the reply is read, so an operation's real
 * effect lies inside its interval. Safe for concurrent recorders.
 */
public final class History {
    public enum Type { INVOKE, OK, FAIL, INFO }

    public record Event(Type type, int process, Fn f, String key, Object value, long time) {
        @Override public String toString() {
            return time + " p" + process + " " + type.name().toLowerCase() + " " + f + " " + key + (value == null ? "" : " " + value);
        }
    }

    private final LongSupplier clock;
    private final List<Event> events = new ArrayList<>();
    private final Map<Integer, Event> pending = new HashMap<>();

    /** A history timed by System.nanoTime. */
    public History() {
        this(System::nanoTime);
    }

    /** A history timed by {@code clock} (a counter in unit tests: each event one tick later). */
    public History(LongSupplier clock) {
        this.clock = clock;
    }

    /** A history whose events are ordered as they are written, one tick apart. */
    public static History logical() {
        long[] t = {0};
        return new History(() -> ++t[0]);
    }

    public synchronized void invoke(int process, Fn f, String key, Object value) {
        if (pending.containsKey(process)) throw new IllegalStateException("p" + process + " already has an operation open: " + pending.get(process));
        Event e = new Event(Type.INVOKE, process, f, key, value, clock.getAsLong());
        pending.put(process, e);
        events.add(e);
    }

    public void ok(int process, Object output) {
        complete(Type.OK, process, output);
    }

    public void fail(int process, Object error) {
        complete(Type.FAIL, process, error);
    }

    public void info(int process, Object error) {
        complete(Type.INFO, process, error);
    }

    private synchronized void complete(Type type, int process, Object value) {
        long time = clock.getAsLong();
        Event inv = pending.remove(process);
        if (inv == null) throw new IllegalStateException("p" + process + " completes without an open operation");
        events.add(new Event(type, process, inv.f(), inv.key(), value, time));
    }

    public synchronized List<Event> events() {
        return List.copyOf(events);
    }

    /**
     * The operations: each invocation paired with its completion. Failed ones are left out (they
     * did not happen); info ones, and invocations never completed (the history was cut while
     * they ran), are open-ended.
     */
    public synchronized List<Op> ops() {
        List<Op> ops = new ArrayList<>();
        Map<Integer, Event> open = new HashMap<>();
        for (Event e : events) {
            if (e.type() == Type.INVOKE) {
                open.put(e.process(), e);
                continue;
            }
            Event inv = open.remove(e.process());
            switch (e.type()) {
                case OK -> ops.add(new Op(ops.size(), e.process(), inv.f(), inv.key(), inv.value(), e.value(), inv.time(), e.time(), false));
                case INFO -> ops.add(openOp(ops.size(), inv));
                default -> { } // FAIL: never happened
            }
        }
        for (Event inv : open.values()) ops.add(openOp(ops.size(), inv));
        return ops;
    }

    private static Op openOp(int id, Event inv) {
        return new Op(id, inv.process(), inv.f(), inv.key(), inv.value(), null, inv.time(), Long.MAX_VALUE, true);
    }

    /** Counts of events by type, for reports ("ops 1234: ok 1100, fail 80, info 54"). */
    public synchronized String summary() {
        int[] n = new int[Type.values().length];
        for (Event e : events) n[e.type().ordinal()]++;
        return "ops " + n[Type.INVOKE.ordinal()] + ": ok " + n[Type.OK.ordinal()] + ", fail " + n[Type.FAIL.ordinal()]
                + ", info " + n[Type.INFO.ordinal()];
    }

    public synchronized int size() {
        return events.size();
    }
}
