package io.magpie.app.scripting;

import static org.assertj.core.api.Assertions.assertThat;

import io.magpie.app.RealRedis;
import io.magpie.app.TestServer;
import io.magpie.protocol.RespClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import org.junit.jupiter.api.Test;

/**
 * FUNCTION libraries move between redis-server 7.0 and Magpie in RDB files (the FUNCTION2
 * opcode) and in FUNCTION DUMP payloads, both ways, and stay callable.
 */
class FunctionRdbInteropTest {
    static final String LIB = "#!lua name=shop\n"
            + "redis.register_function('add_item', function(keys, args) return redis.call('hincrby', keys[1], args[1], args[2]) end)\n"
            + "redis.register_function{function_name='count_items', callback=function(keys) return redis.call('hlen', keys[1]) end, "
            + "flags={'no-writes'}, description='items in a cart: xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'}";

    @Test
    void aLibrarySavedByRedisLoadsIntoMagpieAndBack() throws Exception {
        Path dir = Files.createTempDirectory("magpie-functions");
        try {
            try (RealRedis redis = new RealRedis(); RespClient c = redis.client()) {
                assertThat(c.value("FUNCTION", "LOAD", LIB)).isEqualTo("shop");
                assertThat(c.value("FCALL", "add_item", "1", "cart", "apple", "3")).isEqualTo(3L);
                assertThat(String.valueOf(c.value("SAVE"))).isEqualTo("OK");
                Files.copy(redis.dir().resolve("dump.rdb"), dir.resolve("dump.rdb"), StandardCopyOption.REPLACE_EXISTING);
            }
            try (TestServer s = new TestServer("--dir", dir.toString()); RespClient c = s.client()) {
                assertThat(c.value("FCALL", "add_item", "1", "cart", "apple", "2")).isEqualTo(5L);
                assertThat(c.value("FCALL_RO", "count_items", "1", "cart")).isEqualTo(1L);
                assertThat(c.call("FUNCTION", "LIST", "WITHCODE").text()).contains("library_code").contains("items in a cart");
                assertThat(String.valueOf(c.value("SAVE"))).isEqualTo("OK");
            }
            Process check = new ProcessBuilder("redis-check-rdb", dir.resolve("dump.rdb").toString()).redirectErrorStream(true).start();
            String out = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(check.waitFor()).as(out).isZero();
            try (RealRedis redis = new RealRedis("--dir", dir.toString()); RespClient c = redis.client()) {
                assertThat(c.value("FCALL", "add_item", "1", "cart", "pear", "1")).isEqualTo(1L);
                assertThat(c.value("FCALL_RO", "count_items", "1", "cart")).isEqualTo(2L);
                assertThat(c.value("HGET", "cart", "apple")).isEqualTo("5");
            }
        } finally {
            try (var paths = Files.walk(dir)) {
                paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static byte[] dump(RespClient c) {
        return ((String) c.value("FUNCTION", "DUMP")).getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void functionDumpPayloadsRestoreAcrossBothServers() {
        try (RealRedis redis = new RealRedis(); RespClient rc = redis.client(); TestServer s = new TestServer(); RespClient mc = s.client()) {
            rc.value("FUNCTION", "LOAD", LIB);
            byte[] fromRedis = dump(rc);
            assertThat(mc.call("FUNCTION".getBytes(), "RESTORE".getBytes(), fromRedis).value().toString()).isEqualTo("OK");
            assertThat(mc.value("FCALL", "add_item", "1", "cart", "kiwi", "4")).isEqualTo(4L);
            assertThat(dump(mc)).isEqualTo(fromRedis);

            rc.value("FUNCTION", "FLUSH");
            byte[] fromMagpie = dump(mc);
            assertThat(rc.call("FUNCTION".getBytes(), "RESTORE".getBytes(), fromMagpie).value().toString()).isEqualTo("OK");
            assertThat(rc.value("FCALL", "add_item", "1", "cart", "kiwi", "4")).isEqualTo(4L);
            assertThat(rc.call("FUNCTION".getBytes(), "RESTORE".getBytes(), fromMagpie).value().toString()).isEqualTo("(error) ERR Library shop already exists");
        }
    }
}
