package io.magpie.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.magpie.engine.Engine;
import io.magpie.engine.commands.StringValues;
import io.magpie.persistence.Persistence;
import io.magpie.persistence.rdb.RdbLoader;
import io.magpie.persistence.rdb.RdbReader;
import io.magpie.protocol.RespClient;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** SAVE, BGSAVE, LASTSAVE, save rules, loading at start, corruption, DUMP/RESTORE errors. */
class PersistenceTest {
    private Path dir;

    @BeforeEach
    void setUp() throws Exception {
        dir = Files.createTempDirectory("magpie-persistence");
    }

    @AfterEach
    void tearDown() throws Exception {
        RdbInteropTest.deleteTree(dir);
    }

    private TestServer server(String... extra) {
        String[] args = new String[extra.length + 2];
        args[0] = "--dir";
        args[1] = dir.toString();
        System.arraycopy(extra, 0, args, 2, extra.length);
        return new TestServer(args);
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

    @Test
    void saveWritesDumpRdbAndARestartedServerLoadsIt() throws Exception {
        Map<String, String> before;
        try (TestServer s = server(); RespClient c = s.client()) {
            for (int i = 0; i < 500; i++) {
                c.call("SELECT", String.valueOf(i % 16));
                c.call("SET", "k" + i, "v" + i, "PX", "3600000");
                c.call("SET", "n" + i, String.valueOf(i));
            }
            assertThat(String.valueOf(c.value("SAVE"))).isEqualTo("OK");
            before = contents(s);
        }
        assertThat(Files.exists(dir.resolve("dump.rdb"))).isTrue();
        try (TestServer s = server()) {
            assertThat(contents(s)).isEqualTo(before).hasSize(1000);
        }
    }

    @Test
    void bgsaveHoldsTheDatasetAsItWasWhenItStarted() throws Exception {
        try (TestServer s = server(); RespClient c = s.client()) {
            for (int i = 0; i < 50_000; i++) c.send("SET", "key:" + i, "value:" + i);
            for (int i = 0; i < 50_000; i++) c.read(); // drain the pipelined replies
            Map<String, String> before = contents(s);
            assertThat(String.valueOf(c.value("BGSAVE"))).isEqualTo("Background saving started");
            // Writes after BGSAVE replied must not be in the file, whatever their timing.
            for (int i = 0; i < 50_000; i += 7) c.call("SET", "key:" + i, "changed");
            for (int i = 0; i < 2000; i++) c.call("SET", "new:" + i, "x");
            Persistence p = s.server().persistence();
            p.awaitBgsave(60_000);
            assertThat(s.server().onMainThread(p::infoSection)).contains("rdb_last_bgsave_status:ok");
            Engine fresh = new Engine(new io.magpie.engine.config.Config(), io.magpie.engine.Clock.SYSTEM, 1);
            fresh.start();
            try (InputStream in = Files.newInputStream(dir.resolve("dump.rdb"))) {
                new RdbLoader(fresh, true, true).load(new RdbReader(new java.io.BufferedInputStream(in)));
            }
            Map<String, String> loaded = new TreeMap<>();
            fresh.db(0).dict().forEach(en -> loaded.put("0:" + new String(en.key(), StandardCharsets.ISO_8859_1),
                    new String(StringValues.bytes(en.value()), StandardCharsets.ISO_8859_1) + "|" + fresh.db(0).getExpire(en.key())));
            assertThat(loaded).isEqualTo(before);
        }
    }

    @Test
    void lastsaveAdvancesAndASecondBgsaveIsRefusedWhileOneRuns() throws Exception {
        try (TestServer s = server(); RespClient c = s.client()) {
            for (int i = 0; i < 20_000; i++) c.send("SET", "key:" + i, "value:" + i);
            for (int i = 0; i < 20_000; i++) c.read();
            long before = (Long) c.value("LASTSAVE");
            // BGSAVE twice in one pipeline: the second arrives while the first is running.
            c.send("BGSAVE");
            c.send("BGSAVE");
            assertThat(String.valueOf(c.read().value())).isEqualTo("Background saving started");
            assertThat(String.valueOf(c.read().value())).isEqualTo("(error) ERR Background save already in progress");
            s.server().persistence().awaitBgsave(60_000);
            assertThat((Long) c.value("LASTSAVE")).isGreaterThanOrEqualTo(before);
            assertThat(String.valueOf(c.value("BGSAVE", "foo"))).isEqualTo("(error) ERR syntax error");
        }
    }

    @Test
    void aSaveRuleTriggersABackgroundSave() throws Exception {
        try (TestServer s = server("--save", "1 1"); RespClient c = s.client()) {
            c.call("SET", "a", "1");
            long deadline = System.currentTimeMillis() + 10_000;
            while (!Files.exists(dir.resolve("dump.rdb")) && System.currentTimeMillis() < deadline) Thread.sleep(50);
            assertThat(dir.resolve("dump.rdb")).exists();
            s.server().persistence().awaitBgsave(10_000);
            String info = s.server().onMainThread(s.server().persistence()::infoSection);
            assertThat(info).contains("rdb_changes_since_last_save:0").contains("rdb_saves:1");
        }
    }

    @Test
    void aCorruptOrTruncatedRdbStopsTheServerNamingFileAndOffset() throws Exception {
        try (TestServer s = server(); RespClient c = s.client()) {
            for (int i = 0; i < 100; i++) c.call("SET", "k" + i, "some value " + i);
            c.call("SAVE");
        }
        Path rdb = dir.resolve("dump.rdb");
        byte[] good = Files.readAllBytes(rdb);
        byte[] flipped = good.clone();
        flipped[good.length / 2] ^= 0x01;
        Files.write(rdb, flipped);
        assertThatThrownBy(this::server).hasStackTraceContaining(rdb.toAbsolutePath().toString())
                .hasStackTraceContaining("offset");
        Files.write(rdb, java.util.Arrays.copyOf(good, good.length - 20));
        assertThatThrownBy(this::server).hasStackTraceContaining(rdb.toAbsolutePath().toString())
                .hasStackTraceContaining("offset");
    }

    @Test
    void debugReloadKeepsTheDataset() throws Exception {
        try (TestServer s = server("--enable-debug-command", "yes"); RespClient c = s.client()) {
            for (int i = 0; i < 100; i++) c.call("SET", "k" + i, "v" + i, "PX", "3600000");
            Map<String, String> before = contents(s);
            assertThat(String.valueOf(c.value("DEBUG", "RELOAD"))).isEqualTo("OK");
            assertThat(contents(s)).isEqualTo(before);
            assertThat(dir.resolve("dump.rdb")).exists();
        }
    }

    @Test
    void restoreRejectsBadPayloadsAndOptionsAsRedisDoes() throws Exception {
        try (TestServer s = server(); RespClient c = s.client()) {
            c.call("SET", "k", "hello");
            String payload = (String) c.value("DUMP", "k");
            assertThat(c.value("DUMP", "missing")).isNull();
            assertThat(String.valueOf(c.value("RESTORE", "k2", "0", "x"))).isEqualTo("(error) ERR DUMP payload version or checksum are wrong");
            assertThat(String.valueOf(c.call(b("RESTORE"), b("k"), b("0"), b(payload)).value())).isEqualTo("(error) BUSYKEY Target key name already exists.");
            assertThat(String.valueOf(c.value("RESTORE", "k2", "-1", "x"))).isEqualTo("(error) ERR Invalid TTL value, must be >= 0");
            assertThat(String.valueOf(c.value("RESTORE", "k2", "abc", "x"))).isEqualTo("(error) ERR value is not an integer or out of range");
            assertThat(String.valueOf(c.value("RESTORE", "k2", "0", "x", "IDLETIME", "-1"))).isEqualTo("(error) ERR Invalid IDLETIME value, must be >= 0");
            assertThat(String.valueOf(c.value("RESTORE", "k2", "0", "x", "FREQ", "256"))).isEqualTo("(error) ERR Invalid FREQ value, must be >= 0 and <= 255");
            assertThat(String.valueOf(c.value("RESTORE", "k2", "0", "x", "foo"))).isEqualTo("(error) ERR syntax error");
            byte[] bad = b(payload);
            bad[1] ^= 1;
            assertThat(String.valueOf(c.call(b("RESTORE"), b("k2"), b("0"), bad).value())).isEqualTo("(error) ERR DUMP payload version or checksum are wrong");
            assertThat(String.valueOf(c.call(b("RESTORE"), b("k"), b("0"), b(payload), b("REPLACE"), b("IDLETIME"), b("5")).value())).isEqualTo("OK");
            assertThat(String.valueOf(c.call(b("RESTORE"), b("k3"), b("100000"), b(payload)).value())).isEqualTo("OK");
            long expire = s.server().onMainThread(() -> s.server().engine().db(0).getExpire(b("k3")));
            assertThat(expire).isGreaterThan(System.currentTimeMillis());
            assertThat(c.value("GET", "k3")).isEqualTo("hello");
        }
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }
}
