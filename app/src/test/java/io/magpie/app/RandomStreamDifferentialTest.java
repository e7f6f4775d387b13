package io.magpie.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.magpie.protocol.RespClient;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Seeded random sequences of stream commands against redis-server and Magpie, compared
 * reply by reply: appends with explicit, partial and trimming forms over small nodes (so
 * that nodes split by entries and by bytes), deletions, exact and approximate trims with
 * LIMIT, consumer-group reads, acks and claims, and the introspection that exposes the node
 * layout (XINFO STREAM's radix-tree-keys and -nodes) and the groups' counters and lag.
 */
class RandomStreamDifferentialTest extends AgainstRealRedis {
    private static final String[] FIELDS = {"a", "b", "c", "12", "-5"};
    private static final String[] VALUES = {"1", "x", "hello", "-77", "99999999999", "v".repeat(70)};

    private static String pick(SplittableRandom r, String... a) {
        return a[r.nextInt(a.length)];
    }

    private static String id(SplittableRandom r, long ms) {
        return (1 + r.nextLong(ms)) + "-" + r.nextInt(4);
    }

    private static String[] op(SplittableRandom r, long[] ms) {
        String key = pick(r, "s", "t");
        String group = pick(r, "g1", "g2");
        int op = r.nextInt(100);
        List<String> a = new ArrayList<>();
        if (op < 35) {
            ms[0] += pick(r, "0", "1", "1", "2").charAt(0) - '0';
            a.add("XADD");
            a.add(key);
            int trim = r.nextInt(20);
            if (trim < 3 || trim == 3 || trim == 4) {
                a.add(trim < 3 ? "MAXLEN" : "MINID");
                String approx = pick(r, "~", "=");
                a.add(approx);
                a.add(trim < 3 ? String.valueOf(r.nextInt(13)) : String.valueOf(r.nextLong(ms[0] + 1)));
                if (approx.equals("~") && r.nextBoolean()) {
                    a.add("LIMIT");
                    a.add(String.valueOf(r.nextInt(7)));
                }
            }
            a.add(pick(r, ms[0] + "-*", ms[0] + "-" + r.nextInt(4), String.valueOf(ms[0])));
            int n = 1 + r.nextInt(3);
            for (int i = 0; i < n; i++) {
                a.add(pick(r, FIELDS));
                a.add(pick(r, VALUES));
            }
        } else if (op < 47) {
            a.add("XDEL");
            a.add(key);
            for (int i = 1 + r.nextInt(4); i > 0; i--) a.add(id(r, ms[0]));
        } else if (op < 52) {
            a.addAll(List.of("XTRIM", key, pick(r, "MAXLEN", "MINID"), pick(r, "~", "="), String.valueOf(r.nextLong(ms[0] + 1))));
        } else if (op < 57) {
            a.addAll(List.of("XGROUP", "CREATE", key, group, pick(r, "0", "$", String.valueOf(r.nextLong(ms[0] + 1))), "MKSTREAM"));
        } else if (op < 70) {
            a.addAll(List.of("XREADGROUP", "GROUP", group, pick(r, "c1", "c2", "c3"), "COUNT", String.valueOf(1 + r.nextInt(4))));
            if (r.nextInt(5) == 0) a.add("NOACK");
            a.addAll(List.of("STREAMS", key, pick(r, ">", ">", "0")));
        } else if (op < 76) {
            a.addAll(List.of("XACK", key, group));
            for (int i = 1 + r.nextInt(3); i > 0; i--) a.add(id(r, ms[0]));
        } else if (op < 80) {
            a.addAll(List.of("XCLAIM", key, group, pick(r, "c1", "c4"), "0", id(r, ms[0]), "JUSTID", "TIME", "5"));
        } else if (op < 83) {
            a.addAll(List.of("XAUTOCLAIM", key, group, "c5", "0", "0", "COUNT", String.valueOf(1 + r.nextInt(5)), "JUSTID"));
        } else if (op < 86) {
            a.addAll(List.of("XGROUP", "SETID", key, group, pick(r, "0", "$", String.valueOf(r.nextLong(ms[0] + 1)))));
        } else {
            return switch (r.nextInt(8)) {
                case 0 -> new String[] {"XINFO", "STREAM", key};
                case 1 -> new String[] {"XRANGE", key, "-", "+"};
                case 2 -> new String[] {"XREVRANGE", key, "+", "-", "COUNT", "3"};
                case 3 -> new String[] {"XLEN", key};
                case 4 -> new String[] {"XINFO", "GROUPS", key};
                case 5 -> new String[] {"XPENDING", key, "g1"};
                case 6 -> new String[] {"XREAD", "COUNT", "2", "STREAMS", "s", "t", String.valueOf(r.nextLong(ms[0] + 1)), "0"};
                default -> new String[] {"XRANGE", key, String.valueOf(r.nextLong(ms[0] + 1)), "+", "COUNT", "2"};
            };
        }
        return a.toArray(new String[0]);
    }

    @Test
    void randomStreamOperationsOverSmallNodesReplyAsRedis() {
        try (RespClient r = redis.client(); RespClient m = magpie.client()) {
            for (long seed = 1; seed <= 40; seed++) {
                SplittableRandom rnd = new SplittableRandom(seed);
                String entries = pick(rnd, "2", "3", "5", "100"), bytes = pick(rnd, "0", "60", "4096");
                for (RespClient c : new RespClient[] {r, m}) {
                    c.call("FLUSHALL");
                    c.call("CONFIG", "SET", "stream-node-max-entries", entries);
                    c.call("CONFIG", "SET", "stream-node-max-bytes", bytes);
                }
                long[] ms = {1};
                for (int i = 0; i < 250; i++) {
                    String[] op = op(rnd, ms);
                    assertThat(m.call(op).text()).as("seed %d op %d: %s", seed, i, String.join(" ", op)).isEqualTo(r.call(op).text());
                }
            }
            for (RespClient c : new RespClient[] {r, m}) {
                c.call("CONFIG", "SET", "stream-node-max-entries", "100");
                c.call("CONFIG", "SET", "stream-node-max-bytes", "4096");
            }
        }
    }
}
