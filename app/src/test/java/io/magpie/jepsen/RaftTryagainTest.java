package io.magpie.jepsen;

import static org.assertj.core.api.Assertions.assertThat;

import io.magpie.jepsen.NetProxy.Direction;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * TRYAGAIN means, in Redis Cluster, that the command did not run and may be sent again (client
 * libraries do), so a write answered TRYAGAIN must not have applied. Here the leader's
 * followers get its INCR but their acknowledgements cannot reach it: it steps down with the
 * entry in the followers' logs, answers TRYAGAIN, and the next leader commits the entry. A
 * client that retries as told counts twice.
 *
 * <p>Disabled: it fails on the raft group as it is (the write path answers "TRYAGAIN Raft
 * leader changed, the write may or may not have applied"); enable it with the fix.
 */
@Tag("soak")
@Disabled("raft write path answers TRYAGAIN for a write that may still commit; enable with the fix")
class RaftTryagainTest {
    @TempDir Path dir;

    @Test
    void aWriteAnsweredTryagainWasNotApplied() throws Exception {
        try (RaftCluster c = new RaftCluster(dir, 3)) {
            String leader = c.awaitLeader(60_000);
            List<String> followers = new ArrayList<>(c.ids());
            followers.remove(leader);
            String reply;
            try (Jedis j = new Jedis("127.0.0.1", c.node(leader).port(), 60_000)) {
                j.ping();
                for (String f : followers) c.network().link(leader, f).block(Direction.BACKWARD);
                try {
                    reply = String.valueOf(j.incr("k"));
                } catch (JedisDataException e) {
                    reply = e.getMessage();
                }
            }
            c.network().heal();
            String now = c.awaitLeader(60_000);
            String value;
            try (Jedis j = new Jedis("127.0.0.1", c.node(now).port(), 60_000)) {
                value = j.get("k");
            }
            System.out.println("INCR answered " + reply + "; the key is now " + value);
            if (reply.startsWith("TRYAGAIN")) assertThat(value).as("INCR answered " + reply).isNull();
            else assertThat(value).isEqualTo("1");
        }
    }
}
