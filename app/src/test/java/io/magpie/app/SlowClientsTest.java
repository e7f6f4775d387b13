package io.magpie.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.magpie.protocol.RespClient;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * One client must not stall the others: its large replies go out chunk by chunk as its socket
 * accepts them, while the event loop keeps serving everyone else. The bounds on PING are far
 * above normal (milliseconds): they catch a server that serves one client for seconds.
 */
class SlowClientsTest {
    private static final long PING_BOUND_MS = 2_000;

    /** Pings in a loop on its own connection and keeps the worst round trip. */
    private static final class Prober implements AutoCloseable {
        final AtomicLong worstMs = new AtomicLong();
        final AtomicLong pings = new AtomicLong();
        private volatile boolean stop;
        private final Thread thread;

        Prober(int port) {
            thread = new Thread(() -> {
                try (RespClient c = new RespClient(port)) {
                    c.setTimeout(120_000);
                    while (!stop) {
                        long t = System.nanoTime();
                        assertThat(c.value("PING").toString()).isEqualTo("PONG");
                        worstMs.accumulateAndGet((System.nanoTime() - t) / 1_000_000, Math::max);
                        pings.incrementAndGet();
                        Thread.sleep(2);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "ping-prober");
            thread.start();
        }

        @Override
        public void close() throws InterruptedException {
            stop = true;
            thread.join(180_000);
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] filled(int size, char c) {
        byte[] v = new byte[size];
        Arrays.fill(v, (byte) c);
        return v;
    }

    @Test
    void pingIsAnsweredWhileAnotherClientReadsA400MegabytePipeline() throws Exception {
        int n = 400;
        byte[] value = filled(1 << 20, 'v');
        try (TestServer magpie = new TestServer(); RespClient setup = magpie.client()) {
            setup.call(bytes("SET"), bytes("big"), value);
            try (Prober prober = new Prober(magpie.port()); Socket s = new Socket("127.0.0.1", magpie.port())) {
                s.setSoTimeout(120_000);
                StringBuilder pipeline = new StringBuilder();
                for (int i = 0; i < n; i++) pipeline.append("*2\r\n$3\r\nGET\r\n$3\r\nbig\r\n");
                s.getOutputStream().write(bytes(pipeline.toString()));
                DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(s.getInputStream(), 1 << 16));
                byte[] header = bytes("$" + value.length + "\r\n");
                byte[] got = new byte[value.length + 2];
                for (int i = 0; i < n; i++) {
                    byte[] h = new byte[header.length];
                    in.readFully(h);
                    assertThat(h).as("header of reply " + i).isEqualTo(header);
                    in.readFully(got);
                    assertThat(Arrays.equals(got, 0, value.length, value, 0, value.length)).as("reply " + i).isTrue();
                }
                prober.close();
                assertThat(prober.pings.get()).isPositive();
                assertThat(prober.worstMs.get()).as("worst PING (ms) beside the pipeline").isLessThan(PING_BOUND_MS);
            }
        }
    }

    @Test
    void pingIsAnsweredWhileAClientWithNoOutputLimitNeverReadsItsReplies() throws Exception {
        byte[] value = filled(100 * 1024, 'w');
        try (TestServer magpie = new TestServer("--client-output-buffer-limit", "normal 0 0 0");
             RespClient other = magpie.client()) {
            other.call(bytes("SET"), bytes("big"), value);
            try (Prober prober = new Prober(magpie.port()); Socket s = new Socket("127.0.0.1", magpie.port())) {
                s.setReceiveBufferSize(4096);
                StringBuilder chunk = new StringBuilder();
                for (int i = 0; i < 100; i++) chunk.append("*2\r\n$3\r\nGET\r\n$3\r\nbig\r\n");
                byte[] hundred = bytes(chunk.toString());
                for (int i = 0; i < 50; i++) s.getOutputStream().write(hundred); // 500 MB of replies
                s.getOutputStream().write(bytes("*2\r\n$6\r\nCLIENT\r\n$2\r\nID\r\n"));
                // Everything it sent is executed: its replies wait in its output buffer, counted.
                long deadline = System.currentTimeMillis() + 60_000;
                long omem = 0;
                while (System.currentTimeMillis() < deadline && omem < 400L << 20) {
                    String list = other.value("CLIENT", "LIST").toString();
                    for (String line : list.split("\n")) {
                        if (line.contains("cmd=client|id")) omem = Long.parseLong(field(line, "omem"));
                    }
                    Thread.sleep(20);
                }
                assertThat(omem).as("omem of the client that never reads").isGreaterThanOrEqualTo(400L << 20);
                prober.close();
                assertThat(prober.worstMs.get()).as("worst PING (ms) beside the client").isLessThan(PING_BOUND_MS);
            }
            assertThat(other.value("PING").toString()).isEqualTo("PONG");
        }
    }

    private static String field(String line, String name) {
        for (String kv : line.trim().split(" ")) {
            if (kv.startsWith(name + "=")) return kv.substring(name.length() + 1);
        }
        throw new AssertionError(name + " not in " + line);
    }

    @Test
    void largeRepliesOfEveryKindArriveWholeAndInPipelineOrder() throws Exception {
        try (TestServer magpie = new TestServer(); RespClient c = magpie.client()) {
            byte[] a = filled(300_000, 'a'), b = filled(20_000, 'b');
            c.call(bytes("SET"), bytes("a"), a);
            c.call(bytes("SET"), bytes("raw"), bytes("x"));
            c.call(bytes("APPEND"), bytes("raw"), b); // a string edited in place: copied, not wrapped
            c.call(bytes("RPUSH"), bytes("l"), b, bytes("small"), a);
            // The pipeline: a reply of one large bulk, a list mixing small and large elements,
            // an edited string that is changed again right after its GET, and small replies.
            StringBuilder p = new StringBuilder();
            for (int i = 0; i < 20; i++) {
                p.append("*2\r\n$3\r\nGET\r\n$1\r\na\r\n");
                p.append("*4\r\n$6\r\nLRANGE\r\n$1\r\nl\r\n$1\r\n0\r\n$2\r\n-1\r\n");
                p.append("*2\r\n$3\r\nGET\r\n$3\r\nraw\r\n");
                p.append("*4\r\n$8\r\nSETRANGE\r\n$3\r\nraw\r\n$1\r\n0\r\n$1\r\nz\r\n");
                p.append("*4\r\n$8\r\nSETRANGE\r\n$3\r\nraw\r\n$1\r\n0\r\n$1\r\nx\r\n");
                p.append("*2\r\n$4\r\nECHO\r\n$").append(Integer.toString(i).length()).append("\r\n").append(i).append("\r\n");
            }
            byte[] expectedRaw = new byte[b.length + 1];
            expectedRaw[0] = 'x';
            System.arraycopy(b, 0, expectedRaw, 1, b.length);
            try (Socket s = new Socket("127.0.0.1", magpie.port())) {
                s.setSoTimeout(60_000);
                s.getOutputStream().write(bytes(p.toString()));
                InputStream in = new java.io.BufferedInputStream(s.getInputStream());
                for (int i = 0; i < 20; i++) {
                    assertThat(readBulk(in)).isEqualTo(a);
                    assertThat(line(in)).isEqualTo("*3");
                    assertThat(readBulk(in)).isEqualTo(b);
                    assertThat(readBulk(in)).isEqualTo(bytes("small"));
                    assertThat(readBulk(in)).isEqualTo(a);
                    assertThat(readBulk(in)).as("GET raw in round " + i).isEqualTo(expectedRaw);
                    assertThat(line(in)).isEqualTo(":" + expectedRaw.length);
                    assertThat(line(in)).isEqualTo(":" + expectedRaw.length);
                    assertThat(new String(readBulk(in), StandardCharsets.US_ASCII)).isEqualTo(Integer.toString(i));
                }
            }
        }
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int ch; (ch = in.read()) != '\r'; ) {
            if (ch < 0) throw new IOException("end of stream");
            sb.append((char) ch);
        }
        in.read();
        return sb.toString();
    }

    private static byte[] readBulk(InputStream in) throws IOException {
        String h = line(in);
        assertThat(h).startsWith("$");
        byte[] v = new byte[Integer.parseInt(h.substring(1))];
        new DataInputStream(in).readFully(v);
        in.read();
        in.read();
        return v;
    }
}
