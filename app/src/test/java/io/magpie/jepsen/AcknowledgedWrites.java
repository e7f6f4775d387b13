package io.magpie.jepsen;

import io.magpie.jepsen.Op.Fn;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The promise apart from linearizability, checked directly so that a report names it: every
 * acknowledged write is in the final state. A list's last completed LRANGE must hold every
 * element whose RPUSH was acknowledged before that read began; a counter's last GET must count
 * at least the INCRs acknowledged before it. (Registers are overwritten: their losses show
 * only as non-linearizable reads.)
 */
public final class AcknowledgedWrites {
    private AcknowledgedWrites() {}

    /** One line per key that lost acknowledged writes; empty when none did. */
    public static List<String> lost(List<Op> ops, Workload workload) {
        Map<String, List<Op>> byKey = new TreeMap<>();
        for (Op op : ops) byKey.computeIfAbsent(op.key(), k -> new ArrayList<>()).add(op);
        List<String> losses = new ArrayList<>();
        for (Map.Entry<String, List<Op>> e : byKey.entrySet()) {
            List<Op> keyOps = e.getValue();
            Op last = null;
            for (Op op : keyOps) {
                boolean read = op.f() == Fn.LRANGE || op.f() == Fn.GET && workload.model(op.key()) == Models.COUNTER;
                if (read && !op.open() && (last == null || op.complete() > last.complete())) last = op;
            }
            if (last == null) continue;
            Op fin = last;
            if (last.f() == Fn.LRANGE) {
                @SuppressWarnings("unchecked") Set<Object> present = new HashSet<>((List<Object>) last.output());
                List<Object> missing = new ArrayList<>();
                for (Op op : keyOps) {
                    if (op.f() == Fn.RPUSH && !op.open() && op.complete() < last.invoke() && !present.contains(op.value())) missing.add(op.value());
                }
                if (!missing.isEmpty()) losses.add(e.getKey() + ": " + missing.size() + " acknowledged RPUSH missing from the final " + last + ": " + head(missing));
            } else {
                long acked = keyOps.stream().filter(op -> op.f() == Fn.INCR && !op.open() && op.complete() < fin.invoke()).count();
                long value = last.output() == null ? 0 : Long.parseLong(String.valueOf(last.output()));
                if (value < acked) losses.add(e.getKey() + ": " + acked + " INCR acknowledged before the final " + last + " but it counts " + value);
            }
        }
        return losses;
    }

    private static String head(List<Object> values) {
        return values.size() <= 10 ? values.toString() : values.subList(0, 10) + " and " + (values.size() - 10) + " more";
    }
}
