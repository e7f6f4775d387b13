package io.magpie.server.replication;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ReplicationIdTest {
    @Test
    void aShiftKeepsTheOldHistoryContinuableUpToTheOffsetOfTheShift() {
        ReplicationId id = new ReplicationId();
        String first = id.replid();
        id.advance(100);
        id.shift("b".repeat(40));
        assertThat(id.replid()).isEqualTo("b".repeat(40));
        assertThat(id.replid2()).isEqualTo(first);
        assertThat(id.secondOffset()).isEqualTo(101);
        assertThat(id.continues(first, 101)).isTrue(); // a sibling that had all 100 bytes
        assertThat(id.continues(first, 102)).isFalse(); // one that had bytes we never had under that id
        assertThat(id.continues("b".repeat(40), 500)).isTrue(); // the backlog decides for the current id
        id.clearSecond();
        assertThat(id.continues(first, 101)).isFalse();
        assertThat(id.replid2()).isEqualTo(ReplicationId.NULL_REPLID);
        assertThat(id.secondOffset()).isEqualTo(-1);
    }

    @Test
    void aFullSyncAdoptsTheMastersHistory() {
        ReplicationId id = new ReplicationId();
        id.advance(7);
        id.adopt("c".repeat(40), 12345);
        assertThat(id.replid()).isEqualTo("c".repeat(40));
        assertThat(id.offset()).isEqualTo(12345);
        id.change();
        assertThat(id.replid()).matches("[0-9a-f]{40}").isNotEqualTo("c".repeat(40));
        assertThat(id.offset()).isEqualTo(12345);
    }
}
