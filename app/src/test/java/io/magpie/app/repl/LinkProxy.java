package io.magpie.app.repl;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;

/**
 * A TCP relay on 127.0.0.1 between a replica and its master: point the replica at
 * {@link #port()} and the link can be cut and restored while both processes live. While cut,
 * every connection through it is closed and new ones are accepted and closed at once, so the
 * replica keeps retrying (as it would against a master behind a broken network) and the
 * master sees its replica go away.
 */
public final class LinkProxy implements AutoCloseable {
    private final int targetPort;
    private final ServerSocket server;
    private final List<Socket> open = new ArrayList<>();
    private volatile boolean cut;
    private volatile boolean closed;

    public LinkProxy(int targetPort) {
        this.targetPort = targetPort;
        try {
            server = new ServerSocket(io.magpie.app.TestPorts.freePort(), 50, InetAddress.getLoopbackAddress());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Thread acceptor = new Thread(this::acceptLoop, "proxy-accept-" + port());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public LinkProxy(Node target) {
        this(target.port());
    }

    public int port() {
        return server.getLocalPort();
    }

    /** Closes every connection through the proxy and refuses new ones until {@link #restore}. */
    public void cut() {
        cut = true;
        closeAll();
    }

    public void restore() {
        cut = false;
    }

    public boolean isCut() {
        return cut;
    }

    private void acceptLoop() {
        while (!closed) {
            Socket downstream;
            try {
                downstream = server.accept();
            } catch (IOException e) {
                return; // closed
            }
            if (cut) {
                quietClose(downstream);
                continue;
            }
            try {
                Socket upstream = new Socket(InetAddress.getLoopbackAddress(), targetPort);
                upstream.setTcpNoDelay(true);
                downstream.setTcpNoDelay(true);
                synchronized (open) {
                    open.add(downstream);
                    open.add(upstream);
                }
                pump(downstream, upstream);
                pump(upstream, downstream);
            } catch (IOException e) {
                quietClose(downstream); // the target is down: the replica sees a refused link
            }
        }
    }

    /** Copies bytes one way; the end of either side closes both. */
    private void pump(Socket from, Socket to) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[64 * 1024];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buf)) != -1) {
                    out.write(buf, 0, n);
                }
            } catch (IOException e) {
                // a cut or a peer gone: close both ends below
            } finally {
                quietClose(from);
                quietClose(to);
                synchronized (open) {
                    open.remove(from);
                    open.remove(to);
                }
            }
        }, "proxy-pump-" + from.getPort() + "-" + to.getPort());
        t.setDaemon(true);
        t.start();
    }

    private void closeAll() {
        List<Socket> sockets;
        synchronized (open) {
            sockets = new ArrayList<>(open);
            open.clear();
        }
        for (Socket s : sockets) quietClose(s);
    }

    private static void quietClose(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException ignored) {
            // already closed
        }
        closeAll();
    }
}
