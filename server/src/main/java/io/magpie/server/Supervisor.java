package io.magpie.server;

import io.netty.channel.epoll.Epoll;
import io.netty.channel.unix.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Process supervision (redisIsSupervised, redisCommunicateSystemd): with
 * {@code supervised systemd} (or {@code auto} under systemd) the server tells systemd how it
 * is doing with sd_notify's protocol, one datagram per message ("STATUS=...", "READY=1",
 * "STOPPING=1") on the unix datagram socket named by $NOTIFY_SOCKET, so that a
 * {@code Type=notify} unit such as Debian's redis-server.service starts and stops it.
 */
public final class Supervisor {
    private static volatile String notifySocket;

    private Supervisor() {}

    /** Decides the supervision mode at start and sends "Redis is loading..." (redisIsSupervised). */
    public static void start(ServerConfig.Supervised mode) {
        String socket = System.getenv("NOTIFY_SOCKET");
        if (mode == ServerConfig.Supervised.AUTO) {
            if (System.getenv("UPSTART_JOB") != null) {
                Log.verbose("Upstart supervision detected.");
                mode = ServerConfig.Supervised.UPSTART;
            } else if (socket != null) {
                Log.verbose("Systemd supervision detected.");
                mode = ServerConfig.Supervised.SYSTEMD;
            }
        }
        if (mode == ServerConfig.Supervised.UPSTART) {
            Log.warning("upstart supervision requested, but it is not supported on the JVM: ignored");
            return;
        }
        if (mode != ServerConfig.Supervised.SYSTEMD) return;
        if (socket == null || socket.isEmpty()) {
            Log.warning("systemd supervision error: NOTIFY_SOCKET not found!");
            return;
        }
        notifySocket = socket;
        if (send("STATUS=Redis is loading...\n")) {
            Log.notice("Supervised by systemd. Please make sure you set appropriate values for TimeoutStartSec and TimeoutStopSec in your service unit.");
        } else {
            notifySocket = null;
        }
    }

    /** The server is serving: READY=1 after the status line, as Redis's main(). */
    public static void ready(boolean replica) {
        if (notifySocket == null) return;
        status(replica ? "Ready to accept connections in read-only mode. Waiting for MASTER <-> REPLICA sync"
                : "Ready to accept connections");
        send("READY=1\n");
    }

    public static void stopping() {
        if (notifySocket != null) send("STOPPING=1\n");
    }

    /** A STATUS= line for systemctl status; nothing when not supervised by systemd. */
    public static void status(String text) {
        if (notifySocket != null) send("STATUS=" + text + "\n");
    }

    private static boolean send(String message) {
        String path = notifySocket;
        if (path == null) return false;
        if (!Epoll.isAvailable()) {
            Log.warning("systemd supervision error: sd_notify: unix datagram sockets are not available (%s)", Epoll.unavailabilityCause());
            return false;
        }
        byte[] bytes = message.getBytes(StandardCharsets.UTF_8);
        // "@name" is an abstract socket: its address starts with a NUL byte (sd_notify's rule).
        byte[] address = path.getBytes(StandardCharsets.UTF_8);
        if (address.length > 0 && address[0] == '@') address[0] = 0;
        Socket s = Socket.newSocketDomainDgram();
        try {
            ByteBuffer buf = ByteBuffer.allocateDirect(bytes.length);
            buf.put(bytes).flip();
            s.sendToDomainSocket(buf, 0, bytes.length, address);
            return true;
        } catch (Exception e) {
            Log.warning("systemd supervision error: sd_notify: %s", e.getMessage());
            return false;
        } finally {
            try {
                s.close();
            } catch (Exception ignored) {
                // closing a datagram socket that sent its one message
            }
        }
    }
}
