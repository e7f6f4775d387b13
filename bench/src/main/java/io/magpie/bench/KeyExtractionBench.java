package io.magpie.bench;

import io.magpie.commands.CommandTable;
import io.magpie.commands.HashSlot;
import io.magpie.commands.KeyExtraction;
import io.magpie.commands.KeyReferences;
import io.magpie.commands.RedisCommand;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What a cluster node or the proxy does per request before routing it: look the command up
 * from argv[0], find its keys, hash each to its slot. Run with -prof gc: every case must
 * allocate 0 B/op (the caller owns and reuses the KeyReferences).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class KeyExtractionBench {
    /** A fixed-key command, a keynum command, a keyword search, and a getkeys proc. */
    @Param({"GET key:000000000001",
            "ZUNIONSTORE dest 3 a b c WEIGHTS 1 2 3",
            "XREAD COUNT 10 STREAMS s1 s2 0 0",
            "SORT mylist BY w_* GET # LIMIT 0 10 STORE dest"})
    public String call;

    private final CommandTable<Object> table = CommandTable.load();
    private final KeyReferences keys = new KeyReferences();
    private byte[][] argv;

    @Setup
    public void setUp() {
        String[] words = call.split(" ");
        argv = new byte[words.length][];
        for (int i = 0; i < words.length; i++) argv[i] = words[i].getBytes(StandardCharsets.US_ASCII);
    }

    /** Lookup, key extraction and hash slots of every key; returns their sum so nothing is dead code. */
    @Benchmark
    public int lookupKeysAndSlots() {
        RedisCommand cmd = table.lookupAny(argv, 0, argv.length);
        int n = KeyExtraction.getKeys(cmd, argv, 0, argv.length, keys);
        int sum = n;
        for (int i = 0; i < n; i++) sum += HashSlot.keyHashSlot(argv[keys.position(i)]);
        return sum;
    }
}
