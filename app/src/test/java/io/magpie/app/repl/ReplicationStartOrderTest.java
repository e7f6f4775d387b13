package io.magpie.app.repl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.magpie.app.RealRedis;
import io.magpie.app.TestServer;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/**
 * The server starts replication (the config file's replicaof, the RDB's replication id) in a
 * task on the keyspace thread once it listens; Netty may read a client's REPLICAOF before that
 * task runs. CI caught it: a Magpie replica told REPLICAOF right after start opened a second
 * link to its master, applied the stream twice and reported twice the master's offset.
 */
class ReplicationStartOrderTest {
    @Test
    void aReplicaofReadBeforeTheStartupTaskKeepsItsOneLinkToTheMaster() throws Exception {
        // A redis-server master: it keeps both links of one replica (a Magpie master drops the older).
        try (RealRedis m = new RealRedis(); TestServer r = new TestServer();
             Jedis mj = new Jedis("127.0.0.1", m.port()); Jedis rj = new Jedis("127.0.0.1", r.port())) {
            rj.replicaof("127.0.0.1", m.port());
            // The startup task, run after the REPLICAOF, as when Netty read the command first.
            r.server().onMainThread(() -> {
                r.server().replication().start();
                return null;
            });
            await().atMost(Duration.ofSeconds(30)).until(() -> rj.info("replication").contains("master_link_status:up"));
            for (int i = 0; i < 100; i++) mj.incr("n");
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(offset(rj)).isEqualTo(offset(mj)));
            assertThat(rj.get("n")).isEqualTo("100");
            assertThat(field(mj.info("replication"), "connected_slaves")).isEqualTo("1");
        }
    }

    private static long offset(Jedis j) {
        return Long.parseLong(field(j.info("replication"), "master_repl_offset"));
    }

    private static String field(String info, String name) {
        for (String line : info.split("\r\n")) if (line.startsWith(name + ":")) return line.substring(name.length() + 1);
        throw new AssertionError(name + " not in " + info);
    }
}
