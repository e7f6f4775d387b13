package io.magpie.bench;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import redis.clients.jedis.Connection;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisCluster;
import redis.clients.jedis.providers.ClusterConnectionProvider;
import redis.clients.jedis.util.JedisClusterCRC16;

/**
 * Load for a cluster (sharded Raft or Redis Cluster) through Jedis's cluster client, for
 * bench/raft-shards.sh. The keys are {@code {tag}:i}, i below a number of keys per slot, with one
 * tag for each of the 16384 slots, so a key count spreads evenly over the slots and a slot's keys
 * go in one MSET. A benchmark tool, not a test.
 *
 * <pre>
 *   ShardLoad fill  HOST:PORT KEYS VALUE_SIZE THREADS   one MSET per slot; prints "keys seconds keys_per_second retries"
 *   ShardLoad probe HOST:PORT KEYS RATE FILE            SET/GET of random loaded keys, RATE a second in all (4 threads),
 *                                                       until killed; a line per request in FILE:
 *                                                       "epoch_ms latency_us retries" (latency from the first send to
 *                                                       the answer, retries included)
 *   ShardLoad shard HOST:PORT INDEX                     CLUSTER SHARDS' INDEX-th shard: prints "slots keys"
 *   ShardLoad bench HOST:PORT set|get CLIENTS PIPELINE SECONDS KEYSPACE VALUE_SIZE
 *                                                       closed loop, CLIENTS threads, "key:N" (N below KEYSPACE, so
 *                                                       every slot gets its share), PIPELINE commands at a time
 *                                                       (Jedis's ClusterPipeline above 1) for SECONDS; prints
 *                                                       "requests_per_second p50_ms p99_ms errors" (latency of a
 *                                                       round of PIPELINE commands; errors are not retried)
 * </pre>
 *
 * TRYAGAIN (a slot fenced while it moves), CLUSTERDOWN (a group between leaders) and running out
 * of redirections are retried after 20 ms, as an application would; MOVED is followed by Jedis.
 */
public final class ShardLoad {
    private static final int SLOTS = 16384;
    private static final int PROBE_THREADS = 4;
    private static final java.util.concurrent.atomic.AtomicBoolean FIRST_ERROR = new java.util.concurrent.atomic.AtomicBoolean();

    public static void main(String[] args) throws Exception {
        if (args.length < 3) usage();
        HostAndPort seed = HostAndPort.from(args[1]);
        switch (args[0]) {
            case "fill" -> {
                if (args.length != 5) usage();
                fill(seed, Integer.parseInt(args[2]), Integer.parseInt(args[3]), Integer.parseInt(args[4]));
            }
            case "probe" -> {
                if (args.length != 5) usage();
                probe(seed, Integer.parseInt(args[2]), Integer.parseInt(args[3]), Path.of(args[4]));
            }
            case "shard" -> shard(seed, Integer.parseInt(args[2]));
            case "bench" -> {
                if (args.length != 8) usage();
                bench(seed, args[2].equals("get"), Integer.parseInt(args[3]), Integer.parseInt(args[4]), Integer.parseInt(args[5]),
                        Integer.parseInt(args[6]), Integer.parseInt(args[7]));
            }
            default -> usage();
        }
    }

    private static void usage() {
        System.err.println("usage: ShardLoad fill HOST:PORT KEYS VALUE_SIZE THREADS | probe HOST:PORT KEYS RATE FILE | shard HOST:PORT INDEX"
                + " | bench HOST:PORT set|get CLIENTS PIPELINE SECONDS KEYSPACE VALUE_SIZE");
        System.exit(2);
    }

    /** A hash tag for each slot: tags[s] is a string whose CRC16 lands in slot s. */
    static String[] slotTags() {
        String[] tags = new String[SLOTS];
        int found = 0;
        for (int i = 0; found < SLOTS; i++) {
            String t = Integer.toString(i, 36);
            int s = JedisClusterCRC16.getSlot(t);
            if (tags[s] == null) {
                tags[s] = t;
                found++;
            }
        }
        return tags;
    }

    static int keysPerSlot(int keys) {
        return Math.max(1, (keys + SLOTS - 1) / SLOTS);
    }

    private static JedisCluster cluster(HostAndPort seed, int connections) {
        GenericObjectPoolConfig<Connection> pool = new GenericObjectPoolConfig<>();
        pool.setMaxTotal(connections);
        pool.setMaxIdle(connections);
        return new JedisCluster(seed, 10_000, 30_000, 10, pool);
    }

    /** Runs call until it answers, retrying transient refusals; returns the retries. */
    private static int retrying(Runnable call) throws InterruptedException {
        for (int retries = 0; ; retries++) {
            try {
                call.run();
                return retries;
            } catch (RuntimeException e) {
                String m = String.valueOf(e.getMessage());
                boolean transientError = m.startsWith("TRYAGAIN") || m.startsWith("CLUSTERDOWN") || m.contains("cluster attempts")
                        || m.contains("TRYAGAIN") || m.contains("CLUSTERDOWN");
                if (!transientError || retries >= 3000) throw e;
                Thread.sleep(20);
            }
        }
    }

