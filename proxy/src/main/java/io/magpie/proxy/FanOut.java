package io.magpie.proxy;

import io.magpie.protocol.RespWriter;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.List;

/**
 * One client command split over several backends, and the merge of their replies into the one
 * reply the client expects. Each part's reply is decoded when it arrives; when the last one
 * is in, the merged reply completes the client's slot. A part that failed (its backend down)
 * becomes an error: in MGET, the error of each of its keys; elsewhere the command's error.
 */
final class FanOut {
    enum Merge {
        /** Values in the client's key order. */
        MGET,
        /** OK when every part is OK, else the partial failure named. */
        MSET,
        /** Integer replies summed (DEL, UNLINK, EXISTS, TOUCH, DBSIZE). */
        SUM,
        /** Arrays concatenated (KEYS). */
        CONCAT,
        /** OK when every part is OK (FLUSHALL, FLUSHDB), else the first error. */
        ALL_OK,
        /** The first part's reply, once all have answered (SCRIPT LOAD, FUNCTION LOAD on every master). */
        FIRST
    }

    private final Merge merge;
    private final String command;
    private final Object[] results;
    private final String[] labels;
    private final int[][] positions;
    private final int total;
    private final int resp;
    private final ReplyCallback target;
    private int remaining;

    /** positions[i]: the client's key indexes that part i carries (MGET), or null. */
    FanOut(Merge merge, String command, String[] labels, int[][] positions, int total, int resp, ReplyCallback target) {
        this.merge = merge;
        this.command = command;
        this.labels = labels;
        this.results = new Object[labels.length];
        this.positions = positions;
        this.total = total;
        this.resp = resp;
        this.target = target;
        this.remaining = labels.length;
    }

    ReplyCallback part(int i) {
        return frame -> {
            try {
                results[i] = Replies.decode(frame);
            } finally {
                frame.release();
            }
            if (--remaining == 0) target.reply(merged());
        };
    }

    private ByteBuf merged() {
        ByteBuf out = Unpooled.buffer();
        RespWriter w = new RespWriter(out, resp);
        switch (merge) {
            case MGET -> {
                Object[] values = new Object[total];
                for (int p = 0; p < results.length; p++) {
                    Object r = results[p];
                    for (int k = 0; k < positions[p].length; k++) {
                        values[positions[p][k]] = r instanceof List<?> l ? l.get(k) : r instanceof Replies.Err ? r : new Replies.Err("ERR magpie-proxy: unexpected reply");
                    }
                }
                w.arrayLen(total);
                for (Object v : values) write(w, v);
            }
            case MSET -> {
                int failed = 0;
                StringBuilder why = new StringBuilder();
                for (int p = 0; p < results.length; p++) {
                    if (results[p] instanceof Replies.Err e) {
                        if (failed++ == 0) why.append(labels[p]).append(": ").append(e.text());
                    }
                }
                if (failed == 0) w.ok();
                else w.error("ERR magpie-proxy: partial failure: " + command + " failed on " + failed + " of " + results.length
                        + " backends (" + why + "); the keys of the other backends were set");
            }
            case SUM -> {
                Replies.Err err = firstError();
                if (err != null) w.error(err.text());
                else {
                    long sum = 0;
                    for (Object r : results) sum += r instanceof Long l ? l : 0;
                    w.integer(sum);
                }
            }
            case CONCAT -> {
                Replies.Err err = firstError();
                if (err != null) w.error(err.text());
                else {
                    int n = 0;
                    for (Object r : results) n += ((List<?>) r).size();
                    w.arrayLen(n);
                    for (Object r : results) for (Object v : (List<?>) r) write(w, v);
                }
            }
            case ALL_OK -> {
                Replies.Err err = firstError();
                if (err != null) w.error(err.text());
                else w.ok();
            }
            case FIRST -> {
                Replies.Err err = firstError();
                if (err != null) w.error(err.text());
                else write(w, results[0]);
            }
        }
        return out;
    }

    private Replies.Err firstError() {
        for (Object r : results) if (r instanceof Replies.Err e) return e;
        return null;
    }

    /** Writes a decoded value back (bulk strings as bulk: the merged commands return no status but OK). */
    static void write(RespWriter w, Object v) {
        if (v == null) w.nullBulk();
        else if (v instanceof byte[] b) w.bulk(b);
        else if (v instanceof Long l) w.integer(l);
        else if (v instanceof Replies.Err e) w.error(e.text());
        else if (v instanceof Boolean b) w.bool(b);
        else if (v instanceof List<?> l) {
            w.arrayLen(l.size());
            for (Object o : l) write(w, o);
        }
    }
}
