package io.magpie.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.magpie.protocol.RespClient;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The protocol end to end over raw sockets: malformed input gets Redis's exact error and
 * the connection is closed while others keep being served; the limits (bulk length, query
 * buffer, output buffer, clients, idle timeout) are enforced as in Redis; deep pipelines
 * are answered in order. Each case runs against real Redis too, with the same settings.
 */
class ProtocolLimitsTest {

    /** What one malformed input produces: the reply bytes, and that the server closed. */
    private static String replyThenClose(int port, String input) {
        try (RespClient c = new RespClient(port)) {
            c.setTimeout(10_000);
            c.sendRaw(input);
            String reply = c.read().text();
            assertThat(c.isClosedByServer()).as("closed after: " + input).isTrue();
            return reply;
        }
    }

    @Test
    void malformedInputGetsRedisProtocolErrorThenCloseWhileOthersAreServed() {
        String[] inputs = {
            "*abc\r\n",
            "*1\r\n$abc\r\n",
            "*1\r\n$-5\r\n",
            "*1\r\nfoo\r\n",
            "*2\r\n$4\r\nECHO\r\n:12\r\n",
            "*3000000000\r\n",
            "SET \"unbalanced\r\n",
            "PING\r\n*1\r\n$x\r\n",
            "*1\r\n$" + (512L * 1024 * 1024 + 1) + "\r\n",
            "*" + "9".repeat(70_000),
            "*1\r\n$" + "9".repeat(70_000),
            "x".repeat(70_000),
        };
        try (RealRedis redis = new RealRedis(); TestServer magpie = new TestServer();
             RespClient bystanderR = redis.client(); RespClient bystanderM = magpie.client()) {
            for (String input : inputs) {
                String shown = input.length() > 40 ? input.substring(0, 40) + "..." : input;
                if (input.startsWith("PING")) {
                    // A valid command before the bad one is answered first.
                    assertThat(pingThenError(magpie.port(), input)).as(shown).isEqualTo(pingThenError(redis.port(), input));
                    continue;
                }
                assertThat(replyThenClose(magpie.port(), input)).as(shown).isEqualTo(replyThenClose(redis.port(), input));
                assertThat(bystanderM.value("PING").toString()).isEqualTo("PONG");
                assertThat(bystanderR.value("PING").toString()).isEqualTo("PONG");
            }
        }
    }

    private static String pingThenError(int port, String input) {
        try (RespClient c = new RespClient(port)) {
            c.sendRaw(input);
            String replies = c.read().text() + c.read().text();
            assertThat(c.isClosedByServer()).isTrue();
            return replies;
        }
    }

    @Test
    void protoMaxBulkLenRefusesLongerArguments() {
        String input = "*2\r\n$4\r\nECHO\r\n$" + (1024 * 1024 + 1) + "\r\n";
        try (RealRedis redis = new RealRedis("--proto-max-bulk-len", "1mb"); TestServer magpie = new TestServer("--proto-max-bulk-len", "1mb")) {
            String expected = replyThenClose(redis.port(), input);
            assertThat(expected).isEqualTo("-ERR Protocol error: invalid bulk length\r\n");
            assertThat(replyThenClose(magpie.port(), input)).isEqualTo(expected);
            // Exactly the limit is accepted.
            try (RespClient c = magpie.client()) {
                assertThat(c.value("ECHO", "x".repeat(1024 * 1024)).toString()).hasSize(1024 * 1024);
            }
        }
    }

    @Test
    void clientQueryBufferLimitDisconnectsAndIsCounted() throws IOException {
        try (RealRedis redis = new RealRedis("--client-query-buffer-limit", "1mb");
             TestServer magpie = new TestServer("--client-query-buffer-limit", "1mb")) {
            for (int port : new int[] {redis.port(), magpie.port()}) {
                try (Socket s = new Socket("127.0.0.1", port)) {
                    s.setSoTimeout(10_000);
                    OutputStream out = s.getOutputStream();
                    // A 100 MB argument announced, then up to 50 MB of it: the buffer passes 1 MB first.
                    out.write("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$100000000\r\n".getBytes(StandardCharsets.US_ASCII));
                    assertThat(writeUntilClosed(out, 50 * 1024 * 1024)).as("port " + port).isTrue();
                    assertThat(s.getInputStream().read()).isEqualTo(-1);
                }
            }
            try (RespClient c = magpie.client()) {
                assertThat(c.value("PING").toString()).isEqualTo("PONG");
                assertThat(String.valueOf(c.value("INFO", "stats"))).contains("client_query_buffer_limit_disconnections:1\r\n");
            }
        }
    }

