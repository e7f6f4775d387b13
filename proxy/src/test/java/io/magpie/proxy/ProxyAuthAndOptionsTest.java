package io.magpie.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.magpie.commands.placement.Distribution;
import io.magpie.commands.placement.HashFunction;
import io.magpie.protocol.RespClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

/** requirepass and HELLO at the proxy, a password towards the backends, modula and ring, PROXY RELOAD. */
class ProxyAuthAndOptionsTest {
    private static String s(RespClient.Reply r) {
        return String.valueOf(r.value());
    }

    @Test
    void requirepassIsAskedByTheProxyAndTheBackendPasswordByTheBackends() throws Exception {
        try (RedisNodes nodes = new RedisNodes(2, "--requirepass", "backend-secret")) {
            ProxyServer proxy = Proxies.start("--servers", nodes.serverList(), "--requirepass", "front-secret",
                    "--backend-password", "backend-secret");
            try (RespClient c = new RespClient(proxy.port())) {
                assertThat(s(c.call("GET", "k"))).isEqualTo("(error) NOAUTH Authentication required.");
                assertThat(s(c.call("AUTH", "wrong"))).isEqualTo("(error) WRONGPASS invalid username-password pair or user is disabled.");
                assertThat(s(c.call("AUTH", "front-secret"))).isEqualTo("OK");
                assertThat(s(c.call("SET", "k", "v"))).isEqualTo("OK");
                assertThat(s(c.call("GET", "k"))).isEqualTo("v");
            } finally {
                proxy.close();
            }
            ProxyServer noBackendPassword = Proxies.start("--servers", nodes.serverList());
            try (RespClient c = new RespClient(noBackendPassword.port())) {
                assertThat(s(c.call("GET", "k"))).startsWith("(error) NOAUTH");
            } finally {
                noBackendPassword.close();
            }
        }
    }

    @Test
    void helloSwitchesToResp3AndAuthenticatesInOneGo() throws Exception {
        try (RedisNodes nodes = new RedisNodes(2)) {
            ProxyServer proxy = Proxies.start("--servers", nodes.serverList(), "--requirepass", "pw");
            try (RespClient c = new RespClient(proxy.port())) {
                assertThat(s(c.call("HELLO", "3"))).startsWith("(error) NOAUTH HELLO must be called");
                assertThat(s(c.call("HELLO", "4"))).isEqualTo("(error) NOPROTO unsupported protocol version");
                RespClient.Reply hello = c.call("HELLO", "3", "AUTH", "default", "pw", "SETNAME", "me");
                assertThat(new String(hello.raw(), StandardCharsets.US_ASCII)).startsWith("%7\r\n").contains("proto\r\n:3\r\n");
                c.call("HSET", "h", "f", "1");
                // RESP3 from the backend, passed through: HGETALL is a map.
                assertThat(new String(c.call("HGETALL", "h").raw(), StandardCharsets.US_ASCII)).isEqualTo("%1\r\n$1\r\nf\r\n$1\r\n1\r\n");
                assertThat(s(c.call("CLIENT", "GETNAME"))).isEqualTo("me");
            } finally {
                proxy.close();
            }
        }
    }

    @Test
    void aClusterProxyWhoseSeedsAreDownAnswersErrorsAndKeepsItsClients() throws Exception {
        ProxyServer proxy = Proxies.start("--backend", "cluster", "--seeds", "127.0.0.1:" + RedisNodes.freePort());
        try (RespClient c = new RespClient(proxy.port())) {
            assertThat(s(c.call("DBSIZE"))).isEqualTo("(error) ERR magpie-proxy: no live backend server");
            assertThat(s(c.call("SCAN", "0"))).isEqualTo("(error) ERR magpie-proxy: no live backend server");
            assertThat(s(c.call("GET", "k"))).isEqualTo("(error) CLUSTERDOWN Hash slot not served");
            assertThat(s(c.call("PING"))).isEqualTo("PONG");
        } finally {
            proxy.close();
        }
    }

    @Test
    void modulaAndRingPlaceKeysAsThePlacementCodeSays() throws Exception {
        try (RedisNodes nodes = new RedisNodes(3)) {
            List<Distribution.Node> list = new ArrayList<>();
            for (int p : nodes.ports) list.add(new Distribution.Node("127.0.0.1:" + p, 1));
            for (Distribution.Kind kind : List.of(Distribution.Kind.MODULA, Distribution.Kind.RING)) {
                ProxyServer proxy = Proxies.start("--servers", nodes.serverList(), "--distribution", kind.configName(), "--hash", "murmur");
                Distribution d = Distribution.build(kind, list, null);
                try (Jedis c = new Jedis("127.0.0.1", proxy.port(), 10_000)) {
                    c.flushAll();
                    for (int i = 0; i < 300; i++) c.set("key" + i, "v");
                    for (int i = 0; i < 300; i++) {
                        int owner = d.node(HashFunction.MURMUR.hash(("key" + i).getBytes(StandardCharsets.UTF_8)));
                        try (Jedis j = nodes.jedis(owner)) {
                            assertThat(j.get("key" + i)).as(kind + " key" + i).isEqualTo("v");
                        }
                    }
                } finally {
                    proxy.close();
                }
            }
        }
    }

    @Test
    void proxyReloadReadsTheNewServerListFromTheConfigFile(@TempDir Path dir) throws Exception {
        try (RedisNodes nodes = new RedisNodes(2)) {
            Path conf = dir.resolve("proxy.conf");
            Files.writeString(conf, "port 0\nio-threads 1\nservers 127.0.0.1:" + nodes.ports.get(0) + ":1\n");
            ProxyServer proxy = new ProxyServer(ProxyConfig.parse(new String[] {conf.toString()})).start();
            try (RespClient c = new RespClient(proxy.port())) {
                assertThat(s(c.call("PROXY", "MAP"))).contains("127.0.0.1:" + nodes.ports.get(0)).doesNotContain("127.0.0.1:" + nodes.ports.get(1));
                Files.writeString(conf, "port 0\nservers 127.0.0.1:" + nodes.ports.get(1) + ":1\n");
                assertThat(s(c.call("PROXY", "RELOAD"))).isEqualTo("OK");
                assertThat(s(c.call("PROXY", "MAP"))).contains("127.0.0.1:" + nodes.ports.get(1)).doesNotContain("127.0.0.1:" + nodes.ports.get(0));
                c.call("SET", "after-reload", "1");
                try (Jedis j = nodes.jedis(1)) {
                    assertThat(j.get("after-reload")).isEqualTo("1");
                }
            } finally {
                proxy.close();
            }
        }
    }
}
