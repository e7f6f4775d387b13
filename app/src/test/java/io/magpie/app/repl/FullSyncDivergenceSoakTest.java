package io.magpie.app.repl;

import static org.assertj.core.api.Assertions.assertThat;

import io.magpie.app.repl.Node.Kind;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * Many full syncs under dense writes to few keys (short TTLs racing EXPIRE extensions and
 * RENAMEs): fresh replicas, one or several at once, attach to a master that never stops
 * being written to; after each round the writer pauses and every replica must hold the
 * master's data exactly.
 */
@Tag("soak")
class FullSyncDivergenceSoakTest {
    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0} master, {1} replicas, diskless {2}")
    @CsvSource({"MAGPIE, REDIS, yes", "REDIS, MAGPIE, no", "MAGPIE, MAGPIE, yes", "MAGPIE, REDIS, no", "REDIS, MAGPIE, yes", "REDIS, REDIS, yes", "REDIS, REDIS, no"})
    void everyFullSyncUnderDenseWritesConverges(Kind masterKind, Kind replicaKind, String diskless) {
        long rounds = Long.getLong("soak.rounds", 15);
        Random random = new Random(Long.getLong("soak.seed", 5));
        try (Topology t = new Topology(dir)) {
            Node master = t.start(masterKind, "master", "--repl-diskless-sync", diskless);
            for (int round = 0; round < rounds; round++) {
                ContinuousWriter writer = new ContinuousWriter(master, random.nextLong()).keysPerType(1 + random.nextInt(4));
                writer.writeNow(300);
                writer.rate(4_000).limit(1_000_000).start();
                List<Node> replicas = new ArrayList<>();
                int n = 1 + random.nextInt(2);
                for (int i = 0; i < n; i++) {
                    Node.sleep(random.nextInt(300));
                    replicas.add(t.replica(replicaKind, "r" + round + "-" + i, master));
                }
                // Stall a replica or the master now and then, so the stream lags behind short TTLs.
                List<Thread> stalls = new ArrayList<>();
                for (int i = random.nextInt(3); i > 0; i--) {
                    Node who = random.nextInt(3) == 0 ? master : replicas.get(random.nextInt(replicas.size()));
                    String secs = String.valueOf(0.3 + random.nextInt(20) / 10.0);
                    long delay = random.nextInt(800);
                    Thread th = new Thread(() -> {
                        Node.sleep(delay);
                        try (io.magpie.protocol.RespClient c = who.connect()) {
                            c.value("DEBUG", "SLEEP", secs);
                        } catch (RuntimeException ignored) {
                            // a stall that did not happen only makes the round milder
                        }
                    });
                    th.start();
                    stalls.add(th);
                }
                for (Node r : replicas) r.awaitLinkUp();
                Node.sleep(random.nextInt(1500));
                for (Thread th : stalls) {
                    try {
                        th.join(30_000);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                writer.stop();
                try {
                    Datasets.assertSameData(master, replicas.toArray(new Node[0]));
                } catch (AssertionError e) {
                    throw new AssertionError("round " + round + ", writer errors " + writer.errors() + "\n" + e.getMessage(), e);
                }
                assertThat(writer.errors()).as("round %d", round).isEmpty();
                writer.close();
                for (Node r : replicas) r.close();
            }
        }
    }
}
