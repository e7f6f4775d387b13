package io.magpie.engine.types;

import io.magpie.engine.types.StreamGroup.Nack;
import java.util.Arrays;
import java.util.function.BiConsumer;

/**
 * A pending entries list (a group's or a consumer's PEL, Redis's rax of streamNACKs): the
 * NACKs by stream ID, in ID order. IDs are kept as primitive (ms, seq) pairs in sorted
 * chunks of at most {@value #CHUNK}, found by a binary search over the chunks' first IDs and
 * then inside the chunk. XACK, XREADGROUP and XCLAIM touch a few cache lines instead of a
 * tree path of objects, and an entry costs two longs and a reference instead of a tree node
 * and a StreamID. IDs compare unsigned, as {@link StreamID} does.
 */
public final class PendingList {
    static final int CHUNK = 128;

    private static final class Chunk {
        final long[] ms = new long[CHUNK];
        final long[] seq = new long[CHUNK];
        final Nack[] nacks = new Nack[CHUNK];
        int n;
    }

    private Chunk[] chunks = new Chunk[2];
    /** Each chunk's first ID, for the search over chunks. */
    private long[] headMs = new long[2], headSeq = new long[2];
    private int chunkCount;
    private int size;

    public int size() {
        return size;
    }

    public boolean isEmpty() {
        return size == 0;
    }

    private static int compare(long ms1, long seq1, long ms2, long seq2) {
        int c = Long.compareUnsigned(ms1, ms2);
        return c != 0 ? c : Long.compareUnsigned(seq1, seq2);
    }

    /** The chunk that holds id or would hold it: the last whose first ID is at most id (0 if none). */
    private int chunkFor(long ms, long seq) {
        int lo = 0, hi = chunkCount - 1, found = 0;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (compare(headMs[mid], headSeq[mid], ms, seq) <= 0) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found;
    }

