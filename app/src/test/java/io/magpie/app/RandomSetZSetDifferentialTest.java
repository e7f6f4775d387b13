package io.magpie.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.magpie.protocol.RespClient;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Seeded random sequences of set and sorted-set commands (valid and invalid arguments,
 * WRONGTYPE keys, encoding conversions) run against redis-server and Magpie, compared reply
 * by reply. Replies Redis leaves to hash order are compared as multisets; random picks by
 * their properties, after which both servers are resynchronized from Redis's state.
 */
class RandomSetZSetDifferentialTest {
    private static RealRedis redis;
    private static TestServer magpie;
    private static boolean hasObject, hasConfigSet;

    @BeforeAll
    static void start() {
        redis = new RealRedis();
        magpie = new TestServer();
        try (RespClient m = magpie.client()) {
            hasObject = !(m.value("OBJECT", "ENCODING", "nokey") instanceof RespClient.Err);
            hasConfigSet = !(m.value("CONFIG", "SET", "set-max-intset-entries", "512") instanceof RespClient.Err);
        }
    }

    @AfterAll
    static void stop() {
        if (magpie != null) magpie.close();
        if (redis != null) redis.close();
    }

    private static final String[] MEMBERS = {"a", "b", "c", "d", "e", "f", "g", "0", "1", "2", "3", "-7", "10", "99", "01", "x".repeat(70)};
    private static final String[] SCORES = {"0", "1", "2", "-1", "1.5", "-2.25", "10", "inf", "-inf", "+inf", "3e2", "x", "(1", ""};
    private static final String[] RANGE_BOUNDS = {"-inf", "+inf", "0", "1", "(1", "2", "(2", "1.5", "x", "10", "-1", "(-inf"};
    private static final String[] LEX_BOUNDS = {"-", "+", "[a", "(a", "[c", "(d", "[0", "[x", "a", "[", "("};

    private final List<String> setKeys = List.of("s1", "s2", "s3");
    private final List<String> zsetKeys = List.of("z1", "z2", "z3");

    private Random rnd;
    private String prefix;

    private String pick(String[] a) {
        return a[rnd.nextInt(a.length)];
    }

    private String setKey() {
        int r = rnd.nextInt(20);
        if (r == 0) return prefix + "str";
        if (r == 1) return prefix + "z1";
        return prefix + setKeys.get(rnd.nextInt(setKeys.size()));
    }

    private String zsetKey() {
        int r = rnd.nextInt(20);
        if (r == 0) return prefix + "str";
        if (r == 1) return prefix + "s1";
        if (r == 2) return prefix + "nokey";
        return prefix + zsetKeys.get(rnd.nextInt(zsetKeys.size()));
    }

    private String lexKey() {
        int r = rnd.nextInt(20);
        if (r == 0) return prefix + "strlex"; // a string no store command ever targets
        if (r == 1) return prefix + "nokeylex";
        return prefix + (rnd.nextBoolean() ? "l1" : "l2");
    }

    private String member() {
        return rnd.nextInt(8) == 0 ? Integer.toString(rnd.nextInt(1000)) : pick(MEMBERS);
    }

    private String count() {
        String[] c = {"0", "1", "2", "3", "5", "-1", "-3", "100", "x"};
        return pick(c);
    }

