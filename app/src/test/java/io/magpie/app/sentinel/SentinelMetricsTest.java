package io.magpie.app.sentinel;

import static org.assertj.core.api.Assertions.assertThat;

import io.magpie.app.observability.Scrape;
import io.magpie.app.RealRedis;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A Magpie Sentinel's metrics-port serves Sentinel's families under redis_exporter's names. */
class SentinelMetricsTest {
    private SentinelHarness h;

    @BeforeEach
    void setUp() throws Exception {
        h = new SentinelHarness();
    }

    @AfterEach
    void tearDown() {
        h.close();
    }


    @Test
    void aSentinelReportsItsMastersStatusReplicasAndSentinels() throws Exception {
        SentinelHarness.DataNode master = h.dataNode(false, null);
        h.dataNode(false, master.port);
        int metricsPort = RealRedis.freePort();
        SentinelHarness.SentinelNode s = h.sentinel(true, master.port, 1, "metrics-port " + metricsPort);
        SentinelHarness.await("the Sentinel to find the replica", 30_000, () -> s.count("REPLICAS") == 1);
        String text = Scrape.text(metricsPort);
        // The exposition lists labels sorted by name.
        String labels = "master_address=\"127.0.0.1:" + master.port + "\",master_name=\"mymaster\"";
        assertThat(text).contains("redis_sentinel_masters 1.0", "redis_sentinel_tilt 0.0",
                "redis_sentinel_master_status{" + labels + ",master_status=\"ok\"} 1.0",
                "redis_sentinel_master_slaves{" + labels + "} 1.0",
                "redis_sentinel_master_sentinels{" + labels + "} 1.0", "redis_up 1");
    }
}
