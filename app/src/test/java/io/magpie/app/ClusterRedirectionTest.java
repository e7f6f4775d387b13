package io.magpie.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.magpie.cluster.node.ClusterModule;
import io.magpie.cluster.node.ClusterParams;
import io.magpie.engine.config.Config;
import io.magpie.protocol.RespClient;
import io.magpie.server.ConfigLoader;
import io.magpie.server.MagpieServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The topology guard against redis-server's: the same two-node cluster is built of Magpie
 * nodes and of redis-server 7.0 nodes, the same commands go to both, and every reply must
 * be the same once each side's port is written as a name: MOVED, ASK, TRYAGAIN, CROSSSLOT,
 * the three CLUSTERDOWN texts, READONLY-less replicas, ASKING, MULTI/EXEC and scripts held to
 * one slot, SELECT and the CLUSTER commands' errors.
 */
class ClusterRedirectionTest {
    /** A cluster-enabled Magpie server in this JVM, configured like the command line. */
    static final class Node implements AutoCloseable {
        final MagpieServer server;
        final int port;

        /** extra: more command-line options, after (and so over) the defaults. */
        Node(Path dir, String... extra) throws Exception {
            port = RealRedis.freePort();
            Config registry = new Config();
            server = new MagpieServer(registry);
            ClusterParams params = ClusterParams.register(registry);
            List<String> args = new ArrayList<>(List.of("--port", String.valueOf(port), "--bind", "127.0.0.1",
                "--save", "", "--dir", dir.toString(), "--cluster-enabled", "yes", "--cluster-port",
                String.valueOf(RealRedis.freePort()), "--cluster-node-timeout", "3000"));
            args.addAll(List.of(extra));
            ConfigLoader.load(registry, ConfigLoader.configText(args.toArray(new String[0])));
            server.modules().add(new ClusterModule(server, params));
            server.start();
        }

        RespClient client() {
            return new RespClient(port);
        }

        @Override
        public void close() throws Exception {
            server.shutdown();
            server.awaitTermination();
        }
    }

