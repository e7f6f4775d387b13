package io.magpie.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.magpie.protocol.ArgSplitter;
import io.magpie.protocol.RespClient;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Keyspace notifications compared message by message with redis-server: a subscriber on
 * PSUBSCRIBE __key*__:* on each server, the same writes on a second connection, and the
 * two message streams must be identical, for every event class. After each command both
 * writers publish a marker, so the streams are compared command by command and a failure
 * names the command. Commands Magpie does not implement yet are left out of the workload
 * on both servers (listed on stdout), so the test follows the command set as it grows.
 * Class 'e' (evicted) needs maxmemory pressure and is not covered here.
 */
class KeyspaceNotificationsDifferentialTest extends AgainstRealRedis {
    /** The workload; {P} is replaced by a per-run key prefix so that runs do not interfere. */
    private static final String[] WORKLOAD = {
        // strings ($), with the new-key (n) and key-miss (m) events they cause
        "SET {P}s v", "SET {P}s v2 KEEPTTL", "SETNX {P}s x", "SETNX {P}s2 x", "SETEX {P}s3 100 v", "PSETEX {P}s4 100000 v",
        "MSET {P}m1 a {P}m2 b", "MSETNX {P}m1 a {P}m3 c", "APPEND {P}s tail", "APPEND {P}ap new", "INCR {P}n", "INCRBY {P}n 5",
        "DECR {P}n", "DECRBY {P}n 2", "INCRBYFLOAT {P}f 1.5", "SETRANGE {P}s 1 XY", "SETRANGE {P}sr 3 pad", "GETSET {P}s old",
        "GETDEL {P}m2", "GETDEL {P}missing", "GETEX {P}s EX 100", "GETEX {P}s PERSIST", "GETEX {P}s", "GET {P}missing",
        "MGET {P}missing {P}s", "STRLEN {P}missing", "SET {P}s v GET", "SET {P}nx v NX GET", "SET {P}s w XX PX 100000",
        "INCR {P}s", "SETBIT {P}bits 7 1", "BITOP OR {P}bitdest {P}bits {P}missing", "BITFIELD {P}bf SET u8 0 200",
        "PFADD {P}hll a b c", "PFADD {P}hll a", "PFMERGE {P}hll2 {P}hll",
        // generic (g)
        "DEL {P}m1 {P}missing", "UNLINK {P}m3", "EXPIRE {P}s 100", "PEXPIRE {P}s 100000", "EXPIREAT {P}s 4000000000",
        "PEXPIREAT {P}s 4000000000000", "EXPIRE {P}s 100 NX", "PERSIST {P}s", "PERSIST {P}s", "RENAME {P}s {P}s5",
        "RENAMENX {P}s5 {P}n", "RENAMENX {P}s5 {P}s6", "COPY {P}s6 {P}s7", "COPY {P}s6 {P}s7", "MOVE {P}s7 3", "SELECT 3",
        "SET {P}db3 v", "DEL {P}s7", "SELECT 0", "EXPIRE {P}s6 -1", "PEXPIRE {P}n 0", "TOUCH {P}f", "SET {P}sortsrc x",
        "DEL {P}sortsrc", "RPUSH {P}sortsrc 3 1 2", "SORT {P}sortsrc STORE {P}sorted", "SORT {P}missing STORE {P}sorted",
        // lists (l)
        "LPUSH {P}l a b c", "RPUSH {P}l d", "LPUSHX {P}l e", "RPUSHX {P}missing e", "LINSERT {P}l BEFORE a x",
        "LSET {P}l 0 y", "LREM {P}l 1 x", "LTRIM {P}l 0 3", "LPOP {P}l", "RPOP {P}l 1", "RPOPLPUSH {P}l {P}l2",
        "LMOVE {P}l2 {P}l LEFT RIGHT", "BLPOP {P}l 1", "BRPOP {P}l 1", "LMPOP 1 {P}l LEFT COUNT 5", "LPOP {P}l",
        "RPUSH {P}l3 a", "LTRIM {P}l3 1 0",
        // sets (s)
        "SADD {P}set a b c d", "SADD {P}set a", "SREM {P}set a", "SMOVE {P}set {P}set2 b",
        // SMOVE of a member the destination has already: srem on the source, no sadd on the destination
        "SADD {P}set q", "SADD {P}set2 q", "SMOVE {P}set {P}set2 q", "SPOP {P}set", "SPOP {P}set 5",
        "SADD {P}set x y", "SADD {P}set3 y z", "SINTERSTORE {P}sdst {P}set {P}set3", "SUNIONSTORE {P}sdst {P}set {P}set3",
        "SDIFFSTORE {P}sdst {P}set {P}set", "SINTERSTORE {P}sdst {P}set {P}missing",
        // hashes (h)
        "HSET {P}h f1 v1 f2 v2", "HSET {P}h f1 v1", "HSETNX {P}h f3 v", "HSETNX {P}h f3 v", "HMSET {P}h f4 v",
        "HINCRBY {P}h n 3", "HINCRBYFLOAT {P}h fl 1.5", "HDEL {P}h f1 missing", "HDEL {P}h f2 f3 f4 n fl",
        // sorted sets (z)
        "ZADD {P}z 1 a 2 b 3 c 4 d", "ZADD {P}z 1 a", "ZADD {P}z INCR 5 a", "ZINCRBY {P}z 1 b", "ZREM {P}z c",
        "ZADD {P}z 7 e 8 f 9 g", "ZREMRANGEBYSCORE {P}z 8 8", "ZREMRANGEBYRANK {P}z 0 0", "ZREMRANGEBYLEX {P}z2 - +",
        "ZPOPMIN {P}z", "ZPOPMAX {P}z 2", "ZADD {P}z2 1 x 2 y", "ZUNIONSTORE {P}zdst 2 {P}z {P}z2",
        "ZINTERSTORE {P}zdst 2 {P}z {P}z2", "ZDIFFSTORE {P}zdst 1 {P}z2", "ZRANGESTORE {P}zdst {P}z2 0 -1",
        "ZRANGESTORE {P}zdst {P}missing 0 -1", "BZPOPMIN {P}z2 1", "ZMPOP 1 {P}z2 MAX", "GEOADD {P}geo 13.36 38.11 palermo",
        // streams (t)
        "XADD {P}x 1-1 f v", "XADD {P}x 2-1 f v", "XDEL {P}x 1-1", "XTRIM {P}x MAXLEN 0", "XADD {P}x 3-1 f v",
        "XGROUP CREATE {P}x g 0", "XGROUP CREATECONSUMER {P}x g c", "XGROUP DELCONSUMER {P}x g c", "XGROUP SETID {P}x g 0",
        "XGROUP DESTROY {P}x g", "XSETID {P}x 5-0", "XGROUP CREATE {P}x g2 0", "XREADGROUP GROUP g2 c2 STREAMS {P}x >",
        "XCLAIM {P}x g2 c3 0 3-1", "XAUTOCLAIM {P}x g2 c4 0 0", "XADD {P}x MAXLEN = 0 6-1 f v", "XADD {P}nomk NOMKSTREAM 1-1 f v",
        "XGROUP CREATE {P}mk g $ MKSTREAM", "XACK {P}x g2 3-1", "XTRIM {P}x MINID 9",
        // a transaction: its events in order
        "MULTI", "SET {P}t1 a", "LPUSH {P}t2 a", "DEL {P}t1", "EXEC",
        // expired (x): lazily found after the TTL, or by active expiry meanwhile; either way one event
        "SET {P}e v PX 30", "SLEEP 120", "GET {P}e", "SET {P}e2 v PX 30", "SLEEP 120", "EXISTS {P}e2",
    };

