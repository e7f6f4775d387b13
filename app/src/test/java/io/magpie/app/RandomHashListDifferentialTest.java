package io.magpie.app;

import io.magpie.protocol.RespClient;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Seeded random sequences of hash and list commands (valid, wrong-type and malformed)
 * against redis-server and Magpie, compared reply by reply. Small listpack thresholds make
 * the hashes cross from listpack to hashtable during the run; replies whose order depends on
 * the hashtable layout are compared as multisets, random picks by shape.
 */
class RandomHashListDifferentialTest {
    private static final String[] THRESHOLDS = {"--hash-max-listpack-entries", "8", "--hash-max-listpack-value", "16"};
    private static RealRedis redis;
    private static TestServer magpie;

    @BeforeAll
    static void start() {
        redis = new RealRedis(THRESHOLDS);
        magpie = new TestServer(THRESHOLDS);
    }

    @AfterAll
    static void stop() {
        if (magpie != null) magpie.close();
        if (redis != null) redis.close();
    }

    @Test
    void randomHashOperationsReplyAsRedis() {
        runRandom(11, 3000, RandomHashListDifferentialTest::hashOp, "hash");
    }

    @Test
    void randomListOperationsReplyAsRedis() {
        runRandom(12, 3000, RandomHashListDifferentialTest::listOp, "list");
    }

    private interface OpGen {
        String[] next(SplittableRandom r);
    }

    private static void runRandom(long seed, int ops, OpGen gen, String prefix) {
        SplittableRandom rnd = new SplittableRandom(seed);
        try (RespClient r = redis.client(); RespClient m = magpie.client()) {
            for (RespClient c : new RespClient[] {r, m}) c.call("SELECT", "5");
            for (int i = 0; i < ops; i++) {
                String[] op = gen.next(rnd);
                String mode = "exact";
                if (op[0].startsWith("!")) {
                    mode = op[0].substring(1);
                    String[] rest = new String[op.length - 1];
                    System.arraycopy(op, 1, rest, 0, rest.length);
                    op = rest;
                }
                byte[][] argv = RespClient.args(op);
                Differential.compare(prefix + " op " + i + ": " + String.join(" ", op), mode, r.call(argv), m.call(argv));
            }
        }
    }

    private static String pick(SplittableRandom r, String... options) {
        return options[r.nextInt(options.length)];
    }

    private static String field(SplittableRandom r) {
        // Mostly short fields; now and then one longer than hash-max-listpack-value.
        return r.nextInt(40) == 0 ? "long-field-" + "x".repeat(r.nextInt(10, 30)) : "f" + r.nextInt(14);
    }

    private static String value(SplittableRandom r) {
        return switch (r.nextInt(6)) {
            case 0 -> String.valueOf(r.nextInt(-100, 100));
            case 1 -> r.nextInt(2) + "." + r.nextInt(100);
            case 2 -> "";
            case 3 -> "value-" + "y".repeat(r.nextInt(20));
            default -> "v" + r.nextInt(5);
        };
    }

    private static String num(SplittableRandom r) {
        return pick(r, "0", "1", "-1", "2", "-3", "5", "17", "abc", "1.5", "9223372036854775807", "-9223372036854775808");
    }

    private static String[] hashOp(SplittableRandom r) {
        String key = pick(r, "h1", "h2", "h3", "str", "lst");
        String f = field(r);
        return switch (r.nextInt(22)) {
            case 0, 1, 2 -> pairs(r, "HSET", key);
            case 3 -> pairs(r, "HMSET", key);
            case 4 -> new String[] {"HSETNX", key, f, value(r)};
            case 5 -> new String[] {"HGET", key, f};
            case 6 -> new String[] {"HMGET", key, f, field(r), field(r)};
            case 7, 8 -> new String[] {"HDEL", key, f, field(r)};
            case 9 -> new String[] {"HLEN", key};
            case 10 -> new String[] {"HSTRLEN", key, f};
            case 11 -> new String[] {"HEXISTS", key, f};
            case 12 -> new String[] {"!sorted", "HGETALL", key};
            case 13 -> new String[] {"!sorted", "HKEYS", key};
            case 14 -> new String[] {"!sorted", "HVALS", key};
            case 15 -> new String[] {"HINCRBY", key, f, num(r)};
            case 16 -> new String[] {"HINCRBYFLOAT", key, f, pick(r, "1.5", "-0.25", "3", "abc", "1e2", "0.1")};
            case 17 -> new String[] {"!type", "HRANDFIELD", key};
            case 18 -> new String[] {"!type", "HRANDFIELD", key, String.valueOf(r.nextInt(-5, 6)), pick(r, "WITHVALUES", "withvalues")};
            case 19 -> new String[] {"!type", "HSCAN", key, "0", "COUNT", "100"};
            case 20 -> pick(r, "a", "b").equals("a") ? new String[] {"SET", "str", "s"} : new String[] {"RPUSH", "lst", "x"};
            default -> new String[] {"HSET", key};
        };
    }

