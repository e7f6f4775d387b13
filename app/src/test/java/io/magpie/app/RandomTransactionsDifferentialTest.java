package io.magpie.app;

import io.magpie.protocol.RespClient;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Seeded random interleavings of two connections doing MULTI/EXEC/DISCARD, WATCH/UNWATCH,
 * queue-time errors, SELECT, FLUSHDB and SWAPDB over a few keys, on redis-server and
 * Magpie side by side, every reply compared byte for byte. One connection speaks RESP2,
 * the other RESP3, so both null-array forms of a failed EXEC are exercised. No TTLs:
 * nothing depends on timing.
 */
class RandomTransactionsDifferentialTest extends AgainstRealRedis {
    private static final String[] KEYS = {"t0", "t1", "t2", "t3"};

    private SplittableRandom rnd;

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {11, 12, 13})
    void randomTransactionsReplyAsRedis(long seed) {
        rnd = new SplittableRandom(seed);
        try (RespClient ra = redis.client(); RespClient rb = redis.client();
             RespClient ma = magpie.client(); RespClient mb = magpie.client()) {
            for (RespClient c : new RespClient[] {ra, ma}) {
                c.call("FLUSHALL");
                c.call("HELLO", "2");
            }
            for (RespClient c : new RespClient[] {rb, mb}) c.call("HELLO", "3");
            Differential a = new Differential(ra, ma);
            Differential b = new Differential(rb, mb);
            List<String> history = new ArrayList<>();
            for (int i = 0; i < 2000; i++) {
                boolean onA = rnd.nextBoolean();
                String[] cmd = randomCommand();
                history.add((onA ? "A: " : "B: ") + String.join(" ", cmd));
                if (history.size() > 40) history.remove(0);
                try {
                    (onA ? a : b).same(cmd);
                } catch (AssertionError e) {
                    throw new AssertionError("seed " + seed + " op " + i + ", last commands:\n" + String.join("\n", history), e);
                }
            }
        }
    }

    private String key() {
        return KEYS[rnd.nextInt(KEYS.length)];
    }

    private String[] randomCommand() {
        int p = rnd.nextInt(100);
        if (p < 10) return new String[] {"MULTI"};
        if (p < 18) return new String[] {"EXEC"};
        if (p < 21) return new String[] {"DISCARD"};
        if (p < 31) return rnd.nextInt(4) == 0 ? new String[] {"WATCH", key(), key()} : new String[] {"WATCH", key()};
        if (p < 34) return new String[] {"UNWATCH"};
        if (p < 50) return new String[] {"SET", key(), Integer.toString(rnd.nextInt(100))};
        if (p < 58) return new String[] {"INCR", key()};
        if (p < 66) return new String[] {"GET", key()};
        if (p < 70) return new String[] {"DEL", key()};
        if (p < 73) return new String[] {"SET", key(), "v", rnd.nextBoolean() ? "NX" : "XX"};
        if (p < 76) return new String[] {"MSET", key(), "m", key(), "n"};
        if (p < 78) return new String[] {"SET", key()}; // wrong arity: a queue-time error
        if (p < 79) return new String[] {"NOSUCHCOMMAND", key()};
        if (p < 81) return new String[] {"EXEC", "extra"};
        if (p < 84) return new String[] {"SELECT", Integer.toString(rnd.nextInt(2))};
        if (p < 86) return new String[] {"FLUSHDB"};
        if (p < 88) return new String[] {"SWAPDB", "0", "1"};
        if (p < 90) return new String[] {"APPEND", key(), "x"};
        if (p < 92) return new String[] {"EXISTS", key(), key()};
        if (p < 94) return new String[] {"MULTI", "extra"};
        if (p < 96) return new String[] {"RENAME", key(), key()};
        if (p < 98) return new String[] {"GETDEL", key()};
        return new String[] {"PING"};
    }
}
