package io.magpie.proxy;

import io.netty.buffer.ByteBuf;

/** Receives one backend reply, whole, as the RESP bytes the backend sent (or an error the proxy made). The callee releases it. */
interface ReplyCallback {
    void reply(ByteBuf frame);

    /** A reply nobody waits for (ASKING's +OK, a handshake's): dropped. */
    ReplyCallback DISCARD = io.netty.buffer.ByteBuf::release;
}
