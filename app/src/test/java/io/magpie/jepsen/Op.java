package io.magpie.jepsen;

/**
 * One operation of a history, its invocation paired with its completion. A completed
 * operation ({@code open == false}) took effect once, somewhere between {@code invoke} and
 * {@code complete}, with the output it returned. An open-ended one (timed out, connection
 * broken: Jepsen's "info") may have taken effect at any time after {@code invoke}, or never;
 * its output is unknown. Operations that failed definitely are not operations at all.
 */
public record Op(int id, int process, Fn f, String key, Object value, Object output, long invoke, long complete, boolean open) {
    /** The functions the models know, by their Redis names. */
    public enum Fn { GET, SET, INCR, RPUSH, LRANGE }

    @Override
    public String toString() {
        String out = open ? "?" : String.valueOf(output);
        String arg = value == null ? "" : " " + value;
        String end = open ? "open" : String.valueOf(complete);
        return "#" + id + " p" + process + " " + f + " " + key + arg + " -> " + out + " [" + invoke + ", " + end + "]";
    }
}
