package io.magpie.engine.types;

import static io.magpie.engine.types.StreamListpack.first;
import static io.magpie.engine.types.StreamListpack.getInt;

import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;

/**
 * A stream (t_stream.c). Entries live in nodes that are real Redis listpacks, keyed by
 * their master ID in a sorted map (Redis's rax). Each node starts with a master entry
 * (count, deleted, the first entry's field names, 0) and entries that reuse those field
 * names carry only their values (the SAMEFIELDS flag); IDs are stored as deltas from the
 * master ID. Deleted entries stay as tombstones (the DELETED flag) until their node is
 * empty or trimmed. The nodes are byte-identical to Redis's, so RDB writes them as they
 * are and memory per entry matches Redis's listpacks.
 *
 * Node layout: master entry |count|deleted|num-fields|field...|0| then per entry
 * |flags|ms-diff|seq-diff|[num-fields|field|value...] or [value...]|lp-count|.
 */
public final class StreamValue implements RedisValue {
    public static final int FLAG_DELETED = 1, FLAG_SAMEFIELDS = 2;
    /** STREAM_LISTPACK_MAX_SIZE: no node may exceed 1GB. */
    public static final long LISTPACK_MAX_SIZE = 1L << 30;
    /** STREAM_LISTPACK_MAX_PRE_ALLOCATE: room a new node starts with. */
    private static final int MAX_PRE_ALLOCATE = 4096;

    private final TreeMap<StreamID, byte[]> nodes = new TreeMap<>();
    private StreamID tailKey;
    private byte[] tail;

    public long length;
    public StreamID lastId = StreamID.ZERO;
    public StreamID firstId = StreamID.ZERO;
    public StreamID maxDeletedId = StreamID.ZERO;
    public long entriesAdded;
    /** Consumer groups by name, in byte order (Redis's cgroups rax); null until the first. */
    public TreeMap<byte[], StreamGroup> groups;
    /** Bytes of the node arrays (memory accounting). */
    private long nodeBytes;

    @Override public ValueType type() {
        return ValueType.STREAM;
    }

    @Override public String encoding() {
        return "stream";
    }

    /* ---------------- appending ---------------- */

    /**
     * Appends an entry with the given ID (greater than lastId: the caller checks) and the
     * field/value pairs argv[from..from+2*numFields) (streamAppendItem). A new node starts
     * when the tail's listpack would reach maxBytes or holds maxEntries entries.
     */
    public void append(StreamID id, byte[][] argv, int from, int numFields, long maxBytes, long maxEntries) {
        long totelelen = 0;
        for (int i = 0; i < numFields * 2; i++) totelelen += argv[from + i].length;
        byte[] lp = tail;
        if (lp != null) {
            long nodeMax = maxBytes == 0 || maxBytes > LISTPACK_MAX_SIZE ? LISTPACK_MAX_SIZE : maxBytes;
            boolean newNode = StreamListpack.bytes(lp) + totelelen >= nodeMax;
            if (!newNode && maxEntries != 0) {
                int p = first(lp);
                newNode = getInt(lp, p) + getInt(lp, StreamListpack.next(lp, p)) >= maxEntries;
            }
            if (newNode) {
                byte[] shrunk = StreamListpack.shrink(lp);
                if (shrunk != lp) setNode(tailKey, shrunk);
                lp = null;
            }
        }
        int flags = 0;
        StreamID master;
        if (lp == null) {
            master = id;
            int prealloc = MAX_PRE_ALLOCATE;
            if (maxBytes > 0 && maxBytes < prealloc) prealloc = (int) maxBytes;
            lp = StreamListpack.create(Math.min(prealloc, (int) Math.min(totelelen + 64, prealloc)));
            lp = StreamListpack.appendInt(lp, 1);
            lp = StreamListpack.appendInt(lp, 0);
            lp = StreamListpack.appendInt(lp, numFields);
            for (int i = 0; i < numFields; i++) lp = StreamListpack.appendString(lp, argv[from + 2 * i]);
            lp = StreamListpack.appendInt(lp, 0);
            flags = FLAG_SAMEFIELDS;
            nodeBytes += lp.length;
            nodes.put(id, lp);
            tailKey = id;
            tail = lp;
        } else {
            master = tailKey;
            int p = first(lp);
            lp = StreamListpack.replaceInt(lp, p, getInt(lp, p) + 1);
            p = StreamListpack.next(lp, StreamListpack.next(lp, p));
            long masterFields = getInt(lp, p);
            p = StreamListpack.next(lp, p);
            if (masterFields == numFields) {
                int i = 0;
                for (; i < numFields; i++) {
                    if (!StreamListpack.equalsBytes(lp, p, argv[from + 2 * i])) break;
                    p = StreamListpack.next(lp, p);
                }
                if (i == numFields) flags = FLAG_SAMEFIELDS;
            }
        }
        lp = StreamListpack.appendInt(lp, flags);
        lp = StreamListpack.appendInt(lp, id.ms - master.ms);
        lp = StreamListpack.appendInt(lp, id.seq - master.seq);
        boolean same = (flags & FLAG_SAMEFIELDS) != 0;
        if (!same) lp = StreamListpack.appendInt(lp, numFields);
        for (int i = 0; i < numFields; i++) {
            if (!same) lp = StreamListpack.appendString(lp, argv[from + 2 * i]);
            lp = StreamListpack.appendString(lp, argv[from + 2 * i + 1]);
        }
        lp = StreamListpack.appendInt(lp, same ? numFields + 3 : 2L * numFields + 4);
        if (lp != tail) setNode(tailKey, lp);
        length++;
        entriesAdded++;
        lastId = id;
        if (length == 1) firstId = id;
    }

