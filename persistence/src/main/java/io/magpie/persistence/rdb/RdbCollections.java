package io.magpie.persistence.rdb;

import io.magpie.engine.types.ValueType;
import io.magpie.persistence.rdb.encoding.Intset;
import io.magpie.persistence.rdb.encoding.Listpack;
import io.magpie.persistence.rdb.encoding.Ziplist;
import io.magpie.persistence.rdb.encoding.Zipmap;
import io.magpie.protocol.NumberFormat;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The RDB payloads of lists, sets, hashes and sorted sets in every encoding Redis 2.x to
 * 7.0 wrote, decoded to and encoded from a neutral form ({@link Elements}). The per-type
 * {@link RdbCodec}s adapt that form to the engine's value classes, so the byte formats live
 * here once, independent of how Magpie keeps a collection in memory.
 */
public final class RdbCollections {
    private RdbCollections() {}

    /** Quicklist node containers (RDB_TYPE_LIST_QUICKLIST_2). */
    public static final int QUICKLIST_NODE_PLAIN = 1;
    public static final int QUICKLIST_NODE_PACKED = 2;

    /**
     * A collection's contents: list/set members in order; hash fields and values
     * interleaved; sorted-set members with scores[i] for items[i].
     */
    public record Elements(ValueType type, List<byte[]> items, double[] scores) {}

    /** Reads the payload of a collection of rdbType (after type byte and key). */
    public static Elements read(RdbReader r, int rdbType) throws IOException {
        long at = r.offset();
        try {
            return switch (rdbType) {
                case Rdb.TYPE_LIST -> new Elements(ValueType.LIST, readStrings(r, 1), null);
                case Rdb.TYPE_SET -> new Elements(ValueType.SET, readStrings(r, 1), null);
                case Rdb.TYPE_HASH -> new Elements(ValueType.HASH, readStrings(r, 2), null);
                case Rdb.TYPE_ZSET, Rdb.TYPE_ZSET_2 -> readZset(r, rdbType == Rdb.TYPE_ZSET_2);
                case Rdb.TYPE_HASH_ZIPMAP -> new Elements(ValueType.HASH, Zipmap.read(r.readString()), null);
                case Rdb.TYPE_LIST_ZIPLIST -> new Elements(ValueType.LIST, Ziplist.read(r.readString()), null);
                case Rdb.TYPE_SET_INTSET -> {
                    long[] v = Intset.read(r.readString());
                    List<byte[]> l = new ArrayList<>(v.length);
                    for (long x : v) l.add(Long.toString(x).getBytes(StandardCharsets.US_ASCII));
                    yield new Elements(ValueType.SET, l, null);
                }
                case Rdb.TYPE_ZSET_ZIPLIST -> zsetFromPairs(Ziplist.read(r.readString()), r);
                case Rdb.TYPE_HASH_ZIPLIST -> pairs(ValueType.HASH, Ziplist.read(r.readString()), r);
                case Rdb.TYPE_ZSET_LISTPACK -> zsetFromPairs(Listpack.read(r.readString()), r);
                case Rdb.TYPE_HASH_LISTPACK -> pairs(ValueType.HASH, Listpack.read(r.readString()), r);
                case Rdb.TYPE_LIST_QUICKLIST -> {
                    long nodes = r.readLen();
                    r.checkCount(nodes, 1);
                    List<byte[]> l = new ArrayList<>();
                    for (long i = 0; i < nodes; i++) l.addAll(Ziplist.read(r.readString()));
                    yield new Elements(ValueType.LIST, l, null);
                }
                case Rdb.TYPE_LIST_QUICKLIST_2 -> {
                    long nodes = r.readLen();
                    r.checkCount(nodes, 2); // container and blob length
                    List<byte[]> l = new ArrayList<>();
                    for (long i = 0; i < nodes; i++) {
                        long container = r.readLen();
                        byte[] blob = r.readString();
                        if (container == QUICKLIST_NODE_PLAIN) l.add(blob);
                        else if (container == QUICKLIST_NODE_PACKED) l.addAll(Listpack.read(blob));
                        else throw r.error("Unknown quicklist node container " + container);
                    }
                    yield new Elements(ValueType.LIST, l, null);
                }
                default -> throw r.error("Unsupported RDB object type " + rdbType);
            };
        } catch (IllegalArgumentException e) {
            throw new RdbException("Corrupt " + e.getMessage() + " in object of RDB type " + rdbType, at);
        }
    }

    private static List<byte[]> readStrings(RdbReader r, int per) throws IOException {
        long count = r.readLen();
        r.checkCount(count, per); // each string takes at least its length byte
        long n = count * per;
        List<byte[]> l = new ArrayList<>((int) Math.min(n, 1 << 16));
        for (long i = 0; i < n; i++) l.add(r.readString());
        return l;
    }

    private static Elements readZset(RdbReader r, boolean binary) throws IOException {
        int n = r.readIntLen();
        r.checkCount(n, binary ? 9 : 2); // a string's length byte and a score
        List<byte[]> items = new ArrayList<>(Math.min(n, 1 << 16));
        double[] scores = new double[n];
        for (int i = 0; i < n; i++) {
            items.add(r.readString());
            scores[i] = binary ? r.readBinaryDouble() : r.readDoubleValue();
            if (Double.isNaN(scores[i])) throw r.error("Zset with NAN score detected");
        }
        return new Elements(ValueType.ZSET, items, scores);
    }

    private static Elements pairs(ValueType t, List<byte[]> l, RdbReader r) throws RdbException {
        if (l.size() % 2 != 0) throw r.error("Odd number of elements in a " + t.typeName() + " encoding");
        return new Elements(t, l, null);
    }

