package io.magpie.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.magpie.protocol.RespClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Bloom filters survive every way Magpie persists a key (SAVE and restart, DEBUG RELOAD,
 * DUMP/RESTORE, BGREWRITEAOF with and without the RDB preamble): BF.INFO is the same,
 * every added item still exists, and further BF.ADDs answer as on the original filter.
 */
class BloomPersistenceTest {
    private static final int ITEMS = 1500;
    private Path dir;

    @BeforeEach
    void setUp() throws Exception {
        dir = Files.createTempDirectory("magpie-bloom");
    }

    @AfterEach
    void tearDown() throws Exception {
        RdbInteropTest.deleteTree(dir);
    }

    private TestServer server(String... extra) {
        List<String> args = new ArrayList<>(List.of("--dir", dir.toString(), "--enable-debug-command", "yes"));
        args.addAll(List.of(extra));
        return new TestServer(args.toArray(new String[0]));
    }

    /** A scaling filter (several sub-filters), a non-scaling one and a reserved one with expansion 3. */
    private static void fill(RespClient c) {
        for (int i = 0; i < ITEMS; i++) c.send("BF.ADD", "scaling", "item:" + i);
        for (int i = 0; i < ITEMS; i++) c.read();
        assertThat(String.valueOf(c.value("BF.RESERVE", "fixed", "0.001", "300", "NONSCALING"))).isEqualTo("OK");
        for (int i = 0; i < 300; i++) c.call("BF.ADD", "fixed", "f" + i);
        assertThat(String.valueOf(c.value("BF.RESERVE", "wide", "0.05", "10", "EXPANSION", "3"))).isEqualTo("OK");
        for (int i = 0; i < 100; i++) c.call("BF.ADD", "wide", "w" + i);
        c.call("SET", "plain", "string");
    }

    private static String info(RespClient c) {
        return c.value("BF.INFO", "scaling") + "|" + c.value("BF.INFO", "fixed") + "|" + c.value("BF.INFO", "wide");
    }

    /** What further adds answer: a full non-scaling filter's error, which new items are new. */
    private static String futureAdds(RespClient c) {
        StringBuilder sb = new StringBuilder();
        for (int i = ITEMS; i < ITEMS + 300; i++) sb.append(c.value("BF.ADD", "scaling", "item:" + i));
        sb.append('|').append(c.value("BF.ADD", "fixed", "one more"));
        for (int i = 100; i < 200; i++) sb.append(c.value("BF.ADD", "wide", "w" + i));
        return sb + "|" + info(c);
    }

    private static void assertAllItemsExist(RespClient c) {
        for (int i = 0; i < ITEMS; i++) c.send("BF.EXISTS", "scaling", "item:" + i);
        for (int i = 0; i < ITEMS; i++) assertThat(c.read().value()).as("item:%d", i).isEqualTo(1L);
        for (int i = 0; i < 300; i++) assertThat(c.value("BF.EXISTS", "fixed", "f" + i)).isEqualTo(1L);
        for (int i = 0; i < 100; i++) assertThat(c.value("BF.EXISTS", "wide", "w" + i)).isEqualTo(1L);
    }

