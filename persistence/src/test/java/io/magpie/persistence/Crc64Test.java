package io.magpie.persistence;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class Crc64Test {
    @Test
    void checkValueMatchesRedisCrc64Test() {
        // crc64.c's self test: crc64(0, "123456789", 9) == 0xe9c6d914c4b8d9ca
        assertThat(Crc64.of("123456789".getBytes(StandardCharsets.US_ASCII))).isEqualTo(0xe9c6d914c4b8d9caL);
    }

    @Test
    void longerTextMatchesRedisCrc64Test() {
        byte[] li = ("This is a test of the emergency broadcast system.").getBytes(StandardCharsets.US_ASCII);
        long whole = Crc64.of(li);
        long split = Crc64.update(Crc64.update(0, li, 0, 10), li, 10, li.length - 10);
        assertThat(split).isEqualTo(whole);
    }
}
