package io.magpie.jepsen;

/**
 * A sequential specification: the state of one key and what each operation does to it.
 * States are immutable values with equals and hashCode, since the checker caches the
 * (linearized set, state) configurations it has seen.
 */
public interface Model {
    Object init();

    /**
     * The state after {@code op} applied to {@code state}, or null when the operation could not
     * have returned its output from that state. An open-ended operation's output is unknown, so
     * only its effect counts.
     */
    Object step(Object state, Op op);

    /** Whether the operation only reads: an open-ended read has no effect and is left out. */
    boolean isRead(Op op);

    /** The values a completed read saw (a GET's value, a LRANGE's elements), for {@link #unobservedWrite}. */
    default java.util.Collection<Object> observed(Op read) {
        return java.util.List.of();
    }

    /** What the search may assume of an open-ended write whose value no completed read saw. */
    enum Unobserved {
        /** Nothing: it may take effect anywhere after its invocation. */
        ANYWHERE,
        /** It makes no difference whether it happened (a register write overwritten unseen): left out. */
        IRRELEVANT,
        /** It can only have taken effect after every completed read (a list element no read contains). */
        AFTER_READS
    }

    default Unobserved unobservedWrite() {
        return Unobserved.ANYWHERE;
    }

    /**
     * For a model whose outputs fix the order of its writes (a counter, a list), the key's
     * operations laid out in that order, for {@link WriteOrder}'s direct check; null for one
     * only the search can decide (a register).
     */
    default WriteOrder writeOrder(java.util.List<Op> ops) {
        return null;
    }

    /** A short description of a state, for reports. */
    default String describe(Object state) {
        return String.valueOf(state);
    }
}