    /** Replaces a node's array (it grew, shrank or was rewritten). */
    private void setNode(StreamID key, byte[] lp) {
        byte[] old = nodes.put(key, lp);
        nodeBytes += lp.length - (old == null ? 0 : old.length);
        if (key.equals(tailKey)) tail = lp;
    }

    private void removeNode(StreamID key) {
        byte[] old = nodes.remove(key);
        if (old != null) nodeBytes -= old.length;
        if (key.equals(tailKey)) {
            Map.Entry<StreamID, byte[]> last = nodes.lastEntry();
            tailKey = last == null ? null : last.getKey();
            tail = last == null ? null : last.getValue();
        }
    }

    /** Adds a node as read from RDB (in key order). */
    public void loadNode(StreamID master, byte[] lp) {
        nodes.put(master, lp);
        nodeBytes += lp.length;
        tailKey = master;
        tail = lp;
    }

    /** The nodes in order, for RDB (listpacks without spare room). */
    public void forEachNode(java.util.function.BiConsumer<StreamID, byte[]> f) {
        for (Map.Entry<StreamID, byte[]> e : nodes.entrySet()) f.accept(e.getKey(), StreamListpack.shrink(e.getValue()));
    }

    /** Number of nodes (XINFO's radix-tree-keys). */
    public int nodeCount() {
        return nodes.size();
    }

    /** Nodes of a rax holding the node keys (XINFO's radix-tree-nodes), computed from the keys. */
    public long raxNodes() {
        byte[][] keys = new byte[nodes.size()][];
        int i = 0;
        for (StreamID k : nodes.keySet()) keys[i++] = k.encode();
        return RaxShape.countNodes(keys);
    }

    /* ---------------- iteration ---------------- */

    /** An iterator over entries from start to end inclusive (streamIterator), forward or reverse. */
    public Iter iterator(StreamID start, StreamID end, boolean rev) {
        return new Iter(start == null ? StreamID.MIN : start, end == null ? StreamID.MAX : end, rev);
    }

