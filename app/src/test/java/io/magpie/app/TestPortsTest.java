package io.magpie.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TestPortsTest {
    @Test
    void portsAreHandedOutOnceEachBelowTheEphemeralRangeAndSkipTakenOnes() throws Exception {
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < 300; i++) {
            int p = TestPorts.freePort();
            assertThat(seen.add(p)).as("port %d handed out twice", p).isTrue();
            assertThat(p).isBetween(20000, 29999);
        }
        // A port someone listens on is skipped: hold the next candidates and ask again.
        try (ServerSocket held = new ServerSocket()) {
            int p = TestPorts.freePort();
            held.bind(new InetSocketAddress("127.0.0.1", p + 1));
            assertThat(TestPorts.freePort()).isNotEqualTo(p + 1);
        }
    }
}
