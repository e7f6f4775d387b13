package io.magpie.jepsen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Raft member whose Raft port is taken does not run, as a Redis Cluster node whose bus port
 * is taken does not: left up, it answered clients while its peers' traffic went to whatever
 * held its port (a test's own link proxy, once, and the group lost a member to it).
 */
class RaftPortTakenTest {
    @TempDir Path dir;

    @Test
    void memberWhoseRaftPortIsTakenExitsWithTheReason() throws Exception {
        int raftPort = ServerProcess.freePort();
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(raftPort));
            String members = "n1=127.0.0.1:" + raftPort;
            ServerProcess node = null;
            try {
                node = ServerProcess.start(ServerProcess.Kind.MAGPIE, "n1", dir, ServerProcess.freePort(), "--save", "", "--appendonly", "no",
                        "--raft-enabled", "yes", "--raft-id", "n1", "--raft-port", String.valueOf(raftPort), "--raft-members", members);
            } catch (IllegalStateException exitedBeforePing) {
                assertThat(exitedBeforePing.getMessage()).contains("exited with 1").contains(":" + raftPort);
                return;
            }
            ServerProcess started = node;
            try {
                await().atMost(Duration.ofSeconds(60)).until(() -> !started.isAlive());
                // Ratis ends the process itself when its gRPC server cannot bind; other start-up
                // failures end it in RaftModule. Either way the log names the port.
                assertThat(started.logTail()).containsAnyOf("Failed to bind to address 0.0.0.0/0.0.0.0:" + raftPort,
                        "Failed to start Raft on port " + raftPort + ", aborting.");
            } finally {
                started.close();
            }
        }
    }
}
