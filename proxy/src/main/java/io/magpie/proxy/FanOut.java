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
            if (merge == Merge.MGET) {
                results[i] = frame; // kept whole: its elements are copied out as they are
            } else {
                try {
                    results[i] = Replies.decode(frame);
                } finally {
                    frame.release();
                }
            }
            if (--remaining == 0) target.reply(merge == Merge.MGET ? mergedMget() : merged());
        };
    }

    /**
     * MGET's values in the client's key order, each copied byte for byte from its part's reply
     * (no decoding: a value is found by framing, as the backend wrote it). A part that failed
     * gives its error for each of its keys.
     */
    private ByteBuf mergedMget() {
        int size = 16;
        for (Object r : results) size += ((ByteBuf) r).readableBytes();
        ByteBuf out = io.netty.buffer.PooledByteBufAllocator.DEFAULT.buffer(size);
        int[] start = new int[total], end = new int[total];
        ByteBuf[] from = new ByteBuf[total];
        for (int p = 0; p < results.length; p++) {
            ByteBuf f = (ByteBuf) results[p];
            int i = f.readerIndex();
            byte type = f.getByte(i);
            int count = positions[p].length;
            if (type == '*') {
                int eol = f.indexOf(i, f.writerIndex(), (byte) '\r');
                int at = eol + 2;
                for (int k = 0; k < count && at > 0; k++) {
                    int e = Replies.frameEnd(f, at);
                    start[positions[p][k]] = at;
                    end[positions[p][k]] = e;
                    from[positions[p][k]] = f;
                    at = e;
                }
            } else { // an error (or anything else): that reply, for each of the part's keys
                int e = Replies.frameEnd(f, i);
                for (int k = 0; k < count; k++) {
                    start[positions[p][k]] = i;
                    end[positions[p][k]] = e;
                    from[positions[p][k]] = f;
                }
            }
        }
        out.writeByte('*');
        out.writeCharSequence(Integer.toString(total), java.nio.charset.StandardCharsets.US_ASCII);
        out.writeBytes(Resp.CRLF);
        for (int k = 0; k < total; k++) out.writeBytes(from[k], start[k], end[k] - start[k]);
        for (Object r : results) ((ByteBuf) r).release();
        return out;
    }

    private ByteBuf merged() {
        ByteBuf out = Unpooled.buffer();
        RespWriter w = new RespWriter(out, resp);
        switch (merge) {
            case MGET -> throw new IllegalStateException("MGET merges in mergedMget");
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
