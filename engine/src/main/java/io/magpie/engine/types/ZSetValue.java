package io.magpie.engine.types;

import java.util.Arrays;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;

/**
 * A sorted set (t_zset.c), in one of Redis's two encodings:
 * <ul>
 *   <li>"listpack": while at most zset-max-listpack-entries members, none longer than
 *       zset-max-listpack-value, the members and scores alternate in one {@link Listpack}
 *       byte[], ascending by (score, member), searched linearly as Redis does. Its nodes
 *       are views made on demand ({@link PackedNode}): valid until the set next changes.</li>
 *   <li>"skiplist": a skiplist with spans ordered by (score, member) for O(log n) rank and
 *       range queries, plus a {@link MemberTable} from member to its node for O(1) ZSCORE.</li>
 * </ul>
 * Conversion is one-way except where Redis converts a freshly built destination back
 * (ZUNIONSTORE, ZRANGESTORE...: {@link #convertToListpackIfNeeded}).
 */
public final class ZSetValue implements RedisValue {
    static final int MAX_LEVEL = 32;

    /**
     * A skiplist node. Level 0 lives in fields (3 nodes in 4 have only that level);
     * higher levels, when present, live in two small arrays.
     */
    public static class Node {
        public final byte[] ele;
        double score;
        Node backward;
        Node next0;
        int span0;
        Node[] up;
        int[] upSpan;

        Node(byte[] ele, double score, int level) {
            this.ele = ele;
            this.score = score;
            if (level > 1) {
                up = new Node[level - 1];
                upSpan = new int[level - 1];
            }
        }

        public double score() {
            return score;
        }

        /** The next node in order, or null at the tail. */
        public Node next() {
            return next0;
        }

        /** The previous node in order, or null at the head. */
        public Node prev() {
            return backward;
        }

        int level() {
            return up == null ? 1 : up.length + 1;
        }

        Node next(int i) {
            return i == 0 ? next0 : up[i - 1];
        }

        void next(int i, Node n) {
            if (i == 0) next0 = n;
            else up[i - 1] = n;
        }

        int span(int i) {
            return i == 0 ? span0 : upSpan[i - 1];
        }

        void span(int i, int s) {
            if (i == 0) span0 = s;
            else upSpan[i - 1] = s;
        }
    }

    private static final class NodeTable extends MemberTable {
        @Override protected byte[] keyOf(Object element) {
            return ((Node) element).ele;
        }
    }

    /** A listpack entry seen as a node: the member entry's offset in the listpack it was read from. */
    private static final class PackedNode extends Node {
        private final ZSetValue owner;
        private final int off;

        PackedNode(ZSetValue owner, int off, byte[] ele, double score) {
            super(ele, score, 1);
            this.owner = owner;
            this.off = off;
        }

        @Override public Node next() {
            byte[] lp = owner.lp;
            return owner.packedAt(Listpack.next(lp, Listpack.next(lp, off)));
        }

        @Override public Node prev() {
            return off == 0 ? null : owner.packedAt(Listpack.prev(owner.lp, Listpack.prev(owner.lp, off)));
        }
    }

    private byte[] lp; // the listpack encoding when non-null: member, score, member, score...
    private Node header; // the skiplist encoding's (null in listpack form)
    private Node tail;
    private int length;
    private int level = 1;
    private NodeTable dict;

    /** An empty sorted set; listpack says which encoding it starts with. */
    public ZSetValue(boolean listpack) {
        if (listpack) lp = Listpack.EMPTY;
        else initSkiplist();
    }

    private void initSkiplist() {
        header = new Node(null, 0, MAX_LEVEL);
        dict = new NodeTable();
        tail = null;
        level = 1;
    }

    /** The node of the member entry at off, or null past the end. */
    private Node packedAt(int off) {
        if (off < 0 || off >= lp.length) return null;
        return new PackedNode(this, off, Listpack.get(lp, off), Listpack.decodeDouble(lp, Listpack.next(lp, off)));
    }

    /** Where a member with this score goes in the listpack (zzlInsert's search). */
    private int packedInsertOffset(double score, byte[] ele) {
        int off = 0;
        while (off < lp.length) {
            int s = Listpack.next(lp, off);
            double cur = Listpack.decodeDouble(lp, s);
            if (cur > score || (cur == score && Listpack.compare(lp, off, ele) > 0)) return off;
            off = Listpack.next(lp, s);
        }
        return off;
    }

    /** zsetTypeCreate's choice for a set whose first member has length firstLen. */
    public static ZSetValue createFor(int firstLen, long maxEntries, long maxValue) {
        return new ZSetValue(maxEntries != 0 && firstLen <= maxValue);
    }

