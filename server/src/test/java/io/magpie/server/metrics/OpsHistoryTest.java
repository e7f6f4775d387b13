package io.magpie.server.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class OpsHistoryTest {
    @Test
    void oneSampleASecondOfCommandsPerSecond() {
        OpsHistory h = new OpsHistory();
        h.sample(10_000, 500, 1);      // the first call only sets the baseline
        h.sample(10_500, 600, 1);      // under a second: no sample yet
        h.sample(11_000, 1_500, 2);    // 1000 commands in 1 s
        h.sample(13_000, 2_500, 3);    // 1000 commands in 2 s
        assertThat(h.samples()).isDeepEqualTo(new long[][] {{11_000, 1000, 2}, {13_000, 500, 3}});
    }

    @Test
    void aResetCountCountsFromZeroAndTheRingKeepsTheLastFiveMinutes() {
        OpsHistory h = new OpsHistory();
        h.sample(1_000, 1_000, 0);
        h.sample(2_000, 50, 0); // CONFIG RESETSTAT set the counter back
        assertThat(h.samples()[0][1]).isEqualTo(50);
        for (int i = 0; i < OpsHistory.SAMPLES + 10; i++) h.sample(3_000 + i * 1000L, 100L + i, 0);
        long[][] s = h.samples();
        assertThat(s.length).isEqualTo(OpsHistory.SAMPLES);
        assertThat(s[s.length - 1][0]).isEqualTo(3_000 + (OpsHistory.SAMPLES + 9) * 1000L);
        assertThat(s[0][0]).isLessThan(s[1][0]);
    }
}
