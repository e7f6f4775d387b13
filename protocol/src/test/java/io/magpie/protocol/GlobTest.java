package io.magpie.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class GlobTest {
    private static boolean match(String p, String s) {
        return Glob.match(p.getBytes(StandardCharsets.ISO_8859_1), s.getBytes(StandardCharsets.ISO_8859_1), false);
    }

    /** glob-redis-7.0.txt holds redis-server 7.0's KEYS answers, recorded by tools/gen-glob-table.py. */
    @Test
    void everyPatternOfTheRecordedTableMatchesAsRedis70Does() throws Exception {
        List<String> mismatches = new ArrayList<>();
        int n = 0;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(
                GlobTest.class.getResourceAsStream("glob-redis-7.0.txt"), StandardCharsets.US_ASCII))) {
            for (String line; (line = r.readLine()) != null; n++) {
                String[] f = line.split(" ");
                byte[] p = f[0].equals("-") ? new byte[0] : HexFormat.of().parseHex(f[0]);
                byte[] s = f[1].equals("-") ? new byte[0] : HexFormat.of().parseHex(f[1]);
                boolean expected = f[2].equals("1");
                if (Glob.match(p, s, false) != expected) mismatches.add(line);
            }
        }
        assertThat(n).isGreaterThan(3000);
        assertThat(mismatches).isEmpty();
    }

    @Test
    void aStarAloneDoesNotMatchTheEmptyStringButTrailingStarsDo() {
        assertThat(match("**", "")).isFalse();
        assertThat(match("a**", "a")).isTrue();
    }

    @Test
    void nocaseFoldsAsciiLettersInLiteralsAndRanges() {
        assertThat(Glob.match("MaxMemory*".getBytes(), "maxmemory-policy".getBytes(), true)).isTrue();
        assertThat(Glob.match("[A-C]x".getBytes(), "bX".getBytes(), true)).isTrue();
        assertThat(Glob.match("[A-C]x".getBytes(), "bX".getBytes(), false)).isFalse();
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void anAbusivePatternAgainstALongStringFailsAtOnce() {
        String evil = "a*".repeat(40) + "b";
        String key = "a".repeat(20_000);
        for (int i = 0; i < 100; i++) assertThat(match(evil, key)).isFalse();
        assertThat(match("*".repeat(5000) + "a*".repeat(2000) + "b", key)).isFalse();
    }

    @Test
    void recursionStopsAtANestingOfAThousandStars() {
        // Redis 7.0.15: 1001 "a*" match (the last star ends the pattern), 1002 need 1001 levels.
        String deep = "a*".repeat(1002);
        assertThat(match("a*".repeat(1001), "a".repeat(1200))).isTrue();
        assertThat(match(deep, "a".repeat(1200))).isFalse();
    }
}
