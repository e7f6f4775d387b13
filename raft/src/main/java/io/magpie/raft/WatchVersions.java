package io.magpie.raft;

import io.magpie.engine.DatasetDigest;
import io.magpie.engine.Engine;
import io.magpie.engine.keyspace.Database;
import io.magpie.engine.types.StreamGroup;
import io.magpie.engine.types.StreamValue;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * WATCH in a Raft group. A client WATCHes on one member, but its EXEC is applied by every
 * member, which know nothing of that client's watches; and between the proposal and the apply
 * other entries may change the watched keys. So the entry carries, for each watched key, a
 * version of the key as the client saw it, and every member compares it with the key as it is
 * when the entry applies: any difference aborts the EXEC everywhere (a nil reply), so that two
 * racing MULTI/EXEC on one key cannot both commit.
 *
 * <p>The version is a function of the key's content only, the same on every member whatever
 * the history that built it (a member that loaded a snapshot has the same): DEBUG DIGEST-VALUE
 * (order-free for sets, hashes and zsets), the exact expire time, and for a stream its first, last
 * and max deleted IDs, length, entries added and consumer groups. A key logically expired at the entry's time is absent. A key
 * changed and changed back between the proposal and the apply is not seen as changed; one
 * changed before the proposal is (the proposing member's WATCH flags it, as Redis). A stream's version
 * leaves its node layout out: a member that loaded it from a snapshot may hold other nodes.
 */
final class WatchVersions {
    private static final byte[] ABSENT = new byte[0];
    private final DatasetDigest digest = new DatasetDigest();
    private final MessageDigest sha1;

    WatchVersions() {
        try {
            sha1 = MessageDigest.getInstance("SHA-1");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The client's watched keys with their versions now (the proposing member, at the entry's time). */
    List<LogEntry.Watched> of(List<io.magpie.engine.keyspace.WatchedKey> watched) {
        List<LogEntry.Watched> out = new ArrayList<>(watched.size());
        for (var w : watched) out.add(new LogEntry.Watched(w.db.id, w.key, version(w.db, w.key)));
        return out;
    }

    /** True when every watched key still has the version the entry carries (at the entry's time). */
    boolean unchanged(Engine engine, List<LogEntry.Watched> watches) {
        for (LogEntry.Watched w : watches) {
            if (w.db() < 0 || w.db() >= engine.dbCount()) return false;
            if (!java.util.Arrays.equals(version(engine.db(w.db()), w.key()), w.version())) return false;
        }
        return true;
    }

    byte[] version(Database db, byte[] key) {
        if (db.dict().find(key) == null || db.keyIsExpired(key)) return ABSENT;
        sha1.reset();
        sha1.update(digest.value(db, key));
        sha1.update(ByteBuffer.allocate(8).putLong(db.getExpire(key)).array());
        if (db.dict().find(key).value() instanceof StreamValue s) stream(s);
        return sha1.digest();
    }

    /** What DIGEST-VALUE leaves out of a stream: its entries' IDs and counts and its groups' state. */
    private void stream(StreamValue s) {
        StringBuilder sb = new StringBuilder();
        sb.append(s.length).append(' ').append(s.lastId).append(' ').append(s.firstId).append(' ').append(s.maxDeletedId)
                .append(' ').append(s.entriesAdded);
        if (s.groups != null) {
            for (Map.Entry<byte[], StreamGroup> g : s.groups.entrySet()) {
                sha1.update(g.getKey());
                StreamGroup group = g.getValue();
                sb.append(" g ").append(group.lastId).append(' ').append(group.entriesRead).append(' ').append(group.pel.size())
                        .append(' ').append(group.consumers.size());
                for (var c : group.consumers.values()) {
                    sha1.update(c.name);
                    sb.append(' ').append(c.pel.size());
                }
            }
        }
        sha1.update(sb.toString().getBytes(StandardCharsets.US_ASCII));
    }
}
