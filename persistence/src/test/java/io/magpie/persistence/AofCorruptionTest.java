package io.magpie.persistence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.magpie.engine.Client;
import io.magpie.engine.Clock;
import io.magpie.engine.Engine;
import io.magpie.engine.commands.StringValues;
import io.magpie.engine.config.Config;
import io.magpie.engine.config.Params.StringParam;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Damaged AOF files are detected, never loaded silently: flipped bytes anywhere in the RDB
 * base (its CRC-64 covers it) and in the framing of the incr file, and truncations at any
 * offset that is not a command boundary, all stop the load with an error naming the file
 * and the offset. aof-load-truncated cuts only a torn tail of the last file.
 *
 * <p>A flipped byte inside a key or value of an incr file cannot be detected: Redis 7.0's
 * AOF has no checksum, and a compatible file cannot carry one.
 */
class AofCorruptionTest {
    private static final String INCR = "appendonly.aof.1.incr.aof", BASE = "appendonly.aof.1.base.rdb";
    private final ScheduledExecutorService mainThread = Executors.newSingleThreadScheduledExecutor();
    private final List<String> log = new ArrayList<>();
    private Path golden;
    private Map<String, String> goldenData;

    private final class Node {
        final Engine engine;
        final Persistence persistence;
        final Config registry = new Config();

        Node(Path dir, String... params) throws Exception {
            registry.register(new StringParam("dir", dir.toString()));
            engine = new Engine(registry, Clock.SYSTEM, 1);
            persistence = new Persistence(engine, registry, mainThread, new Persistence.Logger() {
                @Override public void notice(String message) {
                    log.add(message);
                }

                @Override public void warning(String message) {
                    log.add(message);
                }
            });
            for (int i = 0; i < params.length; i += 2) registry.find(params[i]).set(params[i + 1]);
            engine.start();
        }

        void run(String... argv) {
            byte[][] a = new byte[argv.length][];
            for (int i = 0; i < argv.length; i++) a[i] = argv[i].getBytes(StandardCharsets.ISO_8859_1);
            engine.execute(Client.detached(engine), a);
        }

        Map<String, String> data() {
            Map<String, String> m = new TreeMap<>();
            for (int i = 0; i < engine.dbCount(); i++) {
                var db = engine.db(i);
                int id = i;
                db.dict().forEach(e -> m.put(id + ":" + new String(e.key(), StandardCharsets.ISO_8859_1),
                        new String(StringValues.bytes(e.value()), StandardCharsets.ISO_8859_1) + "|" + db.getExpire(e.key())));
            }
            return m;
        }
    }

    @BeforeEach
    void writeGoldenAof() throws Exception {
        golden = Files.createTempDirectory("magpie-aof-golden");
        Node n = new Node(golden, "appendonly", "yes");
        Random r = new Random(5);
        for (int i = 0; i < 300; i++) n.run("SET", "base" + i, "value" + i);
        n.persistence.loadAtStartup(); // base: the 300 keys above
        for (int i = 0; i < 300; i++) {
            n.run("SELECT", String.valueOf(r.nextInt(3)));
            switch (r.nextInt(3)) {
                case 0 -> n.run("SET", "k" + r.nextInt(100), "v" + i, "PX", "3600000");
                case 1 -> n.run("INCRBY", "c" + r.nextInt(10), String.valueOf(r.nextInt(1000)));
                default -> n.run("APPEND", "a" + r.nextInt(10), "x" + i);
            }
        }
        n.persistence.aof().prepareForShutdown();
        goldenData = n.data();
        assertThat(goldenData.size()).isGreaterThan(300);
    }

    @AfterEach
    void cleanUp() throws IOException {
        deleteTree(golden);
        mainThread.shutdownNow();
    }

    private Path copyOfGolden() throws IOException {
        Path d = Files.createTempDirectory("magpie-aof-damaged");
        Files.createDirectories(d.resolve("appendonlydir"));
        try (var s = Files.list(golden.resolve("appendonlydir"))) {
            for (Path p : s.toList()) Files.copy(p, d.resolve("appendonlydir").resolve(p.getFileName()));
        }
        return d;
    }

    private Map<String, String> load(Path dir, String truncatedOk) throws Exception {
        Node n = new Node(dir, "appendonly", "yes", "aof-load-truncated", truncatedOk);
        n.persistence.loadAtStartup();
        n.persistence.aof().prepareForShutdown();
        return n.data();
    }

    /** Offsets of the incr file's framing: '*', '$', length digits and every CR LF. */
    private static List<Integer> framingOffsets(byte[] aof) {
        List<Integer> offs = new ArrayList<>();
        int i = 0;
        while (i < aof.length) {
            int argc = 0;
            offs.add(i++); // '*'
            while (aof[i] != '\r') {
                argc = argc * 10 + (aof[i] - '0');
                offs.add(i++);
            }
            offs.add(i++);
            offs.add(i++);
            for (int a = 0; a < argc; a++) {
                int len = 0;
                offs.add(i++); // '$'
                while (aof[i] != '\r') {
                    len = len * 10 + (aof[i] - '0');
                    offs.add(i++);
                }
                offs.add(i++);
                offs.add(i++);
                i += len;
                offs.add(i++);
                offs.add(i++);
            }
        }
        return offs;
    }

