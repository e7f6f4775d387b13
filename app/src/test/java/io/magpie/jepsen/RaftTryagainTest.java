package io.magpie.jepsen;

import static org.assertj.core.api.Assertions.assertThat;

import io.magpie.jepsen.NetProxy.Direction;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * TRYAGAIN means, in Redis Cluster, that the command did not run and may be sent again (client
 * libraries do), so a write answered TRYAGAIN must not have applied. Here the leader's
 * followers get its INCR but their acknowledgements cannot reach it: it steps down with the
 * entry in the followers' logs, answers TRYAGAIN, and the next leader commits the entry. A
 * client that retries as told would count twice. So the old leader keeps its client waiting
 * until the log decides: the INCR's own reply when the entry applies, TRYAGAIN only once an
 * entry of a later term applied without it, and an "outcome unknown" error (open-ended, like a
 * timeout) if it never learns. The partition heals while the client waits.
 */
class RaftTryagainTest {
    @TempDir Path dir;

    @Test
    void aWriteAnsweredTryagainWasNotApplied() throws Exception {
        try (RaftCluster c = new RaftCluster(dir, 3)) {
            String leader = c.awaitLeader(60_000);
            List<String> followers = new ArrayList<>(c.ids());
            followers.remove(leader);
            String reply;
            try (Jedis j = new Jedis("127.0.0.1", c.node(leader).port(), 90_000)) {
                j.ping();
                for (String f : followers) c.network().link(leader, f).block(Direction.BACKWARD);
                // Heal from another thread while the INCR waits for its fate.
                Thread healer = new Thread(() -> {
                    try {
                        Thread.sleep(5_000);
                    } catch (InterruptedException e) {
                        return;
                    }
                    c.network().heal();
                });
                healer.start();
                try {
                    reply = String.valueOf(j.incr("k"));
                } catch (JedisDataException e) {
                    reply = e.getMessage();
                }
                healer.join();
            }
            String now = c.awaitLeader(60_000);
            String value;
            try (Jedis j = new Jedis("127.0.0.1", c.node(now).port(), 60_000)) {
                value = j.get("k");
            }
            System.out.println("INCR answered " + reply + "; the key is now " + value);
            if (reply.startsWith("TRYAGAIN")) assertThat(value).as("INCR answered " + reply).isNull();
            else if (!reply.startsWith("ERR Raft write outcome unknown")) assertThat(value).as("INCR answered " + reply).isEqualTo("1");
            assertThat(reply).as("a reply that is a verdict, not a timeout").doesNotContain("may or may not");
        }
    }
}
