package io.magpie.cluster.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReplyReaderTest {
    private static ByteBuf buf(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.UTF_8);
    }

    @Test
    void readsEachKindOfReplyInOrder() {
        ByteBuf in = buf("+OK\r\n-ERR no\r\n:42\r\n$3\r\nabc\r\n$-1\r\n*2\r\n:1\r\n$1\r\nx\r\n");
        assertThat(ReplyReader.read(in)).isEqualTo("OK");
        assertThat(ReplyReader.read(in)).isEqualTo(new ReplyReader.Error("ERR no"));
        assertThat(ReplyReader.read(in)).isEqualTo(42L);
        assertThat((byte[]) ReplyReader.read(in)).containsExactly('a', 'b', 'c');
        assertThat(ReplyReader.read(in)).isNull();
        List<?> arr = (List<?>) ReplyReader.read(in);
        assertThat(arr.get(0)).isEqualTo(1L);
        assertThat((byte[]) arr.get(1)).containsExactly('x');
        assertThat(ReplyReader.read(in)).isSameAs(ReplyReader.INCOMPLETE);
    }

    @Test
    void anIncompleteReplyConsumesNothingUntilTheRestComes() {
        ByteBuf in = buf("*2\r\n+QUEUED\r\n$5\r\nhel");
        assertThat(ReplyReader.read(in)).isSameAs(ReplyReader.INCOMPLETE);
        assertThat(in.readerIndex()).isZero();
        in.writeBytes("lo\r\n".getBytes(StandardCharsets.UTF_8));
        List<?> arr = (List<?>) ReplyReader.read(in);
        assertThat(arr).hasSize(2);
        assertThat(new String((byte[]) arr.get(1), StandardCharsets.UTF_8)).isEqualTo("hello");
        assertThat(in.readableBytes()).isZero();
    }
}
