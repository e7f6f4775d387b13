package io.magpie.proxy;

import io.magpie.protocol.ArgSplitter;
import io.magpie.protocol.RespClient;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The proxy's differential script: every command it serves, sent to a single redis-server and
 * through a proxy in RESP2 or RESP3, replies compared byte for byte. Lines marked "unordered"
 * are compared as sets of elements (KEYS concatenates the shards' answers in shard order; a
 * set's order is its hash table's). Public for the tests of other modules that run it over
 * backends this module cannot start (a cluster of Magpie nodes).
 */
public final class ProxyDifferential {
    private ProxyDifferential() {}

    /** Multi-key commands that do not fan out use hash tags, so that they stay on one shard. */
    static final String SCRIPT = """
            FLUSHALL
            PING
            PING hello
            ECHO "a b"
            SET s1 hello
            GET s1
            APPEND s1 " world"
            STRLEN s1
            GETRANGE s1 0 4
            SETRANGE s1 0 J
            GET s1
            SET n 10
            INCR n
            INCRBY n 5
            DECRBY n 3
            INCRBYFLOAT n 1.5
            GETSET n 1
            GETDEL n
            SETNX s1 x
            SET e1 v EX 100
            TTL e1
            PERSIST e1
            TTL e1
            EXPIRE e1 50
            PEXPIRE e1 50000
            TYPE e1
            MSET k1 a k2 b k3 c k4 d k5 e k6 f
            MGET k1 k2 nope k3 k4 k5 k6
            EXISTS k1 k2 nope k3 k1
            TOUCH k1 k2 k3 nope
            DEL k1 k2 nope
            UNLINK k3 k4
            MGET k1 k2 k3 k4 k5 k6
            RPUSH l1 a b c d e
            LPUSH l1 z
            LRANGE l1 0 -1
            LPOP l1
            RPOP l1 2
            LLEN l1
            LINDEX l1 1
            LSET l1 0 q
            LINSERT l1 BEFORE q p
            LRANGE l1 0 -1
            LPOS l1 c
            RPUSH {t}src x y z
            LMOVE {t}src {t}dst LEFT RIGHT
            RPOPLPUSH {t}src {t}dst
            LRANGE {t}dst 0 -1
            BLPOP {t}dst 1
            HSET h1 f1 v1 f2 v2 f3 3
            HGET h1 f1
            HMGET h1 f1 nope f2
            HINCRBY h1 f3 4
            HINCRBYFLOAT h1 f3 0.5
            HLEN h1
            HEXISTS h1 f2
            HDEL h1 f2
            HGETALL h1
            HKEYS h1
            HVALS h1
            SADD set1 a b c d
            SADD {t}s1 a b c
            SADD {t}s2 b c d
            SISMEMBER set1 a
            SMISMEMBER set1 a z
            SCARD set1
            SINTERCARD 2 {t}s1 {t}s2
            unordered SMEMBERS {t}s1
            SINTERSTORE {t}s3 {t}s1 {t}s2
            SUNIONSTORE {t}s4 {t}s1 {t}s2
            unordered SDIFF {t}s1 {t}s2
            SMOVE {t}s1 {t}s2 a
            SREM set1 a b
            ZADD z1 1 a 2 b 3 c 4 d
            ZSCORE z1 b
            ZINCRBY z1 10 a
            ZRANGE z1 0 -1 WITHSCORES
            ZRANGEBYSCORE z1 2 4
            ZREVRANGE z1 0 1
            ZRANK z1 c
            ZCARD z1
            ZCOUNT z1 -inf +inf
            ZPOPMIN z1
            ZMSCORE z1 b c nope
            ZADD {t}z1 1 a 2 b
            ZADD {t}z2 3 b 4 c
            ZUNIONSTORE {t}z3 2 {t}z1 {t}z2
            ZINTER 2 {t}z1 {t}z2 WITHSCORES
            ZRANGE {t}z3 0 -1 WITHSCORES
            XADD st1 1-1 f v
            XADD st1 2-1 f w
            XLEN st1
            XRANGE st1 - +
            XREVRANGE st1 + - COUNT 1
            XGROUP CREATE st1 g1 0
            XREADGROUP GROUP g1 c1 COUNT 1 STREAMS st1 >
            XACK st1 g1 1-1
            XPENDING st1 g1
            XTRIM st1 MAXLEN 1
            XREAD COUNT 5 STREAMS st1 0
            PFADD hll a b c d
            PFCOUNT hll
            SETBIT bits 7 1
            GETBIT bits 7
            BITCOUNT bits
            BITPOS bits 1
            GEOADD geo 13.361389 38.115556 Palermo 15.087269 37.502669 Catania
            GEODIST geo Palermo Catania km
            GEOPOS geo Palermo
            OBJECT ENCODING l1
            RENAME s1 s1
            RENAME {t}src {t}renamed
            COPY {t}renamed {t}copy
            EXISTS {t}copy
            DUMP nope
            EVAL "return redis.call('get', KEYS[1])" 1 e1
            EVAL "return 1 + 1" 0
            EVAL "return {1, 'two', 3.9}" 0
            MULTI
            SET {m}a 1
            INCR {m}a
            GET {m}a
            EXEC
            MULTI
            DISCARD
            EXEC
            DISCARD
            GET l1
            LPUSH s1 x
            INCR s1
            HSET h1
            NOSUCHCMD a b
            SELECT 0
            unordered KEYS *
            unordered KEYS k*
            DBSIZE
            EXISTS s1 l1 h1 set1 z1 st1 hll bits geo e1 nope
            DEL s1 l1 h1 set1 z1 st1 hll bits geo e1 nope
            DBSIZE
            FLUSHDB
            DBSIZE
            QUIT
            """;

    /** The lines whose replies differ, each with both replies; empty when all are redis-server's own. */
    public static List<String> mismatches(int directPort, int proxyPort, int resp) {
        List<String> mismatches = new ArrayList<>();
        try (RespClient direct = new RespClient(directPort); RespClient proxied = new RespClient(proxyPort)) {
            if (resp == 3) {
                direct.call("HELLO", "3");
                proxied.call("HELLO", "3");
            }
            for (String line : SCRIPT.strip().split("\n")) {
                boolean unordered = line.startsWith("unordered ");
                String command = unordered ? line.substring("unordered ".length()) : line;
                byte[][] argv = ArgSplitter.split(command.getBytes(StandardCharsets.UTF_8));
                RespClient.Reply want = direct.call(argv);
                RespClient.Reply got = proxied.call(argv);
                boolean same = unordered ? sorted(want.value()).equals(sorted(got.value())) : java.util.Arrays.equals(want.raw(), got.raw());
                if (!same) {
                    mismatches.add(command + "\n    redis: " + printable(want.raw()) + "\n    proxy: " + printable(got.raw()));
                }
            }
        }
        return mismatches;
    }

    private static List<String> sorted(Object v) {
        List<String> l = new ArrayList<>();
        if (v instanceof List<?> list) for (Object o : list) l.add(String.valueOf(o));
        else l.add(String.valueOf(v));
        java.util.Collections.sort(l);
        return l;
    }

    private static String printable(byte[] raw) {
        return new String(raw, StandardCharsets.UTF_8).replace("\r\n", "\\r\\n");
    }
}
