package io.magpie.bench;

import io.magpie.protocol.ProtocolException;
import io.magpie.protocol.RequestParser;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * RequestParser on the requests redis-benchmark sends: a pipeline of 16 SETs with 3-byte
 * values, parsed from one buffer as the event loop would after one read.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RequestParserBench {
    static final int PIPELINE = 16;
    private final RequestParser parser = new RequestParser();
    private ByteBuf pipelinedSets;
    private ByteBuf inlinePing;

    @Setup
    public void setUp() {
        String set = "*3\r\n$3\r\nSET\r\n$16\r\nkey:__rand_int__\r\n$3\r\nxxx\r\n";
        pipelinedSets = Unpooled.directBuffer().writeBytes(set.repeat(PIPELINE).getBytes(StandardCharsets.US_ASCII));
        inlinePing = Unpooled.directBuffer().writeBytes("PING\r\n".getBytes(StandardCharsets.US_ASCII));
    }

    /** Score is pipelines per microsecond: multiply by 16 for commands. */
    @Benchmark
    public void pipelineOf16Sets(Blackhole bh) throws ProtocolException {
        pipelinedSets.readerIndex(0);
        byte[][] argv;
        while ((argv = parser.parse(pipelinedSets)) != null) bh.consume(argv);
    }

    @Benchmark
    public byte[][] inlineCommand() throws ProtocolException {
        inlinePing.readerIndex(0);
        return parser.parse(inlinePing);
    }
}