    private static final String[] CLASSES = {
        "KEg", "KE$", "KEl", "KEs", "KEh", "KEz", "KEt", "KEx", "KEm", "KEn", "KEA", "Kg$", "El", "KEAnm",
    };

    @TestFactory
    Stream<DynamicTest> everyClass() {
        List<String> workload = supportedWorkload();
        List<DynamicTest> tests = new ArrayList<>();
        int run = 0;
        for (String classes : CLASSES) {
            String prefix = "kn" + (run++) + ":";
            tests.add(DynamicTest.dynamicTest("notify-keyspace-events " + classes, () -> compare(classes, prefix, workload)));
        }
        return tests.stream();
    }

    /** The workload less commands that Magpie does not know yet (a wrong-arity probe answers "unknown command"). */
    private static List<String> supportedWorkload() {
        List<String> out = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        try (RespClient m = magpie.client()) {
            for (String line : WORKLOAD) {
                String name = line.split(" ")[0];
                if (name.equals("SLEEP")) {
                    out.add(line);
                    continue;
                }
                String[] probe = line.startsWith("XGROUP ") ? new String[] {"XGROUP", line.split(" ")[1], "x"} : new String[] {name};
                Object r = m.value(probe);
                if (r instanceof RespClient.Err e && e.text().startsWith("ERR unknown ")) skipped.add(line);
                else out.add(line);
            }
            m.call("DISCARD"); // a probe of MULTI opened a transaction
        }
        System.out.println("KeyspaceNotificationsDifferentialTest: not implemented yet, left out: " + skipped);
        return out;
    }