    /** One random command and how to compare its reply: "exact", "sorted", "type" or "spop". */
    private String[] next(List<String> argv) {
        int op = rnd.nextInt(48);
        switch (op) {
            case 0, 1, 2 -> {
                argv.addAll(List.of("SADD", setKey()));
                int n = 1 + rnd.nextInt(4);
                for (int i = 0; i < n; i++) argv.add(member());
            }
            case 3 -> {
                argv.addAll(List.of("SREM", setKey()));
                int n = 1 + rnd.nextInt(3);
                for (int i = 0; i < n; i++) argv.add(member());
            }
            case 4 -> argv.addAll(List.of("SISMEMBER", setKey(), member()));
            case 5 -> argv.addAll(List.of("SMISMEMBER", setKey(), member(), member()));
            case 6 -> argv.addAll(List.of("SCARD", setKey()));
            case 7 -> {
                argv.addAll(List.of("SMEMBERS", setKey()));
                return new String[] {"sorted"};
            }
            case 8 -> argv.addAll(List.of("SMOVE", setKey(), setKey(), member()));
            case 9, 10 -> {
                String[] cmds = {"SINTER", "SUNION", "SDIFF"};
                argv.addAll(List.of(pick(cmds), setKey(), setKey()));
                if (rnd.nextBoolean()) argv.add(setKey());
                return new String[] {"sorted"};
            }
            case 11 -> {
                String[] cmds = {"SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE"};
                argv.addAll(List.of(pick(cmds), setKey(), setKey(), setKey()));
            }
            case 12 -> {
                argv.addAll(List.of("SINTERCARD", pick(new String[] {"1", "2", "0", "3"}), setKey(), setKey()));
                if (rnd.nextBoolean()) argv.addAll(List.of("LIMIT", count()));
            }
            case 13 -> {
                argv.addAll(List.of("SPOP", setKey()));
                if (rnd.nextBoolean()) argv.add(count());
                return new String[] {"spop"};
            }
            case 14 -> {
                argv.addAll(List.of("SRANDMEMBER", setKey()));
                if (rnd.nextBoolean()) argv.add(count());
                return new String[] {"type"};
            }
            case 15, 16, 17, 18 -> {
                argv.addAll(List.of("ZADD", zsetKey()));
                String[] flags = {"NX", "XX", "GT", "LT", "CH", "INCR"};
                while (rnd.nextInt(3) == 0) argv.add(pick(flags));
                int n = 1 + rnd.nextInt(rnd.nextInt(5) == 0 ? 2 : 4);
                for (int i = 0; i < n; i++) {
                    argv.add(pick(SCORES));
                    argv.add(member());
                }
            }
            case 19 -> argv.addAll(List.of("ZINCRBY", zsetKey(), pick(SCORES), member()));
            case 20 -> {
                argv.addAll(List.of("ZREM", zsetKey(), member()));
                if (rnd.nextBoolean()) argv.add(member());
            }
            case 21 -> argv.addAll(List.of("ZCARD", zsetKey()));
            case 22 -> argv.addAll(List.of(rnd.nextBoolean() ? "ZSCORE" : "ZMSCORE", zsetKey(), member()));
            case 23 -> argv.addAll(List.of(rnd.nextBoolean() ? "ZRANK" : "ZREVRANK", zsetKey(), member()));
            case 24 -> argv.addAll(List.of("ZCOUNT", zsetKey(), pick(RANGE_BOUNDS), pick(RANGE_BOUNDS)));
            case 25 -> argv.addAll(List.of("ZLEXCOUNT", lexKey(), pick(LEX_BOUNDS), pick(LEX_BOUNDS)));
            case 26, 27 -> {
                argv.addAll(List.of(pick(new String[] {"ZRANGE", "ZREVRANGE"}), zsetKey(), Integer.toString(rnd.nextInt(7) - 3),
                        Integer.toString(rnd.nextInt(7) - 3)));
                if (rnd.nextBoolean()) argv.add("WITHSCORES");
            }
            case 28, 29 -> {
                boolean rev = rnd.nextBoolean();
                argv.addAll(List.of(rev ? "ZREVRANGEBYSCORE" : "ZRANGEBYSCORE", zsetKey(), pick(RANGE_BOUNDS), pick(RANGE_BOUNDS)));
                if (rnd.nextBoolean()) argv.add("WITHSCORES");
                if (rnd.nextInt(3) == 0) argv.addAll(List.of("LIMIT", Integer.toString(rnd.nextInt(4) - 1), count()));
            }
            case 30 -> {
                argv.addAll(List.of(rnd.nextBoolean() ? "ZRANGEBYLEX" : "ZREVRANGEBYLEX", lexKey(), pick(LEX_BOUNDS), pick(LEX_BOUNDS)));
                if (rnd.nextInt(3) == 0) argv.addAll(List.of("LIMIT", Integer.toString(rnd.nextInt(4) - 1), count()));
            }
            case 31 -> {
                int kind = rnd.nextInt(3);
                String key = kind == 1 ? lexKey() : zsetKey();
                if (kind == 0) argv.addAll(List.of("ZRANGE", key, pick(RANGE_BOUNDS), pick(RANGE_BOUNDS), "BYSCORE"));
                else if (kind == 1) argv.addAll(List.of("ZRANGE", key, pick(LEX_BOUNDS), pick(LEX_BOUNDS), "BYLEX"));
                else argv.addAll(List.of("ZRANGE", key, "0", "-1"));
                if (rnd.nextBoolean()) argv.add("REV");
                if (rnd.nextInt(3) == 0) argv.addAll(List.of("LIMIT", Integer.toString(rnd.nextInt(3)), count()));
                if (rnd.nextInt(3) == 0) argv.add("WITHSCORES");
            }
            case 32 -> {
                argv.addAll(List.of("ZRANGESTORE", zsetKey(), zsetKey(), Integer.toString(rnd.nextInt(3)), "-1"));
                if (rnd.nextBoolean()) argv.add("REV");
            }
            case 33 -> {
                String[] cmds = {"ZREMRANGEBYRANK", "ZREMRANGEBYSCORE", "ZREMRANGEBYLEX"};
                String cmd = pick(cmds);
                argv.addAll(List.of(cmd, cmd.equals("ZREMRANGEBYLEX") ? lexKey() : zsetKey()));
                if (cmd.equals("ZREMRANGEBYRANK")) argv.addAll(List.of(Integer.toString(rnd.nextInt(5) - 2), Integer.toString(rnd.nextInt(5) - 2)));
                else if (cmd.equals("ZREMRANGEBYSCORE")) argv.addAll(List.of(pick(RANGE_BOUNDS), pick(RANGE_BOUNDS)));
                else argv.addAll(List.of(pick(LEX_BOUNDS), pick(LEX_BOUNDS)));
            }
            case 34, 35 -> {
                argv.addAll(List.of(rnd.nextBoolean() ? "ZPOPMIN" : "ZPOPMAX", zsetKey()));
                if (rnd.nextBoolean()) argv.add(count());
            }
            case 36 -> {
                argv.addAll(List.of("ZMPOP", "2", zsetKey(), zsetKey(), rnd.nextBoolean() ? "MIN" : "MAX"));
                if (rnd.nextBoolean()) argv.addAll(List.of("COUNT", count()));
            }
            case 37 -> argv.addAll(List.of(rnd.nextBoolean() ? "BZPOPMIN" : "BZPOPMAX", zsetKey(), zsetKey(), "0.01"));
            case 38, 39 -> {
                String[] cmds = {"ZUNION", "ZINTER", "ZDIFF"};
                argv.addAll(List.of(pick(cmds), "2", zsetKey(), rnd.nextInt(4) == 0 ? setKey() : zsetKey()));
                if (!argv.get(0).equals("ZDIFF") && rnd.nextBoolean()) argv.addAll(List.of("WEIGHTS", pick(SCORES), pick(SCORES)));
                if (!argv.get(0).equals("ZDIFF") && rnd.nextBoolean()) argv.addAll(List.of("AGGREGATE", pick(new String[] {"SUM", "MIN", "MAX"})));
                if (rnd.nextBoolean()) argv.add("WITHSCORES");
            }
            case 40 -> {
                String[] cmds = {"ZUNIONSTORE", "ZINTERSTORE", "ZDIFFSTORE"};
                argv.addAll(List.of(pick(cmds), zsetKey(), "2", zsetKey(), zsetKey()));
                if (!argv.get(0).equals("ZDIFFSTORE") && rnd.nextBoolean()) argv.addAll(List.of("AGGREGATE", "MAX"));
            }
            case 41 -> {
                argv.addAll(List.of("ZINTERCARD", "2", zsetKey(), zsetKey()));
                if (rnd.nextBoolean()) argv.addAll(List.of("LIMIT", count()));
            }
            case 42 -> {
                argv.addAll(List.of("ZRANDMEMBER", zsetKey()));
                if (rnd.nextBoolean()) argv.add(count());
                return new String[] {"type"};
            }
            case 43 -> {
                argv.addAll(List.of("SORT", rnd.nextBoolean() ? setKey() : zsetKey()));
                if (rnd.nextBoolean()) argv.add("ALPHA");
                if (rnd.nextBoolean()) argv.add("DESC");
                if (rnd.nextBoolean()) argv.addAll(List.of("LIMIT", Integer.toString(rnd.nextInt(3)), count()));
            }
            case 44 -> {
                if (!hasObject) return next(argv);
                argv.addAll(List.of("OBJECT", "ENCODING", rnd.nextBoolean() ? setKey() : zsetKey()));
            }
            default -> {
                // Lex ranges are defined on members of equal scores: these keys only get score 0.
                argv.addAll(List.of("ZADD", lexKey()));
                int n = 1 + rnd.nextInt(3);
                for (int i = 0; i < n; i++) argv.addAll(List.of("0", member()));
            }
        }
        return new String[] {"exact"};
    }

