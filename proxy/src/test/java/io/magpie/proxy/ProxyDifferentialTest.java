package io.magpie.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every command the proxy serves gives, byte for byte, the reply a single redis-server holding
 * the same data gives, in RESP2 and RESP3 ({@link ProxyDifferential}): through three plain
 * servers (ketama) and through a three-master redis-server cluster.
 */
class ProxyDifferentialTest {
    static RedisNodes single;
    static RedisNodes three;
    static RedisCluster cluster;
    static ProxyServer overServers;
    static ProxyServer overCluster;

    @BeforeAll
    static void start() throws Exception {
        single = new RedisNodes(1);
        three = new RedisNodes(3);
        cluster = RedisCluster.shared();
        overServers = Proxies.start("--servers", three.serverList(), "--hash_tag", "{}");
        overCluster = Proxies.start("--backend", "cluster", "--seeds", cluster.seeds());
    }

    @AfterAll
    static void stop() {
        for (AutoCloseable c : new AutoCloseable[] {overServers, overCluster, single, three}) {
            try {
                if (c != null) c.close();
            } catch (Exception ignored) {
                // best effort
            }
        }
    }

    @Test
    void throughThreeServersEveryReplyIsRedisOwnInResp2() {
        compare(overServers.port(), 2);
    }

    @Test
    void throughThreeServersEveryReplyIsRedisOwnInResp3() {
        compare(overServers.port(), 3);
    }

    @Test
    void throughARedisClusterEveryReplyIsRedisOwnInResp2() {
        compare(overCluster.port(), 2);
    }

    @Test
    void throughARedisClusterEveryReplyIsRedisOwnInResp3() {
        compare(overCluster.port(), 3);
    }

    private static void compare(int proxyPort, int resp) {
        assertThat(ProxyDifferential.mismatches(single.ports.get(0), proxyPort, resp)).as("RESP" + resp + " replies that differ").isEmpty();
    }
}