    /** Writes up to max bytes; true when the peer closed the connection on the way. */
    private static boolean writeUntilClosed(OutputStream out, int max) {
        byte[] chunk = new byte[16 * 1024];
        java.util.Arrays.fill(chunk, (byte) 'a');
        try {
            for (int sent = 0; sent < max; sent += chunk.length) out.write(chunk);
            out.flush();
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    @Test
    void maxclientsRefusesTheExtraConnectionWithRedisError() throws InterruptedException {
        try (RealRedis redis = new RealRedis("--maxclients", "2"); TestServer magpie = new TestServer("--maxclients", "2")) {
            for (int port : new int[] {redis.port(), magpie.port()}) {
                try (RespClient a = new RespClient(port); RespClient b = new RespClient(port)) {
                    a.call("PING");
                    b.call("PING");
                    try (RespClient extra = new RespClient(port)) {
                        extra.setTimeout(10_000);
                        assertThat(extra.read().text()).as("port " + port).isEqualTo("-ERR max number of clients reached\r\n");
                        assertThat(extra.isClosedByServer()).isTrue();
                    }
                    assertThat(a.value("PING").toString()).isEqualTo("PONG");
                }
            }
            // The closes above reach the server asynchronously: retry until a slot is free again.
            String stats = "";
            for (int attempt = 0; attempt < 200 && !stats.startsWith("# Stats"); attempt++) {
                try (RespClient c = magpie.client()) {
                    stats = String.valueOf(c.value("INFO", "stats"));
                }
                if (!stats.startsWith("# Stats")) Thread.sleep(50);
            }
            // At least the refusal above (a retry may have been refused too).
            assertThat(stats).containsPattern("rejected_connections:[1-9]\\d*\r\n");
        }
    }

    @Test
    void timeoutClosesIdleClientsOnly() {
        try (TestServer magpie = new TestServer("--timeout", "1")) {
            try (RespClient idle = magpie.client()) {
                idle.call("PING");
                idle.setTimeout(10_000);
                // Nothing is sent: the server closes the connection after about a second.
                assertThat(idle.isClosedByServer()).isTrue();
            }
            try (RespClient admin = magpie.client()) {
                assertThat(admin.value("CONFIG", "SET", "timeout", "0").toString()).isEqualTo("OK");
            }
        }
    }

    @Test
    void clientThatNeverReadsIsDisconnectedAtTheOutputBufferLimit() throws Exception {
        String limit = "normal 4mb 2mb 1";
        try (RealRedis redis = new RealRedis("--client-output-buffer-limit", limit);
             TestServer magpie = new TestServer("--client-output-buffer-limit", limit)) {
            for (int port : new int[] {redis.port(), magpie.port()}) {
                byte[] value = new byte[100 * 1024];
                java.util.Arrays.fill(value, (byte) 'v');
                try (RespClient c = new RespClient(port)) {
                    c.call("SET".getBytes(StandardCharsets.US_ASCII), "big".getBytes(StandardCharsets.US_ASCII), value);
                }
                int gets = 2000; // 200 MB of replies if they were all kept
                try (Socket s = new Socket("127.0.0.1", port)) {
                    s.setReceiveBufferSize(4096);
                    s.setSoTimeout(20_000);
                    StringBuilder pipeline = new StringBuilder();
                    for (int i = 0; i < gets; i++) pipeline.append("*2\r\n$3\r\nGET\r\n$3\r\nbig\r\n");
                    s.getOutputStream().write(pipeline.toString().getBytes(StandardCharsets.US_ASCII));
                    s.getOutputStream().flush();
                    // Read nothing for a while; then drain: the stream must end well before all replies.
                    try (RespClient other = new RespClient(port)) {
                        long deadline = System.currentTimeMillis() + 20_000;
                        while (port == magpie.port() && System.currentTimeMillis() < deadline
                                && !String.valueOf(other.value("INFO", "stats")).contains("client_output_buffer_limit_disconnections:1")) {
                            Thread.sleep(50);
                        }
                        assertThat(other.value("PING").toString()).isEqualTo("PONG");
                    }
                    long read = drain(s.getInputStream(), (long) gets * value.length);
                    assertThat(read).as("port " + port).isLessThan((long) gets * value.length);
                }
                try (RespClient c = new RespClient(port)) {
                    assertThat(c.value("PING").toString()).isEqualTo("PONG");
                }
            }
        }
    }

    /** Reads until EOF or max bytes; returns how many were read. */
    private static long drain(InputStream in, long max) throws IOException {
        byte[] buf = new byte[64 * 1024];
        long total = 0;
        try {
            int n;
            while (total < max && (n = in.read(buf)) != -1) total += n;
        } catch (java.net.SocketException e) {
            // reset by the server: the same as EOF here
        }
        return total;
    }

    @Test
    void pipelineOf100kCommandsInOneWriteIsAnsweredInOrder() throws Exception {
        int n = 100_000;
        try (TestServer magpie = new TestServer(); Socket s = new Socket("127.0.0.1", magpie.port())) {
            s.setSoTimeout(60_000);
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            for (int i = 0; i < n; i++) all.writeBytes(RespClient.encode(RespClient.args("ECHO", Integer.toString(i))));
            byte[] bytes = all.toByteArray();
            Thread writer = new Thread(() -> {
                try {
                    s.getOutputStream().write(bytes);
                    s.getOutputStream().flush();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            writer.start();
            java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            for (int i = 0; i < n; i++) {
                String len = in.readLine();
                String value = in.readLine();
                if (!value.equals(Integer.toString(i))) {
                    assertThat(len + " " + value).as("reply " + i).isEqualTo("$" + Integer.toString(i).length() + " " + i);
                }
            }
            writer.join(60_000);
        }
    }

    @Test
    void inlineCommandsWorkAsFromNetcat() {
        String input = "PING\r\nECHO \"a b\"\nSET inline-k 'x y'\r\nGET inline-k\r\n\r\n   \r\nECHO\r\n";
        try (RealRedis redis = new RealRedis(); TestServer magpie = new TestServer();
             RespClient r = redis.client(); RespClient m = magpie.client()) {
            r.sendRaw(input);
            m.sendRaw(input);
            List<String> expected = new ArrayList<>(), actual = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                expected.add(r.read().text());
                actual.add(m.read().text());
            }
            assertThat(actual).containsExactlyElementsOf(expected);
        }
    }
}
