package io.magpie.engine.types;

import java.util.Arrays;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;

/**
 * A sorted set (t_zset.c): a skiplist with spans ordered by (score, member) for O(log n)
 * rank and range queries, plus a {@link MemberTable} from member to its skiplist node for
 * O(1) ZSCORE. The same layout serves small sets; OBJECT ENCODING still answers
 * "listpack" while Redis would keep the set in a listpack (at most zset-max-listpack-entries
 * members, none longer than zset-max-listpack-value), and "skiplist" once it would have
 * converted. Conversion is one-way except where Redis converts a freshly built destination
 * back (ZUNIONSTORE, ZRANGESTORE...: {@link #convertToListpackIfNeeded}).
 */
public final class ZSetValue implements RedisValue {
    static final int MAX_LEVEL = 32;

    /**
     * A skiplist node. Level 0 lives in fields (3 nodes in 4 have only that level);
     * higher levels, when present, live in two small arrays.
     */
    public static final class Node {
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

    private final Node header = new Node(null, 0, MAX_LEVEL);
    private Node tail;
    private int length;
    private int level = 1;
    private final NodeTable dict = new NodeTable();
    private boolean listpack;

    /** An empty sorted set; listpack says which encoding name it starts with. */
    public ZSetValue(boolean listpack) {
        this.listpack = listpack;
    }

    /** zsetTypeCreate's choice for a set whose first member has length firstLen. */
    public static ZSetValue createFor(int firstLen, long maxEntries, long maxValue) {
        return new ZSetValue(maxEntries != 0 && firstLen <= maxValue);
    }

    @Override public ValueType type() {
        return ValueType.ZSET;
    }

    @Override public String encoding() {
        return listpack ? "listpack" : "skiplist";
    }

    public boolean isListpack() {
        return listpack;
    }

    public int length() {
        return length;
    }

    /** The node of member, or null. */
    public Node node(byte[] member) {
        return (Node) dict.get(member);
    }

    public Node first() {
        return header.next0;
    }

    public Node last() {
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
        if (listpack && (length + 1 > maxEntries || ele.length > maxValue)) listpack = false;
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
        Node x = (Node) dict.remove(member);
        if (x != null) unlinkNode(x, findUpdate(x.score, x.ele));
        return x;
    }

    /** 1-based rank of a node in ascending order. */
    public int rank(Node x) {
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
        if (r.isEmpty() || tail == null || !r.gteMin(tail.score) || !r.lteMax(header.next0.score)) return null;
        Node p = header;
        for (int i = level - 1; i >= 0; i--) {
            Node n;
            while ((n = p.next(i)) != null && r.lteMax(n.score)) p = n;
        }
        return p != header && r.gteMin(p.score) ? p : null;
    }

    public Node firstInRange(LexRange r) {
        if (r.isEmpty() || tail == null) return null;
        if (listpack) {
            // Redis scans a listpack from its head: with members not in lex order (mixed
            // scores) that answers differently from a skiplist descent, so do the same.
            for (Node x = header.next0; x != null; x = x.next0) {
                if (r.gteMin(x.ele)) return r.lteMax(x.ele) ? x : null;
            }
            return null;
        }
        if (!r.gteMin(tail.ele) || !r.lteMax(header.next0.ele)) return null;
        Node p = header;
        for (int i = level - 1; i >= 0; i--) {
            Node n;
            while ((n = p.next(i)) != null && !r.gteMin(n.ele)) p = n;
        }
        Node x = p.next0;
        return x != null && r.lteMax(x.ele) ? x : null;
    }

    public Node lastInRange(LexRange r) {
        if (r.isEmpty() || tail == null) return null;
        if (listpack) {
            for (Node x = tail; x != null; x = x.backward) {
                if (r.lteMax(x.ele)) return r.gteMin(x.ele) ? x : null;
            }
            return null;
        }
        if (!r.gteMin(tail.ele) || !r.lteMax(header.next0.ele)) return null;
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
        if (listpack || length > maxEntries) return;
        for (Node x = header.next0; x != null; x = x.next0) {
            if (x.ele.length > maxValue) return;
        }
        listpack = true;
    }

    /** SORT converts a sorted set it reads to "skiplist" (Redis does so destructively). */
    public void convertToSkiplist() {
        listpack = false;
    }

    /** A uniformly chosen node (the set must not be empty). */
    public Node random(RandomGenerator random) {
        return (Node) dict.random(random);
    }

    /** One ZSCAN step over the member table. */
    public long scan(long cursor, Consumer<Node> visitor) {
        return dict.scan(cursor, e -> visitor.accept((Node) e));
    }

    @Override public RedisValue duplicate() {
        ZSetValue z = new ZSetValue(listpack);
        z.dict.ensureCapacity(length);
        for (Node x = header.next0; x != null; x = x.next0) z.insert(x.ele, x.score, Long.MAX_VALUE, Long.MAX_VALUE);
        return z;
    }

    /**
     * O(1): the per-node cost of the first nodes, times the length (as MEMORY USAGE's
     * SAMPLES). Memory accounting re-measures values often, so this must never walk them.
     */
    @Override public long memoryUsage() {
        long sampled = 0;
        int n = 0;
        for (Node x = header.next0; x != null && n < MemorySampling.SAMPLES; x = x.next0, n++) {
            sampled += 48 + 16 + ((x.ele.length + 7) & ~7);
            if (x.up != null) sampled += 2 * (16 + 4L * x.up.length);
        }
        return 64 + dict.tableBytes() + MemorySampling.scale(sampled, n, length);
    }
}