    /** Offsets where a command ends (a truncation there leaves a valid, shorter file). */
    private static List<Integer> commandBoundaries(byte[] aof) {
        List<Integer> ends = new ArrayList<>();
        List<Integer> framing = framingOffsets(aof);
        for (int k = 0; k < framing.size(); k++) {
            int off = framing.get(k);
            if (aof[off] == '*' && (k == 0 || aof[framing.get(k - 1)] == '\n')) ends.add(off);
        }
        ends.add(aof.length);
        return ends;
    }

    @Test
    void theUndamagedDirectoryLoadsExactly() throws Exception {
        Path d = copyOfGolden();
        try {
            assertThat(load(d, "no")).isEqualTo(goldenData);
            assertThat(log).anyMatch(l -> l.startsWith("DB loaded from base file " + BASE))
                    .anyMatch(l -> l.startsWith("DB loaded from incr file " + INCR))
                    .anyMatch(l -> l.startsWith("DB loaded from append only file"));
        } finally {
            deleteTree(d);
        }
    }

    @Test
    void aFlippedByteAnywhereInTheRdbBaseIsDetected() throws Exception {
        byte[] base = Files.readAllBytes(golden.resolve("appendonlydir").resolve(BASE));
        Random r = new Random(42);
        for (int trial = 0; trial < 60; trial++) {
            int off = r.nextInt(base.length);
            int mask = 1 + r.nextInt(255);
            Path d = copyOfGolden();
            try {
                byte[] bad = base.clone();
                bad[off] ^= (byte) mask;
                Files.write(d.resolve("appendonlydir").resolve(BASE), bad);
                assertThatThrownBy(() -> load(d, "yes")).as("flip at %d of the base", off)
                        .isInstanceOf(IllegalStateException.class).hasMessageContaining(BASE).hasMessageContaining("offset");
            } finally {
                deleteTree(d);
            }
        }
    }

    @Test
    void aFlippedByteInTheIncrFramingIsDetected() throws Exception {
        byte[] incr = Files.readAllBytes(golden.resolve("appendonlydir").resolve(INCR));
        List<Integer> framing = framingOffsets(incr);
        Random r = new Random(43);
        for (int trial = 0; trial < 80; trial++) {
            int off = framing.get(r.nextInt(framing.size()));
            int mask = 1 + r.nextInt(255);
            byte[] bad = incr.clone();
            bad[off] ^= (byte) mask;
            Path d = copyOfGolden();
            try {
                Files.write(d.resolve("appendonlydir").resolve(INCR), bad);
                assertThatThrownBy(() -> load(d, "no")).as("flip of '%c' at %d of the incr file", (char) incr[off], off)
                        .isInstanceOf(IllegalStateException.class).hasMessageContaining(INCR).hasMessageContaining("offset");
            } finally {
                deleteTree(d);
            }
        }
    }

    @Test
    void aTruncationOfTheBaseAtAnyOffsetIsDetected() throws Exception {
        long size = Files.size(golden.resolve("appendonlydir").resolve(BASE));
        Random r = new Random(44);
        for (int trial = 0; trial < 40; trial++) {
            long at = 1 + r.nextInt((int) size - 1); // a zero-length base is an empty one, as in Redis
            Path d = copyOfGolden();
            try {
                truncate(d.resolve("appendonlydir").resolve(BASE), at);
                assertThatThrownBy(() -> load(d, "yes")).as("base cut at %d", at)
                        .isInstanceOf(IllegalStateException.class).hasMessageContaining(BASE).hasMessageContaining("offset");
            } finally {
                deleteTree(d);
            }
        }
    }

    @Test
    void aTornIncrTailStopsTheLoadUnlessAofLoadTruncatedCutsItAtTheLastCompleteCommand() throws Exception {
        byte[] incr = Files.readAllBytes(golden.resolve("appendonlydir").resolve(INCR));
        List<Integer> boundaries = commandBoundaries(incr);
        Random r = new Random(45);
        for (int trial = 0; trial < 40; trial++) {
            int at = 1 + r.nextInt(incr.length - 1);
            if (boundaries.contains(at)) continue; // a valid shorter log: nothing to detect
            int lastComplete = boundaries.stream().filter(b -> b < at).max(Comparator.naturalOrder()).orElse(0);
            Path d = copyOfGolden();
            try {
                Path f = d.resolve("appendonlydir").resolve(INCR);
                truncate(f, at);
                assertThatThrownBy(() -> load(d, "no")).as("incr cut at %d", at)
                        .isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining(INCR).hasMessageContaining("at offset " + lastComplete);
                Map<String, String> cut = load(d, "yes");
                // A SELECT may end the kept part: the file is cut at or after the last complete command.
                assertThat(Files.size(f)).isEqualTo(lastComplete);
                assertThat(load(d, "no")).as("the cut file is valid and loads the same").isEqualTo(cut);
            } finally {
                deleteTree(d);
            }
        }
    }

    private static void truncate(Path p, long at) throws IOException {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
            ch.truncate(at);
        }
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (var paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
