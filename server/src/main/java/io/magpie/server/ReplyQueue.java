package io.magpie.server;

import io.magpie.protocol.ReplyChain;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import java.util.ArrayDeque;

/**
 * A client's reply list (Redis's c->reply): the pieces of replies produced but not yet
 * handed to the socket. They go to the channel only while it is writable, and the rest when
 * the channel says it drained (channelWritabilityChanged), so one client reading hundreds of
 * megabytes of replies gets them chunk by chunk while the event loop serves the others
 * between chunks, and no buffer is ever grown or copied to hold them all.
 */
final class ReplyQueue implements ReplyChain {
    private final ArrayDeque<ByteBuf> pieces = new ArrayDeque<>();
    private final ByteBufAllocator alloc;
    private long bytes;

    ReplyQueue(ByteBufAllocator alloc) {
        this.alloc = alloc;
    }

    @Override
    public void append(ByteBuf piece) {
        if (!piece.isReadable()) {
            piece.release();
            return;
        }
        pieces.add(piece);
        bytes += piece.readableBytes();
    }

    @Override
    public ByteBuf newBuffer(int capacity) {
        return alloc.buffer(capacity);
    }

    /** Bytes queued (part of CLIENT LIST omem and of the output buffer limits). */
    long bytes() {
        return bytes;
    }

    /** Pieces queued (CLIENT LIST oll). */
    int size() {
        return pieces.size();
    }

    boolean isEmpty() {
        return pieces.isEmpty();
    }

    /**
     * Writes pieces to the channel while it is writable, or all of them when forced (before
     * a close, or ahead of bytes that bypass the queue), and flushes. Returns the bytes written.
     */
    long writeTo(Channel channel, boolean all) {
        long written = 0;
        while (!pieces.isEmpty() && (all || channel.isWritable())) {
            ByteBuf piece = pieces.poll();
            int n = piece.readableBytes();
            bytes -= n;
            written += n;
            channel.write(piece, channel.voidPromise());
        }
        if (written > 0) channel.flush();
        return written;
    }

    void release() {
        for (ByteBuf piece; (piece = pieces.poll()) != null; ) piece.release();
        bytes = 0;
    }
}
