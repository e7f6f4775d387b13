package io.magpie.app.sentinel;

import static org.assertj.core.api.Assertions.assertThat;

import io.magpie.app.RealRedis;
import io.magpie.app.sentinel.SentinelHarness.SentinelNode;
import io.magpie.protocol.RespClient;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A Magpie Sentinel and a real redis-sentinel with the same configuration (one master, not
 * reachable, so their state stays put) answer the same commands: replies are compared byte
 * for byte, and so are the event messages on their pub/sub and the config files they rewrite.
 */
class SentinelDifferentialTest {
    private static final String MYID = "0123456789abcdef0123456789abcdef01234567";
    private static SentinelHarness h;
    private static SentinelNode magpie, redis;
    private static int deadPort;

    @BeforeAll
    static void start() throws Exception {
        h = new SentinelHarness();
        deadPort = RealRedis.freePort();
        String body = "sentinel monitor mymaster 127.0.0.1 " + deadPort + " 2\n"
                + "sentinel myid " + MYID + "\n";
        redis = h.sentinelWithConfig(false, body);
        magpie = h.sentinelWithConfig(true, body);
    }

    @AfterAll
    static void stop() {
        h.close();
    }

    private static List<String> both(String... cmd) {
        List<String> out = new ArrayList<>();
        for (SentinelNode s : List.of(redis, magpie)) {
            try (RespClient c = new RespClient(s.port)) {
                c.setTimeout(2000);
                out.add(new String(c.call(cmd).raw(), StandardCharsets.ISO_8859_1));
            }
        }
        return out;
    }

    private static void same(String... cmd) {
        List<String> r = both(cmd);
        assertThat(r.get(1)).as(String.join(" ", cmd)).isEqualTo(r.get(0));
    }

    @Test
    void connectionAndIntrospectionCommandsReplyAsRedisSentinel() {
        same("PING");
        same("PING", "hello");
        same("PING", "a", "b");
        same("ROLE");
        same("SENTINEL", "MONITOR", "extra", "127.0.0.1", "1", "1");
        // Several masters come out in Redis's dict order, which changes from process to process.
        List<String> roles = both("ROLE");
        assertThat(sortedLines(roles.get(1))).isEqualTo(sortedLines(roles.get(0)));
        same("SENTINEL", "REMOVE", "extra");
        same("ROLE", "x");
        same("AUTH", "secret");
        same("HELLO", "4");
        same("HELLO", "abc");
        same("COMMAND", "COUNT");
        same("CLIENT", "FOO");
        same("CLIENT", "SETNAME", "a b");
        same("CLIENT", "SETNAME", "conn1");
        same("ACL", "WHOAMI");
        same("INFO", "nosuchsection");
        same("SHUTDOWN", "bogus");
    }

    @Test
    void commandsASentinelDoesNotServeAreRefusedAsRedisSentinelRefusesThem() {
        same("GET", "foo");
        same("SET", "a", "b");
        same("CONFIG", "GET", "port");
        same("FLUSHALL");
        same("KEYS", "*");
        same("MULTI");
        same("QUIT");
        same("PUBLISH", "chan", "msg");
        same("PUBLISH", "__sentinel__:hello", "not,a,hello");
        same("PUBLISH", "x");
    }

