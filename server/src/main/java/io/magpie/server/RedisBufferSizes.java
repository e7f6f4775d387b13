package io.magpie.server;

/**
 * The sizes Redis 7.0 reports for a client's buffers in CLIENT LIST (qbuf-free, rbs, rbp,
 * tot-mem), kept by Redis's own rules. Magpie's buffers are Netty's and sized differently, so
 * this follows what Redis's would be: the query buffer is an sds grown by readQueryFromClient
 * (16 KB reads, non-greedy while small) to jemalloc's size classes and trimmed by
 * clientsCronResizeQueryBuffer; the reply buffer starts at 16 KB and is shrunk or grown from
 * its peak by clientsCronResizeOutputBuffer.
 */
final class RedisBufferSizes {
    /** PROTO_IOBUF_LEN: what one read asks for. */
    private static final int IOBUF_LEN = 16 * 1024;
    /** PROTO_RESIZE_THRESHOLD: a query buffer below this is never trimmed while in use. */
    private static final int RESIZE_THRESHOLD = 32 * 1024;
    /** SDS_MAX_PREALLOC: greedy growth doubles up to this. */
    private static final int SDS_MAX_PREALLOC = 1024 * 1024;
    /** PROTO_REPLY_CHUNK_BYTES and PROTO_REPLY_MIN_BYTES: the reply buffer's start and floor. */
    static final int REPLY_CHUNK_BYTES = 16 * 1024;
    private static final int REPLY_MIN_BYTES = 1024;
    /** reply_buffer_peak_reset_time's default, in milliseconds. */
    private static final long PEAK_RESET_MS = 5000;

    /** sdsalloc(querybuf): its capacity, 0 for the empty sds a client starts with. */
    private long queryAlloc;
    private long queryPeak;
    /** buf_usable_size, buf_peak and buf_peak_last_reset_time (0 at creation, as Redis's). */
    private int replyUsable = REPLY_CHUNK_BYTES;
    private int replyPeak = REPLY_CHUNK_BYTES;
    private long replyPeakLastReset;

    /** A read of n bytes into a query buffer holding len (readQueryFromClient's sdsMakeRoomFor). */
    void queryRead(long len, long n) {
        if (queryAlloc - len < IOBUF_LEN) {
            long newLen = len + IOBUF_LEN;
            if (queryAlloc >= IOBUF_LEN) newLen = newLen < SDS_MAX_PREALLOC ? newLen * 2 : newLen + SDS_MAX_PREALLOC;
            queryAlloc = sdsUsable(newLen);
        }
        if (len + n > queryAlloc) queryAlloc = sdsUsable(len + n);
        queryPeak = Math.max(queryPeak, len + Math.max(n, IOBUF_LEN));
    }

    long queryAlloc() {
        return queryAlloc;
    }

    /** PROTO_MBULK_BIG_ARG: an argument this long is read into a buffer of its own. */
    static final int MBULK_BIG_ARG = 32 * 1024;

    /**
     * Redis reads a big argument into a query buffer sized for it and keeps that buffer as the
     * argument's string; the client goes on with a new empty one of the same size, which the
     * cron trims once it is not needed.
     */
    void bigArgTaken(long bulkLen) {
        queryAlloc = sdsUsable(bulkLen + 2);
    }

    /** zmalloc size of the query buffer's sds: header, capacity and terminator, rounded up. */
    long queryMemory() {
        return jemallocSize(sdsHeader(queryAlloc) + queryAlloc + 1);
    }

    /** Replies that went through the client's static buffer (_addReplyToBuffer's peak). */
    void replyWritten(long bytes) {
        replyPeak = (int) Math.max(replyPeak, Math.min(bytes, replyUsable));
    }

    int replyUsable() {
        return replyUsable;
    }

    int replyPeak() {
        return replyPeak;
    }

    /** clientsCronResizeQueryBuffer and clientsCronResizeOutputBuffer, for a client holding len query bytes. */
    void cron(long len, long idleSeconds, long nowMs) {
        if (queryAlloc - len > 4 * 1024) {
            if (idleSeconds > 2) {
                queryAlloc = len;
            } else if (queryAlloc > RESIZE_THRESHOLD && queryAlloc / 2 > queryPeak) {
                queryAlloc = Math.max(len, queryPeak);
            }
        }
        queryPeak = len;

        int shrinkTarget = replyUsable / 2, expandTarget = replyUsable * 2;
        if (shrinkTarget >= REPLY_MIN_BYTES && replyPeak < shrinkTarget) {
            replyUsable = Math.max(REPLY_MIN_BYTES, replyPeak + 1);
        } else if (expandTarget < REPLY_CHUNK_BYTES * 2 && replyPeak == replyUsable) {
            replyUsable = Math.min(REPLY_CHUNK_BYTES, expandTarget);
        }
        if (nowMs - replyPeakLastReset >= PEAK_RESET_MS) {
            replyPeak = 0; // the static buffer is empty between events
            replyPeakLastReset = nowMs;
        }
    }

    /** The capacity sdsMakeRoomFor records for a string of newLen: what jemalloc gives, less header. */
    private static long sdsUsable(long newLen) {
        int hdr = sdsHeader(newLen);
        return jemallocSize(hdr + newLen + 1) - hdr - 1;
    }

    private static int sdsHeader(long len) {
        if (len < 1 << 8) return 3;
        if (len < 1 << 16) return 5;
        return len < 1L << 32 ? 9 : 17;
    }

    /** jemalloc's size classes: 8, multiples of 16 up to 128, then four classes per doubling. */
    static long jemallocSize(long n) {
        if (n <= 8) return 8;
        if (n <= 128) return (n + 15) & ~15L;
        int k = 63 - Long.numberOfLeadingZeros(n - 1);
        long spacing = 1L << (k - 2);
        return (n + spacing - 1) & -spacing;
    }
}
