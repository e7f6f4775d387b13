package io.magpie.proxy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;

/**
 * Clients that SET unique keys (the value is the key) in pipelined batches until closed, and
 * record every write acknowledged with OK: the load of the tests that check no acknowledged
 * write is lost while the backends change under the proxy.
 */
final class AckedWriters implements AutoCloseable {
    final Map<String, String> acked = new ConcurrentHashMap<>();
    /** Error replies to single writes. */
    final AtomicInteger errorReplies = new AtomicInteger();
    /** Connections that failed (the client saw the proxy close or stop answering). */
    final AtomicInteger brokenConnections = new AtomicInteger();
    final AtomicReference<String> firstError = new AtomicReference<>();
    private final AtomicBoolean stop = new AtomicBoolean();
    private final List<Thread> threads = new ArrayList<>();

    AckedWriters(int clients, int batchSize, String prefix, Supplier<Jedis> connect) {
        for (int w = 0; w < clients; w++) {
            int id = w;
            Thread t = new Thread(() -> write(id, batchSize, prefix, connect), "acked-writer-" + w);
            t.start();
            threads.add(t);
        }
    }

    private void write(int id, int batchSize, String prefix, Supplier<Jedis> connect) {
        try (Jedis c = connect.get()) {
            for (int batch = 0; !stop.get() && batch < 1_000_000; batch++) {
                Pipeline p = c.pipelined();
                List<Response<String>> rs = new ArrayList<>();
                List<String> ks = new ArrayList<>();
                for (int i = 0; i < batchSize; i++) {
                    String k = prefix + ":" + id + ":" + batch + ":" + i;
                    ks.add(k);
                    rs.add(p.set(k, k));
                }
                p.sync();
                for (int i = 0; i < rs.size(); i++) {
                    try {
                        if ("OK".equals(rs.get(i).get())) acked.put(ks.get(i), ks.get(i));
                    } catch (RuntimeException e) {
                        errorReplies.incrementAndGet();
                        firstError.compareAndSet(null, e.getMessage());
                    }
                }
            }
        } catch (RuntimeException e) {
            brokenConnections.incrementAndGet();
            firstError.compareAndSet(null, String.valueOf(e));
        }
    }

    /** The acknowledged keys now missing or holding another value, read back through c. */
    List<String> lost(Jedis c) {
        List<String> lost = new ArrayList<>();
        List<String> keys = new ArrayList<>(acked.keySet());
        for (int from = 0; from < keys.size(); from += 500) {
            List<String> chunk = keys.subList(from, Math.min(keys.size(), from + 500));
            List<String> values = c.mget(chunk.toArray(new String[0]));
            for (int i = 0; i < chunk.size(); i++) if (!chunk.get(i).equals(values.get(i))) lost.add(chunk.get(i));
        }
        return lost;
    }

    /** Stops the writers after their current batch. */
    @Override
    public void close() throws InterruptedException {
        stop.set(true);
        for (Thread t : threads) t.join(60_000);
    }
}