    /** In chunk c: the index of id, or -(insertion point) - 1. */
    private static int indexIn(Chunk c, long ms, long seq) {
        int lo = 0, hi = c.n - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            int cmp = compare(c.ms[mid], c.seq[mid], ms, seq);
            if (cmp < 0) lo = mid + 1;
            else if (cmp > 0) hi = mid - 1;
            else return mid;
        }
        return -(lo + 1);
    }

    public Nack get(StreamID id) {
        if (size == 0) return null;
        Chunk c = chunks[chunkFor(id.ms, id.seq)];
        int i = indexIn(c, id.ms, id.seq);
        return i >= 0 ? c.nacks[i] : null;
    }

    /** Sets id's NACK; returns the one it replaced, or null. */
    public Nack put(StreamID id, Nack nack) {
        return put(id, nack, true);
    }

    /** Adds id's NACK unless id is there; returns the NACK already there, or null. */
    public Nack putIfAbsent(StreamID id, Nack nack) {
        return put(id, nack, false);
    }

    private Nack put(StreamID id, Nack nack, boolean replace) {
        long ms = id.ms, seq = id.seq;
        if (chunkCount == 0) insertChunk(0, new Chunk());
        int ci = chunkFor(ms, seq);
        Chunk c = chunks[ci];
        int i = indexIn(c, ms, seq);
        if (i >= 0) {
            Nack old = c.nacks[i];
            if (replace) c.nacks[i] = nack;
            return old;
        }
        i = -i - 1;
        if (c.n == CHUNK) {
            Chunk d = new Chunk();
            if (i == CHUNK && ci == chunkCount - 1) {
                // Appending past the last full chunk (IDs mostly grow): start a new one, keep this full.
                insertChunk(ci + 1, d);
                c = d;
                ci++;
                i = 0;
            } else {
                int half = CHUNK / 2;
                System.arraycopy(c.ms, half, d.ms, 0, CHUNK - half);
                System.arraycopy(c.seq, half, d.seq, 0, CHUNK - half);
                System.arraycopy(c.nacks, half, d.nacks, 0, CHUNK - half);
                Arrays.fill(c.nacks, half, CHUNK, null);
                d.n = CHUNK - half;
                c.n = half;
                insertChunk(ci + 1, d);
                if (i > half) {
                    c = d;
                    ci++;
                    i -= half;
                }
            }
        }
        System.arraycopy(c.ms, i, c.ms, i + 1, c.n - i);
        System.arraycopy(c.seq, i, c.seq, i + 1, c.n - i);
        System.arraycopy(c.nacks, i, c.nacks, i + 1, c.n - i);
        c.ms[i] = ms;
        c.seq[i] = seq;
        c.nacks[i] = nack;
        c.n++;
        size++;
        if (i == 0) setHead(ci);
        return null;
    }

    /** Removes id; returns its NACK, or null if it was not pending. */
    public Nack remove(StreamID id) {
        if (size == 0) return null;
        int ci = chunkFor(id.ms, id.seq);
        int i = indexIn(chunks[ci], id.ms, id.seq);
        return i >= 0 ? removeAt(ci, i) : null;
    }

    private Nack removeAt(int ci, int i) {
        Chunk c = chunks[ci];
        Nack old = c.nacks[i];
        int tail = c.n - i - 1;
        System.arraycopy(c.ms, i + 1, c.ms, i, tail);
        System.arraycopy(c.seq, i + 1, c.seq, i, tail);
        System.arraycopy(c.nacks, i + 1, c.nacks, i, tail);
        c.nacks[--c.n] = null;
        size--;
        if (c.n == 0) removeChunk(ci);
        else if (i == 0) setHead(ci);
        return old;
    }

    private void setHead(int ci) {
        headMs[ci] = chunks[ci].ms[0];
        headSeq[ci] = chunks[ci].seq[0];
    }

    private void insertChunk(int at, Chunk c) {
        if (chunkCount == chunks.length) {
            chunks = Arrays.copyOf(chunks, chunkCount * 2);
            headMs = Arrays.copyOf(headMs, chunkCount * 2);
            headSeq = Arrays.copyOf(headSeq, chunkCount * 2);
        }
        System.arraycopy(chunks, at, chunks, at + 1, chunkCount - at);
        System.arraycopy(headMs, at, headMs, at + 1, chunkCount - at);
        System.arraycopy(headSeq, at, headSeq, at + 1, chunkCount - at);
        chunks[at] = c;
        chunkCount++;
        if (c.n > 0) setHead(at);
    }

    private void removeChunk(int at) {
        System.arraycopy(chunks, at + 1, chunks, at, chunkCount - at - 1);
        System.arraycopy(headMs, at + 1, headMs, at, chunkCount - at - 1);
        System.arraycopy(headSeq, at + 1, headSeq, at, chunkCount - at - 1);
        chunks[--chunkCount] = null;
    }

    public StreamID firstKey() {
        if (size == 0) throw new java.util.NoSuchElementException();
        return new StreamID(chunks[0].ms[0], chunks[0].seq[0]);
    }

    public StreamID lastKey() {
        if (size == 0) throw new java.util.NoSuchElementException();
        Chunk c = chunks[chunkCount - 1];
        return new StreamID(c.ms[c.n - 1], c.seq[c.n - 1]);
    }

    /** Every entry in ID order. */
    public void forEach(BiConsumer<StreamID, Nack> action) {
        for (int ci = 0; ci < chunkCount; ci++) {
            Chunk c = chunks[ci];
            for (int i = 0; i < c.n; i++) action.accept(new StreamID(c.ms[i], c.seq[i]), c.nacks[i]);
        }
    }

    /** A cursor over the entries from start (included), in ID order. */
    public Cursor from(StreamID start) {
        Cursor k = new Cursor();
        if (size > 0) {
            k.ci = chunkFor(start.ms, start.seq);
            int i = indexIn(chunks[k.ci], start.ms, start.seq);
            k.next = i >= 0 ? i : -i - 1;
        }
        return k;
    }

    /**
     * Walks the list; {@link #remove} drops the entry {@link #next} returned. The list must
     * not change otherwise while a cursor walks it.
     */
    public final class Cursor {
        private int ci, next, cur = -1;

        public boolean hasNext() {
            while (ci < chunkCount && next >= chunks[ci].n) {
                ci++;
                next = 0;
            }
            return ci < chunkCount;
        }

        /** Moves to the next entry; false at the end. */
        public boolean next() {
            if (!hasNext()) return false;
            cur = next++;
            return true;
        }

        public StreamID id() {
            Chunk c = chunks[ci];
            return new StreamID(c.ms[cur], c.seq[cur]);
        }

        public Nack nack() {
            return chunks[ci].nacks[cur];
        }

        public void remove() {
            int before = chunkCount;
            removeAt(ci, cur);
            if (chunkCount < before) next = 0; // the chunk went away: the next one moved to ci
            else next = cur;
            cur = -1;
        }
    }
}
