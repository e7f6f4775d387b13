package io.magpie.server.replication;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ReplicationBacklogTest {
    private static ByteBuf bytes(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.US_ASCII);
    }

    private static String str(ByteBuf b) {
        return b.toString(StandardCharsets.US_ASCII);
    }

    @Test
    void offsetsStartAfterTheCreationOffset() {
        ReplicationBacklog b = new ReplicationBacklog(16, 100);
        assertThat(b.firstByteOffset()).isEqualTo(101);
        assertThat(b.histlen()).isZero();
        assertThat(b.covers(101)).isTrue(); // nothing to send, but continuing is fine
        assertThat(b.covers(102)).isFalse();
        b.append(bytes("hello"));
        assertThat(str(b.copyFrom(101))).isEqualTo("hello");
        assertThat(str(b.copyFrom(104))).isEqualTo("lo");
        assertThat(b.covers(106)).isTrue();
        assertThat(b.covers(100)).isFalse();
    }

    @Test
    void wrapsAroundKeepingTheNewestBytes() {
        ReplicationBacklog b = new ReplicationBacklog(8, 0);
        b.append(bytes("abcdef"));
        b.append(bytes("ghij"));
        assertThat(b.histlen()).isEqualTo(8);
        assertThat(b.firstByteOffset()).isEqualTo(3);
        assertThat(str(b.copyFrom(3))).isEqualTo("cdefghij");
        assertThat(str(b.copyFrom(9))).isEqualTo("ij");
        assertThat(b.covers(2)).isFalse();
        b.append(bytes("0123456789xyz"));
        assertThat(str(b.copyFrom(b.firstByteOffset()))).isEqualTo("56789xyz");
        assertThat(b.firstByteOffset()).isEqualTo(1 + 10 + 13 - 8);
    }

    @Test
    void matchesAPlainStringUnderRandomAppendsAndResizes() {
        SplittableRandom r = new SplittableRandom(7);
        ReplicationBacklog b = new ReplicationBacklog(64, 0);
        StringBuilder all = new StringBuilder();
        for (int i = 0; i < 2000; i++) {
            StringBuilder chunk = new StringBuilder();
            int n = r.nextInt(0, 100);
            for (int j = 0; j < n; j++) chunk.append((char) ('a' + r.nextInt(26)));
            b.append(bytes(chunk.toString()));
            all.append(chunk);
            if (i % 97 == 0) b.resize(r.nextInt(1, 200));
            long end = all.length() + 1;
            assertThat(b.firstByteOffset() + b.histlen()).isEqualTo(end);
            assertThat(b.histlen()).isLessThanOrEqualTo(b.size());
            long from = b.firstByteOffset() + (b.histlen() == 0 ? 0 : r.nextLong(0, b.histlen() + 1));
            assertThat(str(b.copyFrom(from))).isEqualTo(all.substring((int) (from - 1)));
        }
    }
}
