package io.magpie.app.repl;

import io.magpie.protocol.RespClient;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Writes to a master, from a thread of its own, every kind of write a replica must follow:
 * strings (SET, SETEX, SET PX/KEEPTTL, INCR/INCRBY/INCRBYFLOAT, APPEND, SETRANGE, MSET),
 * hashes, lists (LPUSH/RPUSH/LPOP/RPOP/LTRIM/LMOVE), sets (SADD/SREM/SPOP/SMOVE), sorted sets
 * (ZADD/ZINCRBY/ZREM/ZPOPMIN/ZREMRANGEBYRANK), bitmaps (SETBIT/BITOP/BITFIELD), HyperLogLogs
 * (PFADD/PFMERGE), geo (GEOADD), and DEL/UNLINK/EXPIRE/PEXPIRE/PERSIST/RENAME, in random
 * databases (SELECT) and sometimes inside MULTI/EXEC. Some expiries are short (a second or
 * two), so keys also expire on the master while it runs: replicas must drop them through
 * the master's DEL.
 *
 * <p>Each key name carries its type ("h:3" is a hash) so that no write meets WRONGTYPE:
 * every error reply is a finding, kept in {@link #errors()}. Bounded in rate and in count.
 */
public final class ContinuousWriter implements AutoCloseable {
    /** Short expiries are at most this long: wait this much after stopping for them all to pass. */
    public static final long SHORT_TTL_MAX_MILLIS = 2_000;

    private final Node target;
    private final Random random;
    private int opsPerSecond = 2_000;
    private long maxOps = 50_000;
    private int keysPerType = 16;
    private int dbs = 16;
    private final AtomicLong ops = new AtomicLong();
    private final List<String> errors = Collections.synchronizedList(new ArrayList<>());
    private volatile boolean stopping;
    private Thread thread;
    private RespClient conn;
    private int db;

    public ContinuousWriter(Node target, long seed) {
        this.target = target;
        this.random = new Random(seed);
    }

    public ContinuousWriter rate(int perSecond) {
        this.opsPerSecond = perSecond;
        return this;
    }

    public ContinuousWriter limit(long count) {
        this.maxOps = count;
        return this;
    }

    public ContinuousWriter keysPerType(int n) {
        this.keysPerType = n;
        return this;
    }

    /** Writes into databases 0..n-1 (16: all of them). */
    public ContinuousWriter databases(int n) {
        this.dbs = n;
        return this;
    }

    public ContinuousWriter start() {
        thread = new Thread(this::run, "writer-" + target.name());
        thread.setDaemon(true);
        thread.start();
        return this;
    }

    /** Stops the thread (after its current write) and returns how many writes it made. */
    public long stop() {
        stopping = true;
        if (thread != null) {
            try {
                thread.join(30_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (thread.isAlive()) throw new IllegalStateException("writer did not stop");
        }
        return ops.get();
    }

    /** Runs {@code n} writes on the caller's thread (no rate limit). */
    public void writeNow(long n) {
        for (long i = 0; i < n; i++) step();
    }

    public long ops() {
        return ops.get();
    }

    public List<String> errors() {
        synchronized (errors) {
            return List.copyOf(errors);
        }
    }

    /** Waits until the writer has made at least {@code n} writes (or stopped); false on timeout. */
    public boolean awaitOps(long n, long millis) {
        long deadline = System.currentTimeMillis() + millis;
        while (ops.get() < n && System.currentTimeMillis() < deadline && thread != null && thread.isAlive()) Node.sleep(20);
        return ops.get() >= n;
    }

    private void run() {
        long started = System.nanoTime();
        try {
            while (!stopping && ops.get() < maxOps) {
                step();
                long due = (long) (ops.get() * 1e9 / opsPerSecond);
                long ahead = due - (System.nanoTime() - started);
                if (ahead > 1_000_000) Node.sleep(ahead / 1_000_000);
            }
        } catch (RuntimeException e) {
            errors.add("writer stopped: " + e);
        }
    }

    private void step() {
        if (conn == null) {
            conn = target.connect();
            db = 0;
        }
        if (random.nextInt(10) == 0) {
            db = random.nextInt(dbs);
            send("SELECT", String.valueOf(db));
        }
        if (random.nextInt(25) == 0) {
            send("MULTI");
            int n = 1 + random.nextInt(4);
            for (int i = 0; i < n; i++) send(randomWrite());
            send("EXEC");
        } else {
            send(randomWrite());
        }
        ops.incrementAndGet();
    }

    private void send(String... args) {
        send(RespClient.args(args));
    }

    private void send(byte[][] args) {
        Object reply = conn.call(args).value();
        if (reply instanceof RespClient.Err e) {
            String cmd = new String(args[0], StandardCharsets.UTF_8);
            // RENAME of a key that expired or was deleted meanwhile is the one expected error.
            if (!(cmd.equals("RENAME") && e.text().equals("ERR no such key"))) {
                errors.add(cmd + " in db " + db + ": " + e.text());
            }
        } else if (reply instanceof List<?> l && new String(args[0], StandardCharsets.UTF_8).equals("EXEC")) {
            for (Object r : l) if (r instanceof RespClient.Err e && !e.text().equals("ERR no such key")) errors.add("EXEC: " + e.text());
        }
    }

    private String key(String type) {
        return type + ":" + random.nextInt(keysPerType);
    }

    private String member() {
        return "m" + random.nextInt(40);
    }

    private String num(int bound) {
        return String.valueOf(random.nextInt(bound));
    }

    /** A value of 1 to 24 bytes, sometimes binary (every byte value, CR and LF included). */
    private byte[] value() {
        byte[] v = new byte[1 + random.nextInt(24)];
        if (random.nextInt(4) == 0) {
            random.nextBytes(v);
        } else {
            for (int i = 0; i < v.length; i++) v[i] = (byte) ('a' + random.nextInt(26));
        }
        return v;
    }

    private static byte[][] cmd(Object... parts) {
        byte[][] out = new byte[parts.length][];
        for (int i = 0; i < parts.length; i++) {
            out[i] = parts[i] instanceof byte[] b ? b : String.valueOf(parts[i]).getBytes(StandardCharsets.UTF_8);
        }
        return out;
    }

    private String shortTtlMillis() {
        return String.valueOf(200 + random.nextInt((int) SHORT_TTL_MAX_MILLIS - 200));
    }

    private byte[][] randomWrite() {
        switch (random.nextInt(40)) {
            case 0: case 1: return cmd("SET", key("s"), value());
            case 2: return cmd("SET", key("s"), value(), "EX", 1000 + random.nextInt(1000));
            case 3: return cmd("SETEX", key("s"), 1 + random.nextInt(1), value());
            case 4: return cmd("SET", key("s"), value(), "PX", shortTtlMillis());
            case 5: return cmd("SET", key("s"), value(), "KEEPTTL");
            case 6: return cmd("APPEND", key("s"), value());
            case 7: return cmd("SETRANGE", key("s"), num(40), value());
            case 8: return cmd("MSET", key("s"), value(), key("s"), value());
            case 9: return cmd("INCR", key("ctr"));
            case 10: return cmd("INCRBY", key("ctr"), random.nextInt(2001) - 1000);
            case 11: return cmd("INCRBYFLOAT", key("flt"), (random.nextInt(20001) - 10000) / 100.0);
            case 12: return cmd("HSET", key("h"), member(), value(), member(), value());
            case 13: return cmd("HINCRBY", key("h"), "n" + random.nextInt(3), random.nextInt(100));
            case 14: return cmd("HDEL", key("h"), member(), member());
            case 15: return cmd("LPUSH", key("l"), value(), value());
            case 16: return cmd("RPUSH", key("l"), value());
            case 17: return cmd("LPOP", key("l"));
            case 18: return cmd("RPOP", key("l"), 2);
            case 19: return cmd("LTRIM", key("l"), 0, 9);
            case 20: return cmd("LMOVE", key("l"), key("l"), random.nextBoolean() ? "LEFT" : "RIGHT", "RIGHT");
            case 21: return cmd("SADD", key("set"), member(), member(), member());
            case 22: return cmd("SREM", key("set"), member());
            case 23: return cmd("SPOP", key("set"));
            case 24: return cmd("SMOVE", key("set"), key("set"), member());
            case 25: return cmd("ZADD", key("z"), random.nextInt(1000) / 10.0, member(), random.nextInt(50), member());
            case 26: return cmd("ZINCRBY", key("z"), random.nextInt(100) - 50, member());
            case 27: return cmd("ZREM", key("z"), member());
            case 28: return cmd("ZPOPMIN", key("z"));
            case 29: return cmd("ZREMRANGEBYRANK", key("z"), 0, random.nextInt(3));
            case 30: return cmd("SETBIT", key("bm"), random.nextInt(4096), random.nextInt(2));
            case 31: return cmd("BITOP", "OR", key("bm"), key("bm"), key("bm"));
            case 32: return cmd("BITFIELD", key("bm"), "SET", "u8", "#" + random.nextInt(16), random.nextInt(256), "INCRBY", "i5", 100, 1);
            case 33: return cmd("PFADD", key("hll"), member() + random.nextInt(1000), value(), value());
            case 34: return cmd("PFMERGE", key("hll"), key("hll"), key("hll"));
            case 35: return cmd("GEOADD", key("geo"), -180 + random.nextInt(36000) / 100.0, -85 + random.nextInt(17000) / 100.0, member());
            case 36: return random.nextBoolean() ? cmd("DEL", anyKey(), anyKey()) : cmd("UNLINK", anyKey());
            case 37: {
                int r = random.nextInt(3);
                if (r == 0) return cmd("EXPIRE", anyKey(), 1000 + random.nextInt(1000));
                if (r == 1) return cmd("PEXPIRE", anyKey(), shortTtlMillis());
                return cmd("PERSIST", anyKey());
            }
            case 38: return cmd("RENAME", key("s"), key("s"));
            default: return cmd("HSETNX", key("h"), member(), value());
        }
    }

    private static final String[] TYPES = {"s", "ctr", "flt", "h", "l", "set", "z", "bm", "hll", "geo"};

    private String anyKey() {
        return key(TYPES[random.nextInt(TYPES.length)]);
    }

    @Override
    public void close() {
        stop();
        if (conn != null) conn.close();
    }
}