    private static String[] arr(List<String> l) {
        return l.toArray(new String[0]);
    }

    private static List<String> sortedStrings(Object v) {
        List<String> out = new ArrayList<>();
        if (v instanceof List<?> l) for (Object o : l) out.add(String.valueOf(o));
        else out.add(String.valueOf(v));
        Collections.sort(out);
        return out;
    }

    private void run(long seed, int resp, int ops) {
        rnd = new Random(seed);
        prefix = "r" + seed + ":";
        try (RespClient r = redis.client(); RespClient m = magpie.client()) {
            for (RespClient c : new RespClient[] {r, m}) {
                c.call("HELLO", Integer.toString(resp));
                c.call("SET", prefix + "str", "v");
                c.call("SET", prefix + "strlex", "v");
                if (hasConfigSet) {
                    // Low thresholds make conversions happen within a few operations.
                    c.call("CONFIG", "SET", "set-max-intset-entries", "8");
                    c.call("CONFIG", "SET", "zset-max-listpack-entries", "6");
                }
            }
            for (int i = 0; i < ops; i++) {
                List<String> argv = new ArrayList<>();
                String mode = next(argv)[0];
                String where = "seed " + seed + " RESP" + resp + " op " + i + ": " + String.join(" ", argv);
                if (mode.equals("spop")) {
                    checkSpop(r, m, argv, where);
                    continue;
                }
                RespClient.Reply expected = r.call(arr(argv)), actual = m.call(arr(argv));
                switch (mode) {
                    case "sorted" -> assertThat(sortedStrings(actual.value())).as(where).isEqualTo(sortedStrings(expected.value()));
                    case "type" -> Differential.compare(where, "type", expected, actual);
                    default -> Differential.compare(where, "exact", expected, actual);
                }
            }
            if (hasConfigSet) {
                for (RespClient c : new RespClient[] {r, m}) {
                    c.call("CONFIG", "SET", "set-max-intset-entries", "512");
                    c.call("CONFIG", "SET", "zset-max-listpack-entries", "128");
                }
            }
        }
    }

