package io.magpie.app.scripting;

import static org.assertj.core.api.Assertions.assertThat;

import io.magpie.app.TestServer;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.params.SetParams;

/**
 * The Redlock pattern with Jedis over three independent Magpie nodes: acquire with
 * SET NX PX on a majority, release only one's own lock with the canonical compare-and-delete
 * script (EVALSHA after SCRIPT LOAD, EVAL as fallback), extend with a compare-and-pexpire.
 */
class RedlockScriptTest {
    static final String RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";
    static final String EXTEND = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end";

    /** A Redlock client over n nodes. */
    static final class Redlock {
        final List<Jedis> nodes;
        final String releaseSha;

        Redlock(List<Jedis> nodes) {
            this.nodes = nodes;
            String sha = null;
            for (Jedis j : nodes) sha = j.scriptLoad(RELEASE);
            this.releaseSha = sha;
        }

        boolean lock(String resource, String token, long ttlMs) {
            int acquired = 0;
            for (Jedis j : nodes) {
                if ("OK".equals(j.set(resource, token, SetParams.setParams().nx().px(ttlMs)))) acquired++;
            }
            if (acquired >= nodes.size() / 2 + 1) return true;
            unlock(resource, token);
            return false;
        }

        int unlock(String resource, String token) {
            int released = 0;
            for (Jedis j : nodes) released += ((Long) j.evalsha(releaseSha, List.of(resource), List.of(token))).intValue();
            return released;
        }

        int extend(String resource, String token, long ttlMs) {
            int n = 0;
            for (Jedis j : nodes) n += ((Long) j.eval(EXTEND, List.of(resource), List.of(token, Long.toString(ttlMs)))).intValue();
            return n;
        }
    }

    @Test
    void lockIsExclusiveAndOnlyTheOwnerReleasesIt() {
        List<TestServer> servers = new ArrayList<>();
        List<Jedis> clients = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                TestServer s = new TestServer();
                servers.add(s);
                clients.add(new Jedis("127.0.0.1", s.port()));
            }
            Redlock redlock = new Redlock(clients);
            String alice = UUID.randomUUID().toString(), bob = UUID.randomUUID().toString();
            assertThat(redlock.lock("res", alice, 60_000)).isTrue();
            assertThat(redlock.lock("res", bob, 60_000)).isFalse();
            // Bob's release script deletes nothing: the value is Alice's token.
            assertThat(redlock.unlock("res", bob)).isZero();
            assertThat(clients.get(0).get("res")).isEqualTo(alice);
            assertThat(redlock.extend("res", alice, 120_000)).isEqualTo(3);
            assertThat(clients.get(1).pttl("res")).isGreaterThan(60_000);
            assertThat(redlock.unlock("res", alice)).isEqualTo(3);
            assertThat(redlock.lock("res", bob, 60_000)).isTrue();

            // A minority held by someone else still lets a majority win; the loser cleans up its part.
            clients.get(0).del("res2");
            clients.get(0).set("res2", "stranger");
            assertThat(redlock.lock("res2", alice, 60_000)).isTrue();
            assertThat(clients.get(0).get("res2")).isEqualTo("stranger");
            clients.get(1).set("res3", "stranger");
            clients.get(2).set("res3", "stranger");
            assertThat(redlock.lock("res3", alice, 60_000)).isFalse();
            assertThat(clients.get(0).exists("res3")).as("released after failing the majority").isFalse();
        } finally {
            clients.forEach(Jedis::close);
            servers.forEach(TestServer::close);
        }
    }
}