    private static void fill(HostAndPort seed, int keys, int valueSize, int threads) throws Exception {
        String[] tags = slotTags();
        int perSlot = keysPerSlot(keys);
        String value = "x".repeat(valueSize);
        AtomicInteger next = new AtomicInteger();
        AtomicLong retries = new AtomicLong();
        List<Thread> workers = new ArrayList<>();
        List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        long start = System.nanoTime();
        try (JedisCluster jc = cluster(seed, threads)) {
            for (int t = 0; t < threads; t++) {
                Thread w = new Thread(() -> {
                    try {
                        for (int s = next.getAndIncrement(); s < SLOTS; s = next.getAndIncrement()) {
                            String[] kv = new String[2 * perSlot];
                            for (int i = 0; i < perSlot; i++) {
                                kv[2 * i] = "{" + tags[s] + "}:" + i;
                                kv[2 * i + 1] = value;
                            }
                            retries.addAndGet(retrying(() -> jc.mset(kv)));
                        }
                    } catch (Throwable e) {
                        failures.add(e);
                    }
                });
                w.start();
                workers.add(w);
            }
            for (Thread w : workers) w.join();
        }
        if (!failures.isEmpty()) throw new IllegalStateException("fill failed", failures.get(0));
        double seconds = (System.nanoTime() - start) / 1e9;
        long total = (long) perSlot * SLOTS;
        System.out.printf("%d %.2f %.0f %d%n", total, seconds, total / seconds, retries.get());
    }

