package io.magpie.app.scripting;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.magpie.app.RealRedis;
import io.magpie.app.TestServer;
import io.magpie.protocol.RespClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * A script or function running past busy-reply-threshold, side by side with redis-server
 * 7.0.15: the other clients, those connected before and those that connect meanwhile, get
 * BUSY except for the allow-busy commands; SCRIPT KILL and FUNCTION KILL stop a script that
 * has not written, with Redis's texts for every refusal (NOTBUSY, UNKILLABLE, the other kind
 * of KILL); SHUTDOWN NOSAVE stops the server under a script that cannot be killed; and the
 * server serves as before once a script is killed. Each scenario runs on both servers and
 * the replies must be the same, byte for byte.
 */
class BusyScriptTest {
    private static final String SPIN = "local i = 0 while true do i = i + 1 end";
    private static final String LIBRARY = "#!lua name=busy\n"
            + "redis.register_function('spin', function(keys, args)\n  local i = 0 while true do i = i + 1 end\nend)";
    private static final String BUSY_EVAL = "(error) BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.";
    private static final String BUSY_FUNCTION = "(error) BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.";
    private static final String UNKILLABLE = "(error) UNKILLABLE Sorry the script already executed write commands against the dataset. "
            + "You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.";
    private static final int TIMEOUT_MS = 60_000;

    @Test
    void anEndlessEvalIsBusyForOthersAndScriptKillStopsIt() {
        List<String> magpie = onBoth(this::killEval);
        assertThat(magpie).contains(BUSY_EVAL, "OK", "(error) ERR Script killed by user with SCRIPT KILL... script: "
                + io.magpie.engine.scripting.Scripting.sha1hex(SPIN.getBytes()) + ", on @user_script:1.");
    }

    /** NOTBUSY, then an endless EVAL from a, what b and a new connection get, the kill, and the server after it. */
    private List<String> killEval(int port) {
        List<String> out = new ArrayList<>();
        try (RespClient a = client(port); RespClient b = client(port)) {
            out.add(text(b.call("SCRIPT", "KILL")));
            out.add(text(b.call("FUNCTION", "KILL")));
            a.send("EVAL", SPIN, "0");
            out.add(untilBusy(b));
            for (String[] cmd : new String[][] {{"GET", "x"}, {"EVAL", "return 1", "0"}, {"FUNCTION", "STATS"}, {"FUNCTION", "KILL"},
                    {"SHUTDOWN"}, {"SHUTDOWN", "ABORT"}, {"MULTI"}, {"SET", "x", "1"}, {"EXEC"}, {"CLIENT", "SETNAME", "b"}}) {
                out.add(String.join(" ", cmd) + " -> " + text(b.call(cmd)));
            }
            // Pipelined: every command gets its answer.
            b.send("PING");
            b.send("INCR", "n");
            b.send("PING");
            for (int i = 0; i < 3; i++) out.add("pipelined -> " + text(b.read()));
            try (RespClient c = client(port)) {
                out.add("new connection PING -> " + text(c.call("PING")));
                out.add("new connection HELLO 3 -> " + c.call("HELLO", "3").value().toString().contains("7.0.15"));
            }
            out.add(text(b.call("SCRIPT", "KILL")));
            out.add(text(a.read()));
            out.add(text(a.call("PING")));
            out.add(text(b.call("SET", "x", "1")));
            out.add(text(b.call("INCR", "x")));
            out.add(text(a.call("EVAL", "return redis.call('get', KEYS[1])", "1", "x")));
            out.add(text(b.call("SCRIPT", "KILL")));
        }
        return out;
    }

    @Test
    void functionKillStopsAFunctionAndScriptKillNamesIt() {
        List<String> magpie = onBoth(this::killFunction);
        assertThat(magpie).contains(BUSY_FUNCTION, "SCRIPT KILL -> " + BUSY_FUNCTION,
                "(error) ERR Script killed by user with SCRIPT KILL... script: spin, on @user_function:3.");
    }

    private List<String> killFunction(int port) {
        List<String> out = new ArrayList<>();
        try (RespClient a = client(port); RespClient b = client(port)) {
            out.add(text(b.call("FUNCTION", "LOAD", "REPLACE", LIBRARY)));
            a.send("FCALL", "spin", "0");
            out.add(untilBusy(b));
            out.add("SCRIPT KILL -> " + text(b.call("SCRIPT", "KILL")));
            // FUNCTION STATS reports the running function (its duration differs from run to run).
            List<?> stats = (List<?>) b.call("FUNCTION", "STATS").value();
            List<?> running = (List<?>) stats.get(1);
            out.add("running " + running.subList(0, 4));
            out.add(text(b.call("FUNCTION", "KILL")));
            out.add(text(a.read()));
            out.add(text(a.call("PING")));
            out.add(text(b.call("FUNCTION", "KILL")));
        }
        return out;
    }