    private static String[] pairs(SplittableRandom r, String cmd, String key) {
        List<String> a = new ArrayList<>(List.of(cmd, key));
        int n = r.nextInt(1, 4);
        for (int i = 0; i < n; i++) {
            a.add(field(r));
            a.add(value(r));
        }
        if (r.nextInt(30) == 0) a.remove(a.size() - 1); // odd arity: wrong number of arguments
        return a.toArray(new String[0]);
    }

    private static String elem(SplittableRandom r) {
        return pick(r, "a", "b", "c", "d", "", "xyz");
    }

    private static String[] listOp(SplittableRandom r) {
        String key = pick(r, "l1", "l2", "l3", "str", "hsh");
        String other = pick(r, "l1", "l2", "l3", "str");
        String idx = String.valueOf(r.nextInt(-8, 8));
        return switch (r.nextInt(26)) {
            case 0, 1 -> new String[] {pick(r, "LPUSH", "RPUSH"), key, elem(r), elem(r), elem(r)};
            case 2 -> new String[] {pick(r, "LPUSHX", "RPUSHX"), key, elem(r)};
            case 3 -> new String[] {pick(r, "LPOP", "RPOP"), key};
            case 4 -> new String[] {pick(r, "LPOP", "RPOP"), key, pick(r, "0", "1", "2", "10", "-1", "x")};
            case 5 -> new String[] {"LLEN", key};
            case 6 -> new String[] {"LINDEX", key, pick(r, idx, "x")};
            case 7 -> new String[] {"LSET", key, idx, elem(r)};
            case 8, 9 -> new String[] {"LRANGE", key, idx, String.valueOf(r.nextInt(-8, 8))};
            case 10 -> new String[] {"LTRIM", key, idx, String.valueOf(r.nextInt(-8, 8))};
            case 11 -> new String[] {"LREM", key, String.valueOf(r.nextInt(-3, 4)), elem(r)};
            case 12 -> new String[] {"LINSERT", key, pick(r, "BEFORE", "AFTER", "after", "NEAR"), elem(r), elem(r)};
            case 13 -> new String[] {"LPOS", key, elem(r)};
            case 14 -> new String[] {"LPOS", key, elem(r), "RANK", pick(r, "1", "2", "-1", "-2", "0"), "COUNT", pick(r, "0", "1", "2"), "MAXLEN", pick(r, "0", "3")};
            case 15 -> new String[] {"LMOVE", key, other, pick(r, "LEFT", "RIGHT"), pick(r, "LEFT", "right", "UP")};
            case 16 -> new String[] {"RPOPLPUSH", key, other};
            case 17 -> new String[] {"LMPOP", "2", key, other, pick(r, "LEFT", "RIGHT"), "COUNT", pick(r, "1", "3", "0")};
            case 18 -> new String[] {"LMPOP", pick(r, "1", "0", "3"), key, pick(r, "LEFT", "RIGHT")};
            case 19 -> new String[] {pick(r, "BLPOP", "BRPOP"), key, other, "0.01"};
            case 20 -> new String[] {"BLMOVE", key, other, pick(r, "LEFT", "RIGHT"), pick(r, "LEFT", "RIGHT"), "0.01"};
            case 21 -> new String[] {"BRPOPLPUSH", key, other, pick(r, "0.01", "-1", "x")};
            case 22 -> new String[] {"BLMPOP", "0.01", "2", key, other, pick(r, "LEFT", "RIGHT"), "COUNT", "2"};
            case 23 -> pick(r, "a", "b").equals("a") ? new String[] {"SET", "str", "s"} : new String[] {"HSET", "hsh", "f", "v"};
            case 24 -> new String[] {"LRANGE", key, "0", "-1"};
            default -> new String[] {"LPUSH", key};
        };
    }
}
