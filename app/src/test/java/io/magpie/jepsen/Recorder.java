package io.magpie.jepsen;

import io.magpie.jepsen.Workload.Invocation;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisRedirectionException;

/**
 * Concurrent Jedis clients on loopback servers running a workload's random operations (each
 * worker's from its own seeded random) into a {@link History}. A reply is ok; an error reply
 * that says the command was refused before it ran (MOVED, CLUSTERDOWN, READONLY, NOREPLICAS...)
 * is fail; a timeout, a broken connection or any other error is info, since the
 * write may still happen, and the worker carries on as a new process on a new connection, as
 * Jepsen's clients do. A worker follows MOVED to the node named, and moves to the next node
 * when its node cannot be reached (per key with {@link #routeByKey}).
 */
public final class Recorder implements AutoCloseable {
    /**
     * Error prefixes of a command that was certainly not executed. TRYAGAIN is not one: a Raft
     * node may answer it for a write it proposed and lost track of, which may still commit. A
     * sharded Raft node's "Slot is moving" is: the write was refused before it was proposed, or
     * its entry came after the slot's fence in the log, where every replica refuses it.
     */
    private static final List<String> DEFINITE = List.of("MOVED", "ASK", "CLUSTERDOWN", "READONLY", "NOREPLICAS",
            "LOADING", "MASTERDOWN", "MISCONF", "OOM", "NOAUTH", "WRONGTYPE", "BUSY", "TRYAGAIN Slot is moving");

    /** Final reads use process ids from here on, apart from the workers'. */
    private static final int FINAL_READER = 1_000_000;

    private final History history;
    private final Workload workload;
    private final List<Integer> ports;
    private final int clients;
    private final long seed;
    private final int timeoutMillis;
    private final int pauseMillis;
    private final List<Thread> threads = new ArrayList<>();
    private final AtomicLong invoked = new AtomicLong();
    private volatile boolean stopped;
    private boolean spread = true;
    private boolean routeByKey;

    /**
     * @param ports the nodes, on 127.0.0.1; worker i starts on ports[i % n]
     * @param timeoutMillis a reply later than this is a timeout (info)
     * @param pauseMillis each worker's pause between operations (0: none), to keep histories small
     */
    public Recorder(History history, Workload workload, List<Integer> ports, int clients, long seed, int timeoutMillis, int pauseMillis) {
        this.history = history;
        this.workload = workload;
        this.ports = List.copyOf(ports);
        this.clients = clients;
        this.seed = seed;
        this.timeoutMillis = timeoutMillis;
        this.pauseMillis = pauseMillis;
    }

    /**
     * Each worker sends an operation to the node that MOVED last named for its key (a
     * connection per node), as a cluster client keeps a slot table, rather than to the node
     * of its last operation: with keys spread over the groups of sharded Raft, most operations
     * would otherwise be a MOVED first.
     */
    public Recorder routeByKey() {
        routeByKey = true;
        return this;
    }

    /** Every worker starts on the first node (a master), not spread over the nodes. */
    public Recorder allStartOnFirst() {
        spread = false;
        return this;
    }

