package io.magpie.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A writer with a reply chain: pieces in order, large bulks apart, deferred lengths intact. */
class RespWriterChainTest {
    /** Collects the pieces, as a client's reply list does. */
    private static final class Pieces implements ReplyChain {
        final List<ByteBuf> pieces = new ArrayList<>();

        @Override public void append(ByteBuf piece) {
            pieces.add(piece);
        }

        @Override public ByteBuf newBuffer(int capacity) {
            return Unpooled.buffer(capacity);
        }

        byte[] all(ByteBuf current) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            for (ByteBuf b : pieces) out.writeBytes(bytes(b));
            out.writeBytes(bytes(current));
            return out.toByteArray();
        }

        private static byte[] bytes(ByteBuf b) {
            byte[] a = new byte[b.readableBytes()];
            b.getBytes(b.readerIndex(), a);
            return a;
        }
    }

    private static byte[] filled(int n, char c) {
        byte[] v = new byte[n];
        Arrays.fill(v, (byte) c);
        return v;
    }

    @Test
    void aLargeStoredStringIsAPieceOfItsOwnSharingTheArray() {
        Pieces chain = new Pieces();
        RespWriter w = new RespWriter(Unpooled.buffer(), 2);
        w.chain(chain);
        byte[] big = filled(100_000, 'v');
        w.ok();
        w.bulkShared(big);
        w.integer(7);
        assertThat(chain.pieces).hasSize(2);
        assertThat(chain.pieces.get(1).hasArray() && chain.pieces.get(1).array() == big).isTrue();
        String all = new String(chain.all(w.target()), StandardCharsets.US_ASCII);
        assertThat(all).isEqualTo("+OK\r\n$100000\r\n" + "v".repeat(100_000) + "\r\n:7\r\n");
    }

    @Test
    void aLargeStringThatMayChangeIsCopiedOnce() {
        Pieces chain = new Pieces();
        RespWriter w = new RespWriter(Unpooled.buffer(), 2);
        w.chain(chain);
        byte[] edited = filled(50_000, 'e');
        w.bulk(edited, 0, edited.length);
        edited[0] = 'X'; // a later in-place edit (APPEND, SETRANGE) must not reach the reply
        assertThat(new String(chain.all(w.target()), StandardCharsets.US_ASCII)).isEqualTo("$50000\r\n" + "e".repeat(50_000) + "\r\n");
    }

    @Test
    void anAggregateWhoseLengthIsDeferredIsNotCutUntilItIsSet() {
        Pieces chain = new Pieces();
        RespWriter w = new RespWriter(Unpooled.buffer(), 3);
        w.chain(chain);
        int mark = w.deferredLen();
        StringBuilder expected = new StringBuilder();
        for (int i = 0; i < 5000; i++) {
            w.bulk("element-" + i);
            expected.append("$").append(("element-" + i).length()).append("\r\n").append("element-").append(i).append("\r\n");
        }
        w.bulk(filled(20_000, 'b'), 0, 20_000);
        expected.append("$20000\r\n").append("b".repeat(20_000)).append("\r\n");
        assertThat(chain.pieces).isEmpty();
        w.setDeferredSetLen(mark, 5001);
        w.endOfReply();
        assertThat(chain.pieces).isNotEmpty();
        assertThat(new String(chain.all(w.target()), StandardCharsets.US_ASCII)).isEqualTo("~5001\r\n" + expected);
    }

    @Test
    void aReplyStartedButNeverCompletedStopsHoldingTheChainAtTheEndOfTheCommand() {
        Pieces chain = new Pieces();
        RespWriter w = new RespWriter(Unpooled.buffer(), 2);
        w.chain(chain);
        w.deferredLen(); // an error path that never set the length
        w.error("ERR oops");
        w.endOfReply();
        for (int i = 0; i < 3000; i++) w.bulk("0123456789");
        assertThat(chain.pieces).isNotEmpty();
    }
}
