package io.magpie.cluster.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodesConfTest {
    private static final String A = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    private static final String B = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
    private static final String C = "cccccccccccccccccccccccccccccccccccccccc";
    private static final String D = "dddddddddddddddddddddddddddddddddddddddd";

    private static final String CONF = ""
        + A + " 127.0.0.1:7000@17000,host-a.example myself,master - 0 0 3 connected 0-99 101 200-300 [100->-" + B
        + "] [400-<-" + B + "]\n"
        + B + " 127.0.0.1:7001@17001 master - 0 1700000000000 2 connected 100 102-199 400\n"
        + C + " 127.0.0.1:7002@17002 slave,nofailover " + B + " 0 1700000000000 2 connected\n"
        + D + " :0@0 master,fail,noaddr - 1700000000000 1700000000000 1 disconnected\n"
        + "vars currentEpoch 5 lastVoteEpoch 4\n";

    private static ClusterState load(String text) {
        ClusterConfig config = ClusterConfig.forPort(7000);
        config.announceHostname = "host-a.example";
        return ClusterState.load(config, new Random(1), text, 5000);
    }

    @Test
    void everyFieldOfNodesConfIsLoadedAndWrittenBack() {
        ClusterState state = load(CONF);
        assertThat(state.myId()).isEqualTo(A);
        assertThat(state.currentEpoch()).isEqualTo(5);
        assertThat(state.lastVoteEpoch()).isEqualTo(4);
        assertThat(state.slotOwner(101).name()).isEqualTo(A);
        assertThat(state.slotOwner(100).name()).isEqualTo(B);
        assertThat(state.migratingTo(100).name()).isEqualTo(B);
        assertThat(state.importingFrom(400).name()).isEqualTo(B);
        ClusterNode c = state.lookupNode(C);
        assertThat(c.isSlave()).isTrue();
        assertThat(c.slaveof().name()).isEqualTo(B);
        assertThat(state.lookupNode(B).slaves()).containsExactly(c);
        assertThat(c.hasFlag(io.magpie.cluster.bus.NodeFlags.NOFAILOVER)).isTrue();
        assertThat(state.lookupNode(D).failed()).isTrue();
        assertThat(state.myself().hostname()).isEqualTo("host-a.example");
        // Non-zero ping/pong times come back as the load time; a replica's epoch is its master's.
        String expected = CONF.replace("1700000000000", "5000").replace(" connected", " disconnected")
            .replace("myself,master - 0 0 3 disconnected", "myself,master - 0 0 3 connected");
        assertThat(state.nodesConf()).isEqualTo(expected);
    }

    @Test
    void filesWithoutBusPortGetPortPlus10000() {
        ClusterState state = load(A + " 127.0.0.1:7000 myself,master - 0 0 0 connected\n");
        assertThat(state.myself().cport()).isEqualTo(17000);
        // currentEpoch is at least the greatest configEpoch even without a vars line.
        ClusterState s2 = load(A + " 127.0.0.1:7000@17000 myself,master - 0 0 9 connected\n");
        assertThat(s2.currentEpoch()).isEqualTo(9);
    }

    @Test
    void malformedFilesAreRefused() {
        assertThatThrownBy(() -> load(A + " 127.0.0.1:7000@17000 myself,master - 0 0 0\n"))
            .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> load("xyz 127.0.0.1:7000@17000 myself,master - 0 0 0 connected\n"))
            .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> load(A + " 127.0.0.1:7000@17000 myself,bogus - 0 0 0 connected\n"))
            .hasMessage("Unknown flag in redis cluster config file");
        assertThatThrownBy(() -> load(B + " 127.0.0.1:7000@17000 master - 0 0 0 connected\n"))
            .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> load(A + " 127.0.0.1:7000@17000 myself,master - 0 0 0 connected 16384\n"))
            .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> load(A + " 127.0.0.1:7000@17000 myself,master - 0 0 0 connected\nvars currentEpoch\n"))
            .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aSaveReplacesTheFileWhole(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("nodes.conf");
        assertThat(NodesConfFile.read(file)).isNull();
        NodesConfFile.write(file, CONF, true);
        assertThat(NodesConfFile.read(file)).isEqualTo(CONF);
        NodesConfFile.write(file, "short\n", false);
        assertThat(Files.readString(file)).isEqualTo("short\n");
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("nodes.conf");
        }
        Files.writeString(file, "");
        assertThat(NodesConfFile.read(file)).isNull();
    }
}
