package io.magpie.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.magpie.commands.placement.Distribution;
import io.magpie.commands.placement.HashFunction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.Transaction;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

/** magpie-proxy over three real redis-servers, placed by ketama with fnv1a_64 and the "{}" hash tag. */
class ServersBackendTest {
    static RedisNodes nodes;
    static ProxyServer proxy;

    @BeforeAll
    static void start() throws Exception {
        nodes = new RedisNodes(3);
        proxy = Proxies.start("--servers", nodes.serverList(), "--distribution", "ketama", "--hash", "fnv1a_64", "--hash_tag", "{}");
    }

    @AfterAll
    static void stop() {
        if (proxy != null) proxy.close();
        if (nodes != null) nodes.close();
    }

    @BeforeEach
    void flush() {
        for (int i = 0; i < 3; i++) try (Jedis j = nodes.jedis(i)) {
            j.flushAll();
        }
    }

    static Jedis client() {
        return new Jedis("127.0.0.1", proxy.port(), 10_000);
    }

    /** The server ketama places a key on, computed apart from the proxy. */
    static int owner(String key) {
        List<Distribution.Node> list = new ArrayList<>();
        for (int p : nodes.ports) list.add(new Distribution.Node("127.0.0.1:" + p, 1));
        String hashed = key.contains("{") && key.indexOf('}') > key.indexOf('{') + 1 ? key.substring(key.indexOf('{') + 1, key.indexOf('}')) : key;
        return Distribution.build(Distribution.Kind.KETAMA, list, null).node(HashFunction.FNV1A_64.hash(hashed.getBytes(StandardCharsets.UTF_8)));
    }

    /** Keys of the form prefix:i that land on distinct servers, one per server. */
    static String[] onePerServer(String prefix) {
        String[] keys = new String[3];
        for (int i = 0; keys[0] == null || keys[1] == null || keys[2] == null; i++) {
            String k = prefix + ":" + i;
            if (keys[owner(k)] == null) keys[owner(k)] = k;
        }
        return keys;
    }

    @Test
    void eachKeyIsWrittenToTheServerKetamaPlacesItOn() {
        try (Jedis c = client()) {
            for (int i = 0; i < 200; i++) c.set("k" + i, "v" + i);
        }
        for (int s = 0; s < 3; s++) try (Jedis j = nodes.jedis(s)) {
            for (int i = 0; i < 200; i++) {
                String k = "k" + i;
                assertThat(j.get(k)).as(k + " on server " + s).isEqualTo(owner(k) == s ? "v" + i : null);
            }
        }
    }

    @Test
    void aPipelineOfThousandsGetsItsRepliesInRequestOrder() {
        try (Jedis c = client()) {
            Pipeline p = c.pipelined();
            List<Response<?>> rs = new ArrayList<>();
            for (int i = 0; i < 3000; i++) {
                rs.add(p.set("p" + i, String.valueOf(i)));
                rs.add(p.incr("n" + (i % 7)));
                rs.add(p.get("p" + i));
                if (i % 100 == 0) rs.add(p.mget("p" + i, "p" + (i / 2), "missing"));
            }
            p.sync();
            int at = 0;
            long[] counters = new long[7];
            for (int i = 0; i < 3000; i++) {
                assertThat(rs.get(at++).get()).isEqualTo("OK");
                assertThat(rs.get(at++).get()).isEqualTo(++counters[i % 7]);
                assertThat(rs.get(at++).get()).isEqualTo(String.valueOf(i));
                if (i % 100 == 0) assertThat(rs.get(at++).get()).isEqualTo(java.util.Arrays.asList(String.valueOf(i), String.valueOf(i / 2), null));
            }
        }
    }

    @Test
    void aClientThatPipelinesFarMoreThanItReadsIsPausedNotDroppedAndGetsEveryReply() throws Exception {
        // 20,000 INCRs written before reading a byte: the proxy stops reading the client while
        // too many replies wait, then resumes; every reply arrives, in order.
        try (io.magpie.protocol.RespClient c = new io.magpie.protocol.RespClient(proxy.port())) {
            java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
            byte[] one = io.magpie.protocol.RespClient.encode(io.magpie.protocol.RespClient.args("INCR", "flood"));
            for (int i = 0; i < 20_000; i++) all.writeBytes(one);
            Thread writer = new Thread(() -> c.sendRaw(all.toByteArray()));
            writer.start();
            for (long i = 1; i <= 20_000; i++) assertThat(c.read().value()).isEqualTo(i);
            writer.join(30_000);
        }
    }

