package io.magpie.server;

import io.magpie.engine.Engine;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * Protected mode (Redis's clientAcceptHandler): while {@code protected-mode} is on and the
 * default user has no password, only local connections are served; any other gets the DENIED
 * text below and is closed. As in Redis 7.0 an explicit {@code bind} does not lift it, and
 * "local" means exactly 127.0.0.1 or ::1 (127.0.0.2 is not local), as connIsLocal compares.
 */
public final class ProtectedMode {
    private ProtectedMode() {}

    /** The reply Redis 7.0 sends before closing, word for word (its typos included). */
    public static final String DENIED = "DENIED Redis is running in protected mode because protected mode is enabled and "
            + "no password is set for the default user. In this mode connections are only accepted from the loopback "
            + "interface. If you want to connect from external computers to Redis you may adopt one of the following "
            + "solutions: 1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the "
            + "loopback interface by connecting to Redis from the same host the server is running, however MAKE SURE "
            + "Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change "
            + "permanent. 2) Alternatively you can just disable the protected mode by editing the Redis configuration "
            + "file, and setting the protected mode option to 'no', and then restarting the server. 3) If you started "
            + "the server manually just for testing, restart it with the '--protected-mode no' option. 4) Setup a an "
            + "authentication password for the default user. NOTE: You only need to do one of the above things in "
            + "order for the server to start accepting connections from the outside.";

    /** True when a connection from {@code peer} must be refused. */
    public static boolean denies(ServerConfig config, Engine engine, SocketAddress peer) {
        return config.protectedMode.value() && !engine.authRequired() && !isLocal(peer);
    }

    /** Redis's connIsLocal/islocalClient: the two loopback addresses exactly (and unix sockets). */
    public static boolean isLocal(SocketAddress peer) {
        if (!(peer instanceof InetSocketAddress i)) return true; // a unix socket
        InetAddress a = i.getAddress();
        if (a == null) return false;
        byte[] b = a.getAddress();
        if (b.length == 4) return b[0] == 127 && b[1] == 0 && b[2] == 0 && b[3] == 1;
        for (int k = 0; k < 15; k++) if (b[k] != 0) return false;
        return b[15] == 1;
    }
}
