package io.magpie.bench;

import io.magpie.engine.keyspace.Dict;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
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
 * Dict get/put at keyspace sizes around and beyond the CPU caches, with keys shaped like
 * redis-benchmark's ("key:000000123456"). Lookups are of fresh byte[] copies, as a parsed
 * request would present them.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "-Xmx2g")
public class DictBench {
    @Param({"1000", "1000000"})
    public int size;

    private Dict dict;
    private byte[][] probes;
    private int next;
    private final byte[] value = new byte[32];

    static byte[] key(long i) {
        return String.format("key:%012d", i).getBytes(StandardCharsets.US_ASCII);
    }

    @Setup
    public void setUp() {
        dict = new Dict();
        for (int i = 0; i < size; i++) dict.put(key(i), value);
        SplittableRandom rnd = new SplittableRandom(1);
        probes = new byte[4096][];
        for (int i = 0; i < probes.length; i++) probes[i] = key(rnd.nextInt(size));
    }

    private byte[] nextProbe() {
        next = (next + 1) & (probes.length - 1);
        return probes[next];
    }

    @Benchmark
    public Object getHit() {
        return dict.get(nextProbe());
    }

    @Benchmark
    public Object getMiss() {
        byte[] k = nextProbe();
        k[0] ^= 1; // "key:..." becomes "jey:...", never added
        Object v = dict.get(k);
        k[0] ^= 1;
        return v;
    }

    /** Overwrite of an existing key (SET on a full keyspace): find plus store. */
    @Benchmark
    public Object putExisting() {
        return dict.put(nextProbe(), value);
    }
}
