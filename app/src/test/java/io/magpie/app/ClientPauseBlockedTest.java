package io.magpie.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.magpie.protocol.RespClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * CLIENT PAUSE WRITE: a client whose write waits for the pause counts as blocked, as in
 * Redis (blocked_clients in INFO, flag b and its command in CLIENT LIST), and is served at
 * CLIENT UNPAUSE. Compared with redis-server.
 */
class ClientPauseBlockedTest extends AgainstRealRedis {
    private static String infoField(RespClient c, String field) {
        for (String line : String.valueOf(c.value("INFO", "clients")).split("\r\n")) {
            if (line.startsWith(field + ":")) return line.substring(field.length() + 1);
        }
        throw new AssertionError(field + " not in INFO");
    }

    /** flags= and cmd= of the CLIENT LIST line of the client named {@code name}. */
    private static String flagsAndCmd(RespClient c, String name) {
        for (String line : String.valueOf(c.value("CLIENT", "LIST")).split("\n")) {
            if (!line.contains(" name=" + name + " ")) continue;
            return line.replaceAll(".*( flags=\\S+).*( cmd=\\S+).*", "$1$2").strip();
        }
        throw new AssertionError(name + " not in CLIENT LIST");
    }

    @Test
    void aWriteWaitingForClientPauseCountsAsABlockedClient() {
        List<String> seen = new ArrayList<>();
        for (int port : new int[] {redis.port(), magpie.port()}) {
            try (RespClient admin = new RespClient(port); RespClient writer = new RespClient(port)) {
                writer.setTimeout(30_000);
                writer.call("CLIENT", "SETNAME", "writer");
                assertThat(infoField(admin, "blocked_clients")).isEqualTo("0");
                admin.call("CLIENT", "PAUSE", "60000", "WRITE");
                writer.send("SET", "paused-key", "v");
                await().atMost(Duration.ofSeconds(20)).until(() -> infoField(admin, "blocked_clients").equals("1"));
                seen.add(flagsAndCmd(admin, "writer"));
                admin.call("CLIENT", "UNPAUSE");
                assertThat(String.valueOf(writer.read().value())).isEqualTo("OK");
                assertThat(infoField(admin, "blocked_clients")).isEqualTo("0");
                admin.call("DEL", "paused-key");
            }
        }
        assertThat(seen.get(1)).isEqualTo(seen.get(0)).isEqualTo("flags=b cmd=set");
    }
}
