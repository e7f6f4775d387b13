package io.magpie.persistence.rdb;

import io.magpie.engine.EngineConfig;
import io.magpie.engine.types.StreamGroup;
import io.magpie.engine.types.StreamGroup.Consumer;
import io.magpie.engine.types.StreamGroup.Nack;
import io.magpie.engine.types.StreamID;
import io.magpie.engine.types.StreamListpack;
import io.magpie.engine.types.StreamValue;
import io.magpie.engine.types.ValueType;
import java.io.IOException;
import java.util.Map;

/**
 * Streams in RDB (rdb.c, OBJ_STREAM): the nodes as (16-byte master ID, listpack) strings,
 * the stream's counters, then each consumer group with its PEL (ID, delivery time and
 * count) and its consumers (name, seen-time, the IDs they own). Written as
 * RDB_TYPE_STREAM_LISTPACKS_2 as Redis 7.0 does; _1 (Redis 5/6: no first ID, deleted
 * maximum, added counter or entries-read) and _3 (Redis 7.2: consumers' active-time) are
 * read too.
 */
final class StreamCodec implements RdbCodec {
    @Override public ValueType valueType() {
        return ValueType.STREAM;
    }

    @Override public int[] rdbTypes() {
        return new int[] {Rdb.TYPE_STREAM_LISTPACKS, Rdb.TYPE_STREAM_LISTPACKS_2, Rdb.TYPE_STREAM_LISTPACKS_3};
    }

    @Override public int rdbType(Object v) {
        return Rdb.TYPE_STREAM_LISTPACKS_2;
    }

    @Override public void save(RdbWriter w, Object v) {
        StreamValue s = (StreamValue) v;
        w.writeLen(s.nodeCount());
        s.forEachNode((master, lp) -> {
            w.writeString(master.encode());
            w.writeString(lp);
        });
        writeULen(w, s.length);
        writeId(w, s.lastId);
        writeId(w, s.firstId);
        writeId(w, s.maxDeletedId);
        writeULen(w, s.entriesAdded);
        w.writeLen(s.groupCount());
        if (s.groups == null) return;
        for (Map.Entry<byte[], StreamGroup> e : s.groups.entrySet()) {
            StreamGroup g = e.getValue();
            w.writeString(e.getKey());
            writeId(w, g.lastId);
            writeULen(w, g.entriesRead);
            w.writeLen(g.pel.size());
            g.pel.forEach((id, nack) -> {
                w.writeBytes(id.encode());
                w.writeMillis(nack.deliveryTime);
                writeULen(w, nack.deliveryCount);
            });
            w.writeLen(g.consumers.size());
            for (Consumer c : g.consumers.values()) {
                w.writeString(c.name);
                w.writeMillis(c.seenTime);
                w.writeLen(c.pel.size());
                c.pel.forEach((id, nack) -> w.writeBytes(id.encode()));
            }
        }
    }

    private static void writeId(RdbWriter w, StreamID id) {
        writeULen(w, id.ms);
        writeULen(w, id.seq);
    }

    /** rdbSaveLen of an unsigned 64-bit value (IDs above 2^63, entries_read -1). */
    private static void writeULen(RdbWriter w, long n) {
        if (n >= 0) {
            w.writeLen(n);
            return;
        }
        w.writeByte(Rdb.LEN_64BIT);
        for (int i = 7; i >= 0; i--) w.writeByte((int) (n >>> (8 * i)) & 0xff);
    }

    private static StreamID readId(RdbReader r) throws IOException {
        long ms = r.readLen();
        return new StreamID(ms, r.readLen());
    }

    @Override public Object load(RdbReader r, int rdbType, EngineConfig config) throws IOException {
        StreamValue s = new StreamValue();
        long listpacks = r.readLen();
        StreamID prev = null;
        while (listpacks-- > 0) {
            byte[] key = r.readString();
            if (key.length != 16) throw r.error("Stream node key entry is not the size of a stream ID");
            byte[] lp = r.readString();
            if (!StreamValue.validNode(lp)) throw r.error("Stream listpack integrity check failed.");
            if (StreamListpack.first(lp) == -1) throw r.error("Empty listpack inside stream");
            StreamID master = StreamID.decode(key, 0);
            if (prev != null && master.compareTo(prev) <= 0) throw r.error("Listpack re-added with existing key");
            s.loadNode(master, lp);
            prev = master;
        }
        s.length = r.readLen();
        s.lastId = readId(r);
        if (rdbType != Rdb.TYPE_STREAM_LISTPACKS) {
            s.firstId = readId(r);
            s.maxDeletedId = readId(r);
            s.entriesAdded = r.readLen();
        } else {
            s.entriesAdded = s.length;
            s.firstId = s.edgeId(true, true);
        }
        if (s.length != 0 && s.nodeCount() == 0) throw r.error("Stream length inconsistent with rax entries");
        long groups = r.readLen();
        while (groups-- > 0) {
            byte[] name = r.readString();
            StreamID lastId = readId(r);
            long entriesRead = rdbType != Rdb.TYPE_STREAM_LISTPACKS ? r.readLen() : s.estimateDistanceFromFirstEverEntry(lastId);
            StreamGroup g = s.createGroup(name, lastId, entriesRead);
            if (g == null) throw r.error("Duplicated consumer group name");
            long pel = r.readLen();
            while (pel-- > 0) {
                StreamID id = StreamID.decode(r.readBytes(16), 0);
                long deliveryTime = r.readMillis();
                long deliveryCount = r.readLen();
                if (g.pel.putIfAbsent(id, new Nack(null, deliveryTime, deliveryCount)) != null) {
                    throw r.error("Duplicated global PEL entry loading stream consumer group");
                }
            }
            long consumers = r.readLen();
            while (consumers-- > 0) {
                byte[] cname = r.readString();
                Consumer c = g.createConsumer(cname, 0);
                if (c == null) throw r.error("Duplicate stream consumer detected.");
                c.seenTime = r.readMillis();
                if (rdbType == Rdb.TYPE_STREAM_LISTPACKS_3) r.readMillis(); // active-time (7.2), not kept
                long owned = r.readLen();
                while (owned-- > 0) {
                    StreamID id = StreamID.decode(r.readBytes(16), 0);
                    Nack nack = g.pel.get(id);
                    if (nack == null) throw r.error("Consumer entry not found in group global PEL");
                    if (c.pel.putIfAbsent(id, nack) != null) throw r.error("Duplicated consumer PEL entry loading a stream consumer group");
                    nack.consumer = c;
                }
            }
            for (io.magpie.engine.types.PendingList.Cursor k = g.pel.from(StreamID.MIN); k.next(); ) {
                if (k.nack().consumer == null) throw r.error("Stream CG PEL entry without consumer");
            }
        }
        return s;
    }
}
