package io.magpie.engine.commands;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Expected strings were produced by redis-server 7.0.15 (x86-64 long double). */
class LongDoubleTest {
    private static String incr(String value, String by) {
        LongDouble v = LongDouble.parse(value.getBytes(StandardCharsets.US_ASCII));
        LongDouble d = LongDouble.parse(by.getBytes(StandardCharsets.US_ASCII));
        LongDouble s = v.add(d);
        return s == null ? "NaN" : s.toHumanString();
    }

    @Test
    void tenPointFivePlusPointOneIsTenPointSix() {
        assertThat(incr("10.5", "0.1")).isEqualTo("10.6");
    }

    @Test
    void formatsLikePercent17LfStripped() {
        assertThat(incr("0", "0.1")).isEqualTo("0.1");
        assertThat(incr("3", "1.0e3")).isEqualTo("1003");
        assertThat(incr("5.0e3", "2.0e2")).isEqualTo("5200");
        assertThat(incr("0", "-0")).isEqualTo("0");
        assertThat(incr("0", "1e-20")).isEqualTo("0");
        assertThat(incr("0", "-1e-20")).isEqualTo("0");
        assertThat(incr("1", "0x10")).isEqualTo("17");
    }

    @Test
    void refusesWhatStrtoldRefuses() {
        for (String bad : new String[] {"", " 1", "1 ", "abc", "nan", "1e", "0x", "1e5000", "1e-5000", "--1", "1.2.3"}) {
            assertThat(LongDouble.parse(bad.getBytes(StandardCharsets.US_ASCII))).as(bad).isNull();
        }
        assertThat(LongDouble.parse("inf".getBytes(StandardCharsets.US_ASCII)).isInfinite()).isTrue();
        assertThat(LongDouble.parse("1e400".getBytes(StandardCharsets.US_ASCII))).isNotNull();
    }
}