    @Override public ValueType type() {
        return ValueType.ZSET;
    }

    @Override public String encoding() {
        return lp != null ? "listpack" : "skiplist";
    }

    public boolean isListpack() {
        return lp != null;
    }

    public int length() {
        return length;
    }

    /** The node of member, or null. */
    public Node node(byte[] member) {
        if (lp != null) return packedAt(Listpack.find(lp, member, 2));
        return (Node) dict.get(member);
    }

    public Node first() {
        if (lp != null) return packedAt(0);
        return header.next0;
    }

    public Node last() {
        if (lp != null) return lp.length == 0 ? null : packedAt(Listpack.prev(lp, Listpack.last(lp)));
        return tail;
    }

    static int compare(double s1, byte[] e1, double s2, byte[] e2) {
        if (s1 < s2) return -1;
        if (s1 > s2) return 1;
        return Arrays.compareUnsigned(e1, e2);
    }

    private static int randomLevel() {
        int level = 1;
        ThreadLocalRandom r = ThreadLocalRandom.current();
        while (level < MAX_LEVEL && (r.nextInt() & 0xFFFF) < (0xFFFF >> 2)) level++;
        return level;
    }

    /**
     * Adds a member known to be absent. maxEntries/maxValue are zset-max-listpack-*: past
     * them the set converts to "skiplist" as Redis's zsetAdd does.
     */
    public Node insert(byte[] ele, double score, long maxEntries, long maxValue) {
        if (lp != null && (length + 1 > maxEntries || ele.length > maxValue)) convertToSkiplist();
        if (lp != null) {
            int at = packedInsertOffset(score, ele);
            lp = Listpack.insert(lp, at, ele, Listpack.encodeDouble(score));
            length++;
            return packedAt(at);
        }
        Node x = new Node(ele, score, randomLevel());
        insertNode(x);
        dict.putIfAbsent(x);
        return x;
    }

    private void insertNode(Node x) {
        Node[] update = new Node[MAX_LEVEL];
        int[] rank = new int[MAX_LEVEL];
        Node p = header;
        double score = x.score;
        for (int i = level - 1; i >= 0; i--) {
            rank[i] = i == level - 1 ? 0 : rank[i + 1];
            Node n;
            while ((n = p.next(i)) != null && compare(n.score, n.ele, score, x.ele) < 0) {
                rank[i] += p.span(i);
                p = n;
            }
            update[i] = p;
        }
        int lvl = x.level();
        if (lvl > level) {
            for (int i = level; i < lvl; i++) {
                rank[i] = 0;
                update[i] = header;
                header.span(i, length);
            }
            level = lvl;
        }
        for (int i = 0; i < lvl; i++) {
            x.next(i, update[i].next(i));
            update[i].next(i, x);
            x.span(i, update[i].span(i) - (rank[0] - rank[i]));
            update[i].span(i, rank[0] - rank[i] + 1);
        }
        for (int i = lvl; i < level; i++) update[i].span(i, update[i].span(i) + 1);
        x.backward = update[0] == header ? null : update[0];
        if (x.next0 != null) x.next0.backward = x;
        else tail = x;
        length++;
    }

    private Node[] findUpdate(double score, byte[] ele) {
        Node[] update = new Node[level];
        Node p = header;
        for (int i = level - 1; i >= 0; i--) {
            Node n;
            while ((n = p.next(i)) != null && compare(n.score, n.ele, score, ele) < 0) p = n;
            update[i] = p;
        }
        return update;
    }

    private void unlinkNode(Node x, Node[] update) {
        for (int i = 0; i < level; i++) {
            if (update[i].next(i) == x) {
                update[i].span(i, update[i].span(i) + x.span(i) - 1);
                update[i].next(i, x.next(i));
            } else {
                update[i].span(i, update[i].span(i) - 1);
            }
        }
        if (x.next0 != null) x.next0.backward = x.backward;
        else tail = x.backward;
        while (level > 1 && header.next(level - 1) == null) level--;
        length--;
    }

    /** Moves node to a new score (zslUpdateScore): in place when its position holds. */
    public void updateScore(Node x, double newScore) {
        if (lp != null) {
            remove(x.ele);
            insert(x.ele, newScore, Long.MAX_VALUE, Long.MAX_VALUE);
            x.score = newScore;
            return;
        }
        if ((x.backward == null || x.backward.score < newScore) && (x.next0 == null || x.next0.score > newScore)) {
            x.score = newScore;
            return;
        }
        unlinkNode(x, findUpdate(x.score, x.ele));
        x.score = newScore;
        insertNode(x);
    }