    private static void probe(HostAndPort seed, int keys, int rate, Path file) throws Exception {
        String[] tags = slotTags();
        int perSlot = keysPerSlot(keys);
        long periodNs = 1_000_000_000L * PROBE_THREADS / Math.max(1, rate);
        BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            synchronized (out) {
                try {
                    out.flush();
                } catch (IOException ignored) {
                    // the run is over either way
                }
            }
        }));
        try (JedisCluster jc = cluster(seed, PROBE_THREADS)) {
            List<Thread> workers = new ArrayList<>();
            for (int t = 0; t < PROBE_THREADS; t++) {
                Thread w = new Thread(() -> {
                    ThreadLocalRandom random = ThreadLocalRandom.current();
                    long due = System.nanoTime() + random.nextLong(periodNs);
                    try {
                        for (long n = 0; ; n++) {
                            long wait = due - System.nanoTime();
                            if (wait > 0) Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                            due += periodNs;
                            String key = "{" + tags[random.nextInt(SLOTS)] + "}:" + random.nextInt(perSlot);
                            boolean write = (n & 1) == 0;
                            long epochMs = System.currentTimeMillis(), t0 = System.nanoTime();
                            int retries = retrying(write ? () -> jc.set(key, "probe") : () -> jc.get(key));
                            long us = (System.nanoTime() - t0) / 1000;
                            synchronized (out) {
                                out.write(epochMs + " " + us + " " + retries + "\n");
                            }
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    } catch (Exception e) {
                        System.err.println("probe: " + e);
                    }
                });
                w.setDaemon(true);
                w.start();
                workers.add(w);
            }
            for (Thread w : workers) w.join();
        }
    }

    private static void bench(HostAndPort seed, boolean get, int clients, int pipeline, int seconds, int keyspace, int valueSize)
            throws InterruptedException {
        String value = "x".repeat(valueSize);
        long[][] latencies = new long[clients][];
        int[] counts = new int[clients];
        AtomicLong errors = new AtomicLong(), done = new AtomicLong();
        try (JedisCluster jc = cluster(seed, clients);
                ClusterConnectionProvider slots = new ClusterConnectionProvider(java.util.Set.of(seed),
                        redis.clients.jedis.DefaultJedisClientConfig.builder().build())) {
            List<Thread> workers = new ArrayList<>();
            long start = System.nanoTime(), end = start + seconds * 1_000_000_000L;
            for (int t = 0; t < clients; t++) {
                int me = t;
                Thread w = new Thread(() -> {
                    ThreadLocalRandom random = ThreadLocalRandom.current();
                    java.util.Map<HostAndPort, SendingConnection> mine = new java.util.HashMap<>();
                    long[] lat = new long[1024];
                    int n = 0;
                    for (long t0 = System.nanoTime(); t0 < end; t0 = System.nanoTime()) {
                        try {
                            int failed = 0;
                            if (pipeline == 1) {
                                String key = "key:" + random.nextInt(keyspace);
                                if (get) jc.get(key); else jc.set(key, value);
                            } else {
                                failed = pipelined(slots, mine, get, pipeline, keyspace, value, random);
                                errors.addAndGet(failed);
                            }
                            done.addAndGet(pipeline - failed); // error replies are not counted as served
                        } catch (RuntimeException e) {
                            if (errors.getAndAdd(pipeline) == 0) System.err.println("first error: " + e);
                            if (pipeline > 1) { // a timed-out or broken connection: start the next round on fresh ones
                                for (SendingConnection c : mine.values()) c.close();
                                mine.clear();
                            }
                        }
                        if (n == lat.length) lat = java.util.Arrays.copyOf(lat, n * 2);
                        lat[n++] = System.nanoTime() - t0;
                    }
                    for (SendingConnection c : mine.values()) c.close();
                    latencies[me] = lat;
                    counts[me] = n;
                });
                w.start();
                workers.add(w);
            }
            for (Thread w : workers) w.join();
            double elapsed = (System.nanoTime() - start) / 1e9;
            int total = 0;
            for (int c : counts) total += c;
            long[] all = new long[total];
            int at = 0;
            for (int t = 0; t < clients; t++) {
                System.arraycopy(latencies[t], 0, all, at, counts[t]);
                at += counts[t];
            }
            java.util.Arrays.sort(all);
            double p50 = total == 0 ? 0 : all[total / 2] / 1e6, p99 = total == 0 ? 0 : all[Math.min(total - 1, (int) (total * 0.99))] / 1e6;
            System.out.printf("%.0f %.2f %.2f %d%n", done.get() / elapsed, p50, p99, errors.get());
        }
    }

    /** A connection whose buffered commands can be sent without reading a reply. */
    private static final class SendingConnection extends Connection {
        SendingConnection(HostAndPort node) {
            super(node);
        }

        void send() {
            flush();
        }
    }

    /**
     * One round of n random keys, each node's share pipelined on this thread's connection to that
     * node, all sent before any reply is read (as redis-benchmark -P sends); returns the errors.
     * Not Jedis's ClusterPipeline: its sync() makes a thread pool each time (5.2), which capped
     * the rate at a few hundred rounds a second. A MOVED answer renews the slot map.
     */
    private static int pipelined(ClusterConnectionProvider slots, java.util.Map<HostAndPort, SendingConnection> mine, boolean get, int n,
            int keyspace, String value, ThreadLocalRandom random) {
        java.util.Map<HostAndPort, List<redis.clients.jedis.Response<String>>> replies = new java.util.LinkedHashMap<>();
        java.util.Map<HostAndPort, redis.clients.jedis.Pipeline> pipes = new java.util.HashMap<>();
        for (int i = 0; i < n; i++) {
            String key = "key:" + random.nextInt(keyspace);
            HostAndPort node = slots.getNode(JedisClusterCRC16.getSlot(key));
            if (node == null) {
                slots.renewSlotCache();
                node = slots.getNode(JedisClusterCRC16.getSlot(key));
            }
            redis.clients.jedis.Pipeline p = pipes.computeIfAbsent(node,
                    h -> new redis.clients.jedis.Pipeline(mine.computeIfAbsent(h, SendingConnection::new)));
            replies.computeIfAbsent(node, h -> new ArrayList<>()).add(get ? p.get(key) : p.set(key, value));
        }
        for (HostAndPort node : pipes.keySet()) mine.get(node).send();
        int errors = 0;
        boolean moved = false;
        for (java.util.Map.Entry<HostAndPort, List<redis.clients.jedis.Response<String>>> e : replies.entrySet()) {
            pipes.get(e.getKey()).sync();
            for (redis.clients.jedis.Response<String> r : e.getValue()) {
                try {
                    r.get();
                } catch (RuntimeException ex) {
                    if (errors++ == 0 && FIRST_ERROR.compareAndSet(false, true)) System.err.println("first error: " + ex);
                    moved |= String.valueOf(ex.getMessage()).startsWith("MOVED");
                }
            }
        }
        if (moved) slots.renewSlotCache();
        return errors;
    }

    @SuppressWarnings("unchecked")
    private static void shard(HostAndPort seed, int index) {
        try (Jedis j = new Jedis(seed)) {
            List<Object> shards = (List<Object>) j.sendCommand(() -> "CLUSTER".getBytes(StandardCharsets.UTF_8), "SHARDS");
            List<Object> fields = (List<Object>) shards.get(index);
            List<Object> ranges = (List<Object>) fields.get(1);
            List<Object> nodes = (List<Object>) fields.get(3);
            HostAndPort leader = null;
            for (Object n : nodes) {
                List<Object> kv = (List<Object>) n;
                String ip = null, role = null;
                long port = 0;
                for (int i = 0; i + 1 < kv.size(); i += 2) {
                    String k = new String((byte[]) kv.get(i), StandardCharsets.UTF_8);
                    Object v = kv.get(i + 1);
                    if (k.equals("ip")) ip = new String((byte[]) v, StandardCharsets.UTF_8);
                    if (k.equals("port")) port = (Long) v;
                    if (k.equals("role")) role = new String((byte[]) v, StandardCharsets.UTF_8);
                }
                if ("master".equals(role)) leader = new HostAndPort(ip, (int) port);
            }
            if (leader == null) throw new IllegalStateException("shard " + index + " has no master in CLUSTER SHARDS");
            long slots = 0, keys = 0;
            try (Jedis l = new Jedis(leader)) {
                for (int i = 0; i < ranges.size(); i += 2) {
                    for (long s = (Long) ranges.get(i); s <= (Long) ranges.get(i + 1); s++) {
                        slots++;
                        keys += l.clusterCountKeysInSlot((int) s);
                    }
                }
            }
            System.out.println(slots + " " + keys);
        }
    }

    private ShardLoad() {}
}
