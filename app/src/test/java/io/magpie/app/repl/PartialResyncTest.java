package io.magpie.app.repl;

import static org.assertj.core.api.Assertions.assertThat;

import io.magpie.app.repl.Node.Kind;
import io.magpie.app.repl.Node.SyncStats;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Issue 6's acceptance (d): a link cut for a few seconds and restored resumes by partial
 * resync from the master's backlog, in each direction (no new full sync); a cut during which
 * the master writes more than its backlog holds falls back to a full sync. The replica
 * reaches its master through a {@link LinkProxy}, so the cut leaves both processes running
 * and the replica retrying.
 */
class PartialResyncTest {
    @TempDir
    Path dir;

    /** A master, its replica reaching it through a relay, and a writer running at 1000 writes a second. */
    record Linked(Node master, LinkProxy link, Node replica, ContinuousWriter writer) {}

    static Linked linkUnderWrites(Topology t, Kind masterKind, Kind replicaKind, long seed, String... masterArgs) {
        Node master = t.start(masterKind, "master", masterArgs);
        ContinuousWriter writer = t.writer(master, seed);
        writer.writeNow(1_000);
        LinkProxy link = t.proxy(master);
        Node replica = t.start(replicaKind, "replica");
        replica.replicaOf(link.port());
        replica.awaitLinkUp();
        writer.rate(1_000).limit(1_000_000).start();
        Node.sleep(500);
        return new Linked(master, link, replica, writer);
    }

    @ParameterizedTest(name = "{0} master, {1} replica")
    @CsvSource({"REDIS, MAGPIE", "MAGPIE, REDIS"})
    void linkCutForAFewSecondsResumesByPartialResync(Kind masterKind, Kind replicaKind) {
        linkCutForAFewSecondsResumesByPartialResync(dir, masterKind, replicaKind);
    }

    static void linkCutForAFewSecondsResumesByPartialResync(Path dir, Kind masterKind, Kind replicaKind) {
        try (Topology t = new Topology(dir)) {
            Linked l = linkUnderWrites(t, masterKind, replicaKind, 3);
            Node master = l.master(), replica = l.replica();
            ContinuousWriter writer = l.writer();
            LinkProxy link = l.link();
            SyncStats before = master.syncStats();
            int acceptedBefore = master.countLog("Partial resynchronization request from");
            int resumedBefore = replica.countLog("Successful partial resynchronization with master.");

            link.cut();
            replica.awaitInfo("replication", "master_link_status", "down", 30_000);
            long opsAtCut = writer.ops();
            Node.sleep(2_000); // the master goes on writing into its backlog meanwhile
            assertThat(writer.ops()).isGreaterThan(opsAtCut);
            link.restore();

            replica.awaitLinkUp();
            Node.sleep(500);
            writer.stop();
            Datasets.assertSameData(master, replica);
            assertThat(writer.errors()).isEmpty();
            SyncStats after = master.syncStats();
            assertThat(after.full()).as("no new full sync").isEqualTo(before.full());
            assertThat(after.partialOk()).as("one partial resync").isEqualTo(before.partialOk() + 1);
            assertThat(master.countLog("Partial resynchronization request from")).isEqualTo(acceptedBefore + 1);
            assertThat(master.logText()).containsPattern(
                    "Partial resynchronization request from 127\\.0\\.0\\.1:" + replica.port() + " accepted\\. Sending \\d+ bytes of backlog starting from offset \\d+\\.");
            assertThat(replica.countLog("Successful partial resynchronization with master.")).isEqualTo(resumedBefore + 1);
        }
    }

    /** The backlog after a cut has no SELECT of its own: the replica resumes in the db the stream was in. */
    @ParameterizedTest(name = "{0} master, {1} replica")
    @CsvSource({"REDIS, REDIS", "REDIS, MAGPIE", "MAGPIE, REDIS", "MAGPIE, MAGPIE"})
    void partialResyncResumesTheStreamInTheDbItWasIn(Kind masterKind, Kind replicaKind) {
        try (Topology t = new Topology(dir)) {
            Node master = t.start(masterKind, "master");
            LinkProxy link = t.proxy(master);
            Node replica = t.start(replicaKind, "replica");
            replica.replicaOf(link.port());
            replica.awaitLinkUp();
            master.ok("SELECT", "7");
            master.ok("SET", "before-cut", "1");
            Datasets.awaitConverged(30_000, master, replica);
            link.cut();
            replica.awaitInfo("replication", "master_link_status", "down", 30_000);
            master.ok("SET", "during-cut", "1");
            link.restore();
            replica.awaitLinkUp();
            master.ok("SET", "after-cut", "1");
            Datasets.assertSameData(master, replica);
            assertThat(master.syncStats().partialOk()).isEqualTo(1);
        }
    }

    @ParameterizedTest(name = "{0} master, {1} replica")
    @CsvSource({"REDIS, MAGPIE", "MAGPIE, REDIS"})
    void cutLongerThanTheBacklogFallsBackToFullSync(Kind masterKind, Kind replicaKind) {
        cutLongerThanTheBacklogFallsBackToFullSync(dir, masterKind, replicaKind);
    }

    static void cutLongerThanTheBacklogFallsBackToFullSync(Path dir, Kind masterKind, Kind replicaKind) {
        try (Topology t = new Topology(dir)) {
            Linked l = linkUnderWrites(t, masterKind, replicaKind, 4, "--repl-backlog-size", "16kb");
            Node master = l.master(), replica = l.replica();
            ContinuousWriter writer = l.writer();
            LinkProxy link = l.link();
            SyncStats before = master.syncStats();
            int fullBefore = replica.countLog("Full resync from master: ");

            link.cut();
            replica.awaitInfo("replication", "master_link_status", "down", 30_000);
            // 40 values of 4 KB: ten times the backlog, whatever the writer adds.
            String big = "x".repeat(4096);
            for (int i = 0; i < 40; i++) master.ok("SET", "big:" + i, big);
            link.restore();

            replica.awaitLinkUp();
            Node.sleep(300);
            writer.stop();
            Datasets.assertSameData(master, replica);
            assertThat(writer.errors()).isEmpty();
            SyncStats after = master.syncStats();
            assertThat(after.full()).as("a new full sync").isEqualTo(before.full() + 1);
            assertThat(after.partialOk()).as("no partial resync").isEqualTo(before.partialOk());
            assertThat(after.partialErr()).as("the refused PSYNC is counted").isEqualTo(before.partialErr() + 1);
            assertThat(master.logText()).containsPattern("Unable to partial resync with replica 127\\.0\\.0\\.1:" + replica.port()
                    + " for lack of backlog \\(Replica request was: \\d+\\)\\.");
            assertThat(replica.countLog("Full resync from master: ")).isEqualTo(fullBefore + 1);
        }
    }
}
