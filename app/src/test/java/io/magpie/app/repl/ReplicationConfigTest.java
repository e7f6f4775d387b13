package io.magpie.app.repl;

import static org.assertj.core.api.Assertions.assertThat;

import io.magpie.app.repl.Node.Kind;
import io.magpie.protocol.RespClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Replication parameters across kinds: a disk-based full sync ($length form) and a replica
 * that loads the RDB from the socket (repl-diskless-load), each under continuous writes;
 * replica-serve-stale-data no; replicaof in the config file, kept by CONFIG REWRITE and
 * across a restart.
 */
class ReplicationConfigTest {
    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0} master, {1} replica")
    @CsvSource({"REDIS, MAGPIE", "MAGPIE, REDIS"})
    void diskBasedFullSyncUnderWritesConverges(Kind masterKind, Kind replicaKind) {
        diskBasedFullSyncUnderWritesConverges(dir, masterKind, replicaKind);
    }

    static void diskBasedFullSyncUnderWritesConverges(Path dir, Kind masterKind, Kind replicaKind) {
        followUnderWrites(dir, masterKind, replicaKind, new String[] {"--repl-diskless-sync", "no"}, new String[0], 11);
    }

    @ParameterizedTest(name = "REDIS master, {0} replica, repl-diskless-load {1}")
    @CsvSource({"MAGPIE, swapdb", "MAGPIE, on-empty-db"})
    void replicaLoadingFromTheSocketUnderWritesConverges(Kind replicaKind, String disklessLoad) {
        replicaLoadingFromTheSocketUnderWritesConverges(dir, replicaKind, disklessLoad);
    }

    static void replicaLoadingFromTheSocketUnderWritesConverges(Path dir, Kind replicaKind, String disklessLoad) {
        followUnderWrites(dir, Kind.REDIS, replicaKind, new String[0], new String[] {"--repl-diskless-load", disklessLoad}, 12);
    }

    private static void followUnderWrites(Path dir, Kind masterKind, Kind replicaKind, String[] masterArgs, String[] replicaArgs, long seed) {
        try (Topology t = new Topology(dir)) {
            Node master = t.start(masterKind, "master", masterArgs);
            ContinuousWriter writer = t.writer(master, seed);
            writer.writeNow(2_000);
            Node replica = t.replica(replicaKind, "replica", master, replicaArgs);
            writer.rate(1_500).limit(2_000 + 3_000).start();
            replica.awaitLinkUp();
            assertThat(writer.awaitOps(5_000, 60_000)).isTrue();
            writer.stop();
            // The writer's errors first: a write the master refused or failed explains a difference.
            assertThat(writer.errors()).isEmpty();
            Datasets.assertSameData(master, replica);
            assertThat(master.syncStats().full()).isEqualTo(1);
        }
    }

    /** With the link down and replica-serve-stale-data no, a replica answers as a redis-server replica does. */
    @ParameterizedTest(name = "{0} replica")
    @EnumSource(Kind.class)
    void replicaWithoutStaleDataAnswersMasterdownLikeRedis(Kind kind) {
        try (Topology t = new Topology(dir)) {
            Node master = t.start(Kind.REDIS, "master");
            master.ok("SET", "k", "v");
            Node reference = t.replica(Kind.REDIS, "reference", master, "--replica-serve-stale-data", "no");
            Node tested = t.replica(kind, "tested", master, "--replica-serve-stale-data", "no");
            Datasets.awaitConverged(60_000, master, reference, tested);
            assertThat(tested.call("GET", "k")).isEqualTo("v");

            master.kill();
            reference.awaitInfo("replication", "master_link_status", "down", 30_000);
            tested.awaitInfo("replication", "master_link_status", "down", 30_000);
            String[][] script = {{"GET", "k"}, {"DBSIZE"}, {"PING"}, {"SET", "x", "1"}, {"ECHO", "e"}, {"CONFIG", "GET", "replica-serve-stale-data"},
                {"REPLICAOF", "NO", "ONE"}, {"GET", "k"}};
            assertThat(replies(tested, script)).isEqualTo(replies(reference, script));
        }
    }

    /** replicaof from the config file; CONFIG REWRITE records REPLICAOF NO ONE and a new REPLICAOF as Redis does; a restart keeps it. */
    @ParameterizedTest(name = "{0} replica")
    @EnumSource(Kind.class)
    void replicaofInTheConfigFileIsKeptByConfigRewriteAndRestart(Kind kind) throws IOException {
        try (Topology t = new Topology(dir)) {
            Node master = t.start(Kind.REDIS, "master");
            master.ok("SET", "k", "v");
            Node replica = t.startWithConfig(kind, "replica", "# replica\nreplicaof 127.0.0.1 " + master.port() + "\n");
            replica.awaitLinkUp();
            Datasets.assertSameData(master, replica);

            replica.promote();
            replica.ok("CONFIG", "REWRITE");
            assertThat(replicaofLines(replica)).isEmpty();
            replica.replicaOf(master);
            replica.ok("CONFIG", "REWRITE");
            assertThat(replicaofLines(replica)).containsExactly("replicaof 127.0.0.1 " + master.port());

            replica.kill();
            replica.restart();
            replica.awaitLinkUp();
            master.ok("SET", "after-restart", "1");
            Datasets.assertSameData(master, replica);
            assertThat(replica.info("replication").get("role")).isEqualTo("slave");
        }
    }

    private static List<String> replicaofLines(Node n) throws IOException {
        List<String> out = new ArrayList<>();
        for (String line : Files.readAllLines(n.configFile())) {
            if (line.startsWith("replicaof ") || line.startsWith("slaveof ")) out.add(line);
        }
        return out;
    }

    /** Each reply's exact bytes, on a connection of its own. */
    static List<String> replies(Node n, String[][] script) {
        List<String> out = new ArrayList<>();
        try (RespClient c = n.connect()) {
            for (String[] cmd : script) out.add(c.call(cmd).text());
        }
        return out;
    }
}
