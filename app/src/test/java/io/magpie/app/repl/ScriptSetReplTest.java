package io.magpie.app.repl;

import static org.assertj.core.api.Assertions.assertThat;

import io.magpie.app.repl.Node.Kind;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * redis.set_repl decides where a script's following writes go: REPL_AOF to the AOF only,
 * REPL_REPLICA to the replicas only, REPL_NONE nowhere, REPL_ALL both. The same scripts run
 * on a redis-server master with the AOF on and a replica, and on a Magpie pair: the AOF's
 * incremental file is byte for byte the same, and so are the replicas' keys.
 */
class ScriptSetReplTest {
    @TempDir
    Path dir;

    static final String[][] SCRIPTS = {
        {"EVAL", "redis.set_repl(redis.REPL_AOF); redis.call('set', 'aof-only', '1'); redis.set_repl(redis.REPL_REPLICA); "
                + "redis.call('set', 'replica-only', '1'); redis.set_repl(redis.REPL_NONE); redis.call('set', 'nowhere', '1'); "
                + "redis.set_repl(redis.REPL_ALL); return redis.call('set', 'everywhere', '1')", "0"},
        // Several writes for the replicas only: the AOF still gets the script's MULTI and EXEC.
        {"EVAL", "redis.set_repl(redis.REPL_REPLICA); redis.call('set', 'r1', '1'); return redis.call('incr', 'r2')", "0"},
        {"EVAL", "redis.set_repl(redis.REPL_AOF); redis.call('select', 2); return redis.call('rpush', 'a1', 'x')", "0"},
        {"EVAL", "redis.set_repl(redis.REPL_NONE); return redis.call('set', 'n1', '1')", "0"},
        // Each script starts with REPL_ALL again.
        {"EVAL", "return redis.call('set', 'plain', '1')", "0"},
        {"SET", "marker", "1"},
    };

    @Test
    void setReplSplitsAScriptsWritesBetweenTheAofAndTheReplicasAsRedisDoes() throws IOException {
        Map<Kind, String> aofs = new TreeMap<>();
        Map<Kind, List<String>> replicaKeys = new TreeMap<>();
        for (Kind kind : Kind.values()) {
            try (Topology t = new Topology(dir.resolve(kind.name()))) {
                Node master = t.start(kind, "master", "--appendonly", "yes", "--appendfsync", "always");
                Node replica = t.replica(kind, "replica", master);
                replica.awaitLinkUp();
                for (String[] s : SCRIPTS) master.call(s);
                master.awaitReplicaAcks();
                List<String> keys = new ArrayList<>();
                for (String db : new String[] {"0", "2"}) {
                    replica.ok("SELECT", db);
                    for (Object k : (List<?>) replica.call("KEYS", "*")) keys.add(db + ":" + k);
                }
                keys.sort(null);
                replicaKeys.put(kind, keys);
                aofs.put(kind, incrementalAof(master.dir()));
            }
        }
        assertThat(replicaKeys.get(Kind.REDIS)).containsExactly("0:everywhere", "0:marker", "0:plain", "0:r1", "0:r2", "0:replica-only");
        assertThat(replicaKeys.get(Kind.MAGPIE)).isEqualTo(replicaKeys.get(Kind.REDIS));
        assertThat(aofs.get(Kind.REDIS)).contains("aof-only", "everywhere", "a1", "plain").doesNotContain("replica-only", "nowhere", "r1", "n1");
        assertThat(aofs.get(Kind.MAGPIE)).isEqualTo(aofs.get(Kind.REDIS));
    }

    /** The AOF's incremental files (what was appended since the start), CRLF shown as '|'. */
    private static String incrementalAof(Path nodeDir) throws IOException {
        StringBuilder sb = new StringBuilder();
        try (Stream<Path> files = Files.walk(nodeDir)) {
            for (Path f : files.filter(p -> p.getFileName().toString().endsWith(".incr.aof")).sorted().toList()) {
                sb.append(Files.readString(f, StandardCharsets.ISO_8859_1).replace("\r\n", "|"));
            }
        }
        return sb.toString();
    }
}
