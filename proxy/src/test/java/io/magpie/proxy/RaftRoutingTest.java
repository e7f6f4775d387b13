package io.magpie.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What backend raft reads from Magpie's Raft nodes and which of their errors it retries. */
class RaftRoutingTest {
    private final Backend n1 = new Backend("127.0.0.1", 7001), n2 = new Backend("127.0.0.1", 7002), n3 = new Backend("127.0.0.1", 7003);

    @Test
    void aSingleGroupRefusesClusterSlotsAndNamesItsLeaderInRaftInfo() {
        assertThat(RaftRouting.singleGroup(new Replies.Err("ERR This instance has cluster support disabled"))).isTrue();
        assertThat(RaftRouting.singleGroup(new Replies.Err("CLUSTERDOWN The raft cluster map is not known yet"))).isFalse();
        assertThat(RaftRouting.singleGroup(List.of())).isFalse();
        byte[] info = "raft_id:n2\r\nrole:follower\r\nterm:3\r\nleader:n1\r\nleader_address:127.0.0.1:7001\r\nleader_ready:0\r\n"
                .getBytes(StandardCharsets.UTF_8);
        assertThat(RaftRouting.leaderAddress(info)).isEqualTo("127.0.0.1:7001");
        assertThat(RaftRouting.leaderAddress("role:candidate\r\nleader:\r\nleader_address:\r\n".getBytes(StandardCharsets.UTF_8))).isNull();
        assertThat(RaftRouting.leaderAddress(new Replies.Err("ERR unknown command 'RAFT'"))).isNull();
    }

    @Test
    void onlyARequestThatNeverLeftOrARepeatableReadIsRetriedAfterABrokenConnection() {
        String never = "ERR magpie-proxy: backend 127.0.0.1:7001 connection closed";
        String lost = "ERR magpie-proxy: backend 127.0.0.1:7001 closed the connection";
        String broken = "ERR magpie-proxy: backend 127.0.0.1:7001 connection error (Connection reset by peer)";
        assertThat(RaftRouting.notSent(Resp.error(never), false)).isTrue();
        assertThat(RaftRouting.notSent(Resp.error(lost), true)).isTrue();
        assertThat(RaftRouting.notSent(Resp.error(broken), true)).isTrue();
        // A write whose connection broke may have applied: the client hears so.
        assertThat(RaftRouting.notSent(Resp.error(lost), false)).isFalse();
        assertThat(RaftRouting.notSent(Resp.error(broken), false)).isFalse();
        assertThat(RaftRouting.notSent(Resp.error("ERR Raft write outcome unknown: the leader changed"), true)).isFalse();
    }

    @Test
    void keylessReadsAskOneNodeThatIsAMemberOfEveryGroup() {
        // Three groups of three replicas (each leader first): every node holds every group, n2 leads two of them.
        assertThat(RaftRouting.oneKeyspace(List.of(n2, n3), List.of(List.of(n2, n1, n3), List.of(n3, n1, n2), List.of(n2, n3, n1))))
                .containsExactly(n2);
        // Followers only in common: one of them.
        assertThat(RaftRouting.oneKeyspace(List.of(n1, n2), List.of(List.of(n1, n3), List.of(n2, n3)))).containsExactly(n3);
        // Two replicas per group, no node in all: the leaders each answer for their own.
        assertThat(RaftRouting.oneKeyspace(List.of(n1, n2, n3), List.of(List.of(n1, n2), List.of(n2, n3), List.of(n3, n1))))
                .containsExactly(n1, n2, n3);
    }
}
