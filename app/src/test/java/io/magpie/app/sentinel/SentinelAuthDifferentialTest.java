package io.magpie.app.sentinel;

import static org.assertj.core.api.Assertions.assertThat;

import io.magpie.app.RealRedis;
import io.magpie.app.sentinel.SentinelHarness.SentinelNode;
import io.magpie.protocol.RespClient;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A password-protected Magpie Sentinel and redis-sentinel answer one connection's command sequence byte for byte. */
class SentinelAuthDifferentialTest {
    private static SentinelHarness h;
    private static SentinelNode magpie, redis;

    @BeforeAll
    static void start() throws Exception {
        h = new SentinelHarness();
        String body = "requirepass sentinelpw\nsentinel monitor mymaster 127.0.0.1 " + RealRedis.freePort() + " 2\n";
        redis = h.sentinelWithConfig(false, body);
        magpie = h.sentinelWithConfig(true, body);
    }

    @AfterAll
    static void stop() {
        h.close();
    }

    private static void sameSequence(String[]... cmds) {
        List<String> out = new ArrayList<>();
        for (SentinelNode s : List.of(redis, magpie)) {
            StringBuilder sb = new StringBuilder();
            try (RespClient c = new RespClient(s.port)) {
                c.setTimeout(2000);
                for (String[] cmd : cmds) {
                    String raw = new String(c.call(cmd).raw(), StandardCharsets.ISO_8859_1);
                    // HELLO's reply carries the connection id, which differs between the two servers.
                    sb.append(String.join(" ", cmd)).append(" -> ").append(raw.replaceAll("\\$2\\r\\nid\\r\\n:\\d+", "id:N")).append('\n');
                }
            }
            out.add(sb.toString());
        }
        assertThat(out.get(1)).isEqualTo(out.get(0));
    }

    @Test
    void commandsNeedAuthenticationAndWrongPasswordsAreRefusedAsOnRedisSentinel() {
        sameSequence(new String[] {"PING"}, new String[] {"SENTINEL", "MYID"}, new String[] {"AUTH", "wrong"},
                new String[] {"AUTH", "nobody", "sentinelpw"}, new String[] {"HELLO", "3"},
                new String[] {"HELLO", "3", "AUTH", "default", "wrong"}, new String[] {"AUTH", "sentinelpw"}, new String[] {"PING"});
        sameSequence(new String[] {"HELLO", "2", "AUTH", "default", "sentinelpw", "SETNAME", "me"}, new String[] {"CLIENT", "GETNAME"},
                new String[] {"AUTH", "default", "sentinelpw"}, new String[] {"ROLE"});
    }
}
