package io.magpie.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.magpie.protocol.RespClient;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Seeded random command sequences over a small key space, mixing every keyspace, expiry
 * and string command (and type errors against non-string keys made with whatever type
 * commands Magpie has), run on redis-server and Magpie and compared reply by reply.
 * Expiry uses only times far in the future or in the past, so no reply depends on timing;
 * replies that are random by nature (RANDOMKEY, SCAN order, TTL rounding) compare their
 * shape only.
 */
class RandomStringKeyspaceDifferentialTest extends AgainstRealRedis {
    private static final String[] KEYS = {"k0", "k1", "k2", "k3", "k4", "k5", "{k}6", ""};

    private SplittableRandom rnd;
    private final List<String> nonStringKeys = new ArrayList<>();

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3})
    void randomCommandSequencesReplyAsRedis(long seed) {
        rnd = new SplittableRandom(seed);
        int resp = seed % 2 == 0 ? 3 : 2;
        try (RespClient r = redis.client(); RespClient m = magpie.client()) {
            for (RespClient c : new RespClient[] {r, m}) {
                c.call("FLUSHALL");
                c.call("HELLO", String.valueOf(resp));
            }
            Differential d = new Differential(r, m);
            List<String> history = new ArrayList<>();
            for (int i = 0; i < 2500; i++) {
                makeNonStringKeys(r, m);
                String[] cmd = randomCommand();
                String mode = modeOf(cmd);
                history.add(String.join(" ", cmd));
                if (history.size() > 30) history.remove(0);
                String where = "seed " + seed + " op " + i + ": " + String.join(" ", cmd) + "\nrecent:\n" + String.join("\n", history);
                byte[][] argv = RespClient.args(cmd);
                Differential.compare(where, mode, r.call(argv), m.call(argv));
            }
            // The final keyspaces agree too.
            for (int db = 0; db < 3; db++) {
                d.same("SELECT", String.valueOf(db));
                Differential.compare("final DBSIZE", "type", r.call("DBSIZE"), m.call("DBSIZE"));
                for (String k : KEYS) {
                    d.same("TYPE", k);
                    d.same("GET", k.isEmpty() ? "nosuch" : k);
                }
            }
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {11, 12})
    void incrbyfloatPrintsExactlyAsRedisLongDouble(long seed) {
        rnd = new SplittableRandom(seed);
        try (RespClient r = redis.client(); RespClient m = magpie.client()) {
            Differential d = new Differential(r, m);
            for (int i = 0; i < 1500; i++) {
                if (i % 10 == 0) d.same("SET", "f", randomNumber());
                String by = randomNumber();
                byte[][] argv = RespClient.args("INCRBYFLOAT", "f", by);
                Differential.compare("seed " + seed + " op " + i + " INCRBYFLOAT f " + by, "exact", r.call(argv), m.call(argv));
                d.same("GET", "f");
            }
        }
    }

    /** Creates the non-string keys once per db, with the type commands Magpie has. */
    private void makeNonStringKeys(RespClient r, RespClient m) {
        if (rnd.nextInt(200) != 0) return;
        String[][] makers = {{"RPUSH", "list", "a", "b"}, {"SADD", "set", "a", "b"}, {"HSET", "hash", "f", "v"}, {"ZADD", "zset", "1", "a"}};
        for (String[] mk : makers) {
            Object reply = m.call(mk).value();
            if (reply instanceof RespClient.Err e && e.text().startsWith("ERR unknown command")) continue;
            r.call(mk);
            if (!nonStringKeys.contains(mk[1])) nonStringKeys.add(mk[1]);
        }
    }

    private String key() {
        if (!nonStringKeys.isEmpty() && rnd.nextInt(8) == 0) return nonStringKeys.get(rnd.nextInt(nonStringKeys.size()));
        return KEYS[rnd.nextInt(KEYS.length)];
    }

    private String value() {
        switch (rnd.nextInt(8)) {
            case 0: return String.valueOf(rnd.nextInt(-100, 100));
            case 1: return String.valueOf(rnd.nextBoolean() ? Long.MAX_VALUE - rnd.nextInt(3) : Long.MIN_VALUE + rnd.nextInt(3));
            case 2: return randomNumber();
            case 3: return "";
            case 4: return "x".repeat(rnd.nextInt(40, 60));
            case 5: return "abc" + rnd.nextInt(10);
            case 6: return "0" + rnd.nextInt(10);
            default: return "v" + rnd.nextInt(1000);
        }
    }

    /** Decimal numbers of every shape strtold reads: signs, fractions, exponents, hex, junk. */
    private String randomNumber() {
        switch (rnd.nextInt(12)) {
            case 0: return String.valueOf(rnd.nextInt(-1000, 1000));
            case 1: return String.valueOf(rnd.nextDouble(-1e6, 1e6));
            case 2: return (rnd.nextBoolean() ? "-" : "") + rnd.nextInt(1000) + "." + rnd.nextInt(1000);
            case 3: return rnd.nextInt(100) + "e" + rnd.nextInt(-30, 30);
            case 4: return "0." + "0".repeat(rnd.nextInt(20)) + rnd.nextInt(1, 100000);
            case 5: return String.valueOf(rnd.nextLong());
            case 6: return (rnd.nextBoolean() ? "+" : "") + "." + rnd.nextInt(1000);
            case 7: return "0x" + Integer.toHexString(rnd.nextInt(1 << 20)) + (rnd.nextBoolean() ? "p" + rnd.nextInt(-10, 10) : "");
            case 8: return String.valueOf(rnd.nextDouble() * Math.pow(10, rnd.nextInt(-20, 25)));
            case 9: return rnd.nextInt(10) + "." + rnd.nextLong(1, Long.MAX_VALUE);
            case 10: return new String[] {"inf", "-inf", "nan", "1e5000", "abc", " 1", "1.5.5", "", "5.", "1e400", "-1e400"}[rnd.nextInt(11)];
            default: return rnd.nextInt(1, 10) + "." + rnd.nextInt(10) + "e" + rnd.nextInt(-5, 18);
        }
    }

    private String ttlArg() {
        return switch (rnd.nextInt(6)) {
            case 0 -> String.valueOf(rnd.nextInt(-10, 1));
            case 1 -> "abc";
            case 2 -> "9223372036854775807";
            default -> String.valueOf(rnd.nextInt(200_000, 1_000_000)); // ms forms: minutes away, no races
        };
    }

    private static final long FAR = 4102444800L;

    private String[] randomCommand() {
        String k = key();
        switch (rnd.nextInt(46)) {
            case 0: return new String[] {"SET", k, value()};
            case 1: return new String[] {"GET", k};
            case 2: {
                List<String> a = new ArrayList<>(List.of("SET", k, value()));
                String[] opts = {"NX", "XX", "GET", "KEEPTTL", "EX", "PX", "EXAT", "PXAT", "BAD"};
                int n = rnd.nextInt(3);
                for (int i = 0; i < n; i++) {
                    String o = opts[rnd.nextInt(opts.length)];
                    a.add(o);
                    if (o.equals("EX") || o.equals("PX")) a.add(ttlArg());
                    if (o.equals("EXAT")) a.add(String.valueOf(rnd.nextBoolean() ? 1 : FAR));
                    if (o.equals("PXAT")) a.add(String.valueOf(rnd.nextBoolean() ? 1 : FAR * 1000));
                }
                return a.toArray(String[]::new);
            }
            case 3: return new String[] {"SETNX", k, value()};
            case 4: return new String[] {"SETEX", k, ttlArg(), value()};
            case 5: return new String[] {"PSETEX", k, ttlArg(), value()};
            case 6: return new String[] {"MGET", k, key(), key()};
            case 7: return new String[] {"MSET", k, value(), key(), value()};
            case 8: return new String[] {"MSETNX", k, value(), key(), value()};
            case 9: return new String[] {"INCR", k};
            case 10: return new String[] {"DECR", k};
            case 11: return new String[] {"INCRBY", k, value()};
            case 12: return new String[] {"DECRBY", k, value()};
            case 13: return new String[] {"INCRBYFLOAT", k, randomNumber()};
            case 14: return new String[] {"GETSET", k, value()};
            case 15: return new String[] {"GETDEL", k};
            case 16: {
                String[] forms = {"", "EX", "PX", "EXAT", "PXAT", "PERSIST"};
                String f = forms[rnd.nextInt(forms.length)];
                if (f.isEmpty()) return new String[] {"GETEX", k};
                if (f.equals("PERSIST")) return new String[] {"GETEX", k, f};
                String t = f.endsWith("AT") ? String.valueOf(rnd.nextBoolean() ? 1 : (f.equals("PXAT") ? FAR * 1000 : FAR)) : ttlArg();
                return new String[] {"GETEX", k, f, t};
            }
            case 17: return new String[] {"APPEND", k, value()};
            case 18: return new String[] {"SETRANGE", k, String.valueOf(rnd.nextInt(-2, 30)), value()};
            case 19: return new String[] {"GETRANGE", k, String.valueOf(rnd.nextInt(-30, 30)), String.valueOf(rnd.nextInt(-30, 30))};
            case 20: return new String[] {"STRLEN", k};
            case 21: {
                List<String> a = new ArrayList<>(List.of("LCS", k, key()));
                if (rnd.nextBoolean()) a.add(rnd.nextBoolean() ? "IDX" : "LEN");
                if (rnd.nextInt(3) == 0) a.addAll(List.of("MINMATCHLEN", String.valueOf(rnd.nextInt(-1, 4))));
                if (rnd.nextInt(3) == 0) a.add("WITHMATCHLEN");
                return a.toArray(String[]::new);
            }
            case 22: return new String[] {"DEL", k, key()};
            case 23: return new String[] {"UNLINK", k};
            case 24: return new String[] {"EXISTS", k, key(), k};
            case 25: return new String[] {"TYPE", k};
            case 26: return new String[] {"RENAME", k, key()};
            case 27: return new String[] {"RENAMENX", k, key()};
            case 28: {
                List<String> a = new ArrayList<>(List.of("COPY", k, key()));
                if (rnd.nextBoolean()) a.addAll(List.of("DB", String.valueOf(rnd.nextInt(-1, 3))));
                if (rnd.nextBoolean()) a.add("REPLACE");
                return a.toArray(String[]::new);
            }
            case 29: return new String[] {"MOVE", k, String.valueOf(rnd.nextInt(0, 3))};
            case 30: return new String[] {"SELECT", String.valueOf(rnd.nextInt(0, 3))};
            case 31: return new String[] {"RANDOMKEY"};
            case 32: return new String[] {"KEYS", rnd.nextBoolean() ? "*" : "k[0-3]*"};
            case 33: return new String[] {"SCAN", "0", "COUNT", "100", "MATCH", rnd.nextBoolean() ? "*" : k};
            case 34: return new String[] {"TOUCH", k, key()};
            case 35: return new String[] {"DBSIZE"};
            case 36: return rnd.nextInt(10) == 0 ? new String[] {"SWAPDB", String.valueOf(rnd.nextInt(3)), String.valueOf(rnd.nextInt(3))} : new String[] {"DBSIZE"};
            case 37: return rnd.nextInt(30) == 0 ? new String[] {"FLUSHDB"} : new String[] {"EXISTS", k};
            case 38: {
                String[] cmds = {"EXPIRE", "PEXPIRE", "EXPIREAT", "PEXPIREAT"};
                String c = cmds[rnd.nextInt(4)];
                String t = c.endsWith("AT") ? String.valueOf(rnd.nextInt(4) == 0 ? 1 : (c.startsWith("P") ? FAR * 1000 + rnd.nextInt(1000) : FAR + rnd.nextInt(1000))) : ttlArg();
                List<String> a = new ArrayList<>(List.of(c, k, t));
                String[] flags = {"NX", "XX", "GT", "LT", "BAD"};
                int n = rnd.nextInt(3) == 0 ? rnd.nextInt(1, 3) : 0;
                for (int i = 0; i < n; i++) a.add(flags[rnd.nextInt(flags.length)]);
                return a.toArray(String[]::new);
            }
            case 39: return new String[] {"TTL", k};
            case 40: return new String[] {"PTTL", k};
            case 41: return new String[] {"EXPIRETIME", k};
            case 42: return new String[] {"PEXPIRETIME", k};
            case 43: return new String[] {"PERSIST", k};
            case 44: return new String[] {"SUBSTR", k, String.valueOf(rnd.nextInt(-5, 5)), String.valueOf(rnd.nextInt(-5, 10))};
            default: return new String[] {"INCRBY", k, String.valueOf(rnd.nextInt(-5, 5))};
        }
    }

    /** Replies that legitimately differ between two correct servers compare by shape. */
    private static String modeOf(String[] cmd) {
        return switch (cmd[0]) {
            // DBSIZE counts keys already expired until the active cycle (timing) removes them.
            case "RANDOMKEY", "SCAN", "TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME", "DBSIZE" -> "type";
            case "KEYS" -> "sorted";
            default -> "exact";
        };
    }
}
