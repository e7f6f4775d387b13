package io.magpie.jepsen;

import io.magpie.jepsen.Op.Fn;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The keys clients work on, each with its model: registers ({@code reg:N}, GET/SET of unique
 * values), counters ({@code ctr:N}, INCR/GET) and lists ({@code list:N}, RPUSH of unique
 * elements/LRANGE 0 -1). Unique written values make a stale or lost write visible.
 */
public final class Workload {
    /** One operation to issue. */
    public record Invocation(Fn f, String key, String value) {}

    private final Map<String, Model> keys = new LinkedHashMap<>();

    public Workload(int registers, int counters, int lists) {
        this("", registers, counters, lists);
    }

    /** Keys named {@code prefix + "reg:0"}...: schedules run one after another on one group keep apart. */
    public Workload(String prefix, int registers, int counters, int lists) {
        for (int i = 0; i < registers; i++) keys.put(prefix + "reg:" + i, Models.REGISTER);
        for (int i = 0; i < counters; i++) keys.put(prefix + "ctr:" + i, Models.COUNTER);
        for (int i = 0; i < lists; i++) keys.put(prefix + "list:" + i, Models.LIST);
    }

    public List<String> keys() {
        return new ArrayList<>(keys.keySet());
    }

    public Model model(String key) {
        Model m = keys.get(key);
        if (m == null) throw new IllegalArgumentException("not a workload key: " + key);
        return m;
    }

    public LinearizabilityChecker checker() {
        return new LinearizabilityChecker(this::model);
    }

    /** A random operation; {@code tag} makes a written value unique ("w3-17": worker 3's 17th). */
    public Invocation next(Random rnd, String tag) {
        List<String> names = keys();
        String key = names.get(rnd.nextInt(names.size()));
        Model m = keys.get(key);
        boolean write = rnd.nextInt(10) < 6;
        if (m == Models.REGISTER) return write ? new Invocation(Fn.SET, key, tag) : new Invocation(Fn.GET, key, null);
        if (m == Models.COUNTER) return write ? new Invocation(Fn.INCR, key, null) : new Invocation(Fn.GET, key, null);
        return write ? new Invocation(Fn.RPUSH, key, tag) : new Invocation(Fn.LRANGE, key, null);
    }

    /** The read of a key that shows its whole state (the final reads after a schedule). */
    public Invocation read(String key) {
        return new Invocation(model(key) == Models.LIST ? Fn.LRANGE : Fn.GET, key, null);
    }
}