    public final class Iter {
        private final StreamID start, end;
        private final boolean rev;
        public boolean skipTombstones = true;
        private final Iterator<Map.Entry<StreamID, byte[]>> nodeIt;
        private byte[] lp;
        private long masterMs, masterSeq;
        private int masterFields, masterFieldsPos;
        /** Forward: the next entry's flags; reverse: the next entry's lp-count; -1: node done. */
        private int p = -1;
        private boolean done;

        /* The current entry. */
        public long ms, seq;
        public int numFields, flags;
        private int entryPos;
        private int[] fieldPos = new int[8], valuePos = new int[8];

        Iter(StreamID start, StreamID end, boolean rev) {
            this.start = start;
            this.end = end;
            this.rev = rev;
            if (start.compareTo(end) > 0) {
                nodeIt = java.util.Collections.emptyIterator();
            } else if (!rev) {
                StreamID from = nodes.floorKey(start);
                nodeIt = (from == null ? nodes : nodes.tailMap(from, true)).entrySet().iterator();
            } else {
                nodeIt = nodes.headMap(end, true).descendingMap().entrySet().iterator();
            }
        }

        public StreamID id() {
            return new StreamID(ms, seq);
        }

        public byte[] lp() {
            return lp;
        }

        /** Offset of the i-th field name element in lp(). */
        public int fieldPos(int i) {
            return fieldPos[i];
        }

        public int valuePos(int i) {
            return valuePos[i];
        }

        public byte[] field(int i) {
            return StreamListpack.get(lp, fieldPos[i]);
        }

        public byte[] value(int i) {
            return StreamListpack.get(lp, valuePos[i]);
        }

        private boolean openNode() {
            while (nodeIt.hasNext()) {
                Map.Entry<StreamID, byte[]> e = nodeIt.next();
                lp = e.getValue();
                masterMs = e.getKey().ms;
                masterSeq = e.getKey().seq;
                int q = first(lp);
                q = StreamListpack.next(lp, StreamListpack.next(lp, q));
                masterFields = (int) getInt(lp, q);
                q = StreamListpack.next(lp, q);
                masterFieldsPos = q;
                for (int i = 0; i < masterFields; i++) q = StreamListpack.next(lp, q);
                // q: the master terminator
                if (!rev) p = StreamListpack.next(lp, q);
                else p = StreamListpack.last(lp);
                if (p != -1 && !(rev && getInt(lp, p) == 0)) return true;
            }
            lp = null;
            return false;
        }

        /** Reads the entry whose flags are at q into the current fields; returns the offset after its lp-count. */
        private int readEntry(int q) {
            entryPos = q;
            flags = (int) getInt(lp, q);
            q = StreamListpack.next(lp, q);
            ms = masterMs + getInt(lp, q);
            q = StreamListpack.next(lp, q);
            seq = masterSeq + getInt(lp, q);
            q = StreamListpack.next(lp, q);
            if ((flags & FLAG_SAMEFIELDS) != 0) {
                numFields = masterFields;
                ensureFields(numFields);
                int f = masterFieldsPos;
                for (int i = 0; i < numFields; i++) {
                    fieldPos[i] = f;
                    f = StreamListpack.next(lp, f);
                    valuePos[i] = q;
                    q = StreamListpack.next(lp, q);
                }
            } else {
                numFields = (int) getInt(lp, q);
                q = StreamListpack.next(lp, q);
                ensureFields(numFields);
                for (int i = 0; i < numFields; i++) {
                    fieldPos[i] = q;
                    q = StreamListpack.next(lp, q);
                    valuePos[i] = q;
                    q = StreamListpack.next(lp, q);
                }
            }
            return StreamListpack.next(lp, q); // skip lp-count
        }

        private void ensureFields(int n) {
            if (fieldPos.length < n) {
                fieldPos = new int[n];
                valuePos = new int[n];
            }
        }

