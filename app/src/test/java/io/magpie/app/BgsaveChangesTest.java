package io.magpie.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.magpie.protocol.RespClient;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * INFO persistence's rdb_changes_since_last_save around a BGSAVE, against redis-server:
 * changes made before the snapshot started are cleared when it succeeds, changes made
 * while it ran stay counted (they are not in the file).
 */
class BgsaveChangesTest {
    private static long field(RespClient c, String name) {
        String info = String.valueOf(c.value("INFO", "persistence"));
        for (String line : info.split("\r\n")) {
            if (line.startsWith(name + ":")) return Long.parseLong(line.substring(name.length() + 1));
        }
        throw new AssertionError(name + " missing from " + info);
    }

    /** Loads keys, then BGSAVE followed in the same pipeline by writes that land while it runs. */
    private static long changesAfterBgsave(RespClient c) throws InterruptedException {
        for (int i = 0; i < 300; i++) c.send("SET", "before:" + i, "v");
        for (int i = 0; i < 300; i++) c.read();
        assertThat(field(c, "rdb_changes_since_last_save")).isEqualTo(300);
        c.send("BGSAVE");
        c.send("SET", "during:1", "x");
        c.send("INCR", "during:2");
        c.send("DEL", "before:7");
        c.send("DEL", "no-such-key"); // changes nothing
        c.send("MSET", "during:3", "a", "during:4", "b");
        for (int i = 0; i < 6; i++) c.read();
        for (int i = 0; i < 3000 && field(c, "rdb_bgsave_in_progress") == 1; i++) Thread.sleep(10);
        assertThat(field(c, "rdb_bgsave_in_progress")).isZero();
        return field(c, "rdb_changes_since_last_save");
    }

    @Test
    void writesDuringABgsaveStayCountedAndThoseBeforeAreCleared() throws Exception {
        Path dir = Files.createTempDirectory("magpie-bgsave");
        long redisChanges, magpieChanges;
        // rdb-key-save-delay (microseconds per key) keeps Redis's child busy while the writes arrive.
        try (RealRedis redis = new RealRedis("--rdb-key-save-delay", "500"); RespClient r = redis.client()) {
            redisChanges = changesAfterBgsave(r);
        }
        try (TestServer magpie = new TestServer("--dir", dir.toString()); RespClient m = magpie.client()) {
            magpieChanges = changesAfterBgsave(m);
            assertThat(String.valueOf(m.value("INFO", "persistence"))).contains("rdb_last_bgsave_status:ok");
        } finally {
            RdbInteropTest.deleteTree(dir);
        }
        assertThat(redisChanges).isEqualTo(5); // SET, INCR, DEL and MSET of two keys
        assertThat(magpieChanges).isEqualTo(redisChanges);
    }
}
