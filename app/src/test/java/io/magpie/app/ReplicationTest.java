package io.magpie.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.magpie.protocol.RespClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Magpie master and replicas in one JVM: full sync (diskless and disk), streaming,
 * partial resync, promotion, READONLY, WAIT, min-replicas. Interop with real redis-server
 * processes is in the repl package.
 */
class ReplicationTest {
    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) open.get(i).close();
    }

    private TestServer server(String... args) throws Exception {
        Path dir = Files.createTempDirectory("magpie-repl");
        List<String> all = new ArrayList<>(List.of("--dir", dir.toString(), "--repl-diskless-sync-delay", "0"));
        all.addAll(List.of(args));
        TestServer s = new TestServer(all.toArray(new String[0]));
        open.add(s);
        return s;
    }

    private RespClient client(TestServer s) {
        RespClient c = s.client();
        open.add(c);
        return c;
    }

    /** A reply as text: a status or error without its prefix, a bulk string, an integer. */
    static String call(RespClient c, String... args) {
        Object v = c.call(args).value();
        if (v instanceof RespClient.Status st) return st.text();
        if (v instanceof RespClient.Err e) return e.text();
        return String.valueOf(v);
    }

    static Map<String, String> info(RespClient c, String section) {
        Map<String, String> m = new TreeMap<>();
        for (String line : call(c, "INFO", section).split("\r\n")) {
            int i = line.indexOf(':');
            if (i > 0 && !line.startsWith("#")) m.put(line.substring(0, i), line.substring(i + 1));
        }
        return m;
    }

    private static void awaitInSync(RespClient master, RespClient... replicas) {
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            String offset = info(master, "replication").get("master_repl_offset");
            for (RespClient r : replicas) {
                Map<String, String> ri = info(r, "replication");
                assertThat(ri.get("master_link_status")).isEqualTo("up");
                assertThat(ri.get("master_repl_offset")).isEqualTo(offset);
            }
        });
    }

    /** Every key of every db, with its type and a canonical dump of its contents. */
    static Map<String, String> dataset(RespClient c) {
        Map<String, String> all = new TreeMap<>();
        for (int db = 0; db < 16; db++) {
            c.call("SELECT", Integer.toString(db));
            @SuppressWarnings("unchecked")
            List<Object> keys = (List<Object>) c.call("KEYS", "*").value();
            for (Object k : keys) {
                String key = (String) k;
                String type = call(c, "TYPE", key);
                String contents = switch (type) {
                    case "string" -> call(c, "GET", key);
                    case "hash" -> new TreeMap<>(pairs(c.call("HGETALL", key).value())).toString();
                    case "list" -> strings(c.call("LRANGE", key, "0", "-1").value()).toString();
                    case "set" -> new java.util.TreeSet<>(strings(c.call("SMEMBERS", key).value())).toString();
                    case "zset" -> strings(c.call("ZRANGE", key, "0", "-1", "WITHSCORES").value()).toString();
                    default -> "?";
                };
                boolean ttl = Long.parseLong(call(c, "PTTL", key)) > 0;
                all.put(db + ":" + key, type + " " + contents + (ttl ? " (ttl)" : ""));
            }
        }
        c.call("SELECT", "0");
        return all;
    }

    @SuppressWarnings("unchecked")
    private static List<String> strings(Object v) {
        List<String> out = new ArrayList<>();
        for (Object o : (List<Object>) v) out.add((String) o);
        return out;
    }

    private static Map<String, String> pairs(Object v) {
        List<String> l = strings(v);
        Map<String, String> m = new TreeMap<>();
        for (int i = 0; i < l.size(); i += 2) m.put(l.get(i), l.get(i + 1));
        return m;
    }

    private static void writeMixed(RespClient c, String tag, int n) {
        for (int i = 0; i < n; i++) {
            c.call("SELECT", Integer.toString(i % 3));
            c.call("SET", tag + "s" + i, "v" + i);
            c.call("INCRBY", tag + "counter", "3");
            c.call("HSET", tag + "h" + (i % 7), "f" + i, "x" + i);
            c.call("RPUSH", tag + "l" + (i % 5), "e" + i);
            c.call("SADD", tag + "set", "m" + i);
            c.call("ZADD", tag + "z", Integer.toString(i), "m" + i);
            if (i % 10 == 0) c.call("PEXPIRE", tag + "s" + i, "600000");
            if (i % 13 == 0) c.call("DEL", tag + "s" + (i / 2));
            if (i % 17 == 0) c.call("LPOP", tag + "l" + (i % 5));
        }
        c.call("MULTI");
        c.call("SET", tag + "tx", "1");
        c.call("INCR", tag + "tx");
        c.call("EXEC");
        c.call("SELECT", "0");
    }

    @Test
    void disklessFullSyncThenStreamingConvergesWithEqualOffsets() throws Exception {
        TestServer master = server();
        RespClient m = client(master);
        writeMixed(m, "before", 200);
        TestServer replica = server("--replicaof", "127.0.0.1", Integer.toString(master.port()));
        RespClient r = client(replica);
        awaitInSync(m, r);
        writeMixed(m, "after", 200);
        awaitInSync(m, r);
        assertThat(dataset(r)).isEqualTo(dataset(m)).hasSizeGreaterThan(50);
        assertThat(info(r, "replication").get("master_replid")).isEqualTo(info(m, "replication").get("master_replid"));
        assertThat(info(m, "stats").get("sync_full")).isEqualTo("1");
        List<?> masterRole = (List<?>) m.call("ROLE").value();
        assertThat(masterRole.get(0)).isEqualTo("master");
        assertThat(masterRole.get(1)).isEqualTo(Long.parseLong(info(m, "replication").get("master_repl_offset")));
        assertThat((List<?>) masterRole.get(2)).hasSize(1);
        List<?> role = (List<?>) r.call("ROLE").value();
        assertThat(role.get(0)).isEqualTo("slave");
        assertThat(role.get(2)).isEqualTo((long) master.port());
        assertThat(role.get(3)).isEqualTo("connected");
    }

    @Test
    void diskBasedFullSyncWritesTheRdbAndStreamsAfterIt() throws Exception {
        TestServer master = server("--repl-diskless-sync", "no");
        RespClient m = client(master);
        writeMixed(m, "a", 100);
        TestServer replica = server("--replicaof", "127.0.0.1", Integer.toString(master.port()));
        RespClient r = client(replica);
        awaitInSync(m, r);
        writeMixed(m, "b", 50);
        awaitInSync(m, r);
        assertThat(dataset(r)).isEqualTo(dataset(m));
        assertThat(info(m, "persistence").get("rdb_saves")).isEqualTo("1");
    }

    @Test
    void replicaRefusesWritesAndWaitWhileServingReads() throws Exception {
        TestServer master = server();
        RespClient m = client(master);
        m.call("SET", "k", "v");
        TestServer replica = server("--replicaof", "127.0.0.1", Integer.toString(master.port()));
        RespClient r = client(replica);
        awaitInSync(m, r);
        assertThat(call(r, "SET", "x", "1")).isEqualTo("READONLY You can't write against a read only replica.");
        assertThat(call(r, "GET", "k")).isEqualTo("v");
        assertThat(call(r, "WAIT", "1", "0")).startsWith("ERR WAIT cannot be used with replica instances.");
        m.call("SET", "k", "v2");
        assertThat(m.call("WAIT", "1", "5000").value()).isEqualTo(1L);
        // Two replicas asked, one exists: WAIT answers 1 when the timeout ends.
        assertThat(m.call("WAIT", "2", "200").value()).isEqualTo(1L);
        assertThat(call(r, "GET", "k")).isEqualTo("v2");
    }

    @Test
    void linkCutResumesByPartialResyncAndTinyBacklogFallsBackToFullSync() throws Exception {
        TestServer master = server("--repl-backlog-size", "16384");
        RespClient m = client(master);
        TestServer replica = server("--replicaof", "127.0.0.1", Integer.toString(master.port()), "--enable-debug-command", "yes");
        RespClient r = client(replica);
        awaitInSync(m, r);
        m.call("CLIENT", "KILL", "TYPE", "replica");
        writeMixed(m, "small", 20);
        awaitInSync(m, r);
        assertThat(info(m, "stats")).containsEntry("sync_full", "1").containsEntry("sync_partial_ok", "1");
        // The replica sleeps (its loop cannot reconnect) while the master writes more than its
        // 16 kB backlog holds: only a full sync can catch up.
        RespClient sleeper = client(replica);
        sleeper.send("DEBUG", "SLEEP", "2");
        Thread.sleep(100);
        m.call("CLIENT", "KILL", "TYPE", "replica");
        String big = "x".repeat(4096);
        for (int i = 0; i < 20; i++) m.call("SET", "big" + i, big);
        awaitInSync(m, r);
        assertThat(info(m, "stats")).containsEntry("sync_full", "2").containsEntry("sync_partial_ok", "1");
        assertThat(dataset(r)).isEqualTo(dataset(m));
    }

    @Test
    void promotedReplicaServesItsFormerSiblingWithPartialResync() throws Exception {
        TestServer master = server();
        RespClient m = client(master);
        writeMixed(m, "x", 50);
        String port = Integer.toString(master.port());
        TestServer a = server("--replicaof", "127.0.0.1", port);
        TestServer b = server("--replicaof", "127.0.0.1", port);
        RespClient ra = client(a), rb = client(b);
        awaitInSync(m, ra, rb);
        String oldId = info(m, "replication").get("master_replid");
        master.close();
        open.remove(master);
        assertThat(call(ra, "REPLICAOF", "NO", "ONE")).isEqualTo("OK");
        Map<String, String> promoted = info(ra, "replication");
        assertThat(promoted).containsEntry("role", "master").containsEntry("master_replid2", oldId);
        assertThat(call(rb, "REPLICAOF", "127.0.0.1", Integer.toString(a.port()))).isEqualTo("OK");
        ra.call("SET", "after", "promotion");
        awaitInSync(ra, rb);
        assertThat(info(ra, "stats")).containsEntry("sync_partial_ok", "1").containsEntry("sync_full", "0");
        assertThat(call(rb, "GET", "after")).isEqualTo("promotion");
        assertThat(dataset(rb)).isEqualTo(dataset(ra));
    }

    @Test
    void chainedReplicaSharesReplidAndOffset() throws Exception {
        TestServer master = server();
        RespClient m = client(master);
        TestServer mid = server("--replicaof", "127.0.0.1", Integer.toString(master.port()));
        TestServer leaf = server("--replicaof", "127.0.0.1", Integer.toString(mid.port()));
        RespClient rm = client(mid), rl = client(leaf);
        writeMixed(m, "c", 100);
        awaitInSync(m, rm);
        awaitInSync(m, rl);
        assertThat(info(rl, "replication").get("master_replid")).isEqualTo(info(m, "replication").get("master_replid"));
        assertThat(dataset(rl)).isEqualTo(dataset(m));
    }

    @Test
    void minReplicasToWriteRefusesWritesWithoutGoodReplicas() throws Exception {
        TestServer master = server("--min-replicas-to-write", "1", "--min-replicas-max-lag", "10");
        RespClient m = client(master);
        assertThat(call(m, "SET", "k", "v")).isEqualTo("NOREPLICAS Not enough good replicas to write.");
        assertThat(info(m, "replication")).containsEntry("min_slaves_good_slaves", "0");
        TestServer replica = server("--replicaof", "127.0.0.1", Integer.toString(master.port()));
        RespClient r = client(replica);
        awaitInSync(m, r);
        await().atMost(Duration.ofSeconds(10)).until(() -> call(m, "SET", "k", "v").equals("OK"));
    }

    @Test
    void failoverSwapsRolesWithoutLosingWrites() throws Exception {
        TestServer master = server();
        RespClient m = client(master);
        assertThat(call(m, "FAILOVER")).isEqualTo("ERR FAILOVER requires connected replicas.");
        assertThat(call(m, "FAILOVER", "ABORT")).isEqualTo("ERR No failover in progress.");
        TestServer replica = server("--replicaof", "127.0.0.1", Integer.toString(master.port()));
        RespClient r = client(replica);
        writeMixed(m, "f", 50);
        awaitInSync(m, r);
        assertThat(call(m, "FAILOVER", "TO", "127.0.0.1", "1", "FORCE")).isEqualTo(
                "ERR FAILOVER with force option requires both a timeout and target HOST and IP.");
        assertThat(call(m, "FAILOVER", "TO", "127.0.0.1", "1")).isEqualTo("ERR FAILOVER target HOST and PORT is not a replica.");
        assertThat(call(r, "FAILOVER")).isEqualTo("ERR FAILOVER is not valid when server is a replica.");
        assertThat(call(m, "FAILOVER", "TO", "127.0.0.1", Integer.toString(replica.port()), "TIMEOUT", "10000")).isEqualTo("OK");
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            assertThat(info(r, "replication")).containsEntry("role", "master");
            assertThat(info(m, "replication")).containsEntry("role", "slave").containsEntry("master_link_status", "up")
                    .containsEntry("master_failover_state", "no-failover");
        });
        assertThat(call(r, "SET", "after", "failover")).isEqualTo("OK");
        awaitInSync(r, m);
        assertThat(call(m, "GET", "after")).isEqualTo("failover");
        assertThat(dataset(m)).isEqualTo(dataset(r));
        // The handover was a partial resync: nothing was copied again.
        assertThat(info(r, "stats")).containsEntry("sync_full", "0").containsEntry("sync_partial_ok", "1");
    }

    @Test
    void failoverWaitsForTheTargetThenAbortsOrTimesOut() throws Exception {
        TestServer master = server();
        RespClient m = client(master);
        // A replica that syncs but never acknowledges: the failover can never see it caught up.
        RespClient fake = client(master);
        fake.send("REPLCONF", "listening-port", "4321");
        fake.send("PSYNC", "?", "-1");
        await().atMost(Duration.ofSeconds(10)).until(() -> info(m, "replication").getOrDefault("slave0", "").contains("state=online"));
        assertThat(call(m, "FAILOVER", "TO", "127.0.0.1", "4321", "TIMEOUT", "60000")).isEqualTo("OK");
        assertThat(info(m, "replication")).containsEntry("master_failover_state", "waiting-for-sync");
        assertThat(call(m, "FAILOVER")).isEqualTo("ERR FAILOVER already in progress.");
        assertThat(call(m, "FAILOVER", "ABORT")).isEqualTo("OK");
        assertThat(info(m, "replication")).containsEntry("master_failover_state", "no-failover").containsEntry("role", "master");
        assertThat(call(m, "SET", "k", "v")).isEqualTo("OK");
        assertThat(call(m, "FAILOVER", "TO", "127.0.0.1", "4321", "TIMEOUT", "300")).isEqualTo("OK");
        await().atMost(Duration.ofSeconds(10)).until(() -> info(m, "replication").get("master_failover_state").equals("no-failover"));
        assertThat(info(m, "replication")).containsEntry("role", "master");
        assertThat(call(m, "SET", "k", "v2")).isEqualTo("OK");
    }

    @Test
    void restartedReplicaContinuesWithPartialResyncInTheSelectedDb() throws Exception {
        TestServer master = server();
        RespClient m = client(master);
        Path replicaDir = Files.createTempDirectory("magpie-repl-restart");
        String[] replicaArgs = {"--dir", replicaDir.toString(), "--replicaof", "127.0.0.1", Integer.toString(master.port())};
        TestServer replica = new TestServer(replicaArgs);
        RespClient r = replica.client();
        m.call("SELECT", "5");
        m.call("SET", "in5", "a");
        awaitInSync(m, r);
        assertThat(call(r, "SAVE")).isEqualTo("OK");
        r.close();
        replica.close();
        // Written while the replica is down, still in db 5: the stream will not SELECT again.
        m.call("SET", "also5", "b");
        replica = new TestServer(replicaArgs);
        open.add(replica);
        r = client(replica);
        awaitInSync(m, r);
        assertThat(info(m, "stats")).containsEntry("sync_full", "1").containsEntry("sync_partial_ok", "1");
        r.call("SELECT", "5");
        assertThat(call(r, "GET", "also5")).isEqualTo("b");
        assertThat(dataset(r)).isEqualTo(dataset(m));
    }

    @Test
    void restartedMasterKeepsItsIdAndOffsetForItsReplicas() throws Exception {
        Path masterDir = Files.createTempDirectory("magpie-master-restart");
        TestServer master = new TestServer("--dir", masterDir.toString(), "--repl-diskless-sync-delay", "0");
        RespClient m = master.client();
        int port = master.port();
        TestServer replica = server("--replicaof", "127.0.0.1", Integer.toString(port));
        RespClient r = client(replica);
        writeMixed(m, "r", 30);
        awaitInSync(m, r);
        String id = info(m, "replication").get("master_replid");
        assertThat(call(m, "SAVE")).isEqualTo("OK");
        m.close();
        master.close();
        master = new TestServer("--dir", masterDir.toString(), "--port", Integer.toString(port));
        open.add(master);
        m = client(master);
        assertThat(info(m, "replication").get("master_replid")).isEqualTo(id);
        m.call("SET", "after", "restart");
        awaitInSync(m, r);
        assertThat(info(m, "stats")).containsEntry("sync_full", "0").containsEntry("sync_partial_ok", "1");
        assertThat(call(r, "GET", "after")).isEqualTo("restart");
    }

    @Test
    void replicaReportsLogicallyExpiredKeysGoneButDeletesOnlyOnTheMastersDel() throws Exception {
        TestServer master = server("--enable-debug-command", "yes");
        RespClient m = client(master);
        assertThat(call(m, "DEBUG", "SET-ACTIVE-EXPIRE", "0")).isEqualTo("OK");
        TestServer replica = server();
        RespClient r = client(replica);
        r.call("REPLICAOF", "127.0.0.1", Integer.toString(master.port()));
        m.call("SET", "short", "v", "PX", "50");
        awaitInSync(m, r);
        Thread.sleep(200);
        assertThat(call(r, "GET", "short")).isEqualTo("null");
        assertThat(call(r, "EXISTS", "short")).isEqualTo("0");
        assertThat(call(r, "DBSIZE")).isEqualTo("1"); // still there: only the master's DEL removes it
        assertThat(call(m, "GET", "short")).isEqualTo("null"); // lazy expiry on the master propagates DEL
        await().atMost(Duration.ofSeconds(10)).until(() -> call(r, "DBSIZE").equals("0"));
    }

    @Test
    void replicaOverItsOutputBufferLimitIsDropped() throws Exception {
        TestServer master = server("--client-output-buffer-limit", "replica 256kb 0 0");
        RespClient m = client(master);
        // A replica that syncs, then never reads: its output grows until the limit drops it.
        java.net.Socket stuck = new java.net.Socket("127.0.0.1", master.port());
        open.add(stuck);
        stuck.setReceiveBufferSize(4096);
        stuck.getOutputStream().write(RespClient.encode(RespClient.args("REPLCONF", "capa", "eof")));
        stuck.getOutputStream().write(RespClient.encode(RespClient.args("PSYNC", "?", "-1")));
        await().atMost(Duration.ofSeconds(10)).until(() -> info(m, "replication").getOrDefault("slave0", "").contains("online"));
        stuck.getOutputStream().write(RespClient.encode(RespClient.args("REPLCONF", "ACK", "0")));
        String value = "x".repeat(64 * 1024);
        for (int i = 0; i < 200 && !info(m, "replication").get("connected_slaves").equals("0"); i++) m.call("SET", "k" + i, value);
        assertThat(info(m, "replication")).containsEntry("connected_slaves", "0");
        assertThat(Long.parseLong(info(m, "stats").get("client_output_buffer_limit_disconnections"))).isGreaterThanOrEqualTo(1);
    }
}
