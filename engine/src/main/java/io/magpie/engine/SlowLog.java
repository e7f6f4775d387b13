package io.magpie.engine;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;

/** The slow log (slowlog.c): commands slower than slowlog-log-slower-than microseconds. */
public final class SlowLog {
    /** Redis keeps at most 32 arguments and 128 bytes of each. */
    private static final int MAX_ARGC = 32;
    private static final int MAX_ARG_LEN = 128;

    public record Entry(long id, long timeSeconds, long micros, byte[][] argv, String peer, String clientName) {}

    private final Engine engine;
    private final Deque<Entry> entries = new ArrayDeque<>();
    private long nextId;

    SlowLog(Engine engine) {
        this.engine = engine;
    }

    void maybeAdd(Client c, long micros) {
        long threshold = engine.config.slowlogLogSlowerThan.value();
        if (threshold < 0 || micros < threshold) return;
        // As sent by the client: GEOADD rather than the ZADD it ran as, passwords redacted.
        byte[][] sent = c.argvForLogs();
        int argc = Math.min(sent.length, MAX_ARGC);
        byte[][] argv = new byte[argc][];
        for (int i = 0; i < argc; i++) {
            if (i == MAX_ARGC - 1 && sent.length > MAX_ARGC) {
                argv[i] = ("... (" + (sent.length - MAX_ARGC + 1) + " more arguments)").getBytes();
            } else if (sent[i].length > MAX_ARG_LEN) {
                byte[] cut = Arrays.copyOf(sent[i], MAX_ARG_LEN);
                argv[i] = concat(cut, ("... (" + (sent[i].length - MAX_ARG_LEN) + " more bytes)").getBytes());
            } else {
                argv[i] = sent[i];
            }
        }
        entries.addFirst(new Entry(nextId++, engine.now() / 1000, micros, argv,
                c.conn == null ? "" : c.conn.remoteAddress(), c.name));
        trim();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] r = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    public void trim() {
        while (entries.size() > engine.config.slowlogMaxLen.value()) entries.removeLast();
    }

    public Deque<Entry> entries() {
        return entries;
    }

    public void reset() {
        entries.clear();
    }
}
