package io.magpie.server;

import io.magpie.engine.Client;
import io.netty.channel.Channel;
import io.netty.channel.nio.AbstractNioChannel;
import java.lang.reflect.Method;
import java.util.List;

/**
 * Redis's processEventsWhileBlocked for a script that runs past busy-reply-threshold. The
 * script runs on the keyspace thread, inside a read of its client's channel; its instruction
 * hook calls {@link #process} every so often, which accepts new connections and reads what
 * the other clients sent, so that they get BUSY and can send SCRIPT KILL, FUNCTION KILL or
 * SHUTDOWN NOSAVE. The script's own client is not read (Redis's protectClient).
 *
 * <p>A Netty event loop cannot be re-entered from one of its own tasks, and the channels
 * cannot move to another loop while this one is held (deregistering is itself a task queued
 * behind the script). So this asks each channel's transport to read now, as the loop would
 * on a readiness event: NIO through its public {@code NioUnsafe.read()}, epoll through
 * {@code AbstractEpollUnsafe.epollInReady()}, package-private in Netty and reached by
 * reflection. On a socket with nothing to read it returns at once (EAGAIN). Without a
 * readiness set each round costs a read per connection, so rounds are spaced at least four
 * times their own length apart: the script keeps most of the thread however many clients wait.
 * New connections are accepted on the same loop (the listeners are registered on it) so that
 * their registration happens at once rather than as a task behind the script.
 */
final class EventsWhileBlocked {
    private static final long MIN_INTERVAL_NANOS = 2_000_000;
    /** epollInReady, or null when the epoll transport is not on the class path. */
    private static final Method EPOLL_IN_READY = epollInReady();

    private final MagpieServer server;
    private long nextRoundNanos;

    EventsWhileBlocked(MagpieServer server) {
        this.server = server;
        this.nextRoundNanos = System.nanoTime();
    }

    /** One round: accept, then read every other client; called on the keyspace thread from the script's hook. */
    void process(Client caller) {
        // LuaJ runs a coroutine on a thread of its own (the keyspace thread waits for it): from
        // there Netty would only queue tasks behind the script, so nothing is served.
        if (!server.mainLoop().inEventLoop()) return;
        long start = System.nanoTime();
        if (start - nextRoundNanos < 0) return;
        for (Channel listener : server.listeningChannels()) {
            if (listener.isActive()) readNow(listener);
        }
        List<ClientSession> sessions = server.sessions();
        for (ClientSession s : sessions) {
            Channel ch = s.channel();
            if (s.client() == caller || ch == null || !ch.isActive() || !ch.config().isAutoRead()) continue;
            readNow(ch);
            // Replies go out now: the flush after a read may wait for an AOF fsync that runs as a task.
            if (ch.isActive()) s.flush();
        }
        long end = System.nanoTime();
        nextRoundNanos = end + Math.max(MIN_INTERVAL_NANOS, 4 * (end - start));
    }

    /** Reads what the socket holds now and passes it up the channel's pipeline (or accepts, on a listener). */
    static void readNow(Channel ch) {
        Channel.Unsafe unsafe = ch.unsafe();
        if (unsafe instanceof AbstractNioChannel.NioUnsafe nio) {
            nio.read();
        } else if (EPOLL_IN_READY != null && EPOLL_IN_READY.getDeclaringClass().isInstance(unsafe)) {
            try {
                EPOLL_IN_READY.invoke(unsafe);
            } catch (ReflectiveOperationException e) {
                // epollInReady handles its own read errors; this would be a Netty that changed.
                Log.warning("Could not read a client while a script runs: %s", e);
            }
        }
    }

    private static Method epollInReady() {
        try {
            Class<?> unsafe = Class.forName("io.netty.channel.epoll.AbstractEpollChannel$AbstractEpollUnsafe");
            Method m = unsafe.getDeclaredMethod("epollInReady");
            m.setAccessible(true);
            return m;
        } catch (ReflectiveOperationException | RuntimeException e) {
            Log.warning("Clients will not be served while a long script runs: %s", e);
            return null;
        }
    }
}
