package io.magpie.app.repl;

import static org.assertj.core.api.Assertions.assertThat;

import io.magpie.app.repl.Node.Kind;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Scripts replicate as their effects (several writes wrapped in MULTI/EXEC, as Redis 7.0)
 * and functions as FUNCTION LOAD / in the full sync's RDB: a replica of the other kind
 * converges to the same dataset and can call the same functions.
 */
class ScriptReplicationInteropTest {
    @TempDir
    Path dir;

    static final String LIB = "#!lua name=counters\n"
            + "redis.register_function('bump', function(keys, args) local n = redis.call('incr', keys[1]); "
            + "redis.call('expire', keys[1], 3600); redis.call('hset', keys[2], args[1], n); return n end)\n"
            + "redis.register_function{function_name='peek', callback=function(keys) return redis.call('get', keys[1]) end, flags={'no-writes'}}";
    static final String LIB2 = "#!lua name=later\nredis.register_function('later', function(keys) return redis.call('set', keys[1], 'late') end)";

    @ParameterizedTest(name = "{0} master, {1} replica")
    @CsvSource({"MAGPIE, REDIS", "REDIS, MAGPIE"})
    void scriptEffectsAndFunctionLibrariesReachTheReplica(Kind masterKind, Kind replicaKind) {
        try (Topology t = new Topology(dir)) {
            Node master = t.start(masterKind, "master");
            master.call("FUNCTION", "LOAD", LIB);
            for (int i = 0; i < 50; i++) master.call("FCALL", "bump", "2", "c:" + (i % 7), "h", "f" + i);
            // The full sync carries the library and the keys so far.
            Node replica = t.replica(replicaKind, "replica", master);
            replica.awaitLinkUp();
            master.call("FUNCTION", "LOAD", LIB2);
            String sha = (String) master.call("SCRIPT", "LOAD",
                    "redis.call('rpush', KEYS[1], ARGV[1]); redis.call('ltrim', KEYS[1], -5, -1); return redis.call('llen', KEYS[1])");
            for (int i = 0; i < 100; i++) {
                master.call("EVALSHA", sha, "1", "list:" + (i % 3), "v" + i);
                master.call("EVAL", "return redis.call('incrbyfloat', KEYS[1], ARGV[1])", "1", "float", "0.5");
                master.call("FCALL", "bump", "2", "c:" + (i % 7), "h", "g" + i);
                master.call("EVAL", "redis.call('select', 3); redis.call('set', KEYS[1], ARGV[1]); redis.call('select', 0); "
                        + "return redis.call('del', KEYS[1])", "1", "k" + i, "v");
            }
            master.call("FCALL", "later", "1", "latekey");
            Datasets.awaitConverged(60_000, master, replica);
            Datasets.assertSameData(master, replica);
            assertThat(Datasets.keyCount(master)).isGreaterThan(10);
            assertThat(replica.call("FCALL_RO", "peek", "1", "float")).isEqualTo(master.call("GET", "float"));
            assertThat(replica.call("FUNCTION", "LIST", "LIBRARYNAME", "later").toString()).contains("later");
        }
    }
}
