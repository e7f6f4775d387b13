package io.magpie.persistence;

import static org.assertj.core.api.Assertions.assertThat;

import io.magpie.engine.Clock;
import io.magpie.engine.Engine;
import io.magpie.engine.EngineConfig;
import io.magpie.engine.config.Config;
import io.magpie.engine.types.ScalableBloomFilter;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * RESTORE of a corrupt payload whose checksum was recomputed (so it passes verifyDumpPayload):
 * every length and count is checked against the bytes left before anything is allocated, so
 * a payload of a hundred bytes is refused ("Bad data format") instead of making the node
 * allocate gigabytes.
 */
class DumpPayloadFuzzTest {
    /** DUMP of redis-server 7.0.15: string, LZF string, quicklist, intset, listpack set, listpack hash,
     *  listpack zset, hash table, skiplist zset, hash-table set. */
    private static final String[] REDIS_DUMPS = {
        "000b68656c6c6f20776f726c640a000bfc49b9a6c7a034",
        "00c321464008616263646566676861e0ff07e1ff07e1ff07e1ff07e1ff07e1ff0761070167680a00179e0585313b88b6",
        "12010219190000000500816102826262038363636304c4d202dffb02ff0a00bb3428d45797f37d",
        "0b1c0400000005000000f7ffffff010000000200000003000000701101000a00829a57445cb338ff",
        "02030163016101620a00d51bc2f0968e69c3",
        "101717000000040082663103827631038266320382763203ff0a0003f84c0c15d4a2bc",
        "1119190000000600816102010181620283322e35048163020301ff0a0039956fd2244a7318",
        "04030266320276320266310276310266330276330a00b11859337477e991",
        "050301630000000000000840016200000000000004400161000000000000f03f0a00265b9a2f1de4fe61",
        "0203c003c002c0010a00dee468d1df3b3c5a",
    };
    /** Far more than any of these payloads needs, far less than a corrupt length would claim. */
    private static final long MAX_ALLOCATION_PER_LOAD = 32L << 20;

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private static EngineConfig config() {
        return new Engine(new Config(), Clock.SYSTEM, 1).config;
    }

    private static List<byte[]> payloads() throws Exception {
        List<byte[]> all = new ArrayList<>();
        for (String hex : REDIS_DUMPS) all.add(HexFormat.of().parseHex(hex));
        ScalableBloomFilter f = new ScalableBloomFilter(10, 0.01, 2, false);
        for (int i = 0; i < 30; i++) f.add(("item:" + i).getBytes(StandardCharsets.US_ASCII));
        all.add(DumpPayload.create(f, true, -2));
        return all;
    }

    /** The payload with its CRC-64 recomputed, as an attacker would. */
    private static byte[] withCrc(byte[] p) {
        int footer = p.length - 10;
        long crc = Crc64.update(0, p, 0, footer + 2);
        for (int i = 0; i < 8; i++) p[footer + 2 + i] = (byte) (crc >>> (8 * i));
        return p;
    }

    /** Single-byte rewrites, and 32- and 64-bit length prefixes claiming about 2 GB and 2^62 bytes. */
    private static List<byte[]> mutations(byte[] p) {
        List<byte[]> out = new ArrayList<>();
        int body = p.length - 10;
        int[] values = {0x00, 0x01, 0x3f, 0x40, 0x7f, 0x80, 0x81, 0xbf, 0xc0, 0xc3, 0xfe, 0xff};
        for (int i = 0; i < body; i++) {
            for (int v : values) {
                byte[] m = p.clone();
                m[i] = (byte) v;
                out.add(withCrc(m));
            }
            byte[] m = p.clone();
            m[i] ^= 0x40;
            out.add(withCrc(m));
            out.add(withCrc(splice(p, i, 0x80, 0x7f, 0xff, 0xff, 0xf0)));
            out.add(withCrc(splice(p, i, 0x81, 0x40, 0, 0, 0, 0, 0, 0, 0)));
            out.add(withCrc(splice(p, i, 0x40 | 0x3f, 0xff)));
        }
        return out;
    }

    private static byte[] splice(byte[] p, int at, int... bytes) {
        byte[] m = p.clone();
        for (int k = 0; k < bytes.length && at + k < p.length - 10; k++) m[at + k] = (byte) bytes[k];
        return m;
    }

    @Test
    void everyValidPayloadStillLoads() throws Exception {
        EngineConfig config = config();
        for (byte[] p : payloads()) {
            assertThat(DumpPayload.verify(p, true)).isTrue();
            assertThat(DumpPayload.load(p, config)).as(HexFormat.of().formatHex(p)).isNotNull();
        }
    }

    @Test
    void corruptLengthsWithARecomputedChecksumAreRefusedWithoutLargeAllocations() throws Exception {
        EngineConfig config = config();
        long tid = Thread.currentThread().getId();
        int loads = 0, refused = 0;
        for (byte[] p : payloads()) {
            for (byte[] m : mutations(p)) {
                assertThat(DumpPayload.verify(m, true)).isTrue();
                long before = THREADS.getThreadAllocatedBytes(tid);
                Object v = DumpPayload.load(m, config);
                long allocated = THREADS.getThreadAllocatedBytes(tid) - before;
                assertThat(allocated).as("bytes allocated loading %s", HexFormat.of().formatHex(m))
                        .isLessThan(MAX_ALLOCATION_PER_LOAD);
                loads++;
                if (v == null) refused++;
            }
        }
        assertThat(loads).isGreaterThan(3000);
        assertThat(refused).isGreaterThan(loads / 4);
    }

    @Test
    void aStringClaimingTwoGigabytesInAHundredBytesIsBadData() {
        byte[] p = new byte[100];
        p[0] = 0; // RDB_TYPE_STRING
        p[1] = (byte) 0x80; // 32-bit length follows, big-endian
        p[2] = 0x7f;
        p[3] = (byte) 0xff;
        p[4] = (byte) 0xff;
        p[5] = (byte) 0xf0;
        p[90] = 10; // RDB version 10
        assertThat(DumpPayload.verify(withCrc(p), true)).isTrue();
        assertThat(DumpPayload.load(p, config())).isNull();
    }
}
