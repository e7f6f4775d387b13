package io.magpie.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Transaction;
import redis.clients.jedis.exceptions.JedisDataException;

/** MULTI/EXEC/WATCH through Jedis, as applications use them. */
class TransactionsTest {
    private static TestServer magpie;

    @BeforeAll
    static void start() {
        magpie = new TestServer();
    }

    @AfterAll
    static void stop() {
        if (magpie != null) magpie.close();
    }

    private static Jedis jedis() {
        return new Jedis("127.0.0.1", magpie.port());
    }

    @Test
    void execReturnsEveryQueuedReplyInOrder() {
        try (Jedis j = jedis()) {
            Transaction t = j.multi();
            t.set("tx:a", "1");
            t.incr("tx:a");
            t.get("tx:a");
            assertThat(t.exec()).containsExactly("OK", 2L, "2");
        }
    }

    @Test
    void watchedKeyChangedByAnotherClientAbortsExec() {
        try (Jedis j = jedis(); Jedis other = jedis()) {
            j.set("tx:w", "1");
            j.watch("tx:w");
            other.set("tx:w", "changed");
            Transaction t = j.multi();
            t.set("tx:w", "mine");
            assertThat(t.exec()).isNull();
            assertThat(j.get("tx:w")).isEqualTo("changed");
        }
    }

    @Test
    void watchedKeyUntouchedLetsExecRun() {
        try (Jedis j = jedis()) {
            j.set("tx:u", "1");
            j.watch("tx:u");
            Transaction t = j.multi();
            t.set("tx:u", "2");
            assertThat(t.exec()).containsExactly("OK");
            assertThat(j.get("tx:u")).isEqualTo("2");
        }
    }

    @Test
    void queueTimeErrorMakesExecFailWithExecAbort() {
        try (Jedis j = jedis()) {
            Transaction t = j.multi();
            t.set("tx:e", "1");
            // Jedis has no typed call with the wrong arity: send one raw
            t.sendCommand(redis.clients.jedis.Protocol.Command.SET, "only-key");
            assertThatThrownBy(t::exec).isInstanceOf(JedisDataException.class).hasMessageStartingWith("EXECABORT");
            assertThat(j.get("tx:e")).isNull();
        }
    }

    @Test
    void optimisticIncrementsFromSeveralClientsLoseNoUpdate() throws Exception {
        int clients = 4, perClient = 50;
        try (Jedis j = jedis()) {
            j.set("tx:counter", "0");
        }
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            List<Future<Integer>> retries = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                retries.add(pool.submit(() -> {
                    int aborted = 0;
                    try (Jedis j = jedis()) {
                        for (int n = 0; n < perClient; n++) {
                            for (int attempt = 0; attempt < 1000; attempt++) {
                                j.watch("tx:counter");
                                long v = Long.parseLong(j.get("tx:counter"));
                                Transaction t = j.multi();
                                t.set("tx:counter", Long.toString(v + 1));
                                if (t.exec() != null) break;
                                aborted++;
                            }
                        }
                    }
                    return aborted;
                }));
            }
            for (Future<Integer> f : retries) f.get(60, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
        try (Jedis j = jedis()) {
            assertThat(j.get("tx:counter")).isEqualTo(Integer.toString(clients * perClient));
        }
    }

    @Test
    void discardDropsTheQueueAndTheWatch() {
        try (Jedis j = jedis(); Jedis other = jedis()) {
            j.watch("tx:d");
            Transaction t = j.multi();
            t.set("tx:d", "queued");
            t.discard();
            other.set("tx:d", "other");
            Transaction t2 = j.multi();
            t2.get("tx:d");
            assertThat(t2.exec()).containsExactly("other");
        }
    }
}
