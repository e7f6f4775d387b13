package io.magpie.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class RespWriterTest {
    private static String written(int resp, java.util.function.Consumer<RespWriter> body) {
        ByteBuf out = Unpooled.buffer();
        body.accept(new RespWriter(out, resp));
        return out.toString(StandardCharsets.ISO_8859_1);
    }

    @Test
    void commandIsAnArrayOfBulkStringsThatTheParserReadsBack() throws ProtocolException {
        byte[][] argv = {"SET".getBytes(), "k".getBytes(), new byte[0], "12345678901".getBytes()};
        String wire = written(3, w -> w.command(argv));
        assertThat(wire).isEqualTo("*4\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n$11\r\n12345678901\r\n");
        byte[][] parsed = new RequestParser().parse(Unpooled.copiedBuffer(wire, StandardCharsets.ISO_8859_1));
        assertThat(parsed).isDeepEqualTo(argv);
    }

    @Test
    void nullsDifferBetweenResp2AndResp3() {
        assertThat(written(2, RespWriter::nullBulk)).isEqualTo("$-1\r\n");
        assertThat(written(2, RespWriter::nullArray)).isEqualTo("*-1\r\n");
        assertThat(written(3, RespWriter::nullBulk)).isEqualTo("_\r\n");
        assertThat(written(3, RespWriter::nullArray)).isEqualTo("_\r\n");
    }

    @Test
    void mapsAreFlatArraysInResp2() {
        assertThat(written(2, w -> w.mapLen(2))).isEqualTo("*4\r\n");
        assertThat(written(3, w -> w.mapLen(2))).isEqualTo("%2\r\n");
        assertThat(written(2, w -> w.setLen(3))).isEqualTo("*3\r\n");
        assertThat(written(3, w -> w.setLen(3))).isEqualTo("~3\r\n");
        assertThat(written(3, w -> w.pushLen(3))).isEqualTo(">3\r\n");
    }

    @Test
    void doublesAreBulkStringsInResp2() {
        assertThat(written(2, w -> w.doubleValue(1.5))).isEqualTo("$3\r\n1.5\r\n");
        assertThat(written(3, w -> w.doubleValue(1.5))).isEqualTo(",1.5\r\n");
        assertThat(written(3, w -> w.doubleValue(Double.NEGATIVE_INFINITY))).isEqualTo(",-inf\r\n");
    }

    @Test
    void integersIncludingExtremes() {
        assertThat(written(2, w -> w.integer(0))).isEqualTo(":0\r\n");
        assertThat(written(2, w -> w.integer(123456789))).isEqualTo(":123456789\r\n");
        assertThat(written(2, w -> w.integer(-42))).isEqualTo(":-42\r\n");
        assertThat(written(2, w -> w.integer(Long.MIN_VALUE))).isEqualTo(":-9223372036854775808\r\n");
        assertThat(written(2, w -> w.integer(Long.MAX_VALUE))).isEqualTo(":9223372036854775807\r\n");
    }

    @Test
    void deferredLengthIsInsertedBeforeTheElements() {
        String s = written(3, w -> {
            w.status("before");
            int mark = w.deferredLen();
            w.bulk("a");
            w.bulk("bc");
            w.setDeferredMapLen(mark, 1);
        });
        assertThat(s).isEqualTo("+before\r\n%1\r\n$1\r\na\r\n$2\r\nbc\r\n");
        String s2 = written(2, w -> {
            int mark = w.deferredLen();
            for (int i = 0; i < 12; i++) w.integer(i);
            w.setDeferredArrayLen(mark, 12);
        });
        assertThat(s2).startsWith("*12\r\n:0\r\n:1\r\n").endsWith(":11\r\n");
    }

    @Test
    void errorsCannotBreakTheProtocolWithNewlines() {
        assertThat(written(2, w -> w.error("ERR bad\r\nthing"))).isEqualTo("-ERR bad  thing\r\n");
    }

    @Test
    void verbatimStringsFallBackToBulkInResp2() {
        assertThat(written(3, w -> w.verbatim("hi", "txt"))).isEqualTo("=6\r\ntxt:hi\r\n");
        assertThat(written(2, w -> w.verbatim("hi", "txt"))).isEqualTo("$2\r\nhi\r\n");
    }
}
