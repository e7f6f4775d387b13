package io.magpie.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The write stream as RESP: SELECT only where the db changes, MULTI/EXEC around an atomic unit. */
class StreamEncoderTest {
    private final StreamEncoder encoder = new StreamEncoder();
    private final WriteUnit unit = new WriteUnit();

    private static byte[][] argv(String... a) {
        byte[][] r = new byte[a.length][];
        for (int i = 0; i < a.length; i++) r[i] = a[i].getBytes(StandardCharsets.UTF_8);
        return r;
    }

    /** The unit's RESP, with CRLF shown as '|' and bulk lengths kept. */
    private String encode() {
        ByteBuf out = Unpooled.buffer();
        encoder.unit(unit, out);
        unit.clear();
        return out.toString(StandardCharsets.UTF_8).replace("\r\n", "|");
    }

    @Test
    void aCommandIsSelectedOnceThenWrittenAlone() {
        unit.add(0, argv("SET", "a", "1"));
        assertThat(encode()).isEqualTo("*2|$6|SELECT|$1|0|*3|$3|SET|$1|a|$1|1|");
        unit.add(0, argv("DEL", "a"));
        assertThat(encode()).isEqualTo("*2|$3|DEL|$1|a|");
    }

    @Test
    void aTransactionIsOneUnitBetweenMultiAndExecWithASelectWhereItsDbChanges() {
        unit.add(3, argv("INCR", "x"));
        unit.add(5, argv("INCR", "y"));
        assertThat(encode()).isEqualTo("*2|$6|SELECT|$1|3|*1|$5|MULTI|*2|$4|INCR|$1|x|"
                + "*2|$6|SELECT|$1|5|*2|$4|INCR|$1|y|*1|$4|EXEC|");
        assertThat(encoder.selectedDb()).isEqualTo(5);
    }

    @Test
    void aUnitOfUnrelatedDeletionsIsNotWrappedAndAOneCommandUnitNeverIs() {
        unit.add(0, argv("DEL", "a"));
        unit.add(0, argv("DEL", "b"));
        unit.notAtomic();
        assertThat(encode()).isEqualTo("*2|$6|SELECT|$1|0|*2|$3|DEL|$1|a|*2|$3|DEL|$1|b|");
        unit.add(0, argv("SET", "k", "v"));
        assertThat(encode()).doesNotContain("MULTI");
    }

    @Test
    void reselectMakesTheNextCommandSelectAgainAndDbsAbove15AreSpelledOut() {
        unit.add(0, argv("SET", "a", "1"));
        encode();
        encoder.reselect();
        unit.add(0, argv("SET", "a", "2"));
        assertThat(encode()).startsWith("*2|$6|SELECT|$1|0|");
        unit.add(42, argv("SET", "a", "3"));
        assertThat(encode()).startsWith("*2|$6|SELECT|$2|42|");
    }
}
