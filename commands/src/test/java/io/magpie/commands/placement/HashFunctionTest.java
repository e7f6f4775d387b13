package io.magpie.commands.placement;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The expected values for "apple" are those twemproxy's own test (test_all.c) and libmemcached's
 * hash_results.h assert; a port that differs would place keys on other servers than nutcracker.
 */
class HashFunctionTest {
    private static long hash(HashFunction f, String key) {
        return Integer.toUnsignedLong(f.hash(key.getBytes(StandardCharsets.ISO_8859_1)));
    }

    @Test
    void everyFunctionMatchesTwemproxyOnApple() {
        assertThat(hash(HashFunction.ONE_AT_A_TIME, "apple")).isEqualTo(2297466611L);
        assertThat(hash(HashFunction.MD5, "apple")).isEqualTo(3195025439L);
        assertThat(hash(HashFunction.CRC16, "apple")).isEqualTo(3662830516L);
        assertThat(hash(HashFunction.CRC32, "apple")).isEqualTo(10542L);
        assertThat(hash(HashFunction.CRC32A, "apple")).isEqualTo(2838417488L);
        assertThat(hash(HashFunction.FNV1_32, "apple")).isEqualTo(67176023L);
        assertThat(hash(HashFunction.FNV1A_32, "apple")).isEqualTo(280767167L);
        assertThat(hash(HashFunction.FNV1_64, "apple")).isEqualTo(473199127L);
        assertThat(hash(HashFunction.FNV1A_64, "apple")).isEqualTo(1488911807L);
        assertThat(hash(HashFunction.HSIEH, "apple")).isEqualTo(3738850110L);
        assertThat(hash(HashFunction.JENKINS, "apple")).isEqualTo(1442444624L);
        assertThat(hash(HashFunction.MURMUR, "apple")).isEqualTo(4142305122L);
    }

    @Test
    void ketamaPointsAreTheLittleEndianWordsOfTheMd5() {
        byte[] host = "server1-8".getBytes(StandardCharsets.US_ASCII);
        byte[] d = HashFunction.md5(host, 0, host.length);
        assertThat(Integer.toUnsignedLong(HashFunction.md5Word(d, 0))).isEqualTo(3853726576L);
        assertThat(Integer.toUnsignedLong(HashFunction.md5Word(d, 3))).isEqualTo(2667054752L);
    }

    @Test
    void crc32IsTheStandardCrcWhereTwemproxyKeepsItWhole() {
        // CRC-32's check value over "123456789".
        assertThat(hash(HashFunction.CRC32A, "123456789")).isEqualTo(0xCBF43926L);
    }

    @Test
    void everyTailLengthHashesDeterministicallyAndDifferently() {
        // Lengths 0..13 cover every tail case of jenkins, murmur and hsieh.
        for (HashFunction f : HashFunction.values()) {
            java.util.Set<Long> seen = new java.util.HashSet<>();
            for (int n = 1; n <= 13; n++) {
                String k = "abcdefghijklm".substring(0, n);
                assertThat(hash(f, k)).isEqualTo(hash(f, k));
                seen.add(hash(f, k));
            }
            assertThat(seen).as(f.configName()).hasSizeGreaterThan(10);
        }
    }

    @Test
    void namesAreTwemproxys() {
        assertThat(HashFunction.byName("fnv1a_64")).isEqualTo(HashFunction.FNV1A_64);
        assertThat(HashFunction.byName("ONE_AT_A_TIME")).isEqualTo(HashFunction.ONE_AT_A_TIME);
        assertThat(HashFunction.byName("sha1")).isNull();
        assertThat(HashFunction.JENKINS.configName()).isEqualTo("jenkins");
    }
}
