package io.magpie.engine;

/**
 * What the engine needs of a client's transport, implemented by the server's session.
 * The engine writes replies into the client's buffer; this is how it asks for bytes
 * written outside the client's own command (pub/sub messages, unblocked replies) to be
 * flushed, and how it closes a client.
 */
public interface Connection {
    /** Flush the client's pending output soon (after the current command batch). */
    void requestFlush();

    /** Close after writing what is pending (CLIENT KILL, QUIT, protocol errors). */
    void closeAfterReply();

    /** ip:port of the peer. */
    String remoteAddress();

    /** ip:port of the local end. */
    String localAddress();

    /** Bytes of replies produced but not yet accepted by the socket. */
    long pendingOutputBytes();

    /** Bytes read but not yet parsed into commands (CLIENT LIST qbuf). */
    int queryBufferBytes();

    /** Whether the client came in over TLS (connGetType(c->conn) == CONN_TYPE_TLS). */
    default boolean tls() {
        return false;
    }
}
