package io.magpie.raft.shard;

import io.magpie.server.Log;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.BitSet;

/**
 * Which slots a data group's snapshot holds, in a file beside it ({@code <snapshot>.slots}).
 * A snapshot is the node's whole keyspace; loading it keeps only the group's slots. A node
 * restarting loads its groups' snapshots before its placement group has replayed the map (a
 * joined node knows no map at all then), so the slots are taken from this file, written when
 * the snapshot was taken or installed, rather than from the map: a map not known yet kept none
 * of the group's keys, and the replica served without them once it led.
 */
final class SnapshotSlots {
    private static final String SUFFIX = ".slots";

    private SnapshotSlots() {}

    static void write(Path snapshot, BitSet slots) {
        Path file = snapshot.resolveSibling(snapshot.getFileName() + SUFFIX), tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            Files.write(tmp, slots.toByteArray());
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            // The slots files of snapshots Ratis has purged go with them.
            try (DirectoryStream<Path> dir = Files.newDirectoryStream(snapshot.getParent(), "*" + SUFFIX)) {
                for (Path p : dir) {
                    String name = p.getFileName().toString();
                    if (p.equals(file)) continue; // its snapshot may be still being written
                    if (!Files.exists(p.resolveSibling(name.substring(0, name.length() - SUFFIX.length())))) Files.deleteIfExists(p);
                }
            }
        } catch (IOException e) {
            Log.warning("Raft shards: writing %s failed: %s", file, e);
        }
    }

    /** The slots recorded for snapshot, or null when none were. */
    static BitSet read(Path snapshot) {
        Path file = snapshot.resolveSibling(snapshot.getFileName() + SUFFIX);
        try {
            return Files.exists(file) ? BitSet.valueOf(Files.readAllBytes(file)) : null;
        } catch (IOException e) {
            Log.warning("Raft shards: reading %s failed: %s", file, e);
            return null;
        }
    }
}