    /** SPOP picks at random: check Magpie's pick by its properties, then copy Redis's resulting set to Magpie. */
    private void checkSpop(RespClient r, RespClient m, List<String> argv, String where) {
        String key = argv.get(1);
        Object before = m.value("SMEMBERS", key);
        RespClient.Reply expected = r.call(arr(argv)), actual = m.call(arr(argv));
        Differential.compare(where, "type", expected, actual);
        if (actual.value() instanceof List<?> popped) {
            Set<String> members = new HashSet<>(sortedStrings(before));
            Set<String> distinct = new HashSet<>(sortedStrings(popped));
            assertThat(distinct).as(where).hasSize(popped.size());
            assertThat(members).as(where).containsAll(distinct);
        } else if (actual.value() instanceof String s) {
            assertThat(sortedStrings(before)).as(where).contains(s);
        }
        Object after = r.value("SMEMBERS", key);
        if (!(after instanceof List<?>)) return; // not a set: nothing was popped
        m.call("DEL", key);
        if (after instanceof List<?> l && !l.isEmpty()) {
            List<String> sadd = new ArrayList<>(List.of("SADD", key));
            for (Object o : l) sadd.add(String.valueOf(o));
            m.call(arr(sadd));
            r.call("DEL", key);
            r.call(arr(sadd));
        }
    }

