package io.magpie.server.commands;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * MIGRATE's cached connections to targets (Redis's migrate_cached_sockets): at most 64, keyed
 * by "host:port", each remembering the db it last SELECTed; one idle for 10 seconds is closed
 * ({@link #closeIdle}, from the cron). The I/O is synchronous with a deadline, as Redis's
 * syncWrite/syncReadLine, on the keyspace thread.
 */
public final class MigrateSockets {
    static final int MAX_ITEMS = 64;
    static final long TTL_MS = 10_000;

    private final Map<String, Cached> cache = new LinkedHashMap<>();

    /** The number of cached connections (INFO's migrate_cached_sockets). */
    public int size() {
        return cache.size();
    }

    /** The cached connection to host:port, or a new one; null when it cannot connect within timeout ms. */
    Cached get(String host, String port, long timeoutMs) {
        String name = host + ":" + port;
        Cached cs = cache.get(name);
        if (cs != null) {
            cs.lastUse = System.currentTimeMillis();
            cs.timeoutMs = timeoutMs;
            return cs;
        }
        if (cache.size() == MAX_ITEMS) {
            // Full: drop one (Redis drops a random one; the oldest is as good).
            Iterator<Cached> it = cache.values().iterator();
            it.next().channelClose();
            it.remove();
        }
        // As Redis's blocking connect: only an address that cannot be used fails here; a refused
        // or timed out connect gives a connection whose first write fails ("error or timeout
        // writing"), and it is cached like any other until that error closes it.
        InetSocketAddress address;
        try {
            address = new InetSocketAddress(host, atoi(port));
        } catch (IllegalArgumentException e) {
            return null;
        }
        if (address.isUnresolved()) return null;
        SocketChannel ch;
        try {
            ch = SocketChannel.open();
            ch.configureBlocking(false);
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            cs = new Cached(this, name, ch, timeoutMs);
        } catch (IOException e) {
            return null;
        }
        try {
            if (!ch.connect(address)) cs.await(SelectionKey.OP_CONNECT);
        } catch (IOException | RuntimeException e) {
            cs.broken = true;
        }
        cache.put(name, cs);
        return cs;
    }

    /** Closes the connection to host:port, if cached (a socket error; the next MIGRATE reconnects and SELECTs). */
    void close(String host, String port) {
        Cached cs = cache.remove(host + ":" + port);
        if (cs != null) cs.channelClose();
    }

    /** Closes the connections idle for more than 10 seconds (Redis's migrateCloseTimedoutSockets). */
    public void closeIdle(long nowMs) {
        for (Iterator<Cached> it = cache.values().iterator(); it.hasNext(); ) {
            Cached cs = it.next();
            if (nowMs - cs.lastUse > TTL_MS) {
                cs.channelClose();
                it.remove();
            }
        }
    }

    /** Closes every connection (shutdown). */
    public void closeAll() {
        for (Cached cs : cache.values()) cs.channelClose();
        cache.clear();
    }

    /** C's atoi: the leading digits, 0 when there are none. */
    private static int atoi(String s) {
        int i = 0, n = 0;
        while (i < s.length() && s.charAt(i) == ' ') i++;
        while (i < s.length() && Character.isDigit(s.charAt(i)) && n < 1_000_000) n = n * 10 + (s.charAt(i++) - '0');
        return n;
    }

    private static void closeQuietly(SocketChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // already gone
        }
    }

    /** One cached connection. */
    static final class Cached {
        private final MigrateSockets owner;
        private final String name;
        private final SocketChannel ch;
        private final Selector selector;
        private final ByteBuffer in = ByteBuffer.allocate(16 * 1024);
        long lastDbid = -1;
        long lastUse;
        long timeoutMs;
        /** The connect failed: the first write fails. */
        boolean broken;

        Cached(MigrateSockets owner, String name, SocketChannel ch, long timeoutMs) throws IOException {
            this.owner = owner;
            this.name = name;
            this.ch = ch;
            this.timeoutMs = timeoutMs;
            this.selector = Selector.open();
            this.lastUse = System.currentTimeMillis();
            in.flip();
        }

        /** Waits until the channel is ready for op, at most the timeout; finishes a connect. */
        private void await(int op) throws IOException {
            SelectionKey key = ch.register(selector, op);
            try {
                long deadline = System.currentTimeMillis() + timeoutMs;
                while (true) {
                    long left = deadline - System.currentTimeMillis();
                    if (left <= 0) throw new SocketTimeoutException();
                    selector.select(left);
                    if (op == SelectionKey.OP_CONNECT) {
                        if (key.isConnectable() && ch.finishConnect()) return;
                    } else if (!selector.selectedKeys().isEmpty()) {
                        return;
                    }
                    selector.selectedKeys().clear();
                }
            } finally {
                key.cancel();
                selector.selectNow();
            }
        }

        /** Writes all of data within the timeout (in 64 KB pieces, as Redis). */
        void write(byte[] data) throws IOException {
            if (broken) throw new IOException("not connected");
            ByteBuffer b = ByteBuffer.wrap(data);
            long deadline = System.currentTimeMillis() + timeoutMs;
            while (b.hasRemaining()) {
                int limit = Math.min(b.capacity(), b.position() + 64 * 1024);
                ByteBuffer piece = b.duplicate().limit(limit);
                if (ch.write(piece) == 0) {
                    if (System.currentTimeMillis() >= deadline) throw new SocketTimeoutException();
                    await(SelectionKey.OP_WRITE);
                }
                b.position(piece.position());
            }
        }

        /** Reads one line (without its CRLF) within the timeout. */
        String readLine() throws IOException {
            StringBuilder line = new StringBuilder();
            long deadline = System.currentTimeMillis() + timeoutMs;
            while (true) {
                while (in.hasRemaining()) {
                    byte b = in.get();
                    if (b == '\n') {
                        int n = line.length();
                        if (n > 0 && line.charAt(n - 1) == '\r') line.setLength(n - 1);
                        return line.toString();
                    }
                    if (line.length() < 1023) line.append((char) (b & 0xff));
                }
                in.clear();
                int n = ch.read(in);
                in.flip();
                if (n < 0) throw new IOException("connection closed");
                if (n == 0) {
                    if (System.currentTimeMillis() >= deadline) throw new SocketTimeoutException();
                    await(SelectionKey.OP_READ);
                }
            }
        }

        /** Closes and forgets this connection. */
        void close() {
            owner.cache.remove(name, this);
            channelClose();
        }

        private void channelClose() {
            closeQuietly(ch);
            try {
                selector.close();
            } catch (IOException ignored) {
                // nothing to release
            }
        }
    }
}
