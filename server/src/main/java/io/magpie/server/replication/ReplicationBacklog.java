package io.magpie.server.replication;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/**
 * The replication backlog: the last repl-backlog-size bytes of the replication stream, so
 * a replica that lost its link can continue from its offset instead of a full sync.
 *
 * <p>Redis 7.0 shares the replicas' output buffers as its backlog; here it is a plain ring
 * of bytes because replicas get their own retained slices of each batch (Netty's buffers
 * are already shared by reference), and the ring is the simplest thing that bounds memory.
 * Offsets follow Redis: the first byte of the stream is offset 1, so a backlog created at
 * master_repl_offset N starts at N+1.
 */
final class ReplicationBacklog {
    private byte[] ring;
    /** Bytes of history held, at most ring.length. */
    private long histlen;
    /** Where the next byte goes. */
    private int idx;
    /** Replication offset of the first byte held (repl_backlog_first_byte_offset). */
    private long firstByteOffset;

    ReplicationBacklog(int size, long masterReplOffset) {
        ring = new byte[size];
        firstByteOffset = masterReplOffset + 1;
    }

    int size() {
        return ring.length;
    }

    long histlen() {
        return histlen;
    }

    long firstByteOffset() {
        return firstByteOffset;
    }

    /** Appends the readable bytes of buf without consuming them. */
    void append(ByteBuf buf) {
        int len = buf.readableBytes();
        int from = buf.readerIndex();
        if (len >= ring.length) {
            // Only the tail fits: the ring becomes exactly the last ring.length bytes.
            long end = firstByteOffset + histlen + len;
            buf.getBytes(from + len - ring.length, ring, 0, ring.length);
            idx = 0;
            histlen = ring.length;
            firstByteOffset = end - ring.length;
            return;
        }
        int first = Math.min(len, ring.length - idx);
        buf.getBytes(from, ring, idx, first);
        if (first < len) buf.getBytes(from + first, ring, 0, len - first);
        idx = (idx + len) % ring.length;
        histlen += len;
        if (histlen > ring.length) {
            firstByteOffset += histlen - ring.length;
            histlen = ring.length;
        }
    }

    /** True when the bytes from offset to the end of the stream are all here (addReplyReplicationBacklog's precondition). */
    boolean covers(long offset) {
        return offset >= firstByteOffset && offset <= firstByteOffset + histlen;
    }

    /** A copy of the stream from offset (inclusive) to its end. */
    ByteBuf copyFrom(long offset) {
        int len = (int) (firstByteOffset + histlen - offset);
        ByteBuf out = Unpooled.buffer(len);
        // The oldest byte sits at idx when the ring is full, else at 0.
        int start = (int) (((histlen == ring.length ? idx : 0) + (offset - firstByteOffset)) % ring.length);
        int first = Math.min(len, ring.length - start);
        out.writeBytes(ring, start, first);
        if (first < len) out.writeBytes(ring, 0, len - first);
        return out;
    }

    /**
     * repl-backlog-size changed (resizeReplicationBacklog): Redis 7.0 keeps the history, so
     * the newest min(histlen, newSize) bytes are carried over.
     */
    void resize(int newSize) {
        if (newSize == ring.length) return;
        long end = firstByteOffset + histlen;
        long keep = Math.min(histlen, newSize);
        ByteBuf tail = keep == 0 ? Unpooled.EMPTY_BUFFER : copyFrom(end - keep);
        ring = new byte[newSize];
        idx = 0;
        histlen = 0;
        firstByteOffset = end - keep;
        append(tail);
    }
}
