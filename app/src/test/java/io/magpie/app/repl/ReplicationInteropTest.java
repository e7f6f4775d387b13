package io.magpie.app.repl;

import static org.assertj.core.api.Assertions.assertThat;

import io.magpie.app.repl.Node.Kind;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Issue 6's interop acceptance (a), (b), (c): replicas of every kind follow masters of every
 * kind under continuous writes of all types, to identical datasets and offsets. The
 * REDIS-only rows check the test itself against redis-server; the rows with MAGPIE are the
 * real tests.
 */
class ReplicationInteropTest {
    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0} master, {1} replica")
    @CsvSource({"REDIS, MAGPIE", "MAGPIE, REDIS"})
    void replicaFollowsMasterUnderContinuousWritesOfAllTypes(Kind masterKind, Kind replicaKind) {
        replicaFollowsMasterUnderContinuousWritesOfAllTypes(dir, masterKind, replicaKind);
    }

    static void replicaFollowsMasterUnderContinuousWritesOfAllTypes(Path dir, Kind masterKind, Kind replicaKind) {
        try (Topology t = new Topology(dir)) {
            Node master = t.start(masterKind, "master");
            ContinuousWriter writer = t.writer(master, 1);
            writer.writeNow(2_000); // a dataset of every type for the full sync to carry
            Node replica = t.replica(replicaKind, "replica", master);
            writer.rate(1_500).limit(2_000 + 3_000).start(); // and writes during and after it
            replica.awaitLinkUp();
            assertThat(writer.awaitOps(5_000, 60_000)).isTrue();
            writer.stop();

            // The writer's errors first: a write the master refused or failed explains a difference.
            assertThat(writer.errors()).isEmpty();
            Datasets.assertSameData(master, replica);
            assertThat(Datasets.keyCount(master)).isGreaterThan(500);
            assertThat(master.syncStats().full()).as("full syncs served").isEqualTo(1);
            assertThat(replica.info("replication").get("master_replid")).isEqualTo(master.info("replication").get("master_replid"));
        }
    }

    @ParameterizedTest(name = "{0} -> {1} -> {2}")
    @CsvSource({"REDIS, MAGPIE, REDIS", "MAGPIE, REDIS, MAGPIE"})
    void chainedReplicaGetsTheSameDataReplidAndOffsets(Kind topKind, Kind middleKind, Kind leafKind) {
        chainedReplicaGetsTheSameDataReplidAndOffsets(dir, topKind, middleKind, leafKind);
    }

    static void chainedReplicaGetsTheSameDataReplidAndOffsets(Path dir, Kind topKind, Kind middleKind, Kind leafKind) {
        try (Topology t = new Topology(dir)) {
            Node top = t.start(topKind, "top");
            ContinuousWriter writer = t.writer(top, 2);
            writer.writeNow(1_500);
            Node middle = t.replica(middleKind, "middle", top);
            Node leaf = t.replica(leafKind, "leaf", middle);
            writer.rate(1_500).limit(1_500 + 3_000).start();
            middle.awaitLinkUp();
            leaf.awaitLinkUp();
            assertThat(writer.awaitOps(4_500, 60_000)).isTrue();
            writer.stop();

            assertThat(writer.errors()).isEmpty();
            Datasets.assertSameData(top, middle, leaf);
            String replid = top.info("replication").get("master_replid");
            assertThat(middle.info("replication").get("master_replid")).isEqualTo(replid);
            assertThat(leaf.info("replication").get("master_replid")).isEqualTo(replid);
            assertThat(middle.info("replication").get("connected_slaves")).isEqualTo("1");
        }
    }

    /**
     * A middle replica cannot add a SELECT to the stream it forwards, so the snapshot it gives
     * a sub-replica must name the db its master's stream is in (RDB aux repl-stream-db):
     * the sub-replica applies the next write, sent without SELECT, in that db.
     */
    @ParameterizedTest(name = "{0} -> {1} -> {2}")
    @CsvSource({"REDIS, REDIS, REDIS", "REDIS, MAGPIE, REDIS", "REDIS, MAGPIE, MAGPIE", "MAGPIE, REDIS, MAGPIE"})
    void subReplicaSyncedMidStreamAppliesTheNextWriteInTheStreamsDb(Kind topKind, Kind middleKind, Kind leafKind) {
        try (Topology t = new Topology(dir)) {
            Node top = t.start(topKind, "top");
            Node middle = t.replica(middleKind, "middle", top);
            middle.awaitLinkUp(); // so that SELECT 5 goes down the stream, not in the snapshot
            top.ok("SELECT", "5");
            top.ok("SET", "before", "1");
            Datasets.awaitConverged(30_000, top, middle);
            Node leaf = t.replica(leafKind, "leaf", middle);
            leaf.awaitLinkUp();
            top.ok("SET", "after", "1"); // still db 5: the top's stream has no new SELECT
            Datasets.assertSameData(top, middle, leaf);
        }
    }

    /**
     * With active expiry off on the master, a key past its TTL is gone for a replica's readers
     * but still held until the master's DEL arrives: a replica never expires keys by itself.
     */
    @ParameterizedTest(name = "REDIS master, {0} replica")
    @CsvSource({"REDIS", "MAGPIE"})
    void replicaDropsExpiredKeysOnlyThroughTheMastersDel(Kind replicaKind) {
        try (Topology t = new Topology(dir)) {
            Node master = t.start(Kind.REDIS, "master");
            Node replica = t.replica(replicaKind, "replica", master);
            replica.awaitLinkUp();
            master.ok("DEBUG", "SET-ACTIVE-EXPIRE", "0");
            master.ok("SET", "k", "v", "PX", "300");
            master.ok("SET", "keep", "v");
            Datasets.awaitConverged(30_000, master, replica);
            Node.sleep(600);
            assertThat(replica.call("GET", "k")).as("a logically expired key reads as missing").isNull();
            assertThat(replica.call("EXISTS", "k")).isEqualTo(0L);
            assertThat(replica.call("DBSIZE")).as("but the replica still holds it").isEqualTo(2L);
            assertThat(master.call("GET", "k")).isNull(); // the master expires it now and propagates DEL
            Datasets.awaitConverged(30_000, master, replica);
            assertThat(replica.call("DBSIZE")).isEqualTo(1L);
        }
    }
}
