package io.magpie.raft;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.ratis.conf.Parameters;
import org.apache.ratis.rpc.RpcType;
import org.junit.jupiter.api.Test;

class MagpieRpcTypeTest {
    @Test
    void ratisFindsTheTransportByItsName() {
        RpcType type = RpcType.valueOf(new MagpieRpcType().name());
        assertThat(type).isInstanceOf(MagpieRpcType.class);
        assertThat(type.newFactory(new Parameters())).isInstanceOf(MagpieRpcType.Factory.class);
    }

    @Test
    void aFollowerAtThePurgeBoundaryIsSentTheSnapshotOnlyWhenNoEntryCanReachIt() {
        // Leader: log 380..500 (379 and before purged), snapshot at 450. Follower's log ends at 378: next 379.
        assertThat(MagpieRpcType.stuckAtPurgeBoundary(379, 501, false, 450)).isTrue();
        // The entry before its next is still in the log: entries go.
        assertThat(MagpieRpcType.stuckAtPurgeBoundary(400, 501, true, 450)).isFalse();
        // The snapshot's last entry is the previous one: Ratis names it from the snapshot.
        assertThat(MagpieRpcType.stuckAtPurgeBoundary(451, 501, false, 450)).isFalse();
        // Nothing to send: the follower is caught up.
        assertThat(MagpieRpcType.stuckAtPurgeBoundary(501, 501, false, 450)).isFalse();
        // The very first entry has no previous.
        assertThat(MagpieRpcType.stuckAtPurgeBoundary(0, 501, false, 450)).isFalse();
    }
}
