package io.magpie.engine.commands;

import static org.assertj.core.api.Assertions.assertThat;

import io.magpie.engine.Client;
import io.magpie.engine.EngineHarness;
import io.magpie.protocol.RespClient;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ExpireCommandsTest {
    private final EngineHarness h = new EngineHarness();
    private final long now = h.clock.millis;

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }



    @Test
    void expirePropagatesAsPexpireatWithTheAbsoluteTime() {
        h.value("SET", "k", "v");
        h.takePropagated();
        assertThat(h.value("EXPIRE", "k", "100")).isEqualTo(1L);
        assertThat(h.takePropagated()).containsExactly("0:PEXPIREAT k " + (now + 100_000));
        h.value("PEXPIRE", "k", "5000", "LT");
        assertThat(h.takePropagated()).containsExactly("0:PEXPIREAT k " + (now + 5000) + " LT");
        h.value("EXPIREAT", "k", "4102444800");
        assertThat(h.takePropagated()).containsExactly("0:PEXPIREAT k 4102444800000");
        h.value("PEXPIREAT", "k", "4102444800123");
        assertThat(h.takePropagated()).containsExactly("0:PEXPIREAT k 4102444800123");
    }

    @Test
    void expireInThePastDeletesPropagatesDelAndFiresDel() throws Exception {
        Client sub = h.keyeventListener();
        h.value("SET", "k", "v");
        EngineHarness.keyevents(sub);
        h.takePropagated();
        assertThat(h.value("EXPIRE", "k", "-1")).isEqualTo(1L);
        assertThat(h.value("EXISTS", "k")).isEqualTo(0L);
        assertThat(h.takePropagated()).containsExactly("0:DEL k");
        assertThat(EngineHarness.keyevents(sub)).containsExactly("del k");
    }

    @Test
    void expireInThePastPropagatesUnlinkWithLazyfreeLazyExpire() throws Exception {
        h.engine.config.lazyfreeLazyExpire.set("yes");
        h.value("SET", "k", "v");
        h.takePropagated();
        h.value("PEXPIREAT", "k", "1");
        assertThat(h.takePropagated()).containsExactly("0:UNLINK k");
    }

    @Test
    void aReplicaKeepsKeysWhoseExpireIsInThePast() {
        h.value("SET", "k", "v");
        h.engine.setReplica(true);
        assertThat(h.value("PEXPIREAT", "k", "1")).isEqualTo(1L);
        assertThat(h.engine.db(0).getExpire(b("k"))).isEqualTo(1L);
    }

    @Test
    void nxXxGtLtDecideOnTheCurrentTtl() {
        h.value("SET", "k", "v");
        assertThat(h.value("EXPIRE", "k", "100", "XX")).isEqualTo(0L);
        assertThat(h.value("EXPIRE", "k", "100", "GT")).as("no TTL is infinite: GT fails").isEqualTo(0L);
        assertThat(h.value("EXPIRE", "k", "100", "LT")).as("no TTL is infinite: LT succeeds").isEqualTo(1L);
        assertThat(h.value("EXPIRE", "k", "200", "NX")).isEqualTo(0L);
        assertThat(h.value("EXPIRE", "k", "200", "GT")).isEqualTo(1L);
        assertThat(h.value("EXPIRE", "k", "300", "LT")).isEqualTo(0L);
        assertThat(h.value("TTL", "k")).isEqualTo(200L);
        assertThat(h.text("EXPIRE", "k", "1", "NX", "GT")).isEqualTo("-ERR NX and XX, GT or LT options at the same time are not compatible\r\n");
        assertThat(h.text("EXPIRE", "k", "1", "GT", "LT")).isEqualTo("-ERR GT and LT options at the same time are not compatible\r\n");
        assertThat(h.text("EXPIRE", "k", "1", "YY")).isEqualTo("-ERR Unsupported option YY\r\n");
        assertThat(h.text("EXPIRE", "k", "9223372036854775807")).isEqualTo("-ERR invalid expire time in 'expire' command\r\n");
    }

    @Test
    void ttlFamilyReportsMissingNoTtlAndRoundsSeconds() {
        assertThat(h.value("TTL", "nosuch")).isEqualTo(-2L);
        h.value("SET", "k", "v");
        assertThat(h.value("PTTL", "k")).isEqualTo(-1L);
        assertThat(h.value("EXPIRETIME", "k")).isEqualTo(-1L);
        h.value("PEXPIRE", "k", "1500");
        assertThat(h.value("TTL", "k")).isEqualTo(2L);
        assertThat(h.value("PTTL", "k")).isEqualTo(1500L);
        assertThat(h.value("PEXPIRETIME", "k")).isEqualTo(now + 1500);
        assertThat(h.value("EXPIRETIME", "k")).isEqualTo((now + 1500 + 500) / 1000);
        h.clock.advance(1001);
        assertThat(h.value("TTL", "k")).isEqualTo(0L);
        assertThat(h.value("PTTL", "k")).isEqualTo(499L);
    }

    @Test
    void persistRemovesTheTtlOnceAndNotifies() throws Exception {
        Client sub = h.keyeventListener();
        h.value("SET", "k", "v", "EX", "100");
        EngineHarness.keyevents(sub);
        assertThat(h.value("PERSIST", "k")).isEqualTo(1L);
        assertThat(h.value("PERSIST", "k")).isEqualTo(0L);
        assertThat(h.value("PERSIST", "nosuch")).isEqualTo(0L);
        assertThat(EngineHarness.keyevents(sub)).containsExactly("persist k");
        assertThat(h.value("TTL", "k")).isEqualTo(-1L);
    }

    @Test
    void expiredKeysDisappearLazilyWithExpiredEventAndDel() throws Exception {
        Client sub = h.keyeventListener();
        h.value("SET", "k", "v", "PX", "100");
        EngineHarness.keyevents(sub);
        h.takePropagated();
        h.clock.advance(101);
        assertThat(h.value("GET", "k")).isNull();
        assertThat(EngineHarness.keyevents(sub)).contains("expired k");
        assertThat(h.takePropagated()).containsExactly("0:DEL k");
        assertThat(h.engine.stats.expiredKeys).isEqualTo(1);
    }

    @Test
    void unreadVolatileKeysDisappearThroughTheActiveExpireCycle() {
        for (int i = 0; i < 500; i++) h.value("SET", "v" + i, "x", "PX", String.valueOf(100 + i % 50));
        for (int i = 0; i < 100; i++) h.value("SET", "p" + i, "x");
        for (int i = 0; i < 100; i++) h.value("SET", "later" + i, "x", "EX", "1000");
        h.takePropagated();
        h.clock.advance(1000);
        // Each cron run has a time budget; the manual clock does not move inside a run, so
        // the cycle works until the stale fraction is acceptable. A few runs are plenty.
        for (int run = 0; run < 50 && h.engine.db(0).size() > 200; run++) h.engine.cron();
        assertThat(h.engine.db(0).size()).isEqualTo(200);
        assertThat(h.engine.db(0).expires().size()).isEqualTo(100);
        assertThat(h.engine.stats.expiredKeys).isEqualTo(500);
        List<String> props = h.takePropagated();
        assertThat(props).hasSize(500).allMatch(p -> p.startsWith("0:DEL v"));
    }
}
