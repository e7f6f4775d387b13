package io.magpie.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.magpie.engine.Engine;
import io.magpie.engine.commands.StringValues;
import io.magpie.protocol.RespClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The multi-part AOF: appending, loading, BGREWRITEAOF, truncation, interop with redis-server 7.0. */
class AofTest {
    private Path dir;

    @BeforeEach
    void setUp() throws Exception {
        dir = Files.createTempDirectory("magpie-aof");
    }

    @AfterEach
    void tearDown() throws Exception {
        RdbInteropTest.deleteTree(dir);
    }

    private TestServer server(String... extra) {
        String[] args = new String[extra.length + 4];
        args[0] = "--dir";
        args[1] = dir.toString();
        args[2] = "--appendonly";
        args[3] = "yes";
        System.arraycopy(extra, 0, args, 4, extra.length);
        return new TestServer(args);
    }

    /** SHUTDOWN NOSAVE's persistence part: flush and fsync the AOF. */
    private static void stop(TestServer s) throws Exception {
        s.server().onMainThread(() -> s.server().persistence().prepareForShutdown(false));
        s.close();
    }

    private static Map<String, String> contents(TestServer s) throws Exception {
        Engine e = s.server().engine();
        return s.server().onMainThread(() -> {
            Map<String, String> m = new TreeMap<>();
            for (int i = 0; i < e.dbCount(); i++) {
                var db = e.db(i);
                int id = i;
                db.dict().forEach(en -> m.put(id + ":" + new String(en.key(), StandardCharsets.ISO_8859_1),
                        new String(StringValues.bytes(en.value()), StandardCharsets.ISO_8859_1) + "|" + db.getExpire(en.key())));
            }
            return m;
        });
    }

    private static void write(RespClient c, int from, int to) {
        for (int i = from; i < to; i++) {
            c.call("SELECT", String.valueOf(i % 4));
            c.call("SET", "k" + i, "v" + i);
            c.call("SET", "t" + i, "x", "PX", "3600000");
            c.call("INCR", "counter");
        }
    }

    @Test
    void writesAreReplayedFromTheAofAfterARestart() throws Exception {
        Map<String, String> before;
        TestServer s = server();
        try (RespClient c = s.client()) {
            write(c, 0, 300);
            before = contents(s);
        }
        stop(s);
        assertThat(Files.readString(dir.resolve("appendonlydir/appendonly.aof.manifest")))
                .isEqualTo("file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n");
        try (TestServer again = server()) {
            assertThat(contents(again)).isEqualTo(before);
        }
    }

    @Test
    void bgrewriteaofMakesANewBaseAndKeepsLaterWrites() throws Exception {
        Map<String, String> before;
        TestServer s = server();
        try (RespClient c = s.client()) {
            write(c, 0, 200);
            assertThat(String.valueOf(c.value("BGREWRITEAOF"))).isEqualTo("Background append only file rewriting started");
            write(c, 200, 400);
            s.server().persistence().awaitAofRewrite(30_000);
            write(c, 400, 450);
            before = contents(s);
        }
        stop(s);
        assertThat(Files.readString(dir.resolve("appendonlydir/appendonly.aof.manifest")))
                .isEqualTo("file appendonly.aof.2.base.rdb seq 2 type b\nfile appendonly.aof.2.incr.aof seq 2 type i\n");
        assertThat(dir.resolve("appendonlydir/appendonly.aof.1.incr.aof")).doesNotExist();
        try (TestServer again = server()) {
            assertThat(contents(again)).isEqualTo(before);
        }
    }

    @Test
    void aTruncatedTailIsCutOnlyWhenAofLoadTruncatedAllowsIt() throws Exception {
        TestServer s = server();
        try (RespClient c = s.client()) {
            write(c, 0, 50);
        }
        stop(s);
        Path incr = dir.resolve("appendonlydir/appendonly.aof.1.incr.aof");
        byte[] full = Files.readAllBytes(incr);
        Files.write(incr, java.util.Arrays.copyOf(full, full.length - 5));
        assertThatThrownBy(() -> server("--aof-load-truncated", "no")).hasStackTraceContaining(incr.getFileName().toString())
                .hasStackTraceContaining("offset");
        try (TestServer again = server()) {
            assertThat(contents(again)).containsKey("1:k49"); // the cut command was INCR counter
        }
    }

    @Test
    void aMagpieAofDirectoryLoadsIntoRedisAndTheOtherWayRound() throws Exception {
        TestServer s = server();
        try (RespClient c = s.client()) {
            write(c, 0, 100);
            assertThat(String.valueOf(c.value("BGREWRITEAOF"))).isEqualTo("Background append only file rewriting started");
            s.server().persistence().awaitAofRewrite(30_000);
            write(c, 100, 150);
        }
        stop(s);
        try (RealRedis redis = new RealRedis("--appendonly", "yes", "--dir", dir.toString()); RespClient c = redis.client()) {
            for (int i = 0; i < 150; i++) {
                c.call("SELECT", String.valueOf(i % 4));
                assertThat(c.value("GET", "k" + i)).isEqualTo("v" + i);
            }
            c.call("SELECT", "3");
            assertThat(c.value("GET", "counter")).isEqualTo("37");
            write(c, 150, 200); // redis appends to its own incr file now
        }
        try (TestServer again = server(); RespClient c = again.client()) {
            for (int i = 0; i < 200; i++) {
                c.call("SELECT", String.valueOf(i % 4));
                assertThat(c.value("GET", "k" + i)).as("k%d", i).isEqualTo("v" + i);
            }
        }
    }
}
