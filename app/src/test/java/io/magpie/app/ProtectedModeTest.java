package io.magpie.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.magpie.protocol.RespClient;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Protected mode as Redis 7.0's: no password and protected-mode yes (the defaults), a client
 * from 127.0.0.2 (not loopback for Redis: only 127.0.0.1 and ::1 are) gets the DENIED text and
 * is closed, whatever bind says; 127.0.0.1 is served. Both servers listen on every address.
 */
class ProtectedModeTest {
    private static RealRedis redis;
    private static TestServer magpie;

    @BeforeAll
    static void start() {
        redis = new RealRedis("--bind", "*", "-::*");
        magpie = new TestServer("--bind", "* -::*");
    }

    @AfterAll
    static void stop() {
        if (magpie != null) magpie.close();
        if (redis != null) redis.close();
    }

    /**
     * Connects from {@code source} and sends PING. A reply other than DENIED is returned as it
     * is; after DENIED, waits (10 s at most) for the server to close the connection.
     */
    private static String pingFrom(String source, int port) throws IOException {
        try (Socket s = new Socket()) {
            s.bind(new InetSocketAddress(source, 0));
            s.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
            s.setSoTimeout(10_000);
            s.getOutputStream().write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            byte[] buf = new byte[4096];
            try {
                for (int n; (n = in.read(buf)) > 0; ) {
                    got.write(buf, 0, n);
                    String text = got.toString(StandardCharsets.US_ASCII);
                    if (text.endsWith("\r\n") && !text.startsWith("-DENIED")) return text;
                }
            } catch (SocketException reset) {
                // Redis closes with the PING unread: the peer may see a reset after the reply
            }
            return got.toString(StandardCharsets.US_ASCII) + " (closed)";
        }
    }

    @Test
    void aClientFrom127_0_0_2IsDeniedAndClosedAsByRedis() throws Exception {
        String fromRedis = pingFrom("127.0.0.2", redis.port());
        assertThat(fromRedis).startsWith("-DENIED Redis is running in protected mode").endsWith("\r\n (closed)");
        assertThat(pingFrom("127.0.0.2", magpie.port())).isEqualTo(fromRedis);
        assertThat(pingFrom("127.0.0.1", magpie.port())).isEqualTo("+PONG\r\n");
    }

    @Test
    void aPasswordOrProtectedModeOffLetsTheClientIn() throws Exception {
        for (int port : new int[] {redis.port(), magpie.port()}) {
            try (RespClient admin = new RespClient(port)) {
                admin.call("CONFIG", "SET", "protected-mode", "no");
                assertThat(pingFrom("127.0.0.2", port)).as("port " + port).isEqualTo("+PONG\r\n");
                admin.call("CONFIG", "SET", "protected-mode", "yes");
                admin.call("CONFIG", "SET", "requirepass", "pw");
                assertThat(pingFrom("127.0.0.2", port)).as("port " + port).startsWith("-NOAUTH");
                admin.call("AUTH", "pw");
                admin.call("CONFIG", "SET", "requirepass", "");
            }
        }
    }
}
