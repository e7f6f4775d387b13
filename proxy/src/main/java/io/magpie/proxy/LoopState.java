package io.magpie.proxy;

import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;

/**
 * What one event loop owns: its shared connections to each backend (one per backend and
 * protocol version), and the channels written since the last flush. Clients of this loop
 * and their backend replies never leave its thread, so nothing here is locked. A batch of
 * pipelined requests becomes one write per backend, and a batch of replies one write per
 * client: channels are flushed when the read that filled them ends.
 */
final class LoopState {
    final EventLoop eventLoop;
    final ProxyServer server;
    private final Map<Backend, BackendConnection> resp2 = new HashMap<>();
    private final Map<Backend, BackendConnection> resp3 = new HashMap<>();
    private final ArrayList<Channel> dirty = new ArrayList<>();
    private final ArrayList<BackendConnection> batched = new ArrayList<>();
    private final java.util.Set<Channel> dirtySet = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());

    LoopState(EventLoop eventLoop, ProxyServer server) {
        this.eventLoop = eventLoop;
        this.server = server;
    }

    ByteBufAllocator alloc() {
        return server.alloc;
    }

    /** The loop's shared (multiplexed) connection to b, made on first use or after one broke. */
    BackendConnection shared(Backend b, int resp) {
        Map<Backend, BackendConnection> m = resp == 3 ? resp3 : resp2;
        BackendConnection c = m.get(b);
        if (c == null || c.isClosed()) {
            c = new BackendConnection(this, b, resp, server.config.backendUser, server.config.backendPassword);
            m.put(b, c);
        }
        return c;
    }

    /** A connection for one client alone (blocking commands, pub/sub, WATCH). */
    BackendConnection dedicated(Backend b, int resp) {
        return new BackendConnection(this, b, resp, server.config.backendUser, server.config.backendPassword);
    }

    void forget(BackendConnection c) {
        (c.resp == 3 ? resp3 : resp2).remove(c.backend, c);
    }

    Iterable<BackendConnection> sharedConnections() {
        ArrayList<BackendConnection> all = new ArrayList<>(resp2.values());
        all.addAll(resp3.values());
        return all;
    }

    private boolean flushScheduled;
    private final Runnable flushTask = () -> {
        flushScheduled = false;
        flushDirty();
    };

    /**
     * ch was written to. It is flushed by a task that runs after the loop has handled every
     * channel ready in this round (Netty runs tasks after I/O), so the requests that 50 clients
     * sent at once leave for a backend in one write, and their replies in one write each.
     */
    void markDirty(Channel ch) {
        if (dirtySet.add(ch)) {
            dirty.add(ch);
            scheduleFlush();
        }
    }

    /**
     * c gathers this round's requests in one buffer (one write and one outbound entry for the
     * lot, not one per request): it is written, then flushed, by the round's flush.
     */
    void markBatched(BackendConnection c) {
        batched.add(c);
        scheduleFlush();
    }

    private void scheduleFlush() {
        if (!flushScheduled) {
            flushScheduled = true;
            eventLoop.execute(flushTask);
        }
    }

    /** Writes the gathered request batches, then flushes every channel written to since the last flush. */
    void flushDirty() {
        // A flush can complete more replies (a failed write closes a backend), which mark
        // channels anew: loop until nothing is left.
        while (!dirty.isEmpty() || !batched.isEmpty()) {
            while (!batched.isEmpty()) batched.remove(batched.size() - 1).writeBatch();
            while (!dirty.isEmpty()) {
                Channel ch = dirty.remove(dirty.size() - 1);
                dirtySet.remove(ch);
                ch.flush();
            }
        }
    }
}
