package io.magpie.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.magpie.protocol.RespClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A long script on the Java NIO transport (where Netty's native epoll is not available):
 * the script's hook reads the other clients through NIO's own read, not epoll's, so this
 * path needs its own server process, started with Netty's native transports turned off.
 * BusyScriptTest covers the replies in full on the default transport.
 */
class BusyScriptNioTest {
    private static final String BUSY = "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.";

    @Test
    void scriptKillFromAnotherClientOnTheNioTransport() throws Exception {
        Path dir = Files.createTempDirectory("magpie-busy-nio");
        try (MagpieProcess p = MagpieProcess.start(dir.resolve("magpie.log"),
                Map.of("JAVA_TOOL_OPTIONS", "-Dio.netty.transport.noNative=true"),
                "--dir", dir.toString(), "--save", "", "--busy-reply-threshold", "100");
                RespClient a = p.client(); RespClient b = p.client()) {
            a.setTimeout(60_000);
            b.setTimeout(60_000);
            assertThat(String.valueOf(b.value("INFO", "server"))).contains("multiplexing_api:java-nio");
            a.send("EVAL", "while true do end", "0");
            // A PING read before the EVAL is answered PONG; one read after waits for the threshold.
            Object reply = b.value("PING");
            for (long deadline = System.nanoTime() + 60_000_000_000L; String.valueOf(reply).equals("PONG") && System.nanoTime() - deadline < 0; ) {
                Thread.sleep(5);
                reply = b.value("PING");
            }
            assertThat(reply).isEqualTo(new RespClient.Err(BUSY));
            try (RespClient c = p.client()) {
                c.setTimeout(60_000);
                assertThat(c.value("PING")).isEqualTo(new RespClient.Err(BUSY));
                assertThat(String.valueOf(c.value("SCRIPT", "KILL"))).isEqualTo("OK");
            }
            assertThat(String.valueOf(a.read().value())).startsWith("(error) ERR Script killed by user with SCRIPT KILL... script: ");
            assertThat(String.valueOf(a.value("SET", "k", "v"))).isEqualTo("OK");
            assertThat(b.value("GET", "k")).isEqualTo("v");
        } finally {
            RdbInteropTest.deleteTree(dir);
        }
    }
}
