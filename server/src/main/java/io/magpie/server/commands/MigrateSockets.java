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
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;

/**
 * MIGRATE's cached connections to targets (Redis's migrate_cached_sockets): at most 64, keyed
 * by "host:port", each remembering the db it last SELECTed; one idle for 10 seconds is closed
 * ({@link #closeIdle}, from the cron). The I/O is synchronous with a deadline, as Redis's
 * syncWrite/syncReadLine, on the keyspace thread. With tls-cluster the connection runs over
 * TLS (Redis's connCreateTLS there): an SSLEngine driven over the same non-blocking channel,
 * its handshake done within the timeout at connect.
 */
public final class MigrateSockets {
    static final int MAX_ITEMS = 64;
    static final long TTL_MS = 10_000;
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

    private final Map<String, Cached> cache = new LinkedHashMap<>();

    /** The number of cached connections (INFO's migrate_cached_sockets). */
    public int size() {
        return cache.size();
    }

    /**
     * The cached connection to host:port, or a new one; null when it cannot connect within
     * timeout ms. tls gives the engine of a TLS connection to host:port, or null for a plain one.
     */
    Cached get(String host, String port, long timeoutMs, java.util.function.BiFunction<String, Integer, SSLEngine> tls) {
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
            cs = new Cached(this, name, ch, timeoutMs, tls.apply(host, address.getPort()));
        } catch (IOException | RuntimeException e) {
            return null;
        }
        try {
            if (!ch.connect(address)) cs.await(SelectionKey.OP_CONNECT);
            if (cs.ssl != null) cs.handshake();
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
        /** Bytes read (decrypted, with TLS) and not yet consumed, in read mode. */
        private final ByteBuffer in;
        /** TLS: the engine, null for a plain connection; the encrypted bytes read and not yet unwrapped, in read mode. */
        final SSLEngine ssl;
        private final ByteBuffer netIn;
        long lastDbid = -1;
        long lastUse;
        long timeoutMs;
        /** The connect failed: the first write fails. */
        boolean broken;

        Cached(MigrateSockets owner, String name, SocketChannel ch, long timeoutMs, SSLEngine ssl) throws IOException {
            this.owner = owner;
            this.name = name;
            this.ch = ch;
            this.timeoutMs = timeoutMs;
            this.ssl = ssl;
            this.selector = Selector.open();
            this.lastUse = System.currentTimeMillis();
            in = ByteBuffer.allocate(ssl == null ? 16 * 1024 : Math.max(16 * 1024, ssl.getSession().getApplicationBufferSize()));
            in.flip();
            netIn = ssl == null ? null : ByteBuffer.allocate(ssl.getSession().getPacketBufferSize()).flip();
        }

        /** The TLS handshake, within the timeout. */
        void handshake() throws IOException {
            long deadline = System.currentTimeMillis() + timeoutMs;
            ssl.beginHandshake();
            while (true) {
                switch (ssl.getHandshakeStatus()) {
                    case NEED_WRAP -> wrap(EMPTY, deadline);
                    case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> {
                        if (unwrap() < 0 && readNet(deadline) < 0) throw new IOException("connection closed during the TLS handshake");
                    }
                    case NEED_TASK -> {
                        for (Runnable task; (task = ssl.getDelegatedTask()) != null; ) task.run();
                    }
                    default -> {
                        return; // FINISHED, NOT_HANDSHAKING
                    }
                }
            }
        }

        /** Encrypts all of src and writes the records within the deadline. */
        private void wrap(ByteBuffer src, long deadline) throws IOException {
            ByteBuffer out = ByteBuffer.allocate(ssl.getSession().getPacketBufferSize());
            do {
                out.clear();
                SSLEngineResult r = ssl.wrap(src, out);
                if (r.getStatus() == SSLEngineResult.Status.CLOSED) throw new IOException("TLS connection closed");
                if (r.getStatus() != SSLEngineResult.Status.OK) throw new IOException("TLS wrap: " + r.getStatus());
                out.flip();
                writeRaw(out, deadline);
            } while (src.hasRemaining());
        }

        /**
         * Decrypts what netIn holds into in: the bytes it made, 0 when it did, or -1 when netIn
         * holds no whole record (read more).
         */
        private int unwrap() throws IOException {
            if (!netIn.hasRemaining()) return -1;
            in.compact();
            try {
                SSLEngineResult r = ssl.unwrap(netIn, in);
                switch (r.getStatus()) {
                    case BUFFER_UNDERFLOW:
                        return -1;
                    case CLOSED:
                        throw new IOException("TLS connection closed");
                    case BUFFER_OVERFLOW:
                        throw new IOException("TLS record larger than the buffer");
                    default:
                        return r.bytesProduced();
                }
            } finally {
                in.flip();
            }
        }

        /** Reads encrypted bytes into netIn, waiting within the deadline; -1 at end of stream. */
        private int readNet(long deadline) throws IOException {
            while (true) {
                netIn.compact();
                int n;
                try {
                    n = ch.read(netIn);
                } finally {
                    netIn.flip();
                }
                if (n != 0) return n;
                if (System.currentTimeMillis() >= deadline) throw new SocketTimeoutException();
                await(SelectionKey.OP_READ);
            }
        }

        /** Writes all of buf within the deadline. */
        private void writeRaw(ByteBuffer buf, long deadline) throws IOException {
            while (buf.hasRemaining()) {
                if (ch.write(buf) == 0) {
                    if (System.currentTimeMillis() >= deadline) throw new SocketTimeoutException();
                    await(SelectionKey.OP_WRITE);
                }
            }
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
            if (ssl != null) {
                wrap(b, deadline);
                return;
            }
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
                if (ssl != null) {
                    if (unwrap() < 0 && readNet(deadline) < 0) throw new IOException("connection closed");
                    continue;
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
            if (ssl != null) io.netty.util.ReferenceCountUtil.release(ssl); // an OpenSSL engine holds native memory
            try {
                selector.close();
            } catch (IOException ignored) {
                // nothing to release
            }
        }
    }
}
