package io.magpie.app.repl;

import static org.assertj.core.api.Assertions.assertThat;

import io.magpie.app.repl.Node.Kind;
import io.magpie.app.repl.PartialResyncTest.Linked;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A minute of writes with the link broken again and again in every way a link breaks: the
 * relay cut for 0.2 to 3 seconds, the master dropping its replica (CLIENT KILL TYPE replica),
 * the replica dropping its master (CLIENT KILL TYPE master), and the master stalling (DEBUG
 * SLEEP). Every break heals by partial resync: one full sync in all, identical data at the end.
 */
@Tag("soak")
class ReplicationSoakTest {
    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0} master, {1} replica")
    @CsvSource({"REDIS, REDIS", "REDIS, MAGPIE", "MAGPIE, REDIS", "MAGPIE, MAGPIE"})
    void repeatedBreaksUnderWritesHealByPartialResync(Kind masterKind, Kind replicaKind) {
        try (Topology t = new Topology(dir)) {
            Linked l = PartialResyncTest.linkUnderWrites(t, masterKind, replicaKind, 9);
            Random random = new Random(9);
            long end = System.currentTimeMillis() + 60_000;
            int breaks = 0;
            while (System.currentTimeMillis() < end && breaks < 40) {
                Node.sleep(500 + random.nextInt(1500));
                switch (breaks++ % 4) {
                    case 0 -> {
                        l.link().cut();
                        Node.sleep(200 + random.nextInt(2800));
                        l.link().restore();
                    }
                    case 1 -> l.master().ok("CLIENT", "KILL", "TYPE", "replica");
                    case 2 -> l.replica().ok("CLIENT", "KILL", "TYPE", "master");
                    default -> l.master().ok("DEBUG", "SLEEP", "0.5");
                }
                l.replica().awaitLinkUp();
            }
            l.writer().stop();
            Datasets.assertSameData(l.master(), l.replica());
            assertThat(l.writer().errors()).isEmpty();
            assertThat(l.master().syncStats().full()).as("only the first sync is a full one").isEqualTo(1);
            assertThat(l.master().syncStats().partialOk()).isGreaterThanOrEqualTo(breaks / 2);
        }
    }

    /*
     * The MAGPIE-MAGPIE rows of the default suite's heavier scenarios: each half is covered
     * there against redis-server (REDIS-MAGPIE and MAGPIE-REDIS rows); these add the pair.
     */

    @Test
    void magpieReplicaFollowsMagpieMasterUnderContinuousWritesOfAllTypes() {
        ReplicationInteropTest.replicaFollowsMasterUnderContinuousWritesOfAllTypes(dir, Kind.MAGPIE, Kind.MAGPIE);
    }

    @Test
    void magpieLinkCutForAFewSecondsResumesByPartialResync() {
        PartialResyncTest.linkCutForAFewSecondsResumesByPartialResync(dir, Kind.MAGPIE, Kind.MAGPIE);
    }

    @Test
    void magpieCutLongerThanTheBacklogFallsBackToFullSync() {
        PartialResyncTest.cutLongerThanTheBacklogFallsBackToFullSync(dir, Kind.MAGPIE, Kind.MAGPIE);
    }

    @Test
    void magpieDiskBasedFullSyncUnderWritesConverges() {
        ReplicationConfigTest.diskBasedFullSyncUnderWritesConverges(dir, Kind.MAGPIE, Kind.MAGPIE);
    }

    @Test
    void magpieFailoverSwapsRolesAndTheOldMasterContinuesByPartialResync() {
        PromotionTest.failoverSwapsRolesAndTheOldMasterContinuesByPartialResync(dir, Kind.MAGPIE, Kind.MAGPIE);
    }
}
