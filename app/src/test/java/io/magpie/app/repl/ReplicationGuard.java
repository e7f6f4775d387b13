package io.magpie.app.repl;

import io.magpie.protocol.RespClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Assumptions;

/**
 * Skips, visibly, the tests that need Magpie's replication while Magpie has none: a Magpie
 * process is asked REPLICAOF NO ONE once per test JVM, and "unknown command" means the
 * feature is not there yet. Tests on redis-server alone always run (they check the tests).
 */
final class ReplicationGuard {
    private static String missing; // null: not probed yet; "": replication present

    private ReplicationGuard() {}

    static void assumeReplication(Node.Kind... kinds) {
        if (Arrays.stream(kinds).noneMatch(k -> k == Node.Kind.MAGPIE)) return;
        String why = probe();
        Assumptions.assumeTrue(why.isEmpty(), () -> "Magpie replication not implemented: " + why);
    }

    private static synchronized String probe() {
        if (missing != null) return missing;
        try {
            Path dir = Files.createTempDirectory("magpie-repl-probe");
            try (Node n = Node.startBare(Node.Kind.MAGPIE, "probe", dir)) {
                Object reply = n.call("REPLICAOF", "NO", "ONE");
                missing = reply instanceof RespClient.Err e && e.text().contains("unknown command")
                        ? "REPLICAOF answers '" + e.text().trim() + "'" : "";
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return missing;
    }
}
