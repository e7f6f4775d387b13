package io.magpie.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class RepliesTest {
    private static ByteBuf buf(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.ISO_8859_1);
    }

    @Test
    void aReplyEndsWhereItsLastElementEndsAndNotBefore() {
        String[] whole = {
            "+OK\r\n", "-ERR x\r\n", ":12\r\n", "$3\r\nabc\r\n", "$-1\r\n", "$0\r\n\r\n", "*-1\r\n", "*0\r\n",
            "*2\r\n$1\r\na\r\n*1\r\n:1\r\n", "%1\r\n+k\r\n,1.5\r\n", "~2\r\n#t\r\n_\r\n", ">3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$1\r\nm\r\n",
            "|1\r\n+ttl\r\n:3\r\n$1\r\nv\r\n", "=8\r\ntxt:a\r\nb\r\n", "(123456789012345678901234567890\r\n", "$4\r\na\r\nb\r\n",
        };
        for (String w : whole) {
            ByteBuf b = buf(w + "+NEXT\r\n");
            assertThat(Replies.frameEnd(b, 0)).as(w).isEqualTo(w.length());
            for (int cut = 0; cut < w.length(); cut++) {
                assertThat(Replies.frameEnd(buf(w.substring(0, cut)), 0)).as(w + " cut at " + cut).isEqualTo(-1);
            }
        }
    }

    @Test
    void decodeGivesTheValuesMergesNeed() {
        assertThat(Replies.decode(buf(":42\r\n"))).isEqualTo(42L);
        assertThat((byte[]) Replies.decode(buf("$2\r\nhi\r\n"))).isEqualTo("hi".getBytes(StandardCharsets.US_ASCII));
        assertThat(Replies.decode(buf("$-1\r\n"))).isNull();
        assertThat(Replies.decode(buf("-WRONGTYPE no\r\n"))).isEqualTo(new Replies.Err("WRONGTYPE no"));
        List<?> l = (List<?>) Replies.decode(buf("*3\r\n:1\r\n_\r\n*1\r\n+x\r\n"));
        assertThat(l).hasSize(3);
        assertThat(l.get(0)).isEqualTo(1L);
        assertThat(l.get(1)).isNull();
        assertThat(Replies.isError(buf("-MOVED 1 h:1\r\n"), "MOVED ")).isTrue();
        assertThat(Replies.lineText(buf("-MOVED 1 h:1\r\n"))).isEqualTo("MOVED 1 h:1");
    }
}
