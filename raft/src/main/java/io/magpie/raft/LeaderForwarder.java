package io.magpie.raft;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;

/**
 * raft-follower-proxy: a follower sends a client's command to the leader and relays the reply,
 * for clients that do not follow MOVED. Each forwarding thread keeps its own connection to the
 * leader (commands of one client run one at a time: the client is parked meanwhile). Replies
 * are relayed as the leader wrote them (RESP2).
 */
final class LeaderForwarder {
    private final ExecutorService threads = Executors.newFixedThreadPool(8, r -> {
        Thread t = new Thread(r, "magpie-raft-forward");
        t.setDaemon(true);
        return t;
    });
    private final ThreadLocal<Link> links = new ThreadLocal<>();

    private static final class Link {
        final String address;
        final Socket socket;
        final InputStream in;
        final OutputStream out;

        Link(String address) throws IOException {
            this.address = address;
            int colon = address.lastIndexOf(':');
            socket = new Socket();
            socket.connect(new InetSocketAddress(address.substring(0, colon), Integer.parseInt(address.substring(colon + 1))), 5000);
            socket.setSoTimeout(30_000);
            socket.setTcpNoDelay(true);
            in = new BufferedInputStream(socket.getInputStream());
            out = socket.getOutputStream();
        }
    }

    /**
     * Sends the commands to the leader at address and hands the last one's reply (or an error
     * reply) to done, on a forwarding thread. The replies before the last (MULTI's +OK, QUEUED)
     * are read and dropped.
     */
    void forward(String address, List<byte[][]> commands, Consumer<byte[]> done) {
        threads.execute(() -> {
            byte[] reply;
            try {
                reply = roundTrip(address, commands);
            } catch (IOException | RuntimeException e) {
                Link l = links.get();
                links.remove();
                if (l != null) closeQuietly(l.socket);
                reply = ("-TRYAGAIN Raft leader unreachable: " + e.getMessage() + "\r\n").replace("\n", " ").trim()
                        .concat("\r\n").getBytes(StandardCharsets.UTF_8);
            }
            done.accept(reply);
        });
    }

    private byte[] roundTrip(String address, List<byte[][]> commands) throws IOException {
        Link link = links.get();
        if (link == null || !link.address.equals(address) || link.socket.isClosed()) {
            if (link != null) closeQuietly(link.socket);
            link = new Link(address);
            links.set(link);
        }
        ByteArrayOutputStream req = new ByteArrayOutputStream();
        for (byte[][] argv : commands) {
            req.write(("*" + argv.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
            for (byte[] a : argv) {
                req.write(("$" + a.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
                req.write(a);
                req.write('\r');
                req.write('\n');
            }
        }
        link.out.write(req.toByteArray());
        link.out.flush();
        byte[] last = null;
        for (int i = 0; i < commands.size(); i++) {
            ByteArrayOutputStream reply = new ByteArrayOutputStream();
            readReply(link.in, reply);
            last = reply.toByteArray();
        }
        return last;
    }

    /** Copies one RESP2 reply from in to out. */
    static void readReply(InputStream in, ByteArrayOutputStream out) throws IOException {
        int type = in.read();
        if (type < 0) throw new EOFException("connection closed by the leader");
        out.write(type);
        String line = readLine(in, out);
        switch (type) {
            case '+', '-', ':' -> { }
            case '$' -> {
                int len = Integer.parseInt(line);
                if (len >= 0) {
                    byte[] data = in.readNBytes(len + 2);
                    if (data.length != len + 2) throw new EOFException("short bulk from the leader");
                    out.write(data);
                }
            }
            case '*' -> {
                int n = Integer.parseInt(line);
                for (int i = 0; i < n; i++) readReply(in, out);
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

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // already gone
        }
    }

    void shutdown() {
        threads.shutdownNow();
    }
}