    @Test
    void multiKeyCommandsFanOutAndMerge() {
        String[] k = onePerServer("fan");
        try (Jedis c = client()) {
            assertThat(c.mset(k[0], "a", k[1], "b", k[2], "c")).isEqualTo("OK");
            for (int s = 0; s < 3; s++) try (Jedis j = nodes.jedis(s)) {
                assertThat(j.dbSize()).isEqualTo(1);
            }
            assertThat(c.mget(k[2], "nope", k[0], k[1])).containsExactly("c", null, "a", "b");
            assertThat(c.exists(k[0], k[1], k[2], k[0], "nope")).isEqualTo(4);
            assertThat(c.touch(k[0], k[1])).isEqualTo(2);
            assertThat(c.dbSize()).isEqualTo(3);
            assertThat(new HashSet<>(c.keys("fan:*"))).containsExactlyInAnyOrder(k);
            assertThat(c.del(k[0], k[1], "nope")).isEqualTo(2);
            assertThat(c.unlink(k[2])).isEqualTo(1);
            assertThat(c.dbSize()).isZero();
        }
    }

    @Test
    void scanWalksEveryServerWithACursorThatNamesTheServer() {
        Set<String> written = new HashSet<>();
        try (Jedis c = client()) {
            for (int i = 0; i < 500; i++) {
                c.set("s" + i, "x");
                written.add("s" + i);
            }
            Set<String> seen = new HashSet<>();
            String cursor = ScanParams.SCAN_POINTER_START;
            int rounds = 0;
            do {
                ScanResult<String> r = c.scan(cursor, new ScanParams().count(50));
                seen.addAll(r.getResult());
                cursor = r.getCursor();
                assertThat(++rounds).isLessThan(1000);
            } while (!cursor.equals("0"));
            assertThat(seen).isEqualTo(written);
            assertThatThrownBy(() -> c.scan("x")).hasMessageContaining("invalid cursor");
        }
    }

    @Test
    void flushallEmptiesEveryServer() {
        try (Jedis c = client()) {
            for (String k : onePerServer("f")) c.set(k, "1");
            assertThat(c.flushAll()).isEqualTo("OK");
            assertThat(c.dbSize()).isZero();
        }
    }

    @Test
    void otherMultiKeyCommandsAcrossServersAreRefusedWithCrossslotAndHashTagsKeepThemTogether() {
        String[] k = onePerServer("x");
        try (Jedis c = client()) {
            c.set(k[0], "1");
            assertThatThrownBy(() -> c.rename(k[0], k[1])).hasMessage("CROSSSLOT Keys in request don't hash to the same slot");
            assertThatThrownBy(() -> c.msetnx(k[0], "1", k[1], "2")).hasMessageStartingWith("CROSSSLOT");
            assertThatThrownBy(() -> c.sinterstore(k[2], k[0], k[1])).hasMessageStartingWith("CROSSSLOT");
            assertThatThrownBy(() -> c.eval("return 1", 2, k[0], k[1])).hasMessageStartingWith("CROSSSLOT");
            c.set("{user1}.a", "1");
            assertThat(c.rename("{user1}.a", "{user1}.b")).isEqualTo("OK");
            assertThat(c.get("{user1}.b")).isEqualTo("1");
            assertThat(c.eval("return redis.call('get', KEYS[1])", 1, "{user1}.b")).isEqualTo("1");
            assertThatThrownBy(() -> c.select(1)).hasMessage("ERR SELECT is not allowed in cluster mode");
            assertThat(c.select(0)).isEqualTo("OK");
            assertThat(c.ping()).isEqualTo("PONG");
        }
    }

