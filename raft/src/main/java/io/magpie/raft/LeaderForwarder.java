package io.magpie.raft;

import io.magpie.engine.Client;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;

/**
 * raft-follower-proxy: a follower sends a client's command to the leader and relays the reply,
 * for clients that do not follow MOVED.
 * <p>
 * Each client has a connection of its own to the leader, opened at its first forwarded command
 * and closed with the client ({@link #clientClosed}). The client is parked while its command is
 * away, so its commands use that connection one at a time, and:
 * <ul>
 * <li>a blocking command (BLPOP 0) waits on the leader as long as the leader keeps it, holding
 * only its own connection and thread, never another client's forwarding;
 * <li>the connection speaks the client's protocol (HELLO 3 is sent on it when the client uses
 * RESP3), so replies are relayed byte for byte as the leader wrote them for that client;
 * <li>a client that goes away takes its connection with it: the leader sees its blocked client
 * disconnect and pops nothing for nobody.
 * </ul>
 * Plain blocking socket I/O on a thread per command in flight (a cached pool): the count of
 * forwarded commands in flight is the count of parked clients, and this path is for clients
 * that cannot follow MOVED, not for throughput.
 */
final class LeaderForwarder {
    /** How long a non-blocking command may take on the leader before the client gets TRYAGAIN. */
    private static final int REPLY_TIMEOUT_MS = 30_000;

    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "magpie-raft-forward");
        t.setDaemon(true);
        return t;
    });
    private final Map<Client, Link> links = new ConcurrentHashMap<>();

    /** One client's connection to the leader, and the protocol it speaks there. */
    private static final class Link {
        final String address;
        final Socket socket;
        final InputStream in;
        final OutputStream out;
        int resp = 2;

        Link(String address) throws IOException {
            this.address = address;
            int colon = address.lastIndexOf(':');
            socket = new Socket();
            socket.connect(new InetSocketAddress(address.substring(0, colon), Integer.parseInt(address.substring(colon + 1))), 5000);
            socket.setTcpNoDelay(true);
            in = new BufferedInputStream(socket.getInputStream());
            out = socket.getOutputStream();
        }
    }

    /**
     * Sends client c's commands to the leader at address, on c's connection, and hands the last
     * one's reply (or an error reply) to done, on a forwarding thread. The replies before the
     * last (HELLO's, SELECT's, MULTI's +OK, QUEUED) are read and dropped. A blocking command
     * waits for the leader's reply however long the leader takes (its own timeout decides).
     */
    void forward(Client c, String address, int resp, boolean blocking, List<byte[][]> commands, Consumer<byte[]> done) {
        threads.execute(() -> {
            byte[] reply;
            try {
                reply = roundTrip(c, address, resp, blocking, commands);
            } catch (IOException | RuntimeException e) {
                drop(c);
                reply = ("-TRYAGAIN Raft leader unreachable: " + e.getMessage()).replace("\r", " ").replace("\n", " ")
                        .concat("\r\n").getBytes(StandardCharsets.UTF_8);
            }
            done.accept(reply);
        });
    }

    /** The client's connection closes with it (a forwarded command in flight ends with an error nobody reads). */
    void clientClosed(Client c) {
        drop(c);
    }

    /** Connections open to the leader now. */
    int connections() {
        return links.size();
    }

    private void drop(Client c) {
        Link l = links.remove(c);
        if (l != null) closeQuietly(l.socket);
    }

    private byte[] roundTrip(Client c, String address, int resp, boolean blocking, List<byte[][]> commands) throws IOException {
        Link link = links.get(c);
        if (link == null || !link.address.equals(address) || link.socket.isClosed()) {
            if (link != null) closeQuietly(link.socket);
            link = new Link(address);
            links.put(c, link);
        }
        List<byte[][]> all = commands;
        if (link.resp != resp) {
            all = new ArrayList<>();
            all.add(new byte[][] {bytes("HELLO"), bytes(Integer.toString(resp))});
            all.addAll(commands);
            link.resp = resp;
        }
        link.socket.setSoTimeout(blocking ? 0 : REPLY_TIMEOUT_MS);
        ByteArrayOutputStream req = new ByteArrayOutputStream();
        for (byte[][] argv : all) {
            req.write(bytes("*" + argv.length + "\r\n"));
            for (byte[] a : argv) {
                req.write(bytes("$" + a.length + "\r\n"));
                req.write(a);
                req.write('\r');
                req.write('\n');
            }
        }
        link.out.write(req.toByteArray());
        link.out.flush();
        byte[] last = null;
        for (int i = 0; i < all.size(); i++) {
            ByteArrayOutputStream reply = new ByteArrayOutputStream();
            readReply(link.in, reply);
            last = reply.toByteArray();
        }
        return last;
    }

    /** Copies one RESP2 or RESP3 reply from in to out (an attribute, with the reply it comes before). */
    static void readReply(InputStream in, ByteArrayOutputStream out) throws IOException {
        int type = in.read();
        if (type < 0) throw new EOFException("connection closed by the leader");
        out.write(type);
        String line = readLine(in, out);
        switch (type) {
            case '+', '-', ':', '_', ',', '#', '(' -> { }
            case '$', '!', '=' -> {
                int len = Integer.parseInt(line);
                if (len >= 0) {
                    byte[] data = in.readNBytes(len + 2);
                    if (data.length != len + 2) throw new EOFException("short bulk from the leader");
                    out.write(data);
                }
            }
            case '*', '~', '>' -> {
                int n = Integer.parseInt(line);
                for (int i = 0; i < n; i++) readReply(in, out);
            }
            case '%' -> {
                int n = Integer.parseInt(line);
                for (int i = 0; i < 2 * n; i++) readReply(in, out);
            }
            case '|' -> {
                int n = Integer.parseInt(line);
                for (int i = 0; i < 2 * n; i++) readReply(in, out);
                readReply(in, out);
            }
            default -> throw new IOException("unexpected reply type '" + (char) type + "' from the leader");
        }
    }

    private static String readLine(InputStream in, ByteArrayOutputStream out) throws IOException {
        StringBuilder sb = new StringBuilder();
        int b;
        while ((b = in.read()) != '\n') {
            if (b < 0) throw new EOFException("connection closed by the leader");
            out.write(b);
            if (b != '\r') sb.append((char) b);
        }
        out.write('\n');
        return sb.toString();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // already gone
        }
    }

    void shutdown() {
        threads.shutdownNow();
        for (Client c : List.copyOf(links.keySet())) drop(c);
    }
}
