package io.magpie.jepsen;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** The models of the Redis operations the workloads issue: a register, a counter, a list. */
public final class Models {
    private Models() {}

    /** The state of a key that does not exist (a register's GET returns nil). */
    static final String NIL = "<nil>";

    /** GET / SET on a string key; GET of a missing key returns null. */
    public static final Model REGISTER = new Model() {
        @Override public Object init() {
            return NIL;
        }

        @Override public Object step(Object state, Op op) {
            return switch (op.f()) {
                case SET -> op.open() || "OK".equals(op.output()) ? op.value() : null;
                case GET -> op.open() || Objects.equals(state, op.output() == null ? NIL : op.output()) ? state : null;
                default -> throw new IllegalArgumentException("register: " + op);
            };
        }

        @Override public boolean isRead(Op op) {
            return op.f() == Op.Fn.GET;
        }

        @Override public Collection<Object> observed(Op read) {
            return read.output() == null ? List.of() : List.of(read.output());
        }

        @Override public Unobserved unobservedWrite() {
            return Unobserved.IRRELEVANT;
        }
    };

    /** INCR / GET on an integer key; INCR returns the new value, GET of a missing key null (zero). */
    public static final Model COUNTER = new Model() {
        @Override public Object init() {
            return 0L;
        }

        @Override public Object step(Object state, Op op) {
            long v = (Long) state;
            return switch (op.f()) {
                case INCR -> op.open() || Objects.equals(op.output(), v + 1) ? (Object) (v + 1) : null;
                case GET -> op.open() || asLong(op.output()) == v ? state : null;
                default -> throw new IllegalArgumentException("counter: " + op);
            };
        }

        @Override public boolean isRead(Op op) {
            return op.f() == Op.Fn.GET;
        }

        /** A completed INCR returning n was write n; a GET returning n saw n; open INCRs fill the gaps. */
        @Override public WriteOrder writeOrder(List<Op> ops) {
            WriteOrder order = new WriteOrder();
            for (Op op : ops) {
                if (op.f() == Op.Fn.INCR) {
                    if (op.open()) order.unplaced(op);
                    else order.pin(Math.toIntExact((Long) op.output()), op);
                } else if (!op.open()) {
                    order.read(Math.toIntExact(asLong(op.output())), op);
                }
            }
            return order;
        }
    };

    /** A counter's GET output: nil (zero), or the value as the client returned it. */
    private static long asLong(Object output) {
        if (output == null) return 0;
        return output instanceof Long l ? l : Long.parseLong(String.valueOf(output));
    }

    /** RPUSH one element / LRANGE 0 -1; RPUSH returns the new length. */
    public static final Model LIST = new Model() {
        @Override public Object init() {
            return List.of();
        }

        @Override public Object step(Object state, Op op) {
            @SuppressWarnings("unchecked") List<String> list = (List<String>) state;
            switch (op.f()) {
                case RPUSH -> {
                    if (!op.open() && !Objects.equals(op.output(), (long) list.size() + 1)) return null;
                    List<String> next = new ArrayList<>(list.size() + 1);
                    next.addAll(list);
                    next.add((String) op.value());
                    return List.copyOf(next);
                }
                case LRANGE -> {
                    return op.open() || list.equals(op.output()) ? state : null;
                }
                default -> throw new IllegalArgumentException("list: " + op);
            }
        }

        @Override public boolean isRead(Op op) {
            return op.f() == Op.Fn.LRANGE;
        }

        /**
         * Every read must be a prefix of the longest one, which places its elements' pushes; a
         * completed RPUSH returning n placed its element n-th; open pushes of elements no read
         * saw fill the gaps after the longest read. (Elements are unique, as the workload makes them.)
         */
        @SuppressWarnings("unchecked")
        @Override public WriteOrder writeOrder(List<Op> ops) {
            WriteOrder order = new WriteOrder();
            List<Object> longest = List.of();
            Map<Object, Op> pushOf = new HashMap<>();
            for (Op op : ops) {
                if (op.f() == Op.Fn.RPUSH) {
                    Op other = pushOf.put(op.value(), op);
                    if (other != null) order.contradict("element " + op.value() + " pushed twice: the history breaks the workload's rule");
                } else if (!op.open() && ((List<Object>) op.output()).size() > longest.size()) {
                    longest = (List<Object>) op.output();
                }
            }
            Map<Object, Integer> position = new HashMap<>();
            for (int i = 0; i < longest.size(); i++) {
                Object e = longest.get(i);
                if (position.put(e, i + 1) != null) order.contradict("element " + e + " read twice in one list");
                Op push = pushOf.get(e);
                if (push == null) order.contradict("element " + e + " read but never pushed");
                else order.pin(i + 1, push);
            }
            for (Op op : ops) {
                if (op.f() == Op.Fn.RPUSH) {
                    Integer seen = position.get(op.value());
                    if (op.open()) {
                        if (seen == null) order.unplaced(op);
                    } else {
                        int n = Math.toIntExact((Long) op.output());
                        if (seen != null && seen != n) order.contradict(op + " but reads show its element at " + seen);
                        else order.pin(n, op);
                    }
                } else if (!op.open()) {
                    List<Object> read = (List<Object>) op.output();
                    if (!read.equals(longest.subList(0, read.size()))) {
                        order.contradict(op + " is not a prefix of the longest read, " + describe(longest));
                    }
                    order.read(read.size(), op);
                }
            }
            return order;
        }

        @SuppressWarnings("unchecked")
        @Override public Collection<Object> observed(Op read) {
            return (List<Object>) read.output();
        }

        @Override public Unobserved unobservedWrite() {
            return Unobserved.AFTER_READS;
        }

        @Override public String describe(Object state) {
            List<?> l = (List<?>) state;
            return l.size() <= 12 ? l.toString() : "[" + l.size() + " elements, ending " + l.subList(l.size() - 6, l.size()) + "]";
        }
    };
}