    @Test
    void multiExecRunsOnTheFirstKeysServerAndALaterKeyElsewhereAbortsIt() {
        String[] k = onePerServer("t");
        try (Jedis c = client()) {
            Transaction t = c.multi();
            t.set("{acct}.a", "10");
            t.incrBy("{acct}.a", 5);
            t.get("{acct}.a");
            assertThat(t.exec()).containsExactly("OK", 15L, "15");

            c.set(k[0], "1");
            Transaction bad = c.multi();
            bad.set(k[0], "2");
            Response<String> refused = bad.set(k[1], "3");
            assertThatThrownBy(bad::exec).hasMessageContaining("EXECABORT");
            assertThat(c.get(k[0])).isEqualTo("1");
            assertThat(c.get(k[1])).isNull();
        }
    }

    @Test
    void watchOnAKeyChangedByAnotherClientFailsTheTransaction() {
        try (Jedis c = client(); Jedis other = client()) {
            c.set("w", "1");
            c.watch("w");
            other.set("w", "2");
            Transaction t = c.multi();
            t.set("w", "3");
            assertThat(t.exec()).isNull();
            assertThat(c.get("w")).isEqualTo("2");
            c.watch("w");
            Transaction ok = c.multi();
            ok.set("w", "4");
            assertThat(ok.exec()).containsExactly("OK");
            assertThat(other.get("w")).isEqualTo("4");
        }
    }