        /** Advances to the next entry in range; false at the end (streamIteratorGetID). */
        public boolean next() {
            if (done) return false;
            while (true) {
                if (p == -1 && !openNode()) return false;
                if (!rev) {
                    p = readEntry(p);
                } else {
                    int count = (int) getInt(lp, p);
                    int q = p;
                    for (int i = 0; i < count; i++) q = StreamListpack.prev(lp, q);
                    readEntry(q);
                    p = StreamListpack.prev(lp, q);
                    if (getInt(lp, p) == 0) p = -1; // the master terminator: node done
                }
                int cmpStart = Long.compareUnsigned(ms, start.ms) != 0 ? Long.compareUnsigned(ms, start.ms) : Long.compareUnsigned(seq, start.seq);
                int cmpEnd = Long.compareUnsigned(ms, end.ms) != 0 ? Long.compareUnsigned(ms, end.ms) : Long.compareUnsigned(seq, end.seq);
                if (!rev) {
                    if (cmpEnd > 0) {
                        done = true;
                        return false;
                    }
                    if (cmpStart < 0) continue;
                } else {
                    if (cmpStart < 0) {
                        done = true;
                        return false;
                    }
                    if (cmpEnd > 0) continue;
                }
                if (skipTombstones && (flags & FLAG_DELETED) != 0) continue;
                return true;
            }
        }

        /** Marks the current entry deleted (streamIteratorRemoveEntry); the node goes when empty. */
        public void removeCurrent() {
            markDeleted(this, true);
        }

        StreamID nodeKey() {
            return new StreamID(masterMs, masterSeq);
        }
    }

    private void markDeleted(Iter it, boolean removeEmptyNode) {
        byte[] lp = it.lp;
        lp[it.entryPos] = (byte) (it.flags | FLAG_DELETED); // flags stay one byte (7-bit int)
        StreamID key = it.nodeKey();
        int q = first(lp);
        long count = getInt(lp, q);
        length--;
        if (count == 1 && removeEmptyNode) {
            // The last live entry: the whole node goes; the iterator moves to the next one.
            removeNode(key);
            it.p = -1;
            return;
        }
        byte[] nlp = StreamListpack.replaceInt(lp, q, count - 1);
        q = StreamListpack.next(nlp, q);
        nlp = StreamListpack.replaceInt(nlp, q, getInt(nlp, q) + 1);
        // Counters of up to 127 stay one byte, so offsets held by the iterator stay valid;
        // beyond that an element may grow and shift: re-read the node at the same entry.
        int shift = StreamListpack.bytes(nlp) - StreamListpack.bytes(lp);
        if (shift != 0 || nlp != lp) {
            setNode(key, nlp);
            it.lp = nlp;
            if (it.p != -1) it.p += shift;
            it.masterFieldsPos += shift;
            it.entryPos += shift;
        }
    }

    /** Deletes the entry with this ID; false if there is none (streamDeleteItem). */
    public boolean delete(StreamID id) {
        Iter it = iterator(id, id, false);
        if (!it.next()) return false;
        it.removeCurrent();
        return true;
    }

    /** The first or last entry's ID, tombstones skipped or not (streamGetEdgeID). */
    public StreamID edgeId(boolean first, boolean skipTombstones) {
        Iter it = iterator(null, null, !first);
        it.skipTombstones = skipTombstones;
        if (it.next()) return it.id();
        return first ? StreamID.MAX : StreamID.ZERO;
    }

    /** The last live entry's ID, or 0-0 (streamLastValidID). */
    public StreamID lastValidId() {
        if (tail != null) {
            // Fast path (every XREAD/XREADGROUP asks): the tail node's last entry, if live.
            int p = StreamListpack.last(tail);
            int count = (int) getInt(tail, p);
            if (count != 0) {
                for (int i = 0; i < count; i++) p = StreamListpack.prev(tail, p);
                if ((getInt(tail, p) & FLAG_DELETED) == 0) return lastIdInNode(tailKey, tail);
            }
        }
        Iter it = iterator(null, null, true);
        return it.next() ? it.id() : StreamID.ZERO;
    }

