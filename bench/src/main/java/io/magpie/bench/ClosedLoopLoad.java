package io.magpie.bench;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import redis.clients.jedis.Jedis;

/**
 * The same closed-loop write load against a Redis-protocol server (SET through Jedis) or an
 * etcd cluster (put through jetcd, etcd's own Java client): CLIENTS threads, each with its own
 * connection (etcd: one gRPC client per thread), each sending its next write when the last one
 * was acknowledged, REQUESTS writes in all of VALUE_SIZE bytes to keys drawn from KEYSPACE.
 * Prints one line: "requests_per_second p50_ms p99_ms errors". A benchmark tool, not a test.
 *
 * <pre>
 *   java -cp bench/target/benchmarks.jar io.magpie.bench.ClosedLoopLoad redis 127.0.0.1:7001 50 20000 3
 *   java -cp bench/target/benchmarks.jar io.magpie.bench.ClosedLoopLoad etcd http://127.0.0.1:2379,... 50 20000 3
 * </pre>
 */
public final class ClosedLoopLoad {
    private static final int KEYSPACE = 100_000;

    private interface Writer extends AutoCloseable {
        void write(String key, byte[] value) throws Exception;

        @Override
        void close();
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 5) {
            System.err.println("usage: ClosedLoopLoad redis|etcd ENDPOINTS CLIENTS REQUESTS VALUE_SIZE");
            System.exit(2);
        }
        String kind = args[0], endpoints = args[1];
        int clients = Integer.parseInt(args[2]), requests = Integer.parseInt(args[3]), valueSize = Integer.parseInt(args[4]);
        byte[] value = new byte[valueSize];
        Arrays.fill(value, (byte) 'x');
        List<Writer> writers = new ArrayList<>();
        for (int i = 0; i < clients; i++) writers.add(kind.equals("etcd") ? etcd(endpoints) : redis(endpoints));
        // Warm-up: a tenth of the run, not reported (the JIT on both sides, gRPC's channels).
        run(writers, Math.max(clients, requests / 10), value);
        long[] latencies = new long[requests];
        AtomicInteger errors = new AtomicInteger();
        long elapsed = run(writers, requests, value, latencies, errors);
        for (Writer w : writers) w.close();
        Arrays.sort(latencies);
        System.out.printf("%.0f %.2f %.2f %d%n", requests / (elapsed / 1e9), latencies[requests / 2] / 1e6,
                latencies[(int) Math.min(requests - 1, Math.ceil(requests * 0.99) - 1)] / 1e6, errors.get());
    }

    private static void run(List<Writer> writers, int requests, byte[] value) throws InterruptedException {
        run(writers, requests, value, new long[requests], new AtomicInteger());
    }

    /** Returns the wall time of the run in ns; each write's latency lands in latencies. */
    private static long run(List<Writer> writers, int requests, byte[] value, long[] latencies, AtomicInteger errors)
            throws InterruptedException {
        AtomicInteger next = new AtomicInteger();
        CountDownLatch done = new CountDownLatch(writers.size());
        AtomicReference<Throwable> failure = new AtomicReference<>();
        long start = System.nanoTime();
        for (Writer w : writers) {
            Thread t = new Thread(() -> {
                java.util.concurrent.ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
                try {
                    for (int i = next.getAndIncrement(); i < requests; i = next.getAndIncrement()) {
                        long t0 = System.nanoTime();
                        try {
                            w.write("key:" + random.nextInt(KEYSPACE), value);
                        } catch (Exception e) {
                            errors.incrementAndGet();
                            failure.compareAndSet(null, e);
                        }
                        latencies[i] = System.nanoTime() - t0;
                    }
                } finally {
                    done.countDown();
                }
            });
            t.setDaemon(true);
            t.start();
        }
        if (!done.await(30, TimeUnit.MINUTES)) throw new IllegalStateException("the load did not finish in 30 minutes");
        if (failure.get() != null) System.err.println("first error: " + failure.get());
        return System.nanoTime() - start;
    }

    private static Writer redis(String endpoint) {
        int colon = endpoint.lastIndexOf(':');
        Jedis j = new Jedis(endpoint.substring(0, colon), Integer.parseInt(endpoint.substring(colon + 1)), 60_000);
        return new Writer() {
            @Override
            public void write(String key, byte[] value) {
                j.set(key.getBytes(StandardCharsets.UTF_8), value);
            }

            @Override
            public void close() {
                j.close();
            }
        };
    }

    private static Writer etcd(String endpoints) {
        Client client = Client.builder().endpoints(endpoints.split(",")).build();
        KV kv = client.getKVClient();
        return new Writer() {
            @Override
            public void write(String key, byte[] value) throws Exception {
                kv.put(ByteSequence.from(key, StandardCharsets.UTF_8), ByteSequence.from(value)).get(60, TimeUnit.SECONDS);
            }

            @Override
            public void close() {
                client.close();
            }
        };
    }
}