    /** Builds the two-node cluster on a and b (a: slots 0-8191, b: 8192-16383), runs the script on a and b. */
    private static List<String> run(int a, int b) {
        List<String> out = new ArrayList<>();
        try (RespClient ca = new RespClient(a); RespClient cb = new RespClient(b)) {
            ca.call("CLUSTER", "ADDSLOTSRANGE", "0", "8191");
            cb.call("CLUSTER", "ADDSLOTSRANGE", "8192", "16383");
            String bId = cb.value("CLUSTER", "MYID").toString();
            String aId = ca.value("CLUSTER", "MYID").toString();
            ca.call("CLUSTER", "MEET", "127.0.0.1", String.valueOf(b), busPortOf(cb));
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() ->
                    ca.value("CLUSTER", "INFO").toString().contains("cluster_state:ok")
                    && cb.value("CLUSTER", "INFO").toString().contains("cluster_state:ok")
                    && cb.value("CLUSTER", "NODES").toString().contains(aId)
                    && ca.value("CLUSTER", "NODES").toString().contains(bId));
            String[][] script = {
                {"a", "GET", "foo"},
                {"a", "SET", "bar", "1"},
                {"a", "MSET", "bar", "1", "foo", "2"},
                {"a", "MSET", "{bar}1", "1", "{bar}2", "2"},
                {"a", "SELECT", "1"},
                {"a", "SELECT", "0"},
                {"a", "SELECT", "x"},
                {"a", "MOVE", "bar", "1"},
                {"a", "SWAPDB", "0", "1"},
                {"a", "REPLICAOF", "127.0.0.1", "1"},
                // MULTI: each command is checked as it is queued, the whole queue at EXEC.
                {"a", "MULTI"}, {"a", "SET", "bar", "2"}, {"a", "GET", "foo"}, {"a", "EXEC"},
                {"a", "MULTI"}, {"a", "SET", "bar", "3"}, {"a", "SET", "baz", "3"}, {"a", "EXEC"},
                {"a", "MULTI"}, {"a", "SET", "bar", "4"}, {"a", "GET", "{bar}x"}, {"a", "EXEC"},
                // Scripts: declared keys by the guard; undeclared ones must be local and in one slot.
                {"a", "EVAL", "return redis.call('get', KEYS[1])", "1", "foo"},
                {"a", "EVAL", "return redis.call('get', 'foo')", "0"},
                {"a", "EVAL", "return redis.call('get', 'bar')", "0"},
                {"a", "EVAL", "redis.call('get', 'bar'); return redis.call('get', 'baz')", "0"},
                {"a", "EVAL", "return redis.call('get', 'baz')", "1", "bar"},
                {"a", "EVAL", "#!lua flags=allow-cross-slot-keys\nredis.call('get', 'bar'); return redis.call('get', 'baz')", "0"},
                {"a", "EVAL", "#!lua\nredis.call('get', 'bar'); return redis.call('get', 'baz')", "0"},
                {"a", "EVAL", "#!lua\nreturn redis.call('get', 'baz')", "1", "bar"},
                {"a", "EVAL", "#!lua\nreturn redis.call('get', '{bar}1')", "1", "bar"},
                // Slot 5061 (bar) moves from a to b: a sends the keys it lacks to b (ASK), b
                // serves them to a client that said ASKING, TRYAGAIN when only some are there.
                {"a", "CLUSTER", "SETSLOT", "5061", "MIGRATING", bId},
                {"b", "CLUSTER", "SETSLOT", "5061", "IMPORTING", aId},
                {"a", "GET", "bar"},
                {"a", "GET", "{bar}nokey"},
                {"a", "MGET", "bar", "{bar}nokey"},
                {"a", "MGET", "{bar}nokey", "{bar}nokey2"},
                {"b", "GET", "bar"},
                {"b", "ASKING"}, {"b", "GET", "bar"},
                {"b", "GET", "bar"},
                {"b", "ASKING"}, {"b", "SET", "{bar}new", "1"},
                {"b", "ASKING"}, {"b", "MGET", "{bar}new", "{bar}none"},
                {"b", "ASKING"}, {"b", "MGET", "{bar}new", "{bar}new"},
                {"b", "RESTORE-ASKING", "{bar}r", "0", "bad"},
                {"a", "CLUSTER", "SETSLOT", "5061", "STABLE"},
                {"b", "CLUSTER", "SETSLOT", "5061", "STABLE"},
                {"b", "DEL", "{bar}new"},
                // A replica-less read: READONLY only helps on a replica.
                {"a", "READONLY"}, {"a", "GET", "foo"}, {"a", "READWRITE"},
                // CLUSTER's own errors.
                {"a", "CLUSTER", "ADDSLOTS", "100"},
                {"a", "CLUSTER", "ADDSLOTS", "99999"},
                {"a", "CLUSTER", "DELSLOTS", "9000"},
                {"a", "CLUSTER", "ADDSLOTSRANGE", "5", "1"},
                {"a", "CLUSTER", "SETSLOT", "9000", "MIGRATING", bId},
                {"a", "CLUSTER", "SETSLOT", "100", "NODE", "nosuchnode"},
                {"a", "CLUSTER", "SETSLOT", "100", "BOGUS"},
                {"a", "CLUSTER", "REPLICATE", aId},
                {"a", "CLUSTER", "REPLICATE", bId},
                {"a", "CLUSTER", "FORGET", aId},
                {"a", "CLUSTER", "FAILOVER"},
                {"a", "CLUSTER", "FAILOVER", "bogus"},
                {"a", "CLUSTER", "RESET", "bogus"},
                {"a", "CLUSTER", "RESET"},
                {"a", "CLUSTER", "FLUSHSLOTS"},
                {"a", "CLUSTER", "SET-CONFIG-EPOCH", "5"},
                {"a", "CLUSTER", "COUNTKEYSINSLOT", "5061"},
                {"a", "CLUSTER", "COUNTKEYSINSLOT", "16384"},
                {"a", "CLUSTER", "GETKEYSINSLOT", "5061", "10"},
                {"a", "CLUSTER", "GETKEYSINSLOT", "5061", "-1"},
                {"a", "CLUSTER", "KEYSLOT", "{bar}zzz"},
                {"a", "CLUSTER", "MEET", "127.0.0.1", "x"},
                {"a", "CLUSTER", "MEET", "1.2.3", "4"},
                {"a", "CLUSTER", "MEET", "a", "b", "c", "d"},
                {"a", "CLUSTER", "COUNT-FAILURE-REPORTS", bId},
                {"a", "CLUSTER", "SLAVES", bId},
                {"a", "CLUSTER", "SLAVES", "nosuch"},
                // The cluster goes down when a slot has no owner (cluster-require-full-coverage).
                {"b", "CLUSTER", "DELSLOTS", "16000"},
                {"b", "GET", "x"},
                {"b", "GET", "foo"},
                {"b", "GET", "k13474"},
                {"b", "CONFIG", "SET", "cluster-allow-reads-when-down", "yes"},
                {"b", "GET", "foo"},
                {"b", "SET", "foo", "1"},
                {"b", "EVAL", "return redis.call('set', KEYS[1], 1)", "1", "{foo}"},
                {"b", "EVAL", "return redis.call('set', 'foo', 1)", "0"},
            };
            for (String[] step : script) {
                RespClient c = step[0].equals("a") ? ca : cb;
                if (step[1].equals("GET") && step[0].equals("b") && step.length == 3 && step[2].equals("x")) {
                    // wait for b to notice it is down (its state is updated in its cron)
                    await().atMost(Duration.ofSeconds(30)).until(() -> cb.value("CLUSTER", "INFO").toString().contains("cluster_state:fail"));
                }
                String[] args = java.util.Arrays.copyOfRange(step, 1, step.length);
                Object value = c.value(args);
                if (step.length > 2 && step[2].equals("GETKEYSINSLOT") && value instanceof List<?> keys) {
                    // Redis lists a slot's keys newest first; Magpie's slot index has its own order.
                    List<String> sorted = new ArrayList<>();
                    for (Object k : keys) sorted.add(String.valueOf(k));
                    java.util.Collections.sort(sorted);
                    value = sorted;
                }
                String line = String.join(" ", step) + " -> " + value;
                out.add(line.replace(aId, "<A>").replace(bId, "<B>").replace(":" + a, ":<a>").replace(":" + b, ":<b>"));
            }
        }
        return out;
    }

    static String busPortOf(RespClient c) {
        for (String line : c.value("CONFIG", "GET", "cluster-port").toString().split(", ")) {
            String v = line.replace("[", "").replace("]", "").trim();
            if (v.matches("[0-9]+")) return v;
        }
        throw new AssertionError("no cluster-port");
    }

    @Test
    void everyRedirectionAndClusterErrorIsTheOneRedisServerGives() throws Exception {
        Path dir = Files.createTempDirectory("cluster-redirection");
        List<String> expected;
        try (RealRedis a = redisNode(); RealRedis b = redisNode()) {
            expected = run(a.port(), b.port());
        }
        List<String> actual;
        try (Node a = new Node(Files.createDirectories(dir.resolve("a"))); Node b = new Node(Files.createDirectories(dir.resolve("b")))) {
            actual = run(a.port, b.port);
        }
        assertThat(String.join("\n", actual)).isEqualTo(String.join("\n", expected));
    }

    private static RealRedis redisNode() throws Exception {
        return new RealRedis("--cluster-enabled", "yes", "--cluster-port", String.valueOf(RealRedis.freePort()),
                "--cluster-node-timeout", "3000");
    }
}
