package io.magpie.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.magpie.protocol.RespClient;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLongArray;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * SIGKILL under concurrent writes with appendfsync always: every write acknowledged before
 * the kill is present after the restart. Default 20 cycles; -Psoak runs 200.
 */
class AofCrashTest {
    private static final int CLIENTS = 4;

    private static Process start(Path dir, int port) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp", System.getProperty("java.class.path"),
                "io.magpie.app.Main", "--port", String.valueOf(port), "--bind", "127.0.0.1", "--dir", dir.toString(),
                "--appendonly", "yes", "--appendfsync", "always", "--save", ""));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(new File(dir.toFile(), "server.log")).start();
        RealRedis.waitUntilReady(port, p);
        return p;
    }

    private static void cycles(int n) throws Exception {
        Path dir = Files.createTempDirectory("magpie-crash");
        Random r = new Random(77);
        AtomicLongArray acked = new AtomicLongArray(CLIENTS); // last acknowledged INCR value per client
        try {
            for (int cycle = 0; cycle < n; cycle++) {
                int port = RealRedis.freePort();
                Process p = start(dir, port);
                // Everything acknowledged before is still there.
                try (RespClient c = new RespClient(port)) {
                    for (int i = 0; i < CLIENTS; i++) {
                        Object v = c.value("GET", "counter:" + i);
                        long got = v == null ? 0 : Long.parseLong((String) v);
                        assertThat(got).as("cycle %d client %d", cycle, i).isGreaterThanOrEqualTo(acked.get(i));
                        acked.set(i, got); // an unacknowledged INCR may also have landed
                    }
                }
                AtomicBoolean stop = new AtomicBoolean();
                List<Thread> threads = new ArrayList<>();
                for (int i = 0; i < CLIENTS; i++) {
                    final int id = i;
                    Thread t = new Thread(() -> {
                        try (RespClient c = new RespClient(port)) {
                            c.setTimeout(5000);
                            long deadline = System.currentTimeMillis() + 10_000;
                            while (!stop.get() && System.currentTimeMillis() < deadline) {
                                Object v = c.value("INCR", "counter:" + id);
                                acked.set(id, (Long) v);
                            }
                        } catch (RuntimeException e) {
                            // the server was killed mid-request: that write was not acknowledged
                        }
                    });
                    t.start();
                    threads.add(t);
                }
                Thread.sleep(100 + r.nextInt(400));
                p.destroyForcibly(); // SIGKILL
                p.waitFor();
                stop.set(true);
                for (Thread t : threads) t.join(10_000);
            }
            int port = RealRedis.freePort();
            Process p = start(dir, port);
            try (RespClient c = new RespClient(port)) {
                for (int i = 0; i < CLIENTS; i++) {
                    long got = Long.parseLong((String) c.value("GET", "counter:" + i));
                    assertThat(got).isGreaterThanOrEqualTo(acked.get(i));
                    assertThat(acked.get(i)).as("client %d got acknowledgements", i).isPositive();
                }
            } finally {
                p.destroyForcibly();
                p.waitFor();
            }
        } finally {
            RdbInteropTest.deleteTree(dir);
        }
    }

    @Test
    void everyAcknowledgedWriteSurvivesSigkillWithAppendfsyncAlways() throws Exception {
        cycles(20);
    }

    @Test
    @Tag("soak")
    void everyAcknowledgedWriteSurvives200Sigkills() throws Exception {
        cycles(200);
    }
}
