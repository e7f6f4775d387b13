package io.magpie.app.repl;

import io.magpie.protocol.RespClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Convergence and key-by-key comparison of the datasets of a master and its replicas.
 *
 * <p>Converged means: every replica's link is up and its master_repl_offset equals the
 * master's (the master's read twice around the replicas', so that nothing was written in
 * between). A chained replica shares its top master's replid and offsets, so a chain is
 * compared against its top. Then every key of the 16 databases is compared in a canonical
 * form: its TYPE, whether it has a TTL, and its contents (lists in order, sets and hash
 * fields sorted, sorted sets in rank order with scores). HyperLogLogs are compared without
 * their cached cardinality, which PFCOUNT may rewrite on one side only.
 */
public final class Datasets {
    private Datasets() {}

    /** Offsets of the master and each replica as they stand, for failure messages. */
    public static String offsets(Node master, Node... replicas) {
        StringBuilder sb = new StringBuilder(master + " offset " + safeInfo(master, "master_repl_offset"));
        for (Node r : replicas) {
            sb.append("; ").append(r).append(" offset ").append(safeInfo(r, "master_repl_offset"))
                    .append(" link ").append(safeInfo(r, "master_link_status"));
        }
        return sb.toString();
    }

    private static String safeInfo(Node n, String field) {
        try {
            return n.info("replication").get(field);
        } catch (RuntimeException e) {
            return "? (" + e.getMessage() + ")";
        }
    }

    /** Waits until every replica's link is up and its offset equals the master's; throws after {@code millis}. */
    public static void awaitConverged(long millis, Node master, Node... replicas) {
        long deadline = System.currentTimeMillis() + millis;
        while (System.currentTimeMillis() < deadline) {
            if (converged(master, replicas)) return;
            Node.sleep(50);
        }
        StringBuilder logs = new StringBuilder();
        for (Node r : replicas) logs.append(r.logTail());
        throw new AssertionError("not converged within " + millis + " ms: " + offsets(master, replicas) + "\n" + master.logTail() + logs);
    }

    static boolean converged(Node master, Node... replicas) {
        long before = master.infoLong("replication", "master_repl_offset");
        for (Node r : replicas) {
            Map<String, String> info = r.info("replication");
            if (!"up".equals(info.get("master_link_status"))) return false;
            if (!String.valueOf(before).equals(info.get("master_repl_offset"))) return false;
        }
        return master.infoLong("replication", "master_repl_offset") == before;
    }

    /**
     * Waits for convergence, then compares every replica's dataset with the master's, key by
     * key; a difference is checked again after a fresh convergence, and fails the test if it
     * persists.
     *
     * <p>The master is read before its replicas, and a key whose TTL runs out in between is in
     * the first read and not in the second. That is no divergence, and each attempt may catch a
     * different such key while the writer's short TTLs run out. So a key missing on a replica is
     * forgiven when the master's read shows it expiring no later than the replica's read ended
     * (the master's estimate of its expiry time is never later than the real one, see
     * {@link Entry}); a key lost with a longer TTL, or without one, still fails.
     */
    public static void assertSameData(Node master, Node... replicas) {
        List<String> diff = List.of();
        List<String> seen = new ArrayList<>();
        for (int attempt = 0; attempt < 4; attempt++) {
            awaitConverged(60_000, master, replicas);
            diff = new ArrayList<>();
            Dump expected = read(master);
            for (Node r : replicas) {
                for (String d : diff(expected, read(r))) diff.add(r + ": " + d);
            }
            if (diff.isEmpty()) return;
            // What each node says of the differing keys right now, with the time: told apart,
            // a key the replica lacks, one it holds with another TTL, one a SCAN did not return.
            seen.add("attempt " + attempt + " at " + System.currentTimeMillis() + " ms:" + ttls(diff, master, replicas));
            Node.sleep(500);
        }
        StringBuilder logs = new StringBuilder(master.logTail());
        for (Node r : replicas) logs.append(r.logTail());
        throw new AssertionError("datasets differ (" + diff.size() + " keys), first ones:\n  "
                + String.join("\n  ", diff.subList(0, Math.min(20, diff.size()))) + "\n" + offsets(master, replicas)
                + "\nPTTL and OBJECT ENCODING of those keys at each attempt:\n" + String.join("\n", seen)
                + "\nand now:" + ttls(diff, master, replicas)
                + "\n(node logs in app/target/repl-logs/" + master.dir().getParent().getFileName() + "/)\n" + logs);
    }

