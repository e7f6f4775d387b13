package io.magpie.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/**
 * appendfsync always survives SIGKILL: a Magpie process under concurrent writes is killed
 * with kill -9 and restarted, over and over; after every restart each acknowledged write
 * is there, and nothing that was never written is.
 */
class AofCrashTest {
    private static final int WRITERS = 4;
    private static final int COUNTERS_PER_WRITER = 4;

    /**
     * What one writer knows of its keys: the acknowledged state, and the one write that may
     * have been in flight when the server died (applied or not, both are legal).
     */
    private static final class Writer {
        final int id;
        final long[] counters = new long[COUNTERS_PER_WRITER];
        int inflightCounter = -1;
        final StringBuilder appended = new StringBuilder();
        String inflightToken;
        long acks;

        Writer(int id) {
            this.id = id;
        }

        String counterKey(int j) {
            return "counter:" + id + ":" + j;
        }

        String appendKey() {
            return "log:" + id;
        }

        /** Writes until the connection breaks (the kill) or stop is set. */
        void run(int port, AtomicBoolean stop, long seed, int cycle) {
            Random r = new Random(seed);
            int n = 0;
            try (Jedis j = new Jedis("127.0.0.1", port)) {
                while (!stop.get()) {
                    if (r.nextBoolean()) {
                        int k = r.nextInt(COUNTERS_PER_WRITER);
                        inflightCounter = k;
                        long v = j.incr(counterKey(k));
                        assertThat(v).isEqualTo(counters[k] + 1);
                        counters[k] = v;
                        inflightCounter = -1;
                    } else {
                        String token = cycle + "." + (n++) + ";";
                        inflightToken = token;
                        long len = j.append(appendKey(), token);
                        appended.append(token);
                        assertThat(len).isEqualTo(appended.length());
                        inflightToken = null;
                    }
                    acks++;
                }
            } catch (redis.clients.jedis.exceptions.JedisConnectionException e) {
                // the server was killed: what was in flight is undecided
            }
        }

        /** Checks the recovered values against what was acknowledged, then adopts them. */
        void verifyAndAdopt(Jedis j, int cycle) {
            for (int k = 0; k < COUNTERS_PER_WRITER; k++) {
                String s = j.get(counterKey(k));
                long v = s == null ? 0 : Long.parseLong(s);
                long max = counters[k] + (inflightCounter == k ? 1 : 0);
                assertThat(v).as("cycle %d: %s acknowledged %d", cycle, counterKey(k), counters[k]).isBetween(counters[k], max);
                counters[k] = v;
            }
            inflightCounter = -1;
            String s = j.get(appendKey());
            String got = s == null ? "" : s;
            String acked = appended.toString();
            if (!got.equals(acked)) {
                assertThat(got).as("cycle %d: %s lost acknowledged appends or gained unwritten ones", cycle, appendKey())
                        .isEqualTo(acked + (inflightToken == null ? "" : inflightToken));
                appended.append(inflightToken);
            }
            inflightToken = null;
        }
    }

    @Test
    void acknowledgedWritesSurviveTwentySigkillsWithAppendfsyncAlways() throws Exception {
        crashLoop(20, 1);
    }

    @Test
    @Tag("soak")
    void acknowledgedWritesSurviveTwoHundredSigkillsWithAppendfsyncAlways() throws Exception {
        crashLoop(200, 2);
    }

    private void crashLoop(int cycles, long seed) throws Exception {
        Path dir = Files.createTempDirectory("magpie-aof-crash");
        Random r = new Random(seed);
        List<Writer> writers = new ArrayList<>();
        for (int i = 0; i < WRITERS; i++) writers.add(new Writer(i));
        long totalAcks = 0;
        try {
            for (int cycle = 0; cycle < cycles; cycle++) {
                int port = RealRedis.freePort();
                Process p = start(dir, port, cycle);
                try {
                    RealRedis.waitUntilReady(port, p);
                } catch (IllegalStateException e) {
                    throw new AssertionError("cycle " + cycle + ": the server did not restart:\n" + logTail(dir), e);
                }
                try (Jedis j = new Jedis("127.0.0.1", port)) {
                    for (Writer w : writers) w.verifyAndAdopt(j, cycle);
                    Set<String> expected = new TreeSet<>();
                    for (Writer w : writers) {
                        for (int k = 0; k < COUNTERS_PER_WRITER; k++) if (w.counters[k] > 0) expected.add(w.counterKey(k));
                        if (w.appended.length() > 0) expected.add(w.appendKey());
                    }
                    assertThat(new TreeSet<>(j.keys("*"))).as("cycle %d: keys", cycle).isEqualTo(expected);
                }
                AtomicBoolean stop = new AtomicBoolean();
                List<Thread> threads = new ArrayList<>();
                for (Writer w : writers) {
                    long s = r.nextLong();
                    int c = cycle;
                    Thread t = new Thread(() -> w.run(port, stop, s, c), "aof-crash-writer-" + w.id);
                    t.start();
                    threads.add(t);
                }
                long acksBefore = writers.stream().mapToLong(w -> w.acks).sum();
                Thread.sleep(150 + r.nextInt(350));
                if (cycle % 4 == 3) {
                    try (Jedis j = new Jedis("127.0.0.1", port)) {
                        j.bgrewriteaof(); // some kills land during a rewrite
                    }
                    Thread.sleep(r.nextInt(100));
                }
                p.destroyForcibly(); // SIGKILL
                p.waitFor();
                for (Thread t : threads) t.join(10_000);
                stop.set(true);
                for (Thread t : threads) {
                    t.join(10_000);
                    assertThat(t.isAlive()).isFalse();
                }
                totalAcks += writers.stream().mapToLong(w -> w.acks).sum() - acksBefore;
            }
            assertThat(totalAcks).as("acknowledged writes over all cycles").isGreaterThan(cycles);
        } finally {
            RdbInteropTest.deleteTree(dir);
        }
    }

    private static Process start(Path dir, int port, int cycle) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = List.of(java, "-Xmx256m", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                "io.magpie.app.Main", "--port", String.valueOf(port), "--bind", "127.0.0.1", "--save", "",
                "--appendonly", "yes", "--appendfsync", "always", "--dir", dir.toString());
        return new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(new File(dir.toFile(), "server.log"))).start();
    }

    private static String logTail(Path dir) {
        try {
            List<String> lines = Files.readAllLines(dir.resolve("server.log"));
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (Exception e) {
            return "(no log: " + e + ")";
        }
    }
}
