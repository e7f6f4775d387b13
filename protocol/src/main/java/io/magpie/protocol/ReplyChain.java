package io.magpie.protocol;

import io.netty.buffer.ByteBuf;

/**
 * Where a {@link RespWriter} hands its output piece by piece, as Redis appends to a client's
 * reply list: full buffers, and large bulk strings as buffers of their own, so that a reply
 * of hundreds of megabytes is never one buffer grown (and copied) again and again, and the
 * connection can send the pieces as the socket accepts them.
 */
public interface ReplyChain {
    /** Appends a piece after the ones appended before; the chain owns it from now on. */
    void append(ByteBuf piece);

    /** A new empty buffer of at least this capacity for the replies that follow. */
    ByteBuf newBuffer(int capacity);
}