    @Test
    void random_set_and_sorted_set_operations_reply_as_redis_resp2() {
        run(1, 2, 4000);
        run(2, 2, 4000);
    }

    @Test
    void random_set_and_sorted_set_operations_reply_as_redis_resp3() {
        run(3, 3, 4000);
        run(4, 3, 4000);
    }

    /**
     * Several clients block on sorted sets with BZPOPMIN/BZPOPMAX/BZMPOP; a writer then adds
     * members. Who gets what, and who is left waiting, must match Redis. The blockers wait
     * without a timeout, each registered (blocked_clients) before the next arrives; those the
     * write did not serve are then released with CLIENT UNBLOCK, so no reply depends on how
     * fast a loaded machine runs.
     */
    @Test
    void blocked_sorted_set_pops_are_served_like_redis_across_several_clients() throws Exception {
        Random rnd = new Random(99);
        int rounds = 25;
        for (int round = 0; round < rounds; round++) {
            String key1 = "b" + round + ":k1", key2 = "b" + round + ":k2";
            int blockers = 1 + rnd.nextInt(3);
            List<RespClient[]> pairs = new ArrayList<>();
            List<String[]> cmds = new ArrayList<>();
            List<String[]> ids = new ArrayList<>();
            try (RespClient wr = redis.client(); RespClient wm = magpie.client()) {
                for (int b = 0; b < blockers; b++) {
                    String[] cmd = switch (rnd.nextInt(3)) {
                        case 0 -> new String[] {"BZPOPMIN", key1, key2, "0"};
                        case 1 -> new String[] {"BZPOPMAX", key2, "0"};
                        default -> new String[] {"BZMPOP", "0", "2", key2, key1, rnd.nextBoolean() ? "MIN" : "MAX", "COUNT", "2"};
                    };
                    RespClient br = redis.client(), bm = magpie.client();
                    br.setTimeout(30_000);
                    bm.setTimeout(30_000);
                    ids.add(new String[] {String.valueOf(br.value("CLIENT", "ID")), String.valueOf(bm.value("CLIENT", "ID"))});
                    br.send(cmd);
                    bm.send(cmd);
                    pairs.add(new RespClient[] {br, bm});
                    cmds.add(cmd);
                    // Each blocker registered before the next, so arrival order is the same on both.
                    awaitBlockedClients(wr, b + 1);
                    awaitBlockedClients(wm, b + 1);
                }
                List<String> zadd = new ArrayList<>(List.of("ZADD", rnd.nextBoolean() ? key1 : key2));
                int n = 1 + rnd.nextInt(4);
                for (int i = 0; i < n; i++) {
                    zadd.add(Integer.toString(rnd.nextInt(10)));
                    zadd.add("m" + i);
                }
                Differential.compare("round " + round + " " + zadd, "exact", wr.call(arr(zadd)), wm.call(arr(zadd)));
                // Served blockers were served before the write's reply; the rest are released (1) as by a timeout.
                for (int b = 0; b < blockers; b++) {
                    Differential.compare("round " + round + " CLIENT UNBLOCK of blocker " + b, "exact",
                            wr.call("CLIENT", "UNBLOCK", ids.get(b)[0]), wm.call("CLIENT", "UNBLOCK", ids.get(b)[1]));
                }
                for (int b = 0; b < blockers; b++) {
                    RespClient[] p = pairs.get(b);
                    Differential.compare("round " + round + " blocker " + b + " " + String.join(" ", cmds.get(b)), "exact", p[0].read(), p[1].read());
                    p[0].close();
                    p[1].close();
                }
                Differential.compare("round " + round + " rest", "exact", wr.call("ZRANGE", key1, "0", "-1", "WITHSCORES"),
                        wm.call("ZRANGE", key1, "0", "-1", "WITHSCORES"));
            }
        }
    }

    /** Until the server counts n blocked clients; the bound only catches a hang. */
    private static void awaitBlockedClients(RespClient c, int n) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 60_000;
        while (!String.valueOf(c.value("INFO", "clients")).contains("blocked_clients:" + n + "\r\n")) {
            if (System.currentTimeMillis() > deadline) throw new AssertionError("blocked_clients never reached " + n);
            Thread.sleep(2);
        }
    }
}
