package io.magpie.app.repl;

import static org.assertj.core.api.Assertions.assertThat;

import io.magpie.app.repl.Node.Kind;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What a user sees of replication besides the data: WAIT, ROLE, INFO replication, the
 * read-only replica's errors, masterauth failures, a master that dies and comes back. Where
 * Redis defines the exact answer, the node under test is compared with a redis-server in the
 * same role (byte for byte for errors; field names and order for INFO; element types for ROLE).
 */
class ReplicationFeaturesTest {
    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0} master, two {1} replicas")
    @CsvSource({"MAGPIE, MAGPIE", "MAGPIE, REDIS", "REDIS, MAGPIE"})
    void masterWithTwoReplicasFeedsBothAndWaitCountsThem(Kind masterKind, Kind replicaKind) {
        masterWithTwoReplicasFeedsBothAndWaitCountsThem(dir, masterKind, replicaKind);
    }

    static void masterWithTwoReplicasFeedsBothAndWaitCountsThem(Path dir, Kind masterKind, Kind replicaKind) {
        try (Topology t = new Topology(dir)) {
            Node master = t.start(masterKind, "master");
            ContinuousWriter writer = t.writer(master, 7);
            writer.writeNow(1_000);
            Node r1 = t.replica(replicaKind, "replica1", master);
            Node r2 = t.replica(replicaKind, "replica2", master);
            writer.rate(1_500).limit(1_000 + 2_000).start();
            r1.awaitLinkUp();
            r2.awaitLinkUp();
            assertThat(writer.awaitOps(3_000, 60_000)).isTrue();
            writer.stop();
            Datasets.assertSameData(master, r1, r2);
            assertThat(writer.errors()).isEmpty();
            master.awaitReplicasOnline(2);

            master.ok("SET", "waited", "1");
            assertThat(master.call("WAIT", "2", "10000")).as("both replicas acknowledge").isEqualTo(2L);
            assertThat(master.call("WAIT", "3", "200")).as("a third never comes: the count at the timeout").isEqualTo(2L);
            assertThat(master.call("WAIT", "0", "0")).isEqualTo(2L);

            Map<String, String> info = master.info("replication");
            assertThat(info.get("connected_slaves")).isEqualTo("2");
            Set<String> replicaPorts = Set.of(String.valueOf(r1.port()), String.valueOf(r2.port()));
            for (String slave : List.of("slave0", "slave1")) {
                assertThat(info.get(slave)).matches("ip=127\\.0\\.0\\.1,port=\\d+,state=online,offset=\\d+,lag=\\d+");
                assertThat(replicaPorts).contains(info.get(slave).replaceAll(".*port=(\\d+),.*", "$1"));
            }
            // A master's own pings and GETACKs move the offset at any time: ROLE's lies between two reads.
            long offsetBefore = master.infoLong("replication", "master_repl_offset");
            List<?> role = (List<?>) master.call("ROLE");
            long offsetAfter = master.infoLong("replication", "master_repl_offset");
            assertThat(role.get(0)).isEqualTo("master");
            assertThat((Long) role.get(1)).isBetween(offsetBefore, offsetAfter);
            List<String> rolePorts = new ArrayList<>();
            for (Object r : (List<?>) role.get(2)) {
                List<?> entry = (List<?>) r;
                assertThat(entry.get(0)).isEqualTo("127.0.0.1");
                rolePorts.add((String) entry.get(1));
                assertThat(Long.parseLong((String) entry.get(2))).isPositive();
            }
            assertThat(rolePorts).containsExactlyInAnyOrderElementsOf(replicaPorts);
        }
    }

    /** A master with one (real Redis) replica, beside a redis-server master in the same state. */
    @ParameterizedTest(name = "{0} master")
    @EnumSource(Kind.class)
    void masterRoleAndInfoReplicationHaveRedisShape(Kind kind) {
        try (Topology t = new Topology(dir)) {
            Node reference = t.start(Kind.REDIS, "reference");
            Node tested = t.start(kind, "tested");
            assertThat(infoShape(tested)).as("a master without replicas").isEqualTo(infoShape(reference));
            assertThat(shape(tested.call("ROLE"))).isEqualTo(shape(reference.call("ROLE")));

            Node referenceReplica = t.replica(Kind.REDIS, "referenceReplica", reference);
            Node testedReplica = t.replica(Kind.REDIS, "testedReplica", tested);
            for (Node n : List.of(reference, tested)) n.ok("SET", "k", "v");
            Datasets.awaitConverged(60_000, reference, referenceReplica);
            Datasets.awaitConverged(60_000, tested, testedReplica);
            reference.awaitReplicasOnline(1);
            tested.awaitReplicasOnline(1);
            reference.awaitReplicaAcks();
            tested.awaitReplicaAcks();
            assertThat(infoShape(tested)).as("a master with a replica").isEqualTo(infoShape(reference));
            assertThat(shape(tested.call("ROLE"))).isEqualTo(shape(reference.call("ROLE")));
            Map<String, String> info = tested.info("replication");
            assertThat(info.get("slave0")).contains("port=" + testedReplica.port() + ",state=online,offset=" + info.get("master_repl_offset"));
            assertThat(info.get("repl_backlog_active")).isEqualTo("1");
        }
    }

    /** A replica of a real Redis master, beside a redis-server replica of the same master. */
    @ParameterizedTest(name = "{0} replica")
    @EnumSource(Kind.class)
    void replicaRoleInfoAndErrorsAreRedis(Kind kind) {
        try (Topology t = new Topology(dir)) {
            Node master = t.start(Kind.REDIS, "master");
            master.ok("SET", "k", "v");
            Node reference = t.replica(Kind.REDIS, "reference", master);
            Node tested = t.replica(kind, "tested", master);
            Datasets.awaitConverged(60_000, master, reference, tested);

            assertThat(infoShape(tested)).as("link up").isEqualTo(infoShape(reference));
            long offset = tested.infoLong("replication", "master_repl_offset");
            @SuppressWarnings("unchecked")
            List<Object> role = (List<Object>) tested.call("ROLE");
            assertThat(shape(role)).isEqualTo(shape(reference.call("ROLE")));
            assertThat(role).containsExactly("slave", "127.0.0.1", (long) master.port(), "connected", offset);
            assertThat(tested.call("GET", "k")).isEqualTo("v");

            String[][] script = {{"SET", "k", "w"}, {"DEL", "k"}, {"FLUSHALL"}, {"INCR", "n"}, {"MULTI"}, {"SET", "x", "1"},
                {"GET", "k"}, {"EXEC"}, {"WAIT", "1", "0"}, {"PUBLISH", "ch", "m"}, {"SELECT", "3"}, {"SET", "k", "v"}};
            assertThat(ReplicationConfigTest.replies(tested, script)).isEqualTo(ReplicationConfigTest.replies(reference, script));
            assertThat(ReplicationConfigTest.replies(tested, new String[][] {{"SET", "k", "w"}}).get(0))
                    .isEqualTo("-READONLY You can't write against a read only replica.\r\n");

            master.kill();
            reference.awaitInfo("replication", "master_link_status", "down", 30_000);
            tested.awaitInfo("replication", "master_link_status", "down", 30_000);
            assertThat(infoShape(tested)).as("link down").isEqualTo(infoShape(reference));
            assertThat(shape(tested.call("ROLE"))).isEqualTo(shape(reference.call("ROLE")));
            assertThat(tested.call("GET", "k")).as("stale data served").isEqualTo("v");

            String[][] writable = {{"CONFIG", "SET", "replica-read-only", "no"}, {"SET", "local", "1"}, {"GET", "local"}};
            assertThat(ReplicationConfigTest.replies(tested, writable)).isEqualTo(ReplicationConfigTest.replies(reference, writable));
        }
    }

    /** What a replica announces (replica-announce-ip/port) is what its master lists; priority and visibility show in its INFO. */
    @ParameterizedTest(name = "{0} master, {1} replica")
    @CsvSource({"REDIS, REDIS", "REDIS, MAGPIE", "MAGPIE, REDIS"})
    void replicaAnnouncedAddressPriorityAndVisibilityShowAsRedisShowsThem(Kind masterKind, Kind replicaKind) {
        try (Topology t = new Topology(dir)) {
            Node master = t.start(masterKind, "master");
            Node replica = t.replica(replicaKind, "replica", master, "--replica-announce-ip", "10.1.2.3",
                    "--replica-announce-port", "4321", "--replica-priority", "42", "--replica-announced", "no");
            replica.awaitLinkUp();
            master.awaitReplicasOnline(1);
            assertThat(master.info("replication").get("slave0")).startsWith("ip=10.1.2.3,port=4321,state=online,");
            List<?> listed = (List<?>) ((List<?>) ((List<?>) master.call("ROLE")).get(2)).get(0);
            assertThat(List.of(listed.get(0), listed.get(1))).isEqualTo(List.of("10.1.2.3", "4321"));
            Map<String, String> info = replica.info("replication");
            assertThat(info.get("slave_priority")).isEqualTo("42");
            assertThat(info.get("replica_announced")).isEqualTo("0");
        }
    }

    @ParameterizedTest(name = "{0} master, {1} replica")
    @CsvSource({"REDIS, REDIS", "REDIS, MAGPIE", "MAGPIE, REDIS"})
    void wrongMasterauthFailsWithRedisLogMessageAndExposesNoData(Kind masterKind, Kind replicaKind) {
        try (Topology t = new Topology(dir)) {
            Node master = t.start(masterKind, "master", "--requirepass", "secret");
            master.ok("SET", "secret-key", "secret-value");
            Node replica = t.replica(replicaKind, "replica", master, "--masterauth", "wrong");
            assertThat(replica.awaitLog("Unable to AUTH to MASTER: -WRONGPASS invalid username-password pair or user is disabled.", 20_000))
                    .as(replica.logTail()).isTrue();
            assertThat(replica.info("replication").get("master_link_status")).isEqualTo("down");
            assertThat(replica.call("DBSIZE")).isEqualTo(0L);
            assertThat(replica.call("GET", "secret-key")).isNull();

            replica.ok("CONFIG", "SET", "masterauth", "secret");
            replica.awaitLinkUp();
            Datasets.assertSameData(master, replica);
        }
    }

    @ParameterizedTest(name = "{0} master, {1} replica")
    @CsvSource({"REDIS, REDIS", "REDIS, MAGPIE", "MAGPIE, REDIS"})
    void missingMasterauthFailsWithRedisLogMessageAndExposesNoData(Kind masterKind, Kind replicaKind) {
        try (Topology t = new Topology(dir)) {
            Node master = t.start(masterKind, "master", "--requirepass", "secret");
            master.ok("SET", "secret-key", "secret-value");
            Node replica = t.replica(replicaKind, "replica", master);
            assertThat(replica.awaitLog("MASTER aborted replication with an error: NOAUTH Authentication required.", 20_000))
                    .as(replica.logTail()).isTrue();
            assertThat(replica.info("replication").get("master_link_status")).isEqualTo("down");
            assertThat(replica.call("DBSIZE")).isEqualTo(0L);
        }
    }

    /** SIGKILL of the master: the replica serves stale data, then follows the restarted (empty) master by a full sync. */
    @ParameterizedTest(name = "{0} master, {1} replica")
    @CsvSource({"REDIS, MAGPIE", "MAGPIE, REDIS"})
    void replicaOfAKilledMasterServesStaleDataThenFollowsItsRestart(Kind masterKind, Kind replicaKind) {
        replicaOfAKilledMasterServesStaleDataThenFollowsItsRestart(dir, masterKind, replicaKind);
    }

    static void replicaOfAKilledMasterServesStaleDataThenFollowsItsRestart(Path dir, Kind masterKind, Kind replicaKind) {
        try (Topology t = new Topology(dir)) {
            Node master = t.start(masterKind, "master");
            ContinuousWriter writer = t.writer(master, 8);
            writer.writeNow(1_000);
            Node replica = t.replica(replicaKind, "replica", master);
            Node.sleep(ContinuousWriter.SHORT_TTL_MAX_MILLIS); // the keys with short TTLs are gone before the master dies
            Datasets.assertSameData(master, replica);
            int keys = Datasets.keyCount(replica);

            master.kill();
            replica.awaitInfo("replication", "master_link_status", "down", 30_000);
            assertThat(Datasets.keyCount(replica)).as("stale data still served").isEqualTo(keys);
            assertThat(replica.info("replication")).containsKey("master_link_down_since_seconds");

            master.restart(); // no persistence: an empty master with a new replid
            replica.awaitLinkUp();
            master.ok("SET", "after-restart", "1");
            Datasets.assertSameData(master, replica);
            assertThat(replica.call("DBSIZE")).isEqualTo(1L);
            assertThat(master.syncStats().full()).isEqualTo(1);
        }
    }

    /** INFO replication's field names in order; a slaveN line also by its key names. */
    static List<String> infoShape(Node n) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, String> e : n.info("replication").entrySet()) {
            if (e.getKey().matches("slave\\d+")) {
                out.add(e.getKey() + ":" + e.getValue().replaceAll("=[^,]*", ""));
            } else {
                out.add(e.getKey());
            }
        }
        return out;
    }

    /** A reply's structure: element types, with ROLE's fixed words kept. */
    static Object shape(Object v) {
        if (v instanceof List<?> l) {
            List<Object> out = new ArrayList<>();
            for (Object o : l) out.add(shape(o));
            return out;
        }
        if (v instanceof Long) return "integer";
        if (v instanceof String s) return Set.of("master", "slave", "connected", "connect", "connecting", "sync", "handshake").contains(s) ? s : "bulk";
        if (v == null) return "nil";
        return v.getClass().getSimpleName() + ":" + v;
    }
}
