package io.magpie.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.magpie.protocol.RespClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * RESTORE IDLETIME/FREQ and the RDB IDLE/FREQ opcodes, against redis-server: the access
 * history a key is restored or loaded with is what OBJECT IDLETIME / OBJECT FREQ report,
 * under each kind of maxmemory-policy, across DEBUG RELOAD and across the two servers.
 *
 * <p>OBJECT IDLETIME counts whole seconds of a clock each server reads for itself, so a
 * second may tick between the two servers' answers: idle times are compared within one
 * second, everything else exactly.
 */
class AccessHistoryPersistenceTest {
    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** The script, run on both servers, with the DUMP payload of a small string. */
    private static List<byte[][]> script(byte[] payload) {
        List<byte[][]> cmds = new ArrayList<>();
        cmds.add(new byte[][] {b("RESTORE"), b("idle"), b("0"), payload, b("IDLETIME"), b("1000")});
        cmds.add(new byte[][] {b("RESTORE"), b("freq"), b("0"), payload, b("FREQ"), b("100")});
        cmds.add(new byte[][] {b("RESTORE"), b("both"), b("0"), payload, b("FREQ"), b("100"), b("IDLETIME"), b("5")});
        cmds.add(new byte[][] {b("RESTORE"), b("both"), b("0"), payload, b("IDLETIME"), b("5"), b("FREQ"), b("100")});
        cmds.add(new byte[][] {b("RESTORE"), b("twice"), b("0"), payload, b("FREQ"), b("7"), b("FREQ"), b("9")});
        cmds.add(new byte[][] {b("RESTORE"), b("old"), b("0"), payload, b("IDLETIME"), b("40000000")});
        cmds.add(new byte[][] {b("RESTORE"), b("idle"), b("0"), payload, b("REPLACE"), b("IDLETIME"), b("2000")});
        for (int round = 0; round < 2; round++) {
            for (String k : new String[] {"idle", "freq", "twice", "old"}) {
                cmds.add(new byte[][] {b("OBJECT"), b("IDLETIME"), b(k)});
                cmds.add(new byte[][] {b("OBJECT"), b("FREQ"), b(k)});
            }
            if (round == 0) cmds.add(new byte[][] {b("DEBUG"), b("RELOAD")});
        }
        return cmds;
    }

    private static void assertSameReply(Object mine, Object theirs, String cmd) {
        if (mine instanceof Long m && theirs instanceof Long t && cmd.startsWith("OBJECT IDLETIME")) {
            assertThat(m).as(cmd).isBetween(t - 1, t + 1);
        } else {
            assertThat(String.valueOf(mine)).as(cmd).isEqualTo(String.valueOf(theirs));
        }
    }

    private static String text(byte[][] cmd) {
        StringBuilder sb = new StringBuilder();
        for (byte[] a : cmd) sb.append(a.length > 40 ? "<payload>" : new String(a, StandardCharsets.ISO_8859_1)).append(' ');
        return sb.toString().trim();
    }

    @ParameterizedTest(name = "maxmemory-policy {0}")
    @ValueSource(strings = {"noeviction", "allkeys-lru", "volatile-lru", "allkeys-lfu", "volatile-lfu"})
    void restoredAndReloadedAccessHistoryMatchesRedis(String policy) throws Exception {
        String[] args = {"--maxmemory-policy", policy, "--enable-debug-command", "yes"};
        Path dir = Files.createTempDirectory("magpie-access");
        try (RealRedis redis = new RealRedis(args);
             TestServer magpie = new TestServer(withDir(dir, args));
             RespClient r = redis.client();
             RespClient m = magpie.client()) {
            r.call("SET", "k", "v");
            byte[] payload = b((String) r.value("DUMP", "k"));
            for (byte[][] cmd : script(payload)) {
                assertSameReply(m.call(cmd).value(), r.call(cmd).value(), text(cmd));
            }
        } finally {
            RdbInteropTest.deleteTree(dir);
        }
    }

    private static String[] withDir(Path dir, String... args) {
        String[] all = new String[args.length + 2];
        all[0] = "--dir";
        all[1] = dir.toString();
        System.arraycopy(args, 0, all, 2, args.length);
        return all;
    }

    @ParameterizedTest(name = "maxmemory-policy {0}")
    @ValueSource(strings = {"allkeys-lru", "allkeys-lfu"})
    void idleAndFreqCrossBetweenTheServersInRdbFiles(String policy) throws Exception {
        Path magpieDir = Files.createTempDirectory("magpie-access");
        Path redisDir = Files.createTempDirectory("redis-access");
        String[] args = {"--maxmemory-policy", policy};
        try {
            // Redis writes the file, Magpie reads it.
            try (RealRedis redis = new RealRedis(withDir(redisDir, args)); RespClient r = redis.client()) {
                r.call("SET", "k", "v");
                byte[] payload = b((String) r.value("DUMP", "k"));
                r.call(b("RESTORE"), b("a"), b("0"), payload, b(policy.endsWith("lru") ? "IDLETIME" : "FREQ"), b("123"));
                r.call("SAVE");
            }
            Files.copy(redisDir.resolve("dump.rdb"), magpieDir.resolve("dump.rdb"), StandardCopyOption.REPLACE_EXISTING);
            try (TestServer magpie = new TestServer(withDir(magpieDir, args)); RespClient m = magpie.client()) {
                if (policy.endsWith("lru")) {
                    assertThat((Long) m.value("OBJECT", "IDLETIME", "a")).isBetween(123L, 125L);
                } else {
                    assertThat(m.value("OBJECT", "FREQ", "a")).isEqualTo(123L);
                }
                // Magpie writes it back (with its own restore of a second key), Redis reads it.
                m.call(b("RESTORE"), b("b"), b("0"), b((String) m.value("DUMP", "k")),
                        b(policy.endsWith("lru") ? "IDLETIME" : "FREQ"), b("77"));
                assertThat(String.valueOf(m.value("SAVE"))).isEqualTo("OK");
            }
            Files.copy(magpieDir.resolve("dump.rdb"), redisDir.resolve("dump.rdb"), StandardCopyOption.REPLACE_EXISTING);
            try (RealRedis redis = new RealRedis(withDir(redisDir, args)); RespClient r = redis.client()) {
                if (policy.endsWith("lru")) {
                    assertThat((Long) r.value("OBJECT", "IDLETIME", "a")).isBetween(123L, 127L);
                    assertThat((Long) r.value("OBJECT", "IDLETIME", "b")).isBetween(77L, 79L);
                } else {
                    assertThat(r.value("OBJECT", "FREQ", "a")).isEqualTo(123L);
                    assertThat(r.value("OBJECT", "FREQ", "b")).isEqualTo(77L);
                }
            }
        } finally {
            RdbInteropTest.deleteTree(magpieDir);
            RdbInteropTest.deleteTree(redisDir);
        }
    }
}