    @Test
    void aBlockedClientHoldsOnlyItsOwnConnection() throws Exception {
        try (Jedis blocked = client(); Jedis other = client()) {
            var f = java.util.concurrent.CompletableFuture.supplyAsync(() -> blocked.blpop(20, "queue"));
            // The other client's commands, on the same backend, are not stuck behind the BLPOP.
            for (int i = 0; i < 20; i++) assertThat(other.incr("queue-neighbour")).isEqualTo(i + 1);
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> {
                try (Jedis j = nodes.jedis(owner("queue"))) {
                    return j.clientList().contains("cmd=blpop");
                }
            });
            other.rpush("queue", "job");
            assertThat(f.get(20, java.util.concurrent.TimeUnit.SECONDS)).containsExactly("queue", "job");
        }
    }

    @Test
    void subscribersGetWhatIsPublishedThroughTheProxy() throws Exception {
        List<String> got = java.util.Collections.synchronizedList(new ArrayList<>());
        try (Jedis sub = client(); Jedis pub = client()) {
            var listener = new redis.clients.jedis.JedisPubSub() {
                @Override
                public void onMessage(String channel, String message) {
                    got.add(channel + "=" + message);
                    if (got.size() == 2) unsubscribe();
                }
            };
            Thread t = new Thread(() -> sub.subscribe(listener, "news", "sports"));
            t.start();
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> listener.getSubscribedChannels() == 2);
            pub.publish("news", "hello");
            pub.publish("sports", "goal");
            t.join(20_000);
            assertThat(got).containsExactly("news=hello", "sports=goal");
            // Unsubscribed, the same connection routes by key again.
            assertThat(sub.set("after", "1")).isEqualTo("OK");
            assertThat(sub.get("after")).isEqualTo("1");
        }
    }

    @Test
    void infoHasTheProxysSectionsAndProxyMapListsTheServers() {
        try (Jedis c = client()) {
            c.set("i", "1");
            String info = c.info();
            assertThat(info).contains("# Clients", "connected_clients:", "# Backends", "127.0.0.1:" + nodes.ports.get(0), "avg_latency_usec=");
            String map = new String((byte[]) c.sendCommand(() -> "PROXY".getBytes(StandardCharsets.US_ASCII), "MAP"), StandardCharsets.UTF_8);
            assertThat(map).contains("distribution ketama hash fnv1a_64 hash_tag {}");
            for (int p : nodes.ports) assertThat(map).contains("127.0.0.1:" + p + " weight 1 in");
        }
    }

    @Test
    void unknownCommandsAndBadArityAreAnsweredAsRedisDoes() {
        try (Jedis c = client()) {
            assertThatThrownBy(() -> c.sendCommand(() -> "NOSUCH".getBytes(StandardCharsets.US_ASCII), "a"))
                    .hasMessage("ERR unknown command 'NOSUCH', with args beginning with: 'a' ");
            assertThatThrownBy(() -> c.sendCommand(redis.clients.jedis.Protocol.Command.GET))
                    .hasMessage("ERR wrong number of arguments for 'get' command");
            assertThat(c.ping()).isEqualTo("PONG");
        }
    }

    @Test
    void aDownServerFailsOnlyItsKeysAndTheClientStaysConnected() throws Exception {
        String[] k = onePerServer("d");
        ProxyServer p2 = Proxies.start("--servers", nodes.serverList(), "--hash_tag", "{}");
        try (Jedis c = new Jedis("127.0.0.1", p2.port(), 10_000)) {
            for (String key : k) c.set(key, "v");
            nodes.kill(1);
            JedisDataException e = org.junit.jupiter.api.Assertions.assertThrows(JedisDataException.class, () -> c.get(k[1]));
            assertThat(e.getMessage()).contains("127.0.0.1:" + nodes.ports.get(1));
            assertThat(c.get(k[0])).isEqualTo("v");
            assertThat(c.get(k[2])).isEqualTo("v");
            List<Object> merged = (List<Object>) c.sendCommand(redis.clients.jedis.Protocol.Command.MGET, k[0], k[1], k[2]);
            assertThat(new String((byte[]) merged.get(0))).isEqualTo("v");
            assertThat(merged.get(1)).isInstanceOf(JedisDataException.class);
            assertThat(new String((byte[]) merged.get(2))).isEqualTo("v");
            assertThatThrownBy(() -> c.mset(k[0], "1", k[1], "2", k[2], "3")).hasMessageContaining("partial failure: MSET failed on 1 of 3 backends");
            nodes.restart(1);
            Awaitility.await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> c.set(k[1], "back").equals("OK"));
            assertThat(c.get(k[1])).isEqualTo("back");
        } finally {
            p2.close();
        }
    }

    @Test
    void aServerThatStopsAnsweringTimesOutItsRequestsOnlyWithTimeoutSet() throws Exception {
        String[] k = onePerServer("slow");
        ProxyServer p2 = Proxies.start("--servers", nodes.serverList(), "--timeout", "300");
        try (Jedis c = new Jedis("127.0.0.1", p2.port(), 20_000)) {
            for (String key : k) c.set(key, "v");
            nodes.signal(0, "STOP");
            try {
                assertThatThrownBy(() -> c.get(k[0])).hasMessageContaining("timed out after 300 ms");
                assertThat(c.get(k[1])).isEqualTo("v");
            } finally {
                nodes.signal(0, "CONT");
            }
            Awaitility.await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> "v".equals(c.get(k[0])));
        } finally {
            p2.close();
        }
    }

    @Test
    void aServerThatKeepsFailingIsEjectedAndItsKeysGoElsewhereUntilTheRetryTimeout() throws Exception {
        String[] k = onePerServer("e");
        try (RedisNodes own = new RedisNodes(0)) {
            ProxyServer p2 = Proxies.start("--servers", nodes.serverList(), "--auto_eject_hosts", "yes",
                    "--server_failure_limit", "2", "--server_retry_timeout", "600000");
            try (Jedis c = new Jedis("127.0.0.1", p2.port(), 10_000)) {
                nodes.kill(2);
                // Two failures eject it; then its keys are served by the others.
                Awaitility.await().atMost(Duration.ofSeconds(20)).ignoreExceptions().until(() -> "OK".equals(c.set(k[2], "moved")));
                assertThat(c.get(k[2])).isEqualTo("moved");
                String map = new String((byte[]) c.sendCommand(() -> "PROXY".getBytes(StandardCharsets.US_ASCII), "MAP"), StandardCharsets.UTF_8);
                assertThat(map).contains("127.0.0.1:" + nodes.ports.get(2) + " weight 1 ejected");
                // Keys of the live servers did not move.
                c.set(k[0], "stay");
                try (Jedis j = nodes.jedis(0)) {
                    assertThat(j.get(k[0])).isEqualTo("stay");
                }
            } finally {
                p2.close();
                nodes.restart(2);
            }
        }
    }
}
