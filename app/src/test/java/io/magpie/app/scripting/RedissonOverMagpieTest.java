package io.magpie.app.scripting;

import static org.assertj.core.api.Assertions.assertThat;

import io.magpie.app.TestServer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.redisson.Redisson;
import org.redisson.api.RLock;
import org.redisson.api.RMap;
import org.redisson.api.RRateLimiter;
import org.redisson.api.RStream;
import org.redisson.api.StreamMessageId;
import org.redisson.api.stream.StreamAddArgs;
import org.redisson.api.stream.StreamCreateGroupArgs;
import org.redisson.api.stream.StreamReadGroupArgs;
import org.redisson.api.RateIntervalUnit;
import org.redisson.api.RateType;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;
import org.redisson.config.Config;

/**
 * Redisson, whose locks, maps and rate limiter are Lua scripts (EVAL/EVALSHA with
 * struct.pack, pcall, redis.call on hashes and pub/sub), and whose RStream is the stream
 * commands with consumer groups, works over Magpie.
 */
class RedissonOverMagpieTest {
    private static TestServer server;
    private static RedissonClient redisson;

    @BeforeAll
    static void start() {
        server = new TestServer();
        Config config = new Config();
        config.useSingleServer().setAddress("redis://127.0.0.1:" + server.port()).setConnectionMinimumIdleSize(2)
                .setConnectionPoolSize(4).setSubscriptionConnectionMinimumIdleSize(1).setSubscriptionConnectionPoolSize(2)
                .setTimeout(10_000);
        redisson = Redisson.create(config);
    }

    @AfterAll
    static void stop() {
        if (redisson != null) redisson.shutdown();
        if (server != null) server.close();
    }

    @Test
    void rlockIsExclusiveReentrantAndReleasedByUnlock() throws Exception {
        RLock lock = redisson.getLock("lock:orders");
        assertThat(lock.tryLock(5, 30, TimeUnit.SECONDS)).isTrue();
        assertThat(lock.tryLock(5, 30, TimeUnit.SECONDS)).as("reentrant").isTrue();
        assertThat(lock.getHoldCount()).isEqualTo(2);
        ExecutorService other = Executors.newSingleThreadExecutor();
        try {
            // Another thread may not take it while held.
            assertThat(other.submit(() -> lock.tryLock(0, 30, TimeUnit.SECONDS)).get(20, TimeUnit.SECONDS)).isFalse();
            lock.unlock();
            lock.unlock();
            assertThat(lock.isLocked()).isFalse();
            assertThat(other.submit(() -> {
                boolean got = lock.tryLock(0, 30, TimeUnit.SECONDS);
                if (got) lock.unlock();
                return got;
            }).get(20, TimeUnit.SECONDS)).isTrue();
        } finally {
            other.shutdownNow();
        }
    }

    @Test
    void rlockSerializesConcurrentIncrements() throws Exception {
        RLock lock = redisson.getLock("lock:counter");
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger maxInside = new AtomicInteger();
        int threads = 4, rounds = 25;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch done = new CountDownLatch(threads);
        int[] counter = {0};
        try {
            for (int t = 0; t < threads; t++) {
                pool.submit(() -> {
                    try {
                        for (int i = 0; i < rounds; i++) {
                            // A waiter is woken by the unlock message on the lock's channel.
                            if (!lock.tryLock(60, 30, TimeUnit.SECONDS)) throw new IllegalStateException("lock timeout");
                            try {
                                maxInside.accumulateAndGet(inside.incrementAndGet(), Math::max);
                                counter[0]++;
                                inside.decrementAndGet();
                            } finally {
                                lock.unlock();
                            }
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    } finally {
                        done.countDown();
                    }
                });
            }
            assertThat(done.await(120, TimeUnit.SECONDS)).isTrue();
        } finally {
            pool.shutdownNow();
        }
        assertThat(maxInside.get()).isEqualTo(1);
        assertThat(counter[0]).isEqualTo(threads * rounds);
    }

    @Test
    void rmapPutIfAbsentReplaceAndFastRemoveRunAsScripts() {
        RMap<String, String> map = redisson.getMap("map:users", StringCodec.INSTANCE);
        assertThat(map.put("alice", "1")).isNull();
        assertThat(map.put("alice", "2")).isEqualTo("1");
        assertThat(map.putIfAbsent("alice", "3")).isEqualTo("2");
        assertThat(map.putIfAbsent("bob", "4")).isNull();
        assertThat(map.replace("bob", "5")).isEqualTo("4");
        assertThat(map.replace("bob", "5", "6")).isTrue();
        assertThat(map.fastPutIfAbsent("count", "10")).isTrue();
        assertThat(map.fastPutIfAbsent("count", "11")).isFalse();
        assertThat(map.fastRemove("alice", "nobody")).isEqualTo(1);
        assertThat(map.readAllMap()).containsEntry("bob", "6").containsEntry("count", "10").doesNotContainKey("alice");
        assertThat(map.remove("bob", "6")).isTrue();
        assertThat(map.size()).isEqualTo(1);
    }

    @Test
    void rrateLimiterGrantsOnlyTheRatePerInterval() {
        RRateLimiter limiter = redisson.getRateLimiter("limiter:api");
        assertThat(limiter.trySetRate(RateType.OVERALL, 5, 1, RateIntervalUnit.HOURS)).isTrue();
        int granted = 0;
        for (int i = 0; i < 8; i++) if (limiter.tryAcquire()) granted++;
        assertThat(granted).isEqualTo(5);
        assertThat(limiter.availablePermits()).isZero();
        assertThat(limiter.tryAcquire()).isFalse();
        CompletableFuture<Boolean> more = limiter.tryAcquireAsync(1).toCompletableFuture();
        assertThat(more.join()).isFalse();
    }

    @Test
    void rstreamConsumerGroupDeliversAcknowledgesAndHandsOverPendingEntries() {
        RStream<String, String> stream = redisson.getStream("stream:orders", StringCodec.INSTANCE);
        stream.createGroup(StreamCreateGroupArgs.name("workers").makeStream());
        StreamMessageId first = stream.add(StreamAddArgs.entry("order", "1"));
        StreamMessageId second = stream.add(StreamAddArgs.entry("order", "2"));
        assertThat(stream.size()).isEqualTo(2);

        var delivered = stream.readGroup("workers", "alice", StreamReadGroupArgs.neverDelivered().count(10));
        assertThat(delivered.keySet()).containsExactly(first, second);
        assertThat(delivered.get(first)).containsEntry("order", "1");
        assertThat(stream.getPendingInfo("workers").getTotal()).isEqualTo(2);

        assertThat(stream.ack("workers", first)).isEqualTo(1);
        // alice is gone: bob claims what she left pending.
        var claimed = stream.claim("workers", "bob", 0, TimeUnit.MILLISECONDS, second);
        assertThat(claimed.keySet()).containsExactly(second);
        assertThat(stream.listPending("workers", StreamMessageId.MIN, StreamMessageId.MAX, 10))
                .singleElement().satisfies(p -> assertThat(p.getConsumerName()).isEqualTo("bob"));
        assertThat(stream.ack("workers", second)).isEqualTo(1);
        assertThat(stream.getPendingInfo("workers").getTotal()).isZero();
        assertThat(stream.readGroup("workers", "bob", StreamReadGroupArgs.neverDelivered())).isEmpty();
    }
}
