package io.magpie.raft.shard;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SnapshotSlotsTest {
    @Test
    void theSlotsOfASnapshotAreReadBackAndThoseOfPurgedSnapshotsGo(@TempDir Path dir) throws Exception {
        Path old = dir.resolve("snapshot.1_50"), now = dir.resolve("snapshot.1_100");
        Files.write(old, new byte[] {1});
        BitSet slots = new BitSet();
        slots.set(0, 2731);
        slots.set(16383);
        SnapshotSlots.write(old, slots);
        assertThat(SnapshotSlots.read(old)).isEqualTo(slots);
        assertThat(SnapshotSlots.read(now)).isNull();
        Files.delete(old); // Ratis purged it
        SnapshotSlots.write(now, slots); // before the snapshot file itself is written
        assertThat(SnapshotSlots.read(now)).isEqualTo(slots);
        assertThat(dir.resolve("snapshot.1_50.slots")).doesNotExist();
    }
}
