package io.magpie.jepsen;

import io.magpie.jepsen.LinearizabilityChecker.KeyResult;
import io.magpie.jepsen.LinearizabilityChecker.Verdict;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The exact check for a key whose writes reveal their own order: an INCR returns how many
 * increments came before it and itself, an RPUSH the list's new length, and a read (GET,
 * LRANGE) shows how many writes it saw. Then the only linearization left to find is one
 * sequence: write 1, the reads that saw one write, write 2, and so on. It exists exactly when
 * placing each operation as early as its interval allows, in that sequence, never runs past
 * an operation's completion.
 *
 * <p>A position no completed write or read names ("a gap") needs an open-ended write that
 * nobody pinned to a position; the one invoked earliest is always the best choice, since open
 * writes have no deadline. This replaces the general search for counters and lists, which
 * could give up (UNKNOWN) on a few hundred concurrent, partly open-ended operations of one key.
 */
final class WriteOrder {
    private final TreeMap<Integer, Op> pinned = new TreeMap<>();
    private final List<Op> pool = new ArrayList<>();
    private final TreeMap<Integer, List<Op>> reads = new TreeMap<>();
    private String contradiction;

    /** {@code write} made the state {@code position} writes long. */
    void pin(int position, Op write) {
        if (position < 1) {
            contradict(write + " reports position " + position + ", before the first write");
            return;
        }
        Op other = pinned.putIfAbsent(position, write);
        if (other != null && other != write) contradict(other + " and " + write + " both claim write " + position);
    }

    /** An open-ended write no read or output places: it may fill any gap, or never have happened. */
    void unplaced(Op openWrite) {
        pool.add(openWrite);
    }

    /** A completed read that saw exactly {@code position} writes. */
    void read(int position, Op read) {
        reads.computeIfAbsent(position, p -> new ArrayList<>()).add(read);
    }

    /** The outputs contradict each other before any timing is looked at; the first reason is kept. */
    void contradict(String why) {
        if (contradiction == null) contradiction = why;
    }

    KeyResult check(String key, int operations) {
        if (contradiction != null) return new KeyResult(key, Verdict.NOT_LINEARIZABLE, operations, 0, "  " + contradiction + '\n');
        pool.sort(Comparator.comparingLong(Op::invoke));
        int nextUnplaced = 0;
        int last = Math.max(pinned.isEmpty() ? 0 : pinned.lastKey(), reads.isEmpty() ? 0 : reads.lastKey());
        long now = Long.MIN_VALUE; // the earliest point the next operation in the sequence can take effect
        Op cause = null; // the operation that set it, for the report
        for (int position = 0; position <= last; position++) {
            if (position > 0) {
                Op write = pinned.get(position);
                if (write == null) {
                    if (nextUnplaced == pool.size()) {
                        return failed(key, operations, position, "no write left to fill position " + position
                                + " (" + pool.size() + " open-ended writes could)", null, now, cause);
                    }
                    write = pool.get(nextUnplaced++);
                }
                if (write.invoke() > now) {
                    now = write.invoke();
                    cause = write;
                }
                if (now > end(write)) return failed(key, operations, position, "write " + position + " comes too late", write, now, cause);
            }
            long after = now;
            Op afterCause = cause;
            for (Op read : reads.getOrDefault(position, List.of())) {
                long at = Math.max(now, read.invoke());
                if (at > end(read)) return failed(key, operations, position, "a read of " + position + " writes comes too late", read, now, cause);
                if (at > after) {
                    after = at;
                    afterCause = read;
                }
            }
            now = after;
            cause = afterCause;
        }
        return new KeyResult(key, Verdict.LINEARIZABLE, operations, last, "");
    }

    private static long end(Op op) {
        return op.open() ? Long.MAX_VALUE : op.complete();
    }

    private KeyResult failed(String key, int operations, int position, String what, Op op, long now, Op cause) {
        StringBuilder sb = new StringBuilder("  ").append(what).append(":\n");
        if (op != null) sb.append("    ").append(op).append('\n');
        sb.append("  it cannot take effect before ").append(now);
        if (cause != null) sb.append(", forced by the sequence up to\n    ").append(cause);
        sb.append('\n');
        for (Map.Entry<Integer, Op> e : pinned.subMap(Math.max(1, position - 3), true, position + 3, true).entrySet()) {
            sb.append("  write ").append(e.getKey()).append(": ").append(e.getValue()).append('\n');
        }
        return new KeyResult(key, Verdict.NOT_LINEARIZABLE, operations, position, sb.toString());
    }
}
