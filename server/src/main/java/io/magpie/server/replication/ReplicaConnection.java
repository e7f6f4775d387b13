package io.magpie.server.replication;

import io.magpie.engine.Client;
import io.magpie.server.ClientSession;
import io.netty.buffer.ByteBuf;
import java.util.ArrayDeque;

/**
 * One replica attached to this node, as the master sees it (the CLIENT_SLAVE part of
 * Redis's client struct): what it announced in REPLCONF, where it is in its sync, and what
 * it acknowledged.
 */
final class ReplicaConnection {
    /** Redis's SLAVE_STATE_*: waiting for a snapshot to start, for it to end, and streaming. */
    enum State { WAIT_BGSAVE_START, WAIT_BGSAVE_END, SEND_BULK, ONLINE }

    final Client client;
    final ClientSession session;
    State state;
    int listeningPort;
    String announcedIp;
    boolean capaEof, capaPsync2;
    /** Sent SYNC rather than PSYNC: no +FULLRESYNC line, and no partial resync ever. */
    boolean oldSync;
    long ackOffset;
    /** When the last REPLCONF ACK arrived (ms); drives lag and the repl-timeout. */
    long ackTimeMs;
    /** The offset its full sync started at (psync_initial_offset). */
    long psyncInitialOffset;
    long waitStartMs;
    /** After a diskless transfer, the stream waits for the first ACK (the replica has loaded). */
    boolean streamOnAck;
    /** Stream written while the snapshot is being transferred, sent right after it. */
    final ArrayDeque<ByteBuf> pending = new ArrayDeque<>();
    long pendingBytes;
    /** Since when the output is over the soft limit (0: it is not). */
    long softLimitSinceMs;

    ReplicaConnection(Client client, ClientSession session) {
        this.client = client;
        this.session = session;
    }

    /** ip:port as Redis's replicationGetSlaveName prints it. */
    String name() {
        String ip = announcedIp != null ? announcedIp : hostOf(session.remoteAddress());
        return listeningPort != 0 ? ip + ":" + listeningPort : ip + ":<unknown-replica-port>";
    }

    String ip() {
        return announcedIp != null ? announcedIp : hostOf(session.remoteAddress());
    }

    static String hostOf(String addr) {
        int i = addr.lastIndexOf(':');
        return i < 0 ? addr : addr.substring(0, i);
    }

    /** Queues stream bytes to follow the snapshot (retains them). */
    void queue(ByteBuf stream) {
        pending.add(stream.retainedDuplicate());
        pendingBytes += stream.readableBytes();
    }

    /** Writes what waited behind the snapshot and switches to direct streaming. */
    void releasePending() {
        while (!pending.isEmpty()) session.channel().write(pending.poll(), session.channel().voidPromise());
        pendingBytes = 0;
        session.channel().flush();
    }

    void dropPending() {
        while (!pending.isEmpty()) pending.poll().release();
        pendingBytes = 0;
    }

    /** Bytes waiting to reach the replica: the queue plus what the socket has not taken. */
    long outputBytes() {
        return pendingBytes + session.socketPendingBytes();
    }

    /** INFO's state word (replstateToString). */
    String stateName() {
        return switch (state) {
            case WAIT_BGSAVE_START, WAIT_BGSAVE_END -> "wait_bgsave";
            case SEND_BULK -> "send_bulk";
            case ONLINE -> "online";
        };
    }
}
