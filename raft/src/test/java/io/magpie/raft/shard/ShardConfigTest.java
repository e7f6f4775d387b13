package io.magpie.raft.shard;

import static org.assertj.core.api.Assertions.assertThat;

import io.magpie.engine.config.Config;
import io.magpie.raft.RaftConfig;
import io.magpie.server.ConfigLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The sharded mode's parameters come from the config file and the command line, as the others, and CONFIG GET lists them. */
class ShardConfigTest {
    @Test
    void raftHttpPortIsReadFromTheConfigFileAndTheCommandLineWhichWins() throws Exception {
        Path file = Files.createTempFile("magpie-shards", ".conf");
        Files.writeString(file, "raft-enabled yes\nraft-shards 6\nraft-http-port 18001\nraft-placement ring\n");

        Config fromFile = new Config();
        new RaftConfig(fromFile);
        ShardConfig shards = new ShardConfig(fromFile);
        String text = ConfigLoader.configText(new String[] {file.toString()});
        assertThat(ShardConfig.requested(text)).isTrue();
        ConfigLoader.load(fromFile, text);
        assertThat(shards.httpPort.value()).isEqualTo(18001);
        assertThat(shards.placement.value()).isEqualTo(SlotPlacement.Kind.RING);
        assertThat(fromFile.matching(List.of("raft-http-port"))).containsEntry("raft-http-port", "18001");
        assertThat(fromFile.matching(List.of("raft-*"))).containsEntry("raft-http-port", "18001"); // CONFIG GET raft-*

        Config overridden = new Config();
        new RaftConfig(overridden);
        ShardConfig again = new ShardConfig(overridden);
        ConfigLoader.load(overridden, ConfigLoader.configText(new String[] {file.toString(), "--raft-http-port", "18002"}));
        assertThat(again.httpPort.value()).isEqualTo(18002);

        Config off = new Config();
        assertThat(new ShardConfig(off).httpPort.value()).isZero(); // off unless asked for
        assertThat(off.find("raft-http-port")).isNotNull();
    }
}