    /** Fills a server, notes BF.INFO and what further adds would answer, on a twin filled the same way. */
    private String[] expected() {
        Path twinDir = dir.resolve("twin");
        try {
            Files.createDirectories(twinDir);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
        try (TestServer twin = new TestServer("--dir", twinDir.toString()); RespClient c = twin.client()) {
            fill(c);
            return new String[] {info(c), futureAdds(c)};
        }
    }

    private static void assertSameFilters(RespClient c, String[] expected) {
        assertThat(info(c)).isEqualTo(expected[0]);
        assertThat(String.valueOf(c.value("TYPE", "scaling"))).isEqualTo("MBbloom--");
        assertAllItemsExist(c);
        assertThat(futureAdds(c)).isEqualTo(expected[1]);
    }

    @Test
    void filtersSurviveSaveAndRestart() throws Exception {
        String[] expected = expected();
        try (TestServer s = server(); RespClient c = s.client()) {
            fill(c);
            assertThat(String.valueOf(c.value("SAVE"))).isEqualTo("OK");
        }
        try (TestServer s = server(); RespClient c = s.client()) {
            assertThat(c.value("DBSIZE")).isEqualTo(4L);
            assertSameFilters(c, expected);
        }
    }

    @Test
    void filtersSurviveBgsaveAndDebugReload() throws Exception {
        String[] expected = expected();
        try (TestServer s = server(); RespClient c = s.client()) {
            fill(c);
            assertThat(String.valueOf(c.value("BGSAVE"))).isEqualTo("Background saving started");
            s.server().persistence().awaitBgsave(60_000);
            assertThat(String.valueOf(c.value("DEBUG", "RELOAD", "NOSAVE"))).isEqualTo("OK");
            assertSameFilters(c, expected);
        }
    }

    @Test
    void filtersSurviveDumpAndRestore() throws Exception {
        String[] expected = expected();
        try (TestServer s = server(); RespClient c = s.client()) {
            fill(c);
            for (String k : new String[] {"scaling", "fixed", "wide"}) {
                byte[] payload = b((String) c.value("DUMP", k));
                assertThat(String.valueOf(c.value("DEL", k))).isEqualTo("1");
                assertThat(String.valueOf(c.call(b("RESTORE"), b(k), b("0"), payload).value())).isEqualTo("OK");
            }
            assertSameFilters(c, expected);
        }
    }

    @Test
    void filtersSurviveAnAofRewriteWithThePreamble() throws Exception {
        String[] expected = expected();
        try (TestServer s = server("--appendonly", "yes"); RespClient c = s.client()) {
            fill(c);
            c.call("BGREWRITEAOF");
            AofTest.waitForRewrite(s);
        }
        assertThat(dir.resolve("appendonlydir/appendonly.aof.2.base.rdb")).exists();
        try (TestServer s = server("--appendonly", "yes"); RespClient c = s.client()) {
            assertSameFilters(c, expected);
        }
    }

    @Test
    void filtersSurviveAnAofRewriteToRestoreCommands() throws Exception {
        String[] expected = expected();
        try (TestServer s = server("--appendonly", "yes", "--aof-use-rdb-preamble", "no"); RespClient c = s.client()) {
            fill(c);
            c.call("BGREWRITEAOF");
            AofTest.waitForRewrite(s);
        }
        assertThat(dir.resolve("appendonlydir/appendonly.aof.2.base.aof")).exists();
        try (TestServer s = server("--appendonly", "yes"); RespClient c = s.client()) {
            assertSameFilters(c, expected);
        }
    }

    /** module.c's moduleTypeEncodeId, written out here so the test does not share the code under test. */
    private static long moduleId(String name, int encver) {
        String cset = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        long id = 0;
        for (char ch : name.toCharArray()) id = (id << 6) | cset.indexOf(ch);
        return (id << 10) | encver;
    }

    @Test
    void anRdbHoldingAnotherModulesTypeStopsTheServerNamingTheTypeFileAndOffset() throws Exception {
        try (TestServer s = server(); RespClient c = s.client()) {
            c.call("SET", "before", "x");
            c.call("BF.ADD", "bf", "a");
            c.call("SAVE");
        }
        // Splice a RedisJSON value before the EOF opcode: type 7, key, module id, one UINT field, module EOF.
        Path rdb = dir.resolve("dump.rdb");
        byte[] good = Files.readAllBytes(rdb);
        io.magpie.persistence.rdb.RdbWriter w = new io.magpie.persistence.rdb.RdbWriter(false);
        w.writeBytes(good, 0, good.length - 9);
        long at = w.size() + 1 + 3; // type byte, then the key "js" (length byte and two bytes)
        w.writeType(7);
        w.writeString(b("js"));
        w.writeLen(moduleId("ReJSON-RL", 3));
        w.writeLen(2);
        w.writeLen(1);
        w.writeLen(0);
        w.writeEof(true);
        Files.write(rdb, w.toByteArray());
        org.assertj.core.api.Assertions.assertThatThrownBy(this::server)
                .hasStackTraceContaining("Fatal error loading the DB " + rdb.toAbsolutePath())
                .hasStackTraceContaining("no matching module type 'ReJSON-RL' (at offset " + at + ")");
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }
}