    /** May [start, end] contain a deleted entry (streamRangeHasTombstones)? */
    public boolean rangeHasTombstones(StreamID start, StreamID end) {
        if (length == 0 || maxDeletedId.isZero()) return false;
        if (firstId.compareTo(maxDeletedId) > 0) return false; // the last deletion is before the first entry
        StreamID s = start == null ? StreamID.ZERO : start;
        StreamID e = end == null ? StreamID.MAX : end;
        return s.compareTo(maxDeletedId) <= 0 && maxDeletedId.compareTo(e) <= 0;
    }

    /**
     * The read counter of id: how many entries were added up to it, or -1 where deletions
     * make it unknowable (streamEstimateDistanceFromFirstEverEntry).
     */
    public long estimateDistanceFromFirstEverEntry(StreamID id) {
        if (entriesAdded == 0) return 0;
        if (length == 0 && id.compareTo(lastId) < 1) return entriesAdded;
        int cmpLast = id.compareTo(lastId);
        if (cmpLast == 0) return entriesAdded;
        if (cmpLast > 0) return -1;
        int cmpFirst = id.compareTo(firstId);
        if (maxDeletedId.isZero() || maxDeletedId.compareTo(firstId) < 0) {
            if (cmpFirst < 0) return entriesAdded - length;
            if (cmpFirst == 0) return entriesAdded - length + 1;
        }
        return -1;
    }

