package io.magpie.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class LogEntryTest {
    private static byte[][] argv(String... words) {
        byte[][] out = new byte[words.length][];
        for (int i = 0; i < words.length; i++) out[i] = words[i].getBytes(StandardCharsets.UTF_8);
        return out;
    }

    @Test
    void aWriteUnitKeepsItsCommandsDbLeaderTimeAndSeedThroughTheLog() {
        LogEntry e = LogEntry.write("n1", 42, 3, 1_700_000_000_123L, -7L, true,
                List.of(argv("SET", "k", "v"), argv("SPOP", "s", "2"), new byte[][] {{0, (byte) 0xff, '\r', '\n'}}));
        LogEntry back = LogEntry.decode(e.encode());
        assertThat(back.type()).isEqualTo(LogEntry.WRITE);
        assertThat(back.origin()).isEqualTo("n1");
        assertThat(back.seq()).isEqualTo(42);
        assertThat(back.db()).isEqualTo(3);
        assertThat(back.timeMs()).isEqualTo(1_700_000_000_123L);
        assertThat(back.seed()).isEqualTo(-7L);
        assertThat(back.atomic()).isTrue();
        assertThat(back.commands()).hasSize(3);
        assertThat(back.commands().get(1)).isDeepEqualTo(argv("SPOP", "s", "2"));
        assertThat(back.commands().get(2)[0]).containsExactly(0, 0xff, '\r', '\n');
    }

    @Test
    void aBatchKeepsEachWriteWithItsOwnSeqDbTimeAndSeedInOrder() {
        LogEntry a = LogEntry.write("n2", 7, 0, 1000L, 11L, false, List.<byte[][]>of(argv("SET", "a", "1")));
        LogEntry b = LogEntry.write("n2", 8, 5, 1001L, 12L, false, List.<byte[][]>of(argv("INCR", "c")));
        LogEntry back = LogEntry.decode(LogEntry.batch(List.of(a, b)).encode());
        assertThat(back.type()).isEqualTo(LogEntry.BATCH);
        List<LogEntry> writes = back.writes();
        assertThat(writes).extracting(LogEntry::seq).containsExactly(7L, 8L);
        assertThat(writes).extracting(LogEntry::db).containsExactly(0, 5);
        assertThat(writes).extracting(LogEntry::seed).containsExactly(11L, 12L);
        assertThat(writes.get(1).timeMs()).isEqualTo(1001L);
        assertThat(writes.get(1).commands().get(0)).isDeepEqualTo(argv("INCR", "c"));
    }

    @Test
    void anAddressAndAnExpireEntryRoundTrip() {
        LogEntry a = LogEntry.decode(LogEntry.address("n2", "127.0.0.1:7002").encode());
        assertThat(a.type()).isEqualTo(LogEntry.ADDRESS);
        assertThat(a.member()).isEqualTo("n2");
        assertThat(a.clientAddress()).isEqualTo("127.0.0.1:7002");
        LogEntry x = LogEntry.decode(LogEntry.expire(1, 99, argv("a", "b")).encode());
        assertThat(x.type()).isEqualTo(LogEntry.EXPIRE);
        assertThat(x.db()).isEqualTo(1);
        assertThat(x.timeMs()).isEqualTo(99);
        assertThat(x.commands().get(0)).isDeepEqualTo(argv("a", "b"));
    }

    @Test
    void anExecKeepsItsWatchedKeysAndVersionsAndAnEvictEntryItsKeys() {
        LogEntry e = LogEntry.write("n1", 7, 0, 5, 1, true, List.<byte[][]>of(argv("SET", "k", "v")))
                .watching(List.of(new LogEntry.Watched(2, argv("k")[0], new byte[] {1, 2, 3}), new LogEntry.Watched(0, new byte[0], new byte[0])));
        LogEntry back = LogEntry.decode(e.encode());
        assertThat(back.watches()).hasSize(2);
        assertThat(back.watches().get(0).db()).isEqualTo(2);
        assertThat(back.watches().get(0).key()).isEqualTo(argv("k")[0]);
        assertThat(back.watches().get(0).version()).containsExactly(1, 2, 3);
        assertThat(back.watches().get(1).key()).isEmpty();
        assertThat(LogEntry.decode(LogEntry.write("n1", 8, 0, 5, 1, false, List.<byte[][]>of(argv("GET", "k"))).encode()).watches()).isEmpty();
        LogEntry x = LogEntry.decode(LogEntry.evict(3, 11, argv("a", "b")).encode());
        assertThat(x.type()).isEqualTo(LogEntry.EVICT);
        assertThat(x.db()).isEqualTo(3);
        assertThat(x.commands().get(0)).isDeepEqualTo(argv("a", "b"));
    }

    @Test
    void raftMembersParseAsIdToAddressAndABadOneIsRefused() {
        assertThat(RaftConfig.parseMembers("n1=127.0.0.1:17001, n2=127.0.0.1:17002"))
                .containsExactly(java.util.Map.entry("n1", "127.0.0.1:17001"), java.util.Map.entry("n2", "127.0.0.1:17002"));
        assertThatThrownBy(() -> RaftConfig.parseMembers("n1:17001")).hasMessageContaining("is not id=host:port");
        assertThat(RaftConfig.requested("port 7001\nraft-enabled yes\n")).isTrue();
        assertThat(RaftConfig.requested("raft-enabled \"yes\"\nraft-enabled no\n")).isFalse();
        assertThat(RaftConfig.requested("port 7001\n")).isFalse();
    }
}
