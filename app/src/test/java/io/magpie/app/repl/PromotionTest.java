package io.magpie.app.repl;

import static org.assertj.core.api.Assertions.assertThat;

import io.magpie.app.repl.Node.Kind;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Issue 6's acceptance (e): after its master dies, a replica promoted with REPLICAOF NO ONE
 * takes a new replid, keeps the old one as replid2, and serves its former sibling with
 * +CONTINUE: the sibling re-pointed at it resumes by partial resync, not a full one.
 */
class PromotionTest {
    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0} master; promoted {1}, sibling {2}")
    @CsvSource({"REDIS, MAGPIE, REDIS", "REDIS, REDIS, MAGPIE", "MAGPIE, MAGPIE, MAGPIE"})
    void promotedReplicaServesItsFormerSiblingByPartialResync(Kind masterKind, Kind promotedKind, Kind siblingKind) {
        promotedReplicaServesItsFormerSiblingByPartialResync(dir, masterKind, promotedKind, siblingKind);
    }

    static void promotedReplicaServesItsFormerSiblingByPartialResync(Path dir, Kind masterKind, Kind promotedKind, Kind siblingKind) {
        try (Topology t = new Topology(dir)) {
            Node master = t.start(masterKind, "master");
            ContinuousWriter writer = t.writer(master, 5);
            writer.writeNow(1_000);
            Node promoted = t.replica(promotedKind, "promoted", master);
            Node sibling = t.replica(siblingKind, "sibling", master);
            writer.rate(1_500).limit(1_000 + 2_000).start();
            assertThat(writer.awaitOps(3_000, 60_000)).isTrue();
            writer.stop();
            Datasets.assertSameData(master, promoted, sibling);
            String oldReplid = master.info("replication").get("master_replid");
            long offsetAtFailure = master.infoLong("replication", "master_repl_offset");

            master.kill(); // SIGKILL: the master fails
            sibling.awaitInfo("replication", "master_link_status", "down", 30_000);
            promoted.promote();
            Map<String, String> promotedInfo = promoted.info("replication");
            assertThat(promotedInfo.get("role")).isEqualTo("master");
            assertThat(promotedInfo.get("master_replid")).isNotEqualTo(oldReplid);
            assertThat(promotedInfo.get("master_replid2")).isEqualTo(oldReplid);
            assertThat(promotedInfo.get("second_repl_offset")).isEqualTo(String.valueOf(offsetAtFailure + 1));

            sibling.replicaOf(promoted);
            sibling.awaitLinkUp();
            ContinuousWriter after = t.writer(promoted, 6);
            after.writeNow(1_000); // the new master's own writes reach the sibling
            Datasets.assertSameData(promoted, sibling);
            assertThat(after.errors()).isEmpty();
            assertThat(promoted.syncStats().partialOk()).as("the sibling continued").isEqualTo(1);
            assertThat(promoted.syncStats().full()).as("no full sync").isEqualTo(0);
            assertThat(promoted.logText()).contains("Partial resynchronization request from 127.0.0.1:" + sibling.port() + " accepted.");
            assertThat(sibling.info("replication").get("master_replid")).isEqualTo(promotedInfo.get("master_replid"));
            // Log lines as Redis's, on both sides of the hand-over.
            assertThat(promoted.logText()).contains("Setting secondary replication ID to " + oldReplid + ", valid up to offset: "
                    + (offsetAtFailure + 1) + ". New replication ID is " + promotedInfo.get("master_replid"));
            assertThat(sibling.logText()).contains("Trying a partial resynchronization (request " + oldReplid + ":" + (offsetAtFailure + 1) + ").")
                    .contains("Successful partial resynchronization with master.")
                    .contains("Master replication ID changed to " + promotedInfo.get("master_replid"))
                    .contains("MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization.");
        }
    }

    /**
     * A sibling that lagged behind when the master died catches up from the promoted node's
     * backlog: bytes of the old master's stream, forwarded without a fresh SELECT, which the
     * sibling must apply in the db its own stream was in.
     */
    @ParameterizedTest(name = "{0} master; promoted {1}, lagging sibling {2}")
    @CsvSource({"REDIS, REDIS, REDIS", "REDIS, REDIS, MAGPIE", "REDIS, MAGPIE, REDIS", "MAGPIE, MAGPIE, MAGPIE"})
    void laggingSiblingCatchesUpFromThePromotedBacklogInItsStreamsDb(Kind masterKind, Kind promotedKind, Kind siblingKind) {
        try (Topology t = new Topology(dir)) {
            Node master = t.start(masterKind, "master");
            Node promoted = t.replica(promotedKind, "promoted", master);
            LinkProxy siblingLink = t.proxy(master);
            Node sibling = t.start(siblingKind, "sibling");
            sibling.replicaOf(siblingLink.port());
            promoted.awaitLinkUp();
            sibling.awaitLinkUp();
            master.ok("SELECT", "3");
            master.ok("SET", "seen-by-both", "1");
            Datasets.awaitConverged(30_000, master, promoted, sibling);

            siblingLink.cut();
            sibling.awaitInfo("replication", "master_link_status", "down", 30_000);
            master.ok("SET", "missed-by-sibling", "1"); // db 3, no SELECT in the stream
            Datasets.awaitConverged(30_000, master, promoted);
            master.kill();
            promoted.promote();
            sibling.replicaOf(promoted);
            sibling.awaitLinkUp();
            promoted.ok("SET", "written-on-promoted", "1");
            Datasets.assertSameData(promoted, sibling);
            assertThat(promoted.syncStats().partialOk()).as("the sibling continued").isEqualTo(1);
            assertThat(promoted.syncStats().full()).isEqualTo(0);
        }
    }

    /**
     * FAILOVER (Redis 6.2+): the master pauses writes, waits for its replica to catch up,
     * hands over and follows it; the old master continues from the new one by partial resync.
     */
    @ParameterizedTest(name = "{0} master, {1} replica")
    @CsvSource({"MAGPIE, REDIS", "REDIS, MAGPIE"})
    void failoverSwapsRolesAndTheOldMasterContinuesByPartialResync(Kind masterKind, Kind replicaKind) {
        failoverSwapsRolesAndTheOldMasterContinuesByPartialResync(dir, masterKind, replicaKind);
    }

    static void failoverSwapsRolesAndTheOldMasterContinuesByPartialResync(Path dir, Kind masterKind, Kind replicaKind) {
        try (Topology t = new Topology(dir)) {
            Node master = t.start(masterKind, "master");
            ContinuousWriter writer = t.writer(master, 10);
            writer.writeNow(1_000);
            Node replica = t.replica(replicaKind, "replica", master);
            writer.rate(1_500).limit(1_000 + 1_500).start();
            assertThat(writer.awaitOps(2_500, 60_000)).isTrue();
            writer.stop();
            Datasets.assertSameData(master, replica);
            master.awaitReplicasOnline(1);

            assertThat(master.call("FAILOVER").toString()).isEqualTo("OK");
            replica.awaitInfo("replication", "role", "master", 30_000);
            master.awaitInfo("replication", "master_failover_state", "no-failover", 30_000);
            master.awaitLinkUp();
            assertThat(master.info("replication").get("role")).isEqualTo("slave");
            assertThat(master.info("replication").get("master_port")).isEqualTo(String.valueOf(replica.port()));

            ContinuousWriter after = t.writer(replica, 11);
            after.writeNow(1_000);
            Datasets.assertSameData(replica, master);
            assertThat(after.errors()).isEmpty();
            assertThat(replica.syncStats().partialOk()).as("the old master continued").isEqualTo(1);
            assertThat(replica.syncStats().full()).isEqualTo(0);
            assertThat(replica.logText()).contains("Failover request received for replid");
        }
    }
}