    /**
     * Checks a node read from outside (RDB, RESTORE) as streamValidateListpackIntegrity's
     * deep mode does: a valid listpack holding a master entry and well-formed entries whose
     * number matches the master's counters, so that iterating it cannot go astray.
     */
    public static boolean validNode(byte[] lp) {
        if (!StreamListpack.validate(lp)) return false;
        try {
            int p = first(lp);
            if (p == -1 || !StreamListpack.isInt(lp, p)) return false;
            long count = getInt(lp, p);
            p = nextInt(lp, p);
            long deleted = getInt(lp, p);
            p = nextInt(lp, p);
            long masterFields = getInt(lp, p);
            if (count < 0 || deleted < 0 || masterFields < 0 || masterFields > lp.length) return false;
            for (long i = 0; i <= masterFields; i++) p = StreamListpack.next(lp, p);
            if (p == -1 || !StreamListpack.isInt(lp, p) || getInt(lp, p) != 0) return false; // the master terminator
            p = StreamListpack.next(lp, p);
            long entries = 0;
            while (p != -1) {
                long flags = getInt(lp, p);
                p = nextInt(lp, p);
                p = nextInt(lp, p);
                p = nextInt(lp, p);
                long fields = masterFields, elements = masterFields;
                if ((flags & FLAG_SAMEFIELDS) == 0) {
                    fields = getInt(lp, p);
                    if (fields < 0 || fields > lp.length) return false;
                    p = StreamListpack.next(lp, p);
                    elements = 2 * fields;
                }
                for (long i = 0; i < elements; i++) {
                    if (p == -1) return false;
                    p = StreamListpack.next(lp, p);
                }
                if (p == -1 || !StreamListpack.isInt(lp, p)) return false;
                long expected = (flags & FLAG_SAMEFIELDS) != 0 ? fields + 3 : 2 * fields + 4;
                if (getInt(lp, p) != expected) return false;
                p = StreamListpack.next(lp, p);
                entries++;
            }
            return entries == count + deleted;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** The element after an integer element at p (-1 makes the caller fail). */
    private static int nextInt(byte[] lp, int p) {
        if (p == -1 || !StreamListpack.isInt(lp, p)) throw new IllegalArgumentException("not an integer");
        int q = StreamListpack.next(lp, p);
        if (q == -1) throw new IllegalArgumentException("truncated entry");
        return q;
    }

    /* ---------------- trimming ---------------- */

    public enum Trim { NONE, MAXLEN, MINID }

    /**
     * Removes entries from the head (streamTrim): whole nodes while they fit, then (unless
     * approx) entries inside the first remaining node. limit caps the entries removed
     * (0: no cap). Returns how many were removed.
     */
    public long trim(Trim strategy, long maxlen, StreamID minid, boolean approx, long limit) {
        if (strategy == Trim.NONE) return 0;
        long deleted = 0;
        while (!nodes.isEmpty()) {
            if (strategy == Trim.MAXLEN && length <= maxlen) break;
            Map.Entry<StreamID, byte[]> e = nodes.firstEntry();
            StreamID key = e.getKey();
            byte[] lp = e.getValue();
            int q = first(lp);
            long entries = getInt(lp, q);
            if (limit != 0 && deleted + entries > limit) break;
            boolean removeNode;
            if (strategy == Trim.MAXLEN) {
                removeNode = length - entries >= maxlen;
            } else {
                removeNode = lastIdInNode(key, lp).compareTo(minid) < 0;
            }
            if (removeNode) {
                removeNode(key);
                length -= entries;
                deleted += entries;
                continue;
            }
            if (approx) break;
            // Mark entries of this node deleted, oldest first. Redis keeps the node even
            // if no live entry is left in it (a MINID whose node ends with a tombstone).
            Iter it = new Iter(key, StreamID.MAX, false);
            it.skipTombstones = false;
            while (it.next() && it.nodeKey().equals(key)) {
                boolean stop = strategy == Trim.MAXLEN ? length <= maxlen : it.id().compareTo(minid) >= 0;
                if (stop) break;
                if ((it.flags & FLAG_DELETED) == 0) {
                    markDeleted(it, false);
                    deleted++;
                }
            }
            break;
        }
        if (length == 0) firstId = StreamID.ZERO;
        else if (deleted > 0) firstId = edgeId(true, true);
        return deleted;
    }

    /** The ID of a node's last entry, tombstone or not (lpGetEdgeStreamID). */
    private static StreamID lastIdInNode(StreamID master, byte[] lp) {
        int p = StreamListpack.last(lp);
        int count = (int) getInt(lp, p);
        for (int i = 0; i < count; i++) p = StreamListpack.prev(lp, p);
        p = StreamListpack.next(lp, p);
        long ms = master.ms + getInt(lp, p);
        p = StreamListpack.next(lp, p);
        return new StreamID(ms, master.seq + getInt(lp, p));
    }

    /* ---------------- groups ---------------- */

    public StreamGroup group(byte[] name) {
        return groups == null ? null : groups.get(name);
    }

    /** Creates a group; null if it exists (streamCreateCG). */
    public StreamGroup createGroup(byte[] name, StreamID id, long entriesRead) {
        if (groups == null) groups = new TreeMap<>(Arrays::compareUnsigned);
        if (groups.containsKey(name)) return null;
        StreamGroup g = new StreamGroup(id, entriesRead);
        groups.put(name, g);
        return g;
    }

    public int groupCount() {
        return groups == null ? 0 : groups.size();
    }

    /* ---------------- RedisValue ---------------- */

    @Override public RedisValue duplicate() {
        StreamValue s = new StreamValue();
        for (Map.Entry<StreamID, byte[]> e : nodes.entrySet()) s.loadNode(e.getKey(), e.getValue().clone());
        s.length = length;
        s.lastId = lastId;
        s.firstId = firstId;
        s.maxDeletedId = maxDeletedId;
        s.entriesAdded = entriesAdded;
        if (groups != null) {
            s.groups = new TreeMap<>(Arrays::compareUnsigned);
            groups.forEach((k, g) -> s.groups.put(k, g.copy()));
        }
        return s;
    }

    @Override public long memoryUsage() {
        // Node arrays plus, per node, its map entry, key object and array header.
        long bytes = 96 + nodeBytes + nodes.size() * (40L + 32 + 16);
        if (groups != null) for (Map.Entry<byte[], StreamGroup> g : groups.entrySet()) bytes += 40 + g.getKey().length + g.getValue().memoryUsage();
        return bytes;
    }
}