    private static Elements zsetFromPairs(List<byte[]> l, RdbReader r) throws RdbException {
        if (l.size() % 2 != 0) throw r.error("Odd number of elements in a zset encoding");
        List<byte[]> items = new ArrayList<>(l.size() / 2);
        double[] scores = new double[l.size() / 2];
        for (int i = 0; i < l.size(); i += 2) {
            items.add(l.get(i));
            String s = new String(l.get(i + 1), StandardCharsets.US_ASCII);
            try {
                scores[i / 2] = Double.parseDouble(s.replace("inf", "Infinity"));
            } catch (NumberFormatException e) {
                throw r.error("Bad zset score " + s);
            }
        }
        return new Elements(ValueType.ZSET, items, scores);
    }

    /* ---------------- writing, as Redis 7.0 does ---------------- */

    /** quicklist.c's optimization_level: node byte limits for list-max-listpack-size -1..-5. */
    private static final int[] NODE_SIZE_LIMITS = {4096, 8192, 16384, 32768, 65536};
    /** SIZE_SAFETY_LIMIT: count-limited nodes still stop growing past this many bytes. */
    private static final int NODE_SAFETY_LIMIT = 8192;
    /** SIZE_ESTIMATE_OVERHEAD: what quicklist adds to an element's length when estimating. */
    private static final int NODE_ESTIMATE_OVERHEAD = 8;
    /** packed_threshold: elements at least this long get a plain node of their own. */
    private static final long PACKED_THRESHOLD = 1L << 30;

    /**
     * A list as RDB_TYPE_LIST_QUICKLIST_2, split into listpack nodes as a quicklist built by
     * RPUSH under list-max-listpack-size = fill would be (_quicklistNodeAllowInsert), so a
     * list Redis built by pushes saves byte for byte as Redis saves it.
     */
    public static void writeList(RdbWriter w, List<byte[]> items, int fill) {
        fill = Math.max(-5, Math.min(fill, 1 << 15));
        List<List<byte[]>> nodes = new ArrayList<>();
        List<byte[]> cur = null;
        long curBytes = 0;
        for (byte[] e : items) {
            boolean plain = e.length >= PACKED_THRESHOLD;
            if (cur == null || plain || isPlain(cur) || !allowInsert(curBytes, cur.size(), fill, e.length)) {
                cur = new ArrayList<>();
                nodes.add(cur);
                curBytes = Listpack.EMPTY_SIZE;
            }
            cur.add(e);
            curBytes += Listpack.entrySize(e);
        }
        w.writeLen(nodes.size());
        for (List<byte[]> n : nodes) {
            if (isPlain(n)) {
                w.writeLen(QUICKLIST_NODE_PLAIN);
                w.writeString(n.get(0));
            } else {
                w.writeLen(QUICKLIST_NODE_PACKED);
                w.writeString(Listpack.write(n));
            }
        }
    }

    private static boolean isPlain(List<byte[]> node) {
        return node.size() == 1 && node.get(0).length >= PACKED_THRESHOLD;
    }

    private static boolean allowInsert(long nodeBytes, int count, int fill, int elementLength) {
        long newBytes = nodeBytes + elementLength + NODE_ESTIMATE_OVERHEAD;
        if (fill < 0 && newBytes <= NODE_SIZE_LIMITS[-fill - 1]) return true;
        if (newBytes > NODE_SAFETY_LIMIT) return false;
        return count < fill;
    }

    /** Hash fields/values interleaved: listpack when small, else RDB_TYPE_HASH's pairs. */
    public static void writeHashListpack(RdbWriter w, List<byte[]> fieldsAndValues) {
        w.writeString(Listpack.write(fieldsAndValues));
    }

    public static void writeHashTable(RdbWriter w, List<byte[]> fieldsAndValues) {
        w.writeLen(fieldsAndValues.size() / 2);
        for (byte[] b : fieldsAndValues) w.writeString(b);
    }

    /** A set of integers as RDB_TYPE_SET_INTSET (values sorted and distinct). */
    public static void writeIntset(RdbWriter w, long[] sorted) {
        w.writeString(Intset.write(sorted));
    }

    public static void writeSetTable(RdbWriter w, List<byte[]> members) {
        w.writeLen(members.size());
        for (byte[] m : members) w.writeString(m);
    }

    /** A small sorted set as RDB_TYPE_ZSET_LISTPACK: member, score pairs in score order. */
    public static void writeZsetListpack(RdbWriter w, List<byte[]> members, double[] scores) {
        List<byte[]> l = new ArrayList<>(members.size() * 2);
        for (int i = 0; i < members.size(); i++) {
            l.add(members.get(i));
            l.add(scoreText(scores[i]));
        }
        w.writeString(Listpack.write(l));
    }

    /** A big sorted set as RDB_TYPE_ZSET_2: count, then member and binary double each. */
    public static void writeZset2(RdbWriter w, List<byte[]> members, double[] scores) {
        w.writeLen(members.size());
        for (int i = 0; i < members.size(); i++) {
            w.writeString(members.get(i));
            w.writeBinaryDouble(scores[i]);
        }
    }

    /** d2string: integral scores as integers, others as %.17g, infinities as "inf"/"-inf". */
    static byte[] scoreText(double d) {
        String s;
        if (Double.isInfinite(d)) s = d > 0 ? "inf" : "-inf";
        else if (d == 0) s = 1.0 / d < 0 ? "-0" : "0";
        else if (d == Math.rint(d) && Math.abs(d) < (double) (1L << 52)) s = Long.toString((long) d);
        else s = NumberFormat.formatG17(d);
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
