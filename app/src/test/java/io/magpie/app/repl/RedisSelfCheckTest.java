package io.magpie.app.repl;

import io.magpie.app.repl.Node.Kind;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The heavier scenarios with redis-server in every role: they check the scenarios (writer,
 * relay, comparison, expected counters and log lines) against the oracle itself. Each takes
 * several seconds of writes, so they run with the soak set; the cheap scenarios keep their
 * REDIS-only row in the default suite.
 */
@Tag("soak")
class RedisSelfCheckTest {
    private static final Kind R = Kind.REDIS;

    @TempDir
    Path dir;

    @Test
    void replicaFollowsMasterUnderContinuousWritesOfAllTypes() {
        ReplicationInteropTest.replicaFollowsMasterUnderContinuousWritesOfAllTypes(dir, R, R);
    }

    @Test
    void chainedReplicaGetsTheSameDataReplidAndOffsets() {
        ReplicationInteropTest.chainedReplicaGetsTheSameDataReplidAndOffsets(dir, R, R, R);
    }

    @Test
    void linkCutForAFewSecondsResumesByPartialResync() {
        PartialResyncTest.linkCutForAFewSecondsResumesByPartialResync(dir, R, R);
    }

    @Test
    void cutLongerThanTheBacklogFallsBackToFullSync() {
        PartialResyncTest.cutLongerThanTheBacklogFallsBackToFullSync(dir, R, R);
    }

    @Test
    void promotedReplicaServesItsFormerSiblingByPartialResync() {
        PromotionTest.promotedReplicaServesItsFormerSiblingByPartialResync(dir, R, R, R);
    }

    @Test
    void failoverSwapsRolesAndTheOldMasterContinuesByPartialResync() {
        PromotionTest.failoverSwapsRolesAndTheOldMasterContinuesByPartialResync(dir, R, R);
    }

    @Test
    void masterWithTwoReplicasFeedsBothAndWaitCountsThem() {
        ReplicationFeaturesTest.masterWithTwoReplicasFeedsBothAndWaitCountsThem(dir, R, R);
    }

    @Test
    void replicaOfAKilledMasterServesStaleDataThenFollowsItsRestart() {
        ReplicationFeaturesTest.replicaOfAKilledMasterServesStaleDataThenFollowsItsRestart(dir, R, R);
    }

    @Test
    void diskBasedFullSyncUnderWritesConverges() {
        ReplicationConfigTest.diskBasedFullSyncUnderWritesConverges(dir, R, R);
    }

    @Test
    void replicaLoadingFromTheSocketUnderWritesConverges() {
        ReplicationConfigTest.replicaLoadingFromTheSocketUnderWritesConverges(dir, R, "swapdb");
        ReplicationConfigTest.replicaLoadingFromTheSocketUnderWritesConverges(dir.resolve("on-empty-db"), R, "on-empty-db");
    }
}