    @Test
    void aScriptThatWroteIsUnkillableAndShutdownNosaveStopsTheServer() {
        List<String> magpie = onBoth(this::unkillable);
        assertThat(magpie).containsExactly("UNKILLABLE?", UNKILLABLE, UNKILLABLE, "SHUTDOWN -> " + BUSY_EVAL,
                "SHUTDOWN NOSAVE -> closed", "EVAL caller -> closed", "new connection -> refused");
    }

    private List<String> unkillable(int port) {
        List<String> out = new ArrayList<>();
        try (RespClient a = client(port); RespClient b = client(port)) {
            a.send("EVAL", "redis.call('set', 'k', 'v') " + SPIN, "0");
            out.add(untilBusy(b).equals(BUSY_EVAL) ? "UNKILLABLE?" : "not busy");
            out.add(text(b.call("SCRIPT", "KILL")));
            out.add(text(b.call("FUNCTION", "KILL")));
            out.add("SHUTDOWN -> " + text(b.call("SHUTDOWN")));
            b.send("SHUTDOWN", "NOSAVE");
            out.add("SHUTDOWN NOSAVE -> " + (b.isClosedByServer() ? "closed" : "answered"));
            out.add("EVAL caller -> " + (a.isClosedByServer() ? "closed" : "answered"));
        }
        try (RespClient c = new RespClient(port)) {
            out.add("new connection -> " + text(c.call("PING")));
        } catch (RuntimeException e) {
            out.add("new connection -> refused");
        }
        return out;
    }

    /**
     * With the two Java clients: Jedis runs the endless EVAL, Lettuce connects while it runs
     * (its handshake's HELLO is allowed), gets BUSY and kills it; Jedis then sees Redis's error.
     */
    @Test
    void jedisEvalKilledByALettuceClientThatConnectsMeanwhile() {
        List<String> magpie = onBoth(port -> {
            List<String> out = new ArrayList<>();
            try (Jedis jedis = new Jedis("127.0.0.1", port, TIMEOUT_MS); RespClient b = client(port)) {
                CompletableFuture<String> eval = CompletableFuture.supplyAsync(() -> {
                    try {
                        return String.valueOf(jedis.eval(SPIN));
                    } catch (JedisDataException e) {
                        return e.getMessage();
                    }
                });
                out.add(untilBusy(b));
                RedisClient lettuce = RedisClient.create(RedisURI.builder().withHost("127.0.0.1").withPort(port)
                        .withTimeout(Duration.ofMillis(TIMEOUT_MS)).build());
                try (StatefulRedisConnection<String, String> conn = lettuce.connect()) {
                    try {
                        out.add(conn.sync().ping());
                    } catch (io.lettuce.core.RedisBusyException e) {
                        out.add("lettuce PING -> " + e.getMessage());
                    }
                    out.add(conn.sync().scriptKill());
                    out.add(eval.get(TIMEOUT_MS, TimeUnit.MILLISECONDS));
                    out.add(conn.sync().set("after", "kill"));
                    out.add(jedis.get("after"));
                } finally {
                    lettuce.shutdown(Duration.ZERO, Duration.ofSeconds(5));
                }
            } catch (Exception e) {
                out.add("failed: " + e);
            }
            return out;
        });
        assertThat(magpie).contains("lettuce PING -> " + BUSY_EVAL.substring("(error) ".length()), "OK", "kill");
        assertThat(magpie.get(3)).startsWith("ERR Script killed by user with SCRIPT KILL... script: ");
    }

    /** Runs the scenario on redis-server, then on Magpie, with busy-reply-threshold 100 ms; asserts the same replies and returns Magpie's. */
    private static List<String> onBoth(IntFunction<List<String>> scenario) {
        List<String> redis;
        try (RealRedis r = new RealRedis("--busy-reply-threshold", "100")) {
            redis = scenario.apply(r.port());
        }
        List<String> magpie;
        try (TestServer m = new TestServer("--busy-reply-threshold", "100")) {
            magpie = scenario.apply(m.port());
        }
        assertThat(magpie).as("Magpie's replies against redis-server's").isEqualTo(redis);
        return magpie;
    }

    private static RespClient client(int port) {
        RespClient c = new RespClient(port);
        c.setTimeout(TIMEOUT_MS);
        return c;
    }

    /**
     * PINGs until the answer is BUSY: a PING that overtook the script's command is answered
     * PONG, one sent while the script runs waits until it is past the threshold.
     */
    private static String untilBusy(RespClient b) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MS);
        while (System.nanoTime() - deadline < 0) {
            String reply = text(b.call("PING"));
            if (!reply.equals("PONG")) return reply;
            try {
                Thread.sleep(5); // the script's command is not sent yet (Jedis's thread) or not read yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        throw new AssertionError("the script never made the server busy");
    }

    private static String text(RespClient.Reply r) {
        return String.valueOf(r.value());
    }
}