    /**
     * For a failure report: each differing key's remaining TTL in ms (and encoding) on every
     * node, read now, so that a TTL running out between two reads can be told from a key lost.
     * PTTL and OBJECT ENCODING look the key up directly, not through SCAN.
     */
    private static String ttls(List<String> diff, Node master, Node... replicas) {
        StringBuilder sb = new StringBuilder();
        for (String d : diff.subList(0, Math.min(5, diff.size()))) {
            String dbKey = d.substring(d.indexOf("): ") + 3, d.indexOf(": master ")); // "<node>: <db>/<key>: master ..."
            int slash = dbKey.indexOf('/');
            String db = dbKey.substring(0, slash), key = dbKey.substring(slash + 1);
            sb.append("\n  ").append(dbKey).append(':');
            List<Node> nodes = new ArrayList<>();
            nodes.add(master);
            nodes.addAll(List.of(replicas));
            for (Node n : nodes) {
                try (RespClient c = n.connect()) {
                    c.value("SELECT", db);
                    sb.append(' ').append(n).append(" pttl=").append(c.call("PTTL", key).value())
                            .append(" enc=").append(c.call("OBJECT", "ENCODING", key).value());
                } catch (RuntimeException e) {
                    sb.append(' ').append(n).append(" ? ").append(e.getMessage());
                }
            }
        }
        return sb.toString();
    }

    /** How many keys the master holds in all databases (a test's sanity check that it wrote something). */
    public static int keyCount(Node n) {
        return read(n).keys().size();
    }

    /** Every key of the 16 databases, "db/key" → its canonical form and expiry estimate. */
    static Dump read(Node n) {
        Map<String, Entry> out = new TreeMap<>();
        try (RespClient c = n.connect()) {
            for (int db = 0; db < 16; db++) {
                c.value("SELECT", String.valueOf(db));
                List<String> keys = scanAll(c);
                if (keys.isEmpty()) continue;
                List<Object> types = pipeline(c, keys, k -> new String[] {"TYPE", k});
                long ttlsSent = System.currentTimeMillis();
                List<Object> ttls = pipeline(c, keys, k -> new String[] {"PTTL", k});
                List<String[]> reads = new ArrayList<>();
                for (int i = 0; i < keys.size(); i++) reads.add(contentsCommand(String.valueOf(types.get(i)), keys.get(i)));
                List<Object> contents = pipelineCommands(c, reads);
                for (int i = 0; i < keys.size(); i++) {
                    String type = String.valueOf(types.get(i));
                    long ttl = (Long) ttls.get(i);
                    if (type.equals("none") || ttl == -2) continue; // expired or deleted since SCAN
                    out.put(db + "/" + keys.get(i), new Entry(type + " " + (ttl >= 0 ? "ttl" : "persist") + " "
                            + canonical(type, contents.get(i)), ttl >= 0 ? ttlsSent + ttl : Entry.PERSIST));
                }
            }
            c.value("SELECT", "0");
        }
        return new Dump(out, System.currentTimeMillis());
    }

    static List<String> diff(Dump expected, Dump actual) {
        List<String> out = new ArrayList<>();
        TreeSet<String> keys = new TreeSet<>(expected.keys().keySet());
        keys.addAll(actual.keys().keySet());
        for (String k : keys) {
            Entry e = expected.keys().get(k), a = actual.keys().get(k);
            if (e != null && a != null && e.value().equals(a.value())) continue;
            if (a == null && e.expiresBy(actual.end())) continue; // its TTL ran out between the two reads
            out.add(k + ": master " + abbreviate(e) + " replica " + abbreviate(a));
        }
        return out;
    }

    private static String abbreviate(Entry entry) {
        if (entry == null) return "(missing)";
        String s = entry.value();
        return s.length() <= 160 ? s : s.substring(0, 160) + "...(" + s.length() + " chars)";
    }

