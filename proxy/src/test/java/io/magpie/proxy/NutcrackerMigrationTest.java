package io.magpie.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

/**
 * Moving from twemproxy: 10,000 keys written through Debian's nutcracker (twemproxy 0.5) with
 * ketama are all found through magpie-proxy given the same server list, and magpie-proxy
 * places every one of them on the server nutcracker put it on.
 */
class NutcrackerMigrationTest {
    private static final int KEYS = 10_000;

    static String nutcracker() {
        for (String dir : (System.getenv("PATH") + ":/usr/sbin:/usr/local/sbin").split(":")) {
            File f = new File(dir, "nutcracker");
            if (f.canExecute()) return f.getPath();
        }
        throw new AssertionError("nutcracker is not installed: this test needs Debian's nutcracker package (apt-get install nutcracker; .ci/run installs it)");
    }

    private static void awaitNutcracker(int port, Process p, redis.clients.jedis.JedisClientConfig config) throws Exception {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (true) {
            try (Jedis j = new Jedis(new redis.clients.jedis.HostAndPort("127.0.0.1", port), config)) {
                j.ping();
                return;
            } catch (Exception e) {
                if (!p.isAlive()) throw new IllegalStateException("nutcracker exited: " + p.exitValue());
                if (System.nanoTime() > deadline) throw new IllegalStateException("nutcracker did not start", e);
                Thread.sleep(50);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"fnv1a_64", "md5", "murmur"})
    void keysWrittenThroughNutcrackerWithKetamaAreFoundThroughMagpieProxyOnTheSameServers(String hash) throws Exception {
        String binary = nutcracker();
        try (RedisNodes nodes = new RedisNodes(3)) {
            int nutPort = RedisNodes.freePort();
            Path conf = nodes.dir.resolve("nutcracker.yml");
            StringBuilder yml = new StringBuilder("alpha:\n  listen: 127.0.0.1:" + nutPort + "\n  hash: " + hash
                    + "\n  distribution: ketama\n  redis: true\n  servers:\n");
            // Uneven weights: the point count per server must round as twemproxy rounds it.
            int[] weights = {1, 2, 3};
            for (int i = 0; i < 3; i++) yml.append("   - 127.0.0.1:").append(nodes.ports.get(i)).append(':').append(weights[i]).append('\n');
            Files.writeString(conf, yml.toString());
            // Its stats listener on a free port too (22222 by default, maybe taken).
            Process nut = new ProcessBuilder(binary, "-c", conf.toString(), "-o", nodes.dir.resolve("nutcracker.log").toString(),
                    "-a", "127.0.0.1", "-s", String.valueOf(RedisNodes.freePort()))
                    .redirectErrorStream(true).redirectOutput(nodes.dir.resolve("nutcracker.out").toFile()).start();
            ProxyServer proxy = null;
            try {
                // nutcracker closes a connection that sends a command it lacks, such as the
                // CLIENT SETINFO that Jedis sends on connect by default.
                var plain = redis.clients.jedis.DefaultJedisClientConfig.builder().timeoutMillis(10_000)
                        .clientSetInfoConfig(redis.clients.jedis.ClientSetInfoConfig.DISABLED).build();
                awaitNutcracker(nutPort, nut, plain);
                try (Jedis n = new Jedis(new redis.clients.jedis.HostAndPort("127.0.0.1", nutPort), plain)) {
                    Pipeline p = n.pipelined();
                    for (int i = 0; i < KEYS; i++) p.set("user:" + i + ":" + hash, "v" + i);
                    p.sync();
                }
                // Where nutcracker put each key, read off the servers themselves.
                Map<String, Integer> placed = new HashMap<>();
                for (int s = 0; s < 3; s++) try (Jedis j = nodes.jedis(s)) {
                    String cursor = "0";
                    do {
                        ScanResult<String> r = j.scan(cursor, new ScanParams().count(1000));
                        for (String k : r.getResult()) placed.put(k, s);
                        cursor = r.getCursor();
                    } while (!cursor.equals("0"));
                }
                assertThat(placed).hasSize(KEYS);

                String servers = "127.0.0.1:" + nodes.ports.get(0) + ":1,127.0.0.1:" + nodes.ports.get(1) + ":2,127.0.0.1:" + nodes.ports.get(2) + ":3";
                proxy = Proxies.start("--servers", servers, "--distribution", "ketama", "--hash", hash);
                int misplaced = 0;
                for (Map.Entry<String, Integer> e : placed.entrySet()) {
                    if (proxy.router.shard(e.getKey().getBytes(StandardCharsets.UTF_8)) != e.getValue()) misplaced++;
                }
                assertThat(misplaced).as("keys magpie-proxy places on another server than nutcracker did").isZero();
                try (Jedis c = new Jedis("127.0.0.1", proxy.port(), 10_000)) {
                    Pipeline p = c.pipelined();
                    List<Response<String>> got = new ArrayList<>();
                    for (int i = 0; i < KEYS; i++) got.add(p.get("user:" + i + ":" + hash));
                    p.sync();
                    for (int i = 0; i < KEYS; i++) assertThat(got.get(i).get()).as("user:" + i).isEqualTo("v" + i);
                }
            } finally {
                if (proxy != null) proxy.close();
                nut.destroyForcibly();
                nut.waitFor();
            }
        }
    }
}