    /** Removes member; returns its node or null. */
    public Node remove(byte[] member) {
        if (lp != null) {
            int off = Listpack.find(lp, member, 2);
            if (off < 0) return null;
            int s = Listpack.next(lp, off);
            Node removed = new Node(member, Listpack.decodeDouble(lp, s), 1);
            lp = Listpack.delete(lp, off, Listpack.next(lp, s));
            length--;
            return removed;
        }
        Node x = (Node) dict.remove(member);
        if (x != null) unlinkNode(x, findUpdate(x.score, x.ele));
        return x;
    }

    /** 1-based rank of a node in ascending order. */
    public int rank(Node x) {
        if (lp != null) {
            int rank = 0;
            for (Node n = first(); n != null; n = n.next()) {
                rank++;
                if (Arrays.equals(n.ele, x.ele)) return rank;
            }
            return 0;
        }
        int rank = 0;
        Node p = header;
        for (int i = level - 1; i >= 0; i--) {
            Node n;
            while ((n = p.next(i)) != null && compare(n.score, n.ele, x.score, x.ele) <= 0) {
                rank += p.span(i);
                p = n;
            }
            if (p == x) return rank;
        }
        return 0;
    }

    /** The node at 1-based rank, or null. */
    public Node byRank(long rank) {
        if (rank < 1 || rank > length) return null;
        if (lp != null) return packedAt(Listpack.offsetOf(lp, 2 * length, 2 * (int) (rank - 1)));
        long traversed = 0;
        Node p = header;
        for (int i = level - 1; i >= 0; i--) {
            Node n;
            while ((n = p.next(i)) != null && traversed + p.span(i) <= rank) {
                traversed += p.span(i);
                p = n;
            }
            if (traversed == rank) return p;
        }
        return null;
    }

    /* ---------------- score and lex ranges ---------------- */

    /** A score interval (zrangespec). */
    public record ScoreRange(double min, boolean minex, double max, boolean maxex) {
        public boolean gteMin(double v) {
            return minex ? v > min : v >= min;
        }

        public boolean lteMax(double v) {
            return maxex ? v < max : v <= max;
        }

        public boolean isEmpty() {
            return min > max || (min == max && (minex || maxex));
        }
    }

    /** "-" and "+" in a lex range: below and above every string (shared.minstring/maxstring). */
    public static final byte[] MINSTRING = new byte[0], MAXSTRING = new byte[0];

    /** sdscmplex: compares with the two sentinels by identity. */
    static int compareLex(byte[] a, byte[] b) {
        if (a == b) return 0;
        if (a == MINSTRING || b == MAXSTRING) return -1;
        if (a == MAXSTRING || b == MINSTRING) return 1;
        return Arrays.compareUnsigned(a, b);
    }

    /** A lex interval (zlexrangespec); bounds may be {@link #MINSTRING} or {@link #MAXSTRING}. */
    public record LexRange(byte[] min, boolean minex, byte[] max, boolean maxex) {
        public boolean gteMin(byte[] v) {
            int c = compareLex(v, min);
            return minex ? c > 0 : c >= 0;
        }

        public boolean lteMax(byte[] v) {
            int c = compareLex(v, max);
            return maxex ? c < 0 : c <= 0;
        }

        public boolean isEmpty() {
            int c = compareLex(min, max);
            return c > 0 || (c == 0 && (minex || maxex));
        }
    }

    public Node firstInRange(ScoreRange r) {
        if (lp != null) {
            if (r.isEmpty()) return null;
            for (Node x = first(); x != null; x = x.next()) {
                if (r.gteMin(x.score)) return r.lteMax(x.score) ? x : null;
            }
            return null;
        }
        if (r.isEmpty() || tail == null || !r.gteMin(tail.score) || !r.lteMax(header.next0.score)) return null;
        Node p = header;
        for (int i = level - 1; i >= 0; i--) {
            Node n;
            while ((n = p.next(i)) != null && !r.gteMin(n.score)) p = n;
        }
        Node x = p.next0;
        return x != null && r.lteMax(x.score) ? x : null;
    }

    public Node lastInRange(ScoreRange r) {
        if (lp != null) {
            if (r.isEmpty()) return null;
            for (Node x = last(); x != null; x = x.prev()) {
                if (r.lteMax(x.score)) return r.gteMin(x.score) ? x : null;
            }
            return null;
        }
        if (r.isEmpty() || tail == null || !r.gteMin(tail.score) || !r.lteMax(header.next0.score)) return null;
        Node p = header;
        for (int i = level - 1; i >= 0; i--) {
            Node n;
            while ((n = p.next(i)) != null && r.lteMax(n.score)) p = n;
        }
        return p != header && r.gteMin(p.score) ? p : null;
    }