    /** Every key of a node as read by a scan that ended at {@code end} (ms of the shared clock). */
    record Dump(Map<String, Entry> keys, long end) {}

    /**
     * A key's canonical "type ttl|persist contents", and for a key with a TTL an estimate of the
     * time it expires: the time its database's PTTLs were sent plus its PTTL. The PTTL was read
     * after that time, so the estimate is never later than the real expiry.
     */
    record Entry(String value, long expiresAt) {
        static final long PERSIST = Long.MAX_VALUE;

        boolean expiresBy(long millis) {
            return expiresAt <= millis;
        }
    }

    private static List<String> scanAll(RespClient c) {
        TreeSet<String> keys = new TreeSet<>();
        String cursor = "0";
        for (int i = 0; i < 100_000; i++) {
            List<?> reply = (List<?>) c.value("SCAN", cursor, "COUNT", "1000");
            cursor = String.valueOf(reply.get(0));
            for (Object k : (List<?>) reply.get(1)) keys.add((String) k);
            if (cursor.equals("0")) break;
        }
        return new ArrayList<>(keys);
    }

    private static String[] contentsCommand(String type, String key) {
        return switch (type) {
            case "string" -> new String[] {"GET", key};
            case "list" -> new String[] {"LRANGE", key, "0", "-1"};
            case "set" -> new String[] {"SMEMBERS", key};
            case "hash" -> new String[] {"HGETALL", key};
            case "zset" -> new String[] {"ZRANGE", key, "0", "-1", "WITHSCORES"};
            case "stream" -> new String[] {"XRANGE", key, "-", "+"};
            default -> new String[] {"TYPE", key};
        };
    }

    /** Contents in a form equal on two servers exactly when the values are equal. */
    private static String canonical(String type, Object v) {
        if (v == null) return "(nil)";
        switch (type) {
            case "string": {
                String s = (String) v;
                // A dense or sparse HLL: bytes 8..15 cache the cardinality, refreshed lazily by PFCOUNT.
                if (s.length() >= 16 && s.startsWith("HYLL")) s = s.substring(0, 8) + "<card>" + s.substring(16);
                return hex(s);
            }
            case "set": {
                TreeSet<String> sorted = new TreeSet<>();
                for (Object o : (List<?>) v) sorted.add(hex((String) o));
                return sorted.toString();
            }
            case "hash": {
                TreeMap<String, String> sorted = new TreeMap<>();
                List<?> l = (List<?>) v;
                for (int i = 0; i + 1 < l.size(); i += 2) sorted.put(hex((String) l.get(i)), hex((String) l.get(i + 1)));
                return sorted.toString();
            }
            case "list": case "zset": {
                List<String> items = new ArrayList<>();
                for (Object o : (List<?>) v) items.add(hex(String.valueOf(o)));
                return items.toString();
            }
            default:
                return String.valueOf(v);
        }
    }

    /** Printable bytes as they are, others as \xNN (bulk strings arrive as ISO-8859-1 text). */
    private static String hex(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch >= 0x20 && ch < 0x7f && ch != '\\') sb.append(ch);
            else sb.append(String.format("\\x%02x", (int) ch));
        }
        return sb.toString();
    }

    /** Arguments as the bytes they arrived as (replies are decoded as ISO-8859-1), binary keys included. */
    private static byte[][] latin1(String[] args) {
        byte[][] out = new byte[args.length][];
        for (int i = 0; i < args.length; i++) out[i] = args[i].getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        return out;
    }

    private static List<Object> pipeline(RespClient c, List<String> keys, java.util.function.Function<String, String[]> command) {
        List<String[]> commands = new ArrayList<>(keys.size());
        for (String k : keys) commands.add(command.apply(k));
        return pipelineCommands(c, commands);
    }

    /** Sends commands in batches and reads their replies in order. */
    private static List<Object> pipelineCommands(RespClient c, List<String[]> commands) {
        List<Object> replies = new ArrayList<>(commands.size());
        for (int from = 0; from < commands.size(); from += 256) {
            int to = Math.min(commands.size(), from + 256);
            for (int i = from; i < to; i++) c.send(latin1(commands.get(i)));
            for (int i = from; i < to; i++) replies.add(c.read().value());
        }
        return replies;
    }
}