    private static void compare(String classes, String prefix, List<String> workload) throws Exception {
        setClasses(classes);
        try (RespClient rSub = redis.client(); RespClient mSub = magpie.client();
             RespClient rw = redis.client(); RespClient mw = magpie.client()) {
            for (RespClient sub : new RespClient[] {rSub, mSub}) {
                sub.setTimeout(10_000);
                sub.call("PSUBSCRIBE", "__key*__:*");
            }
            int n = 0;
            boolean inMulti = false;
            for (String line : workload) {
                if (line.startsWith("SLEEP ")) {
                    Thread.sleep(Long.parseLong(line.substring(6)));
                    continue;
                }
                byte[][] argv = ArgSplitter.split(line.replace("{P}", prefix).getBytes(StandardCharsets.UTF_8));
                rw.call(argv);
                mw.call(argv);
                // A marker published inside MULTI would be queued: compare a transaction as a whole.
                if (line.equals("MULTI")) inMulti = true;
                if (line.equals("EXEC")) inMulti = false;
                if (inMulti) continue;
                String marker = "__keysync__:" + (n++);
                rw.call("PUBLISH", marker, "x");
                mw.call("PUBLISH", marker, "x");
                List<String> expected = eventsUntil(rSub, marker, prefix);
                List<String> actual = eventsUntil(mSub, marker, prefix);
                assertThat(actual).as("events of `%s` with notify-keyspace-events %s", line, classes).isEqualTo(expected);
            }
        } finally {
            setClasses("");
        }
    }

    /**
     * The messages a subscriber received up to the marker, as "channel message", about keys
     * of this run only: a key left with a TTL by an earlier run may expire at any time.
     */
    private static List<String> eventsUntil(RespClient sub, String marker, String prefix) {
        List<String> events = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            List<?> msg = (List<?>) sub.read().value();
            String channel = String.valueOf(msg.get(2));
            if (channel.equals(marker)) return events;
            String event = channel + " " + msg.get(3);
            if (event.contains(prefix)) events.add(event);
        }
        throw new AssertionError("no marker " + marker + " after 1000 messages: " + events);
    }

    private static void setClasses(String classes) throws Exception {
        try (RespClient r = redis.client()) {
            assertThat(r.value("CONFIG", "SET", "notify-keyspace-events", classes).toString()).isEqualTo("OK");
        }
        configureMagpie("notify-keyspace-events", classes);
    }
}