    public Node firstInRange(LexRange r) {
        if (r.isEmpty()) return null;
        if (lp != null) {
            // Redis scans a listpack from its head: with members not in lex order (mixed
            // scores) that answers differently from a skiplist descent, so do the same.
            for (Node x = first(); x != null; x = x.next()) {
                if (r.gteMin(x.ele)) return r.lteMax(x.ele) ? x : null;
            }
            return null;
        }
        if (tail == null || !r.gteMin(tail.ele) || !r.lteMax(header.next0.ele)) return null;
        Node p = header;
        for (int i = level - 1; i >= 0; i--) {
            Node n;
            while ((n = p.next(i)) != null && !r.gteMin(n.ele)) p = n;
        }
        Node x = p.next0;
        return x != null && r.lteMax(x.ele) ? x : null;
    }

    public Node lastInRange(LexRange r) {
        if (r.isEmpty()) return null;
        if (lp != null) {
            for (Node x = last(); x != null; x = x.prev()) {
                if (r.lteMax(x.ele)) return r.gteMin(x.ele) ? x : null;
            }
            return null;
        }
        if (tail == null || !r.gteMin(tail.ele) || !r.lteMax(header.next0.ele)) return null;
        Node p = header;
        for (int i = level - 1; i >= 0; i--) {
            Node n;
            while ((n = p.next(i)) != null && r.lteMax(n.ele)) p = n;
        }
        return p != header && r.gteMin(p.ele) ? p : null;
    }

    /* ---------------- conversions, random, scan ---------------- */

    /** zsetConvertToListpackIfNeeded: a built destination small enough goes back to "listpack". */
    public void convertToListpackIfNeeded(long maxEntries, long maxValue) {
        if (lp != null || length > maxEntries) return;
        byte[][] payloads = new byte[2 * length][];
        int i = 0;
        for (Node x = header.next0; x != null; x = x.next0) {
            if (x.ele.length > maxValue) return;
            payloads[i++] = x.ele;
            payloads[i++] = Listpack.encodeDouble(x.score);
        }
        lp = Listpack.insert(Listpack.EMPTY, 0, payloads);
        header = tail = null;
        dict = null;
        level = 1;
    }

    /** To "skiplist" (zsetConvert); SORT does so to a sorted set it reads, as Redis does. */
    public void convertToSkiplist() {
        if (lp == null) return;
        byte[] packed = lp;
        int n = length;
        lp = null;
        initSkiplist();
        dict.ensureCapacity(n);
        length = 0;
        for (int off = 0; off < packed.length; ) {
            int s = Listpack.next(packed, off);
            Node x = new Node(Listpack.get(packed, off), Listpack.decodeDouble(packed, s), randomLevel());
            insertNode(x);
            dict.putIfAbsent(x);
            off = Listpack.next(packed, s);
        }
    }

    /** A uniformly chosen node (the set must not be empty). */
    public Node random(RandomGenerator random) {
        if (lp != null) return byRank(1 + random.nextInt(length));
        return (Node) dict.random(random);
    }

    /** One ZSCAN step over the member table (a listpack is visited whole, cursor 0 back). */
    public long scan(long cursor, Consumer<Node> visitor) {
        if (lp != null) {
            for (Node x = first(); x != null; x = x.next()) visitor.accept(x);
            return 0;
        }
        return dict.scan(cursor, e -> visitor.accept((Node) e));
    }

    @Override public RedisValue duplicate() {
        if (lp != null) {
            ZSetValue z = new ZSetValue(true);
            z.lp = lp; // never written in place: changes make a new array
            z.length = length;
            return z;
        }
        ZSetValue z = new ZSetValue(false);
        z.dict.ensureCapacity(length);
        for (Node x = header.next0; x != null; x = x.next0) z.insert(x.ele, x.score, Long.MAX_VALUE, Long.MAX_VALUE);
        return z;
    }

    /**
     * O(1): the per-node cost of the first nodes, times the length (as MEMORY USAGE's
     * SAMPLES). Memory accounting re-measures values often, so this must never walk them.
     */
    @Override public long memoryUsage() {
        if (lp != null) return 40 + 16 + ((lp.length + 7) & ~7);
        long sampled = 0;
        int n = 0;
        for (Node x = header.next0; x != null && n < MemorySampling.SAMPLES; x = x.next0, n++) {
            sampled += 48 + 16 + ((x.ele.length + 7) & ~7);
            if (x.up != null) sampled += 2 * (16 + 4L * x.up.length);
        }
        // The header node holds MAX_LEVEL - 1 forward pointers and spans.
        return 64 + 48 + 2 * (16 + 4L * (MAX_LEVEL - 1)) + dict.tableBytes() + MemorySampling.scale(sampled, n, length);
    }
}
