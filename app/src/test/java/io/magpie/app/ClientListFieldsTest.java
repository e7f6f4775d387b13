package io.magpie.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.magpie.protocol.RespClient;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.awaitility.Awaitility;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * CLIENT LIST / CLIENT INFO memory fields as redis-server 7.0 prints them, compared where
 * Redis's own numbers do not depend on when its cron ran.
 */
class ClientListFieldsTest {
    private static Map<String, String> fields(String line) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String kv : line.trim().split(" ")) {
            int eq = kv.indexOf('=');
            m.put(kv.substring(0, eq), kv.substring(eq + 1));
        }
        return m;
    }

    private static Map<String, String> clientNamed(RespClient c, String name) {
        for (String line : c.value("CLIENT", "LIST").toString().split("\n")) {
            if (line.contains(" name=" + name + " ")) return fields(line);
        }
        throw new AssertionError("no client named " + name);
    }

    private static final String[] DETERMINISTIC = {"flags", "db", "sub", "psub", "ssub", "multi", "qbuf", "qbuf-free",
        "argv-mem", "multi-mem", "obl", "oll", "omem", "events", "cmd", "user", "redir", "resp"};

    private static Map<String, String> pick(Map<String, String> all, String... names) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String n : names) m.put(n, all.get(n));
        return m;
    }

    @Test
    void clientInfoOfTheCallerShowsItsQueryBufferAndArgumentsAsRedisDoes() {
        try (RealRedis redis = new RealRedis(); TestServer magpie = new TestServer();
             RespClient r = redis.client(); RespClient m = magpie.client()) {
            Map<String, String> expected = fields(r.value("CLIENT", "INFO").toString());
            Map<String, String> actual = fields(m.value("CLIENT", "INFO").toString());
            assertThat(actual.keySet()).containsExactlyElementsOf(expected.keySet());
            assertThat(pick(actual, DETERMINISTIC)).isEqualTo(pick(expected, DETERMINISTIC));
            assertThat(actual.get("qbuf")).isEqualTo("26");
            // tot-mem counts the reply buffer, whose size Redis's cron changes: the rest is fixed.
            assertThat(Long.parseLong(actual.get("tot-mem")) - Long.parseLong(actual.get("rbs")))
                    .isEqualTo(Long.parseLong(expected.get("tot-mem")) - Long.parseLong(expected.get("rbs")));
        }
    }

    @Test
    void aQueuedTransactionAndAnIdleClientsBuffersShowAsInRedis() {
        try (RealRedis redis = new RealRedis(); TestServer magpie = new TestServer()) {
            Map<String, Map<String, String>> seen = new LinkedHashMap<>();
            for (int port : new int[] {redis.port(), magpie.port()}) {
                try (RespClient idle = new RespClient(port); RespClient multi = new RespClient(port);
                     RespClient big = new RespClient(port); RespClient observer = new RespClient(port)) {
                    idle.call("CLIENT", "SETNAME", "idle");
                    multi.call("CLIENT", "SETNAME", "multi");
                    multi.call("MULTI");
                    multi.call("SET", "a", "b");
                    multi.call("SET", "key", "value");
                    big.call("CLIENT", "SETNAME", "big");
                    byte[] value = new byte[100_000];
                    Arrays.fill(value, (byte) 'x');
                    big.call("SET".getBytes(StandardCharsets.US_ASCII), "k".getBytes(StandardCharsets.US_ASCII), value);
                    Map<String, String> m = clientNamed(observer, "multi");
                    seen.put(port + " multi", pick(m, "multi", "qbuf", "multi-mem", "argv-mem", "flags"));
                    // A big argument leaves an empty query buffer of its size behind, which the cron trims.
                    seen.put(port + " big", pick(clientNamed(observer, "big"), "qbuf", "argv-mem"));
                    Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
                            .until(() -> clientNamed(observer, "big").get("qbuf-free").equals("0"));
                    // Idle more than two seconds: the query buffer loses its free space; the reply buffer shrinks to 1 KB.
                    Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                            .until(() -> Long.parseLong(clientNamed(observer, "idle").get("idle")) >= 3
                                    && clientNamed(observer, "idle").get("qbuf-free").equals("0"));
                    seen.put(port + " idle", pick(clientNamed(observer, "idle"), "qbuf", "qbuf-free", "rbs", "obl", "oll", "omem"));
                }
            }
            for (String what : new String[] {"multi", "big", "idle"}) {
                assertThat(seen.get(magpie.port() + " " + what)).as(what).isEqualTo(seen.get(redis.port() + " " + what));
            }
            assertThat(seen.get(magpie.port() + " multi").get("multi-mem")).isEqualTo("64"); // (3+1+1 + 3 pointers) + (3+3+5 + 3 pointers)
            assertThat(seen.get(magpie.port() + " idle").get("rbs")).isEqualTo("1024");
        }
    }

    /** Redis's "trim on SET with big value": the string does not keep the query buffer it was read into. */
    @Test
    void memoryUsageOfAStringSetAfterABiggerOneDoesNotCountTheQueryBuffer() {
        try (TestServer magpie = new TestServer(); RespClient c = magpie.client()) {
            byte[] big = new byte[100_000], smaller = new byte[33_000];
            Arrays.fill(big, (byte) 'a');
            Arrays.fill(smaller, (byte) 'a');
            c.call("SET".getBytes(StandardCharsets.US_ASCII), "key".getBytes(StandardCharsets.US_ASCII), big);
            c.call("SET".getBytes(StandardCharsets.US_ASCII), "key".getBytes(StandardCharsets.US_ASCII), smaller);
            assertThat((Long) c.value("MEMORY", "USAGE", "key")).isLessThan(42_000L);
        }
    }
}