    public void start() {
        for (int i = 0; i < clients; i++) {
            int worker = i;
            Thread t = new Thread(() -> run(worker), "jepsen-client-" + i);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
    }

    /** Operations invoked so far. */
    public long invoked() {
        return invoked.get();
    }

    /** Stops the workers and waits for them: each ends its current operation (bounded by the timeout). */
    public void stop() throws InterruptedException {
        stopped = true;
        for (Thread t : threads) {
            t.join(4L * timeoutMillis + 10_000);
            if (t.isAlive()) throw new IllegalStateException(t.getName() + " did not stop");
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }

    private void run(int worker) {
        Random rnd = new Random(seed * 1_000_003L + worker);
        int process = worker;
        int home = ports.get(spread ? worker % ports.size() : 0);
        Map<Integer, Jedis> connections = new HashMap<>();
        Map<String, Integer> routes = new HashMap<>(); // key → the node MOVED last named for it (routing by key)
        Invocation inv = null;
        long n = 0;
        while (!stopped) {
            if (inv == null) inv = workload.next(rnd, "w" + worker + "-" + n++);
            int port = routeByKey ? routes.getOrDefault(inv.key(), home) : home;
            Jedis jedis = connections.get(port);
            if (jedis == null) {
                try {
                    jedis = connect(port);
                    connections.put(port, jedis);
                } catch (JedisConnectionException e) {
                    // nothing was sent: no operation to record
                    if (routeByKey) routes.put(inv.key(), nextPort(port));
                    else home = nextPort(port);
                    pause(50);
                    continue;
                }
            }
            invoked.incrementAndGet();
            Outcome o = execute(jedis, process, inv);
            String key = inv.key();
            inv = null;
            if (o.redirect > 0) {
                if (routeByKey) {
                    routes.put(key, o.redirect);
                } else {
                    home = o.redirect;
                    closeQuietly(connections.remove(port));
                }
            } else if (o.broken) {
                process += clients; // the old process may still be running its operation
                closeQuietly(connections.remove(port));
                if (routeByKey) routes.put(key, nextPort(port));
                else home = nextPort(port);
            }
            if (o.backoff) pause(20);
            if (pauseMillis > 0) pause(pauseMillis);
        }
        connections.values().forEach(Recorder::closeQuietly);
    }

    /** What an operation's end means for the worker. */
    private record Outcome(boolean broken, int redirect, boolean backoff) {
        static final Outcome OK = new Outcome(false, 0, false);
    }

    private Outcome execute(Jedis jedis, int process, Invocation inv) {
        history.invoke(process, inv.f(), inv.key(), inv.value());
        try {
            history.ok(process, call(jedis, inv));
            return Outcome.OK;
        } catch (JedisRedirectionException e) {
            history.fail(process, e.getMessage());
            return new Outcome(false, e.getTargetNode().getPort(), false);
        } catch (JedisDataException e) {
            String msg = String.valueOf(e.getMessage());
            if (DEFINITE.stream().anyMatch(msg::startsWith)) {
                history.fail(process, msg);
                return new Outcome(false, 0, true);
            }
            history.info(process, msg);
            return new Outcome(true, 0, true);
        } catch (JedisConnectionException e) {
            history.info(process, String.valueOf(e.getMessage()));
            return new Outcome(true, 0, true);
        }
    }

    private static Object call(Jedis jedis, Invocation inv) {
        String key = inv.key();
        return switch (inv.f()) {
            case GET -> jedis.get(key);
            case SET -> jedis.set(key, inv.value());
            case INCR -> jedis.incr(key);
            case RPUSH -> jedis.rpush(key, inv.value());
            case LRANGE -> jedis.lrange(key, 0, -1);
        };
    }

    /**
     * After the workers stop and the faults are healed: reads every key until one read of each
     * succeeds (or {@code millis} pass), recorded in the history like any other read, so that
     * the checks see the final state.
     */
    public void finalReads(long millis) {
        long deadline = System.currentTimeMillis() + millis;
        int process = FINAL_READER;
        int port = ports.get(0);
        Jedis jedis = null;
        for (String key : workload.keys()) {
            while (true) {
                if (System.currentTimeMillis() > deadline) throw new IllegalStateException("no final read of " + key + " within " + millis + " ms: " + history.summary());
                if (jedis == null) {
                    try {
                        jedis = connect(port);
                    } catch (JedisConnectionException e) {
                        port = nextPort(port);
                        pause(50);
                        continue;
                    }
                }
                Outcome o = execute(jedis, process, workload.read(key));
                if (o == Outcome.OK) break;
                if (o.redirect > 0) {
                    port = o.redirect;
                    jedis = closeQuietly(jedis);
                } else if (o.broken) {
                    process++;
                    jedis = closeQuietly(jedis);
                    port = nextPort(port);
                }
                pause(50);
            }
        }
        closeQuietly(jedis);
    }

    private Jedis connect(int port) {
        Jedis j = new Jedis(new HostAndPort("127.0.0.1", port),
                DefaultJedisClientConfig.builder().connectionTimeoutMillis(timeoutMillis).socketTimeoutMillis(timeoutMillis).build());
        try {
            j.connect();
            return j;
        } catch (RuntimeException e) {
            closeQuietly(j);
            throw e;
        }
    }

    private int nextPort(int port) {
        int i = ports.indexOf(port);
        return ports.get((i + 1) % ports.size());
    }

    private static Jedis closeQuietly(Jedis j) {
        if (j == null) return null;
        try {
            j.close();
        } catch (RuntimeException ignored) {
            // the connection is already broken
        }
        return null;
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
