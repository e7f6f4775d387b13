package io.magpie.persistence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.junit.jupiter.api.Test;

class LzfTest {
    @Test
    void compressibleInputsRoundTripAtEverySize() throws Exception {
        Random r = new Random(7);
        for (int size : new int[] {100, 1000, 65534, 65535, 65536, 200_000, 1 << 20}) {
            byte[] in = new byte[size];
            for (int i = 0; i < size; i++) in[i] = (byte) ('a' + r.nextInt(3));
            byte[] c = Lzf.compress(in, 0, size, size - 4);
            assertThat(c).as("size %d", size).isNotNull();
            assertThat(Lzf.decompress(c, 0, c.length, size)).isEqualTo(in);
        }
    }

    @Test
    void incompressibleInputIsRefused() {
        byte[] in = new byte[5000];
        new Random(1).nextBytes(in);
        assertThat(Lzf.compress(in, 0, in.length, in.length - 4)).isNull();
    }

    @Test
    void wrongLengthOrGarbageIsAnError() {
        byte[] in = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".getBytes();
        byte[] c = Lzf.compress(in, 0, in.length, in.length - 4);
        assertThatThrownBy(() -> Lzf.decompress(c, 0, c.length, in.length + 5)).isInstanceOf(Exception.class);
        byte[] garbage = {(byte) 0xe0, (byte) 0xff, 0x10};
        assertThatThrownBy(() -> Lzf.decompress(garbage, 0, garbage.length, 100)).isInstanceOf(Exception.class);
    }
}
