package io.magpie.jepsen;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Wing and Gong's linearizability search with Lowe's cache, as Porcupine does it: walk the
 * history's call and return entries in time order; linearize a call whose operation the model
 * accepts and start again from the front; reaching a return entry whose call is not
 * linearized means backtracking. A configuration (set of linearized operations, model state)
 * already explored is never explored again, which makes histories of a few thousand
 * operations per key tractable.
 *
 * <p>Keys are independent registers, counters or lists, so the history is partitioned by key
 * and each key checked on its own (a history is linearizable if each key's is).
 *
 * <p>Open-ended operations have no return entry: nothing forces them to be linearized, so
 * they may take effect at any point after their invocation or not at all. The search ends
 * as soon as every completed operation is linearized.
 *
 * <p>The search is bounded: past {@code budget} steps for one key it answers UNKNOWN instead
 * of running on. Counters and lists skip it: their outputs fix the order of their writes, and
 * {@link WriteOrder} decides them exactly in one pass.
 */
public final class LinearizabilityChecker {
    public enum Verdict { LINEARIZABLE, NOT_LINEARIZABLE, UNKNOWN }

    /** The verdict for one key, with the evidence when it is not linearizable. */
    public record KeyResult(String key, Verdict verdict, int ops, long steps, String explanation) {}

    /** The verdict for a whole history: the worst of its keys'. */
    public record Result(Verdict verdict, Map<String, KeyResult> keys) {
        public boolean linearizable() {
            return verdict == Verdict.LINEARIZABLE;
        }

        /** One line per key that is not linearizable (or unknown), with its explanation. */
        public String report() {
            StringBuilder sb = new StringBuilder(verdict.toString());
            for (KeyResult k : keys.values()) {
                if (k.verdict() != Verdict.LINEARIZABLE) sb.append("\n key ").append(k.key()).append(": ").append(k.verdict()).append('\n').append(k.explanation());
            }
            return sb.toString();
        }
    }

    /** Steps per key before giving up; a step is one entry visited. */
    public static final long DEFAULT_BUDGET = 5_000_000;

    private final Function<String, Model> modelOfKey;
    private final long budget;

    public LinearizabilityChecker(Function<String, Model> modelOfKey) {
        this(modelOfKey, DEFAULT_BUDGET);
    }

    public LinearizabilityChecker(Function<String, Model> modelOfKey, long budget) {
        this.modelOfKey = modelOfKey;
        this.budget = budget;
    }

    public Result check(History history) {
        return check(history.ops());
    }

    public Result check(List<Op> ops) {
        Map<String, List<Op>> byKey = new TreeMap<>();
        for (Op op : ops) byKey.computeIfAbsent(op.key(), k -> new ArrayList<>()).add(op);
        Map<String, KeyResult> results = new LinkedHashMap<>();
        Verdict worst = Verdict.LINEARIZABLE;
        for (Map.Entry<String, List<Op>> e : byKey.entrySet()) {
            KeyResult r = checkKey(e.getKey(), modelOfKey.apply(e.getKey()), e.getValue());
            results.put(e.getKey(), r);
            if (r.verdict() == Verdict.NOT_LINEARIZABLE) worst = Verdict.NOT_LINEARIZABLE;
            else if (r.verdict() == Verdict.UNKNOWN && worst == Verdict.LINEARIZABLE) worst = Verdict.UNKNOWN;
        }
        return new Result(worst, results);
    }

    /** A call or return entry in the doubly linked list the search lifts entries out of. */
    private static final class Entry {
        final Op op;
        final int id; // the operation's index in this key's list
        final boolean call;
        Entry match; // call → its return (null for an open-ended operation); return → its call
        Entry twin; // an open-ended call: the previous open-ended call with the same effect, which must linearize first
        boolean afterReads; // an open-ended call that may linearize only after every completed read
        Entry prev;
        Entry next;

        Entry(Op op, int id, boolean call) {
            this.op = op;
            this.id = id;
            this.call = call;
        }

        long time() {
            return call ? op.invoke() : op.complete();
        }
    }

    private record Config(BitSet linearized, Object state) {}

    private record Frame(Entry entry, Object state) {}

    KeyResult checkKey(String key, Model model, List<Op> all) {
        WriteOrder order = model.writeOrder(all);
        return order != null ? order.check(key, all.size()) : search(key, model, all);
    }

    /** The general search, which any model allows; {@link #checkKey} uses it when the outputs do not fix the order of writes. */
    KeyResult search(String key, Model model, List<Op> all) {
        List<Op> ops = prune(model, all);
        Set<Object> seen = new HashSet<>();
        int reads = 0;
        for (Op op : ops) {
            if (!op.open() && model.isRead(op)) {
                seen.addAll(model.observed(op));
                reads++;
            }
        }
        List<Entry> entries = new ArrayList<>(ops.size() * 2);
        Map<List<Object>, Entry> lastTwin = new HashMap<>();
        int toLinearize = 0;
        for (int i = 0; i < ops.size(); i++) {
            Op op = ops.get(i);
            Entry call = new Entry(op, i, true);
            entries.add(call);
            if (op.open()) {
                // Open-ended operations with the same effect are interchangeable: any order the
                // search could find with them has a twin where they take effect in invocation
                // order, so only that order is tried (the INCRs of a partition, 2^n → n + 1).
                call.twin = lastTwin.put(Arrays.asList(op.f(), op.value()), call);
                call.afterReads = model.unobservedWrite() == Model.Unobserved.AFTER_READS && !seen.contains(op.value());
            } else {
                Entry ret = new Entry(op, i, false);
                call.match = ret;
                ret.match = call;
                entries.add(ret);
                toLinearize++;
            }
        }
        // At equal times a call comes first: the two operations count as concurrent.
        entries.sort(Comparator.comparingLong(Entry::time).thenComparing(e -> !e.call));
        Entry head = new Entry(null, -1, true);
        Entry last = head;
        for (Entry e : entries) {
            last.next = e;
            e.prev = last;
            last = e;
        }

        Object state = model.init();
        BitSet linearized = new BitSet(ops.size());
        Set<Config> cache = new HashSet<>();
        Deque<Frame> calls = new ArrayDeque<>();
        List<Frame> deepest = List.of();
        long steps = 0;
        int readsLeft = reads;
        Entry entry = head.next;
        while (toLinearize > 0) {
            if (++steps > budget) {
                return new KeyResult(key, Verdict.UNKNOWN, ops.size(), steps,
                        "  search gave up after " + budget + " steps (" + ops.size() + " operations)");
            }
            if (entry.call) {
                boolean blocked = entry.twin != null && !linearized.get(entry.twin.id) || entry.afterReads && readsLeft > 0;
                Object next = blocked ? null : model.step(state, entry.op);
                if (next != null) {
                    BitSet with = (BitSet) linearized.clone();
                    with.set(entry.id);
                    if (cache.add(new Config(with, next))) {
                        calls.push(new Frame(entry, state));
                        state = next;
                        linearized.set(entry.id);
                        if (entry.match != null) toLinearize--;
                        if (entry.match != null && model.isRead(entry.op)) readsLeft--;
                        lift(entry);
                        entry = head.next;
                        continue;
                    }
                }
                entry = entry.next;
            } else {
                // A dead end: remember the deepest one, the evidence if the search fails.
                if (calls.size() > deepest.size()) deepest = new ArrayList<>(calls);
                if (calls.isEmpty()) return new KeyResult(key, Verdict.NOT_LINEARIZABLE, ops.size(), steps, explain(model, ops, deepest));
                Frame top = calls.pop();
                entry = top.entry();
                state = top.state();
                linearized.clear(entry.id);
                if (entry.match != null) toLinearize++;
                if (entry.match != null && model.isRead(entry.op)) readsLeft++;
                unlift(entry);
                entry = entry.next;
            }
        }
        return new KeyResult(key, Verdict.LINEARIZABLE, ops.size(), steps, "");
    }

    /**
     * The operations worth searching: open-ended reads have no effect and go; so does an
     * open-ended register write nobody read, since a linearization with it is one without it.
     * Sorted by invocation, the order twins are linearized in.
     */
    private static List<Op> prune(Model model, List<Op> ops) {
        Set<Object> seen = new HashSet<>();
        for (Op op : ops) if (!op.open() && model.isRead(op)) seen.addAll(model.observed(op));
        List<Op> kept = new ArrayList<>();
        for (Op op : ops) {
            if (op.open() && model.isRead(op)) continue;
            if (op.open() && model.unobservedWrite() == Model.Unobserved.IRRELEVANT && !seen.contains(op.value())) continue;
            kept.add(op);
        }
        kept.sort(Comparator.comparingLong(Op::invoke));
        return kept;
    }

    private static void lift(Entry call) {
        call.prev.next = call.next;
        if (call.next != null) call.next.prev = call.prev;
        Entry ret = call.match;
        if (ret != null) {
            ret.prev.next = ret.next;
            if (ret.next != null) ret.next.prev = ret.prev;
        }
    }

    private static void unlift(Entry call) {
        Entry ret = call.match;
        if (ret != null) {
            ret.prev.next = ret;
            if (ret.next != null) ret.next.prev = ret;
        }
        call.prev.next = call;
        if (call.next != null) call.next.prev = call;
    }

    /**
     * The evidence, as Porcupine shows it: the longest order found that the model accepts (its
     * last operations and the state they leave), and the completed operation that no order
     * could fit in after it, with the operations concurrent to it.
     */
    private static String explain(Model model, List<Op> ops, List<Frame> deepest) {
        List<Op> order = new ArrayList<>();
        for (int i = deepest.size() - 1; i >= 0; i--) order.add(deepest.get(i).entry().op);
        Object state = model.init();
        for (Op op : order) state = model.step(state, op);
        Set<Integer> done = new HashSet<>();
        for (Op op : order) done.add(op.id());
        Op stuck = ops.stream().filter(o -> !o.open() && !done.contains(o.id())).min(Comparator.comparingLong(Op::complete)).orElseThrow();
        StringBuilder sb = new StringBuilder();
        sb.append("  longest linearizable prefix: ").append(order.size()).append(" ops, ending:\n");
        for (int i = Math.max(0, order.size() - 8); i < order.size(); i++) sb.append("    ").append(order.get(i)).append('\n');
        sb.append("  state then: ").append(model.describe(state)).append('\n');
        sb.append("  cannot linearize: ").append(stuck).append('\n');
        sb.append("  concurrent with it, not linearized:\n");
        int shown = 0;
        for (Op o : ops) {
            if (done.contains(o.id()) || o == stuck || o.invoke() > stuck.complete() || o.complete() < stuck.invoke()) continue;
            if (shown++ == 12) {
                sb.append("    ...\n");
                break;
            }
            sb.append("    ").append(o).append('\n');
        }
        return sb.toString();
    }
}
