package io.magpie.commands;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Expected slots are CLUSTER KEYSLOT replies of redis-server 7.0 (cluster-enabled yes). */
class HashSlotTest {
    private static int slot(String key) {
        return HashSlot.keyHashSlot(key.getBytes(StandardCharsets.ISO_8859_1));
    }

    @Test
    void crc16XmodemCheckValue() {
        // The standard check value of CRC-16/XMODEM over "123456789".
        byte[] b = "123456789".getBytes(StandardCharsets.US_ASCII);
        assertThat(HashSlot.crc16(b, 0, b.length)).isEqualTo(0x31C3);
    }

    @Test
    void plainKeysHashWhole() {
        assertThat(slot("")).isEqualTo(0);
        assertThat(slot("foo")).isEqualTo(12182);
        assertThat(slot("bar")).isEqualTo(5061);
        assertThat(slot("123456789")).isEqualTo(12739);
        assertThat(slot("hello world")).isEqualTo(15332);
    }

    @Test
    void hashTagSelectsTheFirstNonEmptyBraces() {
        assertThat(slot("{user1000}.following")).isEqualTo(3443);
        assertThat(slot("{user1000}.followers")).isEqualTo(3443);
        assertThat(slot("foo{bar}{zap}")).isEqualTo(5061); // "bar"
        assertThat(slot("foo{{bar}}zap")).isEqualTo(4015); // "{bar"
    }

    @Test
    void emptyOrUnclosedTagHashesTheWholeKey() {
        assertThat(slot("foo{}{bar}")).isEqualTo(8363);
        assertThat(slot("{}foo")).isEqualTo(9500);
        assertThat(slot("x{}y{z}")).isEqualTo(15453);
        assertThat(slot("{")).isEqualTo(4092);
        assertThat(slot("}")).isEqualTo(12090);
        assertThat(slot("{a")).isEqualTo(10276);
        assertThat(slot("a}")).isEqualTo(5921);
        assertThat(slot("{{}}")).isEqualTo(4092); // tag "{"
    }

    @Test
    void binaryKeys() {
        assertThat(HashSlot.keyHashSlot(new byte[] {(byte) 0xff, 0, 0x10, 'a', 'b', 'c'})).isEqualTo(4814);
        byte[] tagged = {'q', '{', (byte) 0x80, (byte) 0xfe, '}', 'z'};
        assertThat(HashSlot.keyHashSlot(tagged)).isEqualTo(5449);
        assertThat(HashSlot.keyHashSlot(new byte[] {(byte) 0x80, (byte) 0xfe})).isEqualTo(5449);
    }

    @Test
    void offsetAndLengthSelectASlice() {
        byte[] buf = "xx{user1000}.followingyy".getBytes(StandardCharsets.US_ASCII);
        assertThat(HashSlot.keyHashSlot(buf, 2, buf.length - 4)).isEqualTo(3443);
        byte[] foo = "--foo--".getBytes(StandardCharsets.US_ASCII);
        assertThat(HashSlot.keyHashSlot(foo, 2, 3)).isEqualTo(12182);
        // A '}' outside the slice must not close a tag inside it.
        byte[] cut = "{ab}".getBytes(StandardCharsets.US_ASCII);
        assertThat(HashSlot.keyHashSlot(cut, 0, 3)).isEqualTo(slot("{ab"));
    }
}
