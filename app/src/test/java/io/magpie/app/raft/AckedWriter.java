package io.magpie.app.raft;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import redis.clients.jedis.Jedis;

/**
 * A client that keeps writing distinct keys (SET prefix:i i) to whichever member leads, and
 * remembers which writes were acknowledged (+OK). A write that failed or timed out is not
 * counted: it may or may not have applied, which is allowed. Every acknowledged one must stay.
 */
final class AckedWriter implements AutoCloseable {
    final Map<String, String> acked = new ConcurrentHashMap<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicLong attempts = new AtomicLong();
    private final Thread thread;

    AckedWriter(RaftGroup group, String prefix) {
        thread = new Thread(() -> {
            Jedis j = null;
            long i = 0;
            while (running.get()) {
                try {
                    if (j == null) j = group.awaitLeader(Duration.ofSeconds(2)).jedis(); // short: close() must not wait on it
                    String key = prefix + ":" + i, value = String.valueOf(i);
                    i++;
                    attempts.incrementAndGet();
                    if ("OK".equals(j.set(key, value))) acked.put(key, value);
                } catch (RuntimeException e) {
                    if (j != null) j.close();
                    j = null;
                    RaftGroup.sleep(50);
                }
            }
            if (j != null) j.close();
        }, "acked-writer-" + prefix);
        thread.setDaemon(true);
        thread.start();
    }

    int ackedCount() {
        return acked.size();
    }

    @Override
    public void close() throws InterruptedException {
        running.set(false);
        thread.join(120_000);
    }
}
