package io.magpie.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RequestParserTest {
    private static ByteBuf buf(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.ISO_8859_1);
    }

    private static List<String> strings(byte[][] argv) {
        List<String> l = new ArrayList<>();
        for (byte[] a : argv) l.add(new String(a, StandardCharsets.ISO_8859_1));
        return l;
    }

    @Test
    void parsesMultibulkCommand() throws Exception {
        RequestParser p = new RequestParser();
        ByteBuf in = buf("*2\r\n$3\r\nGET\r\n$1\r\nk\r\n");
        assertThat(strings(p.parse(in))).containsExactly("GET", "k");
        assertThat(p.parse(in)).isNull();
    }

    @Test
    void resumesACommandSplitAtEveryByte() throws Exception {
        String cmd = "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nva\r\nl\r\n";
        RequestParser p = new RequestParser();
        ByteBuf in = Unpooled.buffer();
        byte[][] result = null;
        for (int i = 0; i < cmd.length(); i++) {
            in.writeByte(cmd.charAt(i));
            byte[][] r = p.parse(in);
            if (r != null) {
                assertThat(i).isEqualTo(cmd.length() - 1);
                result = r;
            }
        }
        assertThat(strings(result)).containsExactly("SET", "key", "va\r\nl");
    }

    @Test
    void parsesInlineCommandsWithQuotes() throws Exception {
        RequestParser p = new RequestParser();
        ByteBuf in = buf("set \"a b\" 'c\\'d' \"\\x41\\n\"\r\n\r\nping\n");
        assertThat(strings(p.parse(in))).containsExactly("set", "a b", "c'd", "A\n");
        assertThat(strings(p.parse(in))).containsExactly("ping");
    }

    @Test
    void parsesPipelinedCommandsInOrder() throws Exception {
        RequestParser p = new RequestParser();
        ByteBuf in = buf("*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nECHO\r\n$1\r\nx\r\nPING\r\n");
        assertThat(strings(p.parse(in))).containsExactly("PING");
        assertThat(strings(p.parse(in))).containsExactly("ECHO", "x");
        assertThat(strings(p.parse(in))).containsExactly("PING");
    }

    @Test
    void rejectsMalformedInputWithRedisErrors() {
        assertThatThrownBy(() -> new RequestParser().parse(buf("*1\r\n+foo\r\n")))
                .hasMessage("ERR Protocol error: expected '$', got '+'");
        assertThatThrownBy(() -> new RequestParser().parse(buf("*abc\r\n")))
                .hasMessage("ERR Protocol error: invalid multibulk length");
        assertThatThrownBy(() -> new RequestParser().parse(buf("*1\r\n$-5\r\n")))
                .hasMessage("ERR Protocol error: invalid bulk length");
        assertThatThrownBy(() -> new RequestParser().parse(buf("set \"a\r\n")))
                .hasMessage("ERR Protocol error: unbalanced quotes in request");
        assertThatThrownBy(() -> new RequestParser().parse(buf("x".repeat(70_000))))
                .hasMessage("ERR Protocol error: too big inline request");
    }

    @Test
    void aStrictParserReadsAStreamMultibulkOnlyWithEveryBulkEndingInCrlf() throws Exception {
        RequestParser lenient = new RequestParser();
        assertThat(strings(lenient.parse(buf("*1\r\n$4\r\nPINGxx")))).containsExactly("PING"); // a client's: as Redis
        RequestParser strict = new RequestParser();
        strict.setStrict(true);
        assertThat(strings(strict.parse(buf("*1\r\n$4\r\nPING\r\n")))).containsExactly("PING");
        RequestParser flipped = new RequestParser();
        flipped.setStrict(true);
        assertThatThrownBy(() -> flipped.parse(buf("*1\r\n$4\r\nPING\rX"))).hasMessage("ERR Protocol error: expected CRLF after bulk");
        RequestParser inline = new RequestParser();
        inline.setStrict(true);
        assertThatThrownBy(() -> inline.parse(buf("PING\r\n"))).hasMessage("ERR Protocol error: expected '*', got 'P'");
        RequestParser empty = new RequestParser();
        empty.setStrict(true);
        assertThatThrownBy(() -> empty.parse(buf("*0\r\n"))).hasMessage("ERR Protocol error: invalid multibulk length");
    }

    @Test
    void enforcesProtoMaxBulkLen() {
        RequestParser p = new RequestParser();
        p.setMaxBulkLen(10);
        assertThatThrownBy(() -> p.parse(buf("*1\r\n$11\r\n")))
                .hasMessage("ERR Protocol error: invalid bulk length");
    }

    @Test
    void formatsDoublesLikePrintfG17() {
        assertThat(NumberFormat.formatG17(1.5)).isEqualTo("1.5");
        assertThat(NumberFormat.formatG17(0.1)).isEqualTo("0.10000000000000001");
        assertThat(NumberFormat.formatG17(100)).isEqualTo("100");
        assertThat(NumberFormat.formatG17(1e20)).isEqualTo("1e+20");
        assertThat(NumberFormat.formatG17(1.5e-7)).isEqualTo("1.4999999999999999e-07");
        assertThat(NumberFormat.formatG17(-3)).isEqualTo("-3");
        assertThat(NumberFormat.formatG17(123456789012345678.0)).isEqualTo("1.2345678901234568e+17");
        assertThat(NumberFormat.formatG17(Double.POSITIVE_INFINITY)).isEqualTo("inf");
    }
}
