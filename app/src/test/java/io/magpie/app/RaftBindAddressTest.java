package io.magpie.app;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.magpie.protocol.RespClient;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Raft port listens where the node does, as Redis's cluster bus does: a node bound to
 * 127.0.0.1 is not reachable for Raft on another address of the host (Ratis alone listens on
 * every address). 127.0.0.2 is another loopback address of this host, so a listener on every
 * address answers there, and one on 127.0.0.1 refuses.
 */
class RaftBindAddressTest {
    @TempDir
    Path dir;

    @Test
    void theRaftPortListensOnlyOnTheBindAddress() throws Exception {
        int raftPort = RealRedis.freePort();
        try (MagpieProcess node = MagpieProcess.start(dir.resolve("raft.log"), "--dir", dir.toString(), "--raft-enabled", "yes",
                "--raft-id", "n1", "--raft-port", String.valueOf(raftPort), "--raft-members", "n1=127.0.0.1:" + raftPort);
                RespClient c = node.client()) {
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(120))
                    .until(() -> c.value("RAFT", "INFO").toString().contains("role:leader"));
            connect("127.0.0.1", raftPort).close();
            assertThatThrownBy(() -> connect("127.0.0.2", raftPort)).isInstanceOf(IOException.class);
        }
    }

    private static Socket connect(String host, int port) throws IOException {
        Socket s = new Socket();
        try {
            s.connect(new InetSocketAddress(host, port), 5000);
            return s;
        } catch (IOException e) {
            s.close();
            throw e;
        }
    }
}