    @Test
    void sentinelSubcommandsReplyAsRedisSentinel() {
        same("SENTINEL");
        same("SENTINEL", "FOO");
        same("SENTINEL", "HELP");
        same("SENTINEL", "MASTERS", "x");
        same("SENTINEL", "MASTER", "nope");
        same("SENTINEL", "MASTER");
        same("SENTINEL", "REPLICAS", "mymaster");
        same("SENTINEL", "SLAVES", "nope");
        same("SENTINEL", "SENTINELS", "mymaster");
        same("SENTINEL", "MYID");
        same("SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster");
        same("SENTINEL", "GET-MASTER-ADDR-BY-NAME", "nope");
        same("SENTINEL", "CKQUORUM", "mymaster");
        same("SENTINEL", "CKQUORUM", "nope");
        same("SENTINEL", "IS-MASTER-DOWN-BY-ADDR", "127.0.0.1", String.valueOf(deadPort), "0", "*");
        same("SENTINEL", "IS-MASTER-DOWN-BY-ADDR", "127.0.0.1", "abc", "0", "*");
        same("SENTINEL", "IS-MASTER-DOWN-BY-ADDR", "127.0.0.1", "1", "x", "*");
        same("SENTINEL", "IS-MASTER-DOWN-BY-ADDR", "10.0.0.1", "1", "0", "*");
        same("SENTINEL", "FAILOVER", "mymaster");
        same("SENTINEL", "FAILOVER", "nope");
        same("SENTINEL", "SIMULATE-FAILURE", "bogus");
        same("SENTINEL", "SIMULATE-FAILURE", "HELP");
        same("SENTINEL", "PENDING-SCRIPTS");
        same("SENTINEL", "INFO-CACHE", "nope");
        same("SENTINEL", "CONFIG");
        same("SENTINEL", "CONFIG", "FOO", "x");
        same("SENTINEL", "CONFIG", "GET", "*");
        same("SENTINEL", "CONFIG", "GET", "announce-*");
        same("SENTINEL", "CONFIG", "SET", "announce-port", "abc");
        same("SENTINEL", "CONFIG", "SET", "resolve-hostnames", "maybe");
        same("SENTINEL", "CONFIG", "SET", "nope", "1");
        same("SENTINEL", "SET", "nope", "quorum", "1");
        same("SENTINEL", "SET", "mymaster");
        same("SENTINEL", "SET", "mymaster", "foo", "bar");
        same("SENTINEL", "SET", "mymaster", "quorum", "0");
        same("SENTINEL", "SET", "mymaster", "down-after-milliseconds", "abc");
        same("SENTINEL", "SET", "mymaster", "notification-script", "/bin/true");
        same("SENTINEL", "MONITOR", "x", "127.0.0.1", "1", "abc");
        same("SENTINEL", "MONITOR", "x", "127.0.0.1", "abc", "1");
        same("SENTINEL", "MONITOR", "x", "127.0.0.1", "1", "0");
        same("SENTINEL", "MONITOR", "x", "not-an-ip", "1", "1");
        same("SENTINEL", "MONITOR", "mymaster", "127.0.0.1", "1", "1");
        same("SENTINEL", "REMOVE", "nope");
        same("SENTINEL", "RESET", "nomatch*");
        same("SENTINEL", "DEBUG", "nope", "1");
        same("SENTINEL", "DEBUG", "info-period", "0");
        same("SENTINEL", "DEBUG");
    }

