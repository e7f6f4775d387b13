package io.magpie.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.magpie.persistence.Crc64;
import io.magpie.protocol.RespClient;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** RESTORE of a payload with a valid checksum but lengths that lie, against redis-server and Magpie. */
class RestoreCorruptPayloadTest {
    /** A 100-byte string payload whose length claims about 2 GB, its CRC-64 recomputed. */
    private static byte[] lyingString() {
        byte[] p = new byte[100];
        p[1] = (byte) 0x80; // RDB_TYPE_STRING (0), then a 32-bit big-endian length
        p[2] = 0x7f;
        p[3] = (byte) 0xff;
        p[4] = (byte) 0xff;
        p[5] = (byte) 0xf0;
        p[90] = 10; // RDB version 10, little-endian
        long crc = Crc64.update(0, p, 0, 92);
        for (int i = 0; i < 8; i++) p[92 + i] = (byte) (crc >>> (8 * i));
        return p;
    }

    /** A listpack-encoded set whose element count claims 2^30 members. */
    private static byte[] lyingSetCount() {
        byte[] p = new byte[40];
        p[0] = 2; // RDB_TYPE_SET: a count, then the members
        p[1] = (byte) 0x80;
        p[2] = 0x40;
        p[3] = 1;
        p[4] = 'a';
        p[30] = 10;
        long crc = Crc64.update(0, p, 0, 32);
        for (int i = 0; i < 8; i++) p[32 + i] = (byte) (crc >>> (8 * i));
        return p;
    }

    private static void assertRefused(RespClient c, byte[] payload, int times) {
        for (int i = 0; i < times; i++) {
            assertThat(c.call("RESTORE".getBytes(StandardCharsets.US_ASCII), ("k" + i).getBytes(StandardCharsets.US_ASCII),
                    "0".getBytes(StandardCharsets.US_ASCII), payload).value().toString())
                    .isEqualTo("(error) ERR Bad data format");
        }
        assertThat(c.value("PING").toString()).isEqualTo("PONG");
        assertThat(c.value("DBSIZE")).isEqualTo(0L);
    }

    @Test
    void aStringWhoseLengthLiesIsBadDataFormatAsInRedis() {
        try (RealRedis redis = new RealRedis(); TestServer magpie = new TestServer();
             RespClient r = redis.client(); RespClient m = magpie.client()) {
            assertRefused(r, lyingString(), 3);
            assertRefused(m, lyingString(), 50);
        }
    }

    /** Redis sizes the set's dict by the count first (about ten seconds each); Magpie checks it against the bytes. */
    @Test
    void aCollectionWhoseCountLiesIsBadDataFormatAtOnce() {
        try (TestServer magpie = new TestServer(); RespClient m = magpie.client()) {
            assertRefused(m, lyingSetCount(), 50);
        }
    }
}