    @Test
    void masterStateFieldsAreTheOnesRedisSentinelReports() {
        List<String> keys = new ArrayList<>();
        for (SentinelNode s : List.of(redis, magpie)) {
            @SuppressWarnings("unchecked")
            List<Object> fields = (List<Object>) s.call("SENTINEL", "MASTER", "mymaster");
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < fields.size(); i += 2) {
                String k = String.valueOf(fields.get(i));
                sb.append(k);
                // Times differ from run to run; identities, flags and settings do not.
                if (!k.startsWith("last-") && !k.endsWith("-time") && !k.equals("info-refresh") && !k.equals("link-pending-commands")) {
                    sb.append('=').append(fields.get(i + 1));
                }
                sb.append(' ');
            }
            keys.add(sb.toString());
        }
        assertThat(keys.get(1)).isEqualTo(keys.get(0));
    }

    @Test
    void infoHasRedisSentinelsSectionsAndFieldsInTheSameOrder() {
        List<String> shapes = new ArrayList<>();
        for (SentinelNode s : List.of(redis, magpie)) {
            StringBuilder sb = new StringBuilder();
            for (String line : String.valueOf(s.call("INFO")).split("\r\n")) {
                int colon = line.indexOf(':');
                sb.append(colon < 0 ? line : line.substring(0, colon)).append('\n');
            }
            shapes.add(sb.toString());
        }
        // A Sentinel's INFO is the server's: Magpie's own fields (magpie_version...) may sit among
        // Redis's, as in a data node's INFO; Redis's must all be there, in Redis's order.
        List<String> theirs = List.of(shapes.get(0).split("\n"));
        List<String> ours = new ArrayList<>(List.of(shapes.get(1).split("\n")));
        ours.retainAll(theirs);
        assertThat(ours).containsExactlyElementsOf(theirs);
        same("INFO", "sentinel");
    }

    @Test
    void aSentinelFrozenLongerThanTheTiltTriggerEntersAndLeavesTiltModeAsRedisSentinelDoes() throws Exception {
        same("SENTINEL", "DEBUG", "tilt-period", "1500");
        for (SentinelNode s : List.of(redis, magpie)) signal(s, "STOP");
        Thread.sleep(2500);
        for (SentinelNode s : List.of(redis, magpie)) signal(s, "CONT");
        for (SentinelNode s : List.of(redis, magpie)) {
            SentinelHarness.await(s + " to enter and leave TILT", 20_000,
                    () -> s.log().contains("# +tilt #tilt mode entered") && s.log().contains("# -tilt #tilt mode exited"));
            assertThat(String.valueOf(s.call("INFO", "sentinel"))).contains("sentinel_tilt:0");
        }
        same("SENTINEL", "DEBUG", "tilt-period", "30000");
    }

    private static void signal(SentinelNode n, String sig) throws Exception {
        new ProcessBuilder("kill", "-" + sig, String.valueOf(n.process.pid())).start().waitFor();
    }

    @Test
    void subscribedClientsGetTheSameRepliesAndEventMessages() {
        List<String> out = new ArrayList<>();
        for (SentinelNode s : List.of(redis, magpie)) {
            try (RespClient sub = new RespClient(s.port); RespClient c = new RespClient(s.port)) {
                sub.setTimeout(3000);
                StringBuilder sb = new StringBuilder();
                sb.append(new String(sub.call("PSUBSCRIBE", "+set*").raw(), StandardCharsets.ISO_8859_1));
                sb.append(new String(sub.call("SUBSCRIBE", "+reset-master").raw(), StandardCharsets.ISO_8859_1));
                sb.append(new String(sub.call("PING").raw(), StandardCharsets.ISO_8859_1));
                sb.append(new String(sub.call("INFO").raw(), StandardCharsets.ISO_8859_1));
                c.call("SENTINEL", "SET", "mymaster", "quorum", "3", "parallel-syncs", "2");
                sb.append(new String(sub.read().raw(), StandardCharsets.ISO_8859_1));
                sb.append(new String(sub.read().raw(), StandardCharsets.ISO_8859_1));
                c.call("SENTINEL", "RESET", "mym*");
                sb.append(new String(sub.read().raw(), StandardCharsets.ISO_8859_1));
                sb.append(new String(sub.call("UNSUBSCRIBE").raw(), StandardCharsets.ISO_8859_1));
                sb.append(new String(sub.call("PUNSUBSCRIBE").raw(), StandardCharsets.ISO_8859_1));
                sb.append(new String(sub.call("PUNSUBSCRIBE").raw(), StandardCharsets.ISO_8859_1));
                sb.append(new String(sub.call("SENTINEL", "MYID").raw(), StandardCharsets.ISO_8859_1));
                out.add(sb.toString());
            }
        }
        assertThat(out.get(1)).isEqualTo(out.get(0));
    }

    @Test
    void configRewriteWritesTheSameFileAsRedisSentinel() {
        for (String[] cmd : new String[][] {
            {"SENTINEL", "SET", "mymaster", "failover-timeout", "12345", "auth-pass", "pw"},
            {"SENTINEL", "SET", "mymaster", "down-after-milliseconds", "30000", "rename-command", "CONFIG", "MYCONFIG"},
            {"SENTINEL", "CONFIG", "SET", "announce-ip", "10.0.0.9"},
            {"SENTINEL", "FLUSHCONFIG"}}) {
            same(cmd);
        }
        String mine = normalized(magpie.config().replace(String.valueOf(magpie.port), "PORT").replace("magpie-sentinel-", "X-"));
        String theirs = normalized(redis.config().replace(String.valueOf(redis.port), "PORT").replace("redis-sentinel-", "X-"));
        assertThat(mine).isEqualTo(theirs);
    }

    /**
     * Redis appends the server options it rewrites in its config dict's order, which changes
     * from process to process: that block (after the signature, before the sentinel lines) is
     * compared sorted.
     */
    private static String normalized(String conf) {
        List<String> lines = new ArrayList<>(List.of(conf.split("\n", -1)));
        int from = lines.indexOf("# Generated by CONFIG REWRITE") + 1;
        if (from == 0) return conf;
        int to = from;
        while (to < lines.size() && !lines.get(to).startsWith("sentinel ")) to++;
        java.util.Collections.sort(lines.subList(from, to));
        return String.join("\n", lines);
    }

    private static List<String> sortedLines(String s) {
        List<String> l = new ArrayList<>(List.of(s.split("\r\n")));
        java.util.Collections.sort(l);
        return l;
    }
}
