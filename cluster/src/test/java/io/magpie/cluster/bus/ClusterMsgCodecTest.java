package io.magpie.cluster.bus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClusterMsgCodecTest {
    private static final String ME = "0123456789abcdef0123456789abcdef01234567";
    private static final String OTHER = "fedcba9876543210fedcba9876543210fedcba98";

    private static ClusterMsg msg(int type, ClusterMsg.Body body) {
        byte[] slots = new byte[ClusterMsg.SLOTS_BITMAP_LEN];
        slots[0] = 1;
        slots[2047] = (byte) 0x80;
        return new ClusterMsg(type, 7000, 5, 3, 123456789L, ME, slots, OTHER, "10.0.0.1", 0, 17000,
            NodeFlags.MYSELF | NodeFlags.SLAVE, 1, new byte[] {0, 0, 0}, body);
    }

    private static byte[] roundTrip(ClusterMsg m) {
        byte[] frame = ClusterMsgCodec.encode(m);
        ClusterMsg back = ClusterMsgCodec.decode(frame);
        assertThat(ClusterMsgCodec.encode(back)).isEqualTo(frame);
        assertThat(back.type()).isEqualTo(m.type());
        assertThat(back.sender()).isEqualTo(ME);
        assertThat(back.slaveof()).isEqualTo(OTHER);
        assertThat(back.myip()).isEqualTo("10.0.0.1");
        assertThat(back.offset()).isEqualTo(123456789L);
        assertThat(back.myslots()).isEqualTo(m.myslots());
        return frame;
    }

    @Test
    void theHeaderHasRedisLayout() {
        byte[] f = roundTrip(msg(MsgType.FAILOVER_AUTH_REQUEST, new ClusterMsg.Empty()));
        assertThat(f).hasSize(2256);
        assertThat(new String(f, 0, 4, StandardCharsets.US_ASCII)).isEqualTo("RCmb");
        ByteBuffer b = ByteBuffer.wrap(f);
        assertThat(b.getInt(4)).isEqualTo(2256);
        assertThat(b.getShort(8)).isEqualTo((short) 1);
        assertThat(b.getShort(10)).isEqualTo((short) 7000);
        assertThat(b.getShort(12)).isEqualTo((short) MsgType.FAILOVER_AUTH_REQUEST);
        assertThat(b.getLong(16)).isEqualTo(5);
        assertThat(b.getLong(24)).isEqualTo(3);
        assertThat(new String(f, 40, 40, StandardCharsets.US_ASCII)).isEqualTo(ME);
        assertThat(f[80]).isEqualTo((byte) 1);
        assertThat(new String(f, 2128, 40, StandardCharsets.US_ASCII)).isEqualTo(OTHER);
        assertThat(new String(f, 2168, 8, StandardCharsets.US_ASCII)).isEqualTo("10.0.0.1");
        assertThat(b.getShort(2248)).isEqualTo((short) 17000);
        assertThat(b.getShort(2250)).isEqualTo((short) (NodeFlags.MYSELF | NodeFlags.SLAVE));
        assertThat(f[2252]).isEqualTo((byte) 1);
    }

    @Test
    void everyTypeRoundTrips() {
        Gossip g = new Gossip(OTHER, 1700000000L, 1700000001L, "::1", 7001, 17001, NodeFlags.MASTER, 0);
        byte[] ping = roundTrip(msg(MsgType.PING, new ClusterMsg.Ping(List.of(g, g),
            List.of(ClusterMsg.PingExt.hostname("node-1.example")))).withType(MsgType.PING, ClusterMsg.FLAG0_EXT_DATA,
            new ClusterMsg.Ping(List.of(g, g), List.of(ClusterMsg.PingExt.hostname("node-1.example")))));
        // header, two 104-byte entries, an 8-byte extension header and "node-1.example\0" padded to 16.
        assertThat(ping).hasSize(2256 + 208 + 8 + 16);
        assertThat(ClusterMsgCodec.decode(ping).ping().hostname()).isEqualTo("node-1.example");
        assertThat(ClusterMsgCodec.decode(ping).ping().gossip()).containsExactly(g, g);
        assertThat(roundTrip(msg(MsgType.FAIL, new ClusterMsg.Fail(OTHER)))).hasSize(2296);
        assertThat(roundTrip(msg(MsgType.PUBLISH, new ClusterMsg.Publish("ch".getBytes(), "message".getBytes()))))
            .hasSize(2256 + 8 + 9);
        assertThat(roundTrip(msg(MsgType.PUBLISHSHARD, new ClusterMsg.Publish(new byte[0], new byte[0])))).hasSize(2264);
        byte[] slots = new byte[2048];
        slots[5] = 7;
        assertThat(roundTrip(msg(MsgType.UPDATE, new ClusterMsg.Update(9, OTHER, slots)))).hasSize(2256 + 2096);
        assertThat(roundTrip(msg(MsgType.MODULE, new ClusterMsg.Module(0x1122334455667788L, 3, "xy".getBytes()))))
            .hasSize(2256 + 13 + 2);
        assertThat(roundTrip(msg(MsgType.MFSTART, new ClusterMsg.Empty()))).hasSize(2256);
        assertThat(roundTrip(msg(MsgType.FAILOVER_AUTH_ACK, new ClusterMsg.Empty()))).hasSize(2256);
        assertThat(roundTrip(msg(42, new ClusterMsg.Unknown(new byte[] {1, 2, 3})))).hasSize(2259);
    }

    @Test
    void framesThatAreNotTheBusOrHaveTheWrongLengthAreRefused() {
        byte[] f = ClusterMsgCodec.encode(msg(MsgType.FAIL, new ClusterMsg.Fail(OTHER)));
        assertThat(ClusterMsgCodec.frameLength(Arrays.copyOf(f, 8))).isEqualTo(2296);
        byte[] bad = f.clone();
        bad[0] = 'X';
        assertThat(ClusterMsgCodec.frameLength(Arrays.copyOf(bad, 8))).isEqualTo(-1);
        byte[] tooShort = Arrays.copyOf(f, 8);
        ByteBuffer.wrap(tooShort).putInt(4, 100);
        assertThat(ClusterMsgCodec.frameLength(tooShort)).isEqualTo(-1);
        // A FAIL one byte too long: the length does not match the type.
        byte[] longer = Arrays.copyOf(f, f.length + 1);
        ByteBuffer.wrap(longer).putInt(4, longer.length);
        assertThatThrownBy(() -> ClusterMsgCodec.decode(longer)).isInstanceOf(ClusterMsgException.class);
        // A gossip count beyond the frame.
        byte[] ping = ClusterMsgCodec.encode(msg(MsgType.PING, new ClusterMsg.Ping(List.of(), List.of())));
        ByteBuffer.wrap(ping).putShort(14, (short) 3);
        assertThatThrownBy(() -> ClusterMsgCodec.decode(ping)).isInstanceOf(ClusterMsgException.class);
        // Another protocol version.
        byte[] v2 = f.clone();
        ByteBuffer.wrap(v2).putShort(8, (short) 2);
        assertThatThrownBy(() -> ClusterMsgCodec.decode(v2)).isInstanceOf(ClusterMsgException.class);
        // An extension whose length is not a multiple of 8.
        ClusterMsg withExt = msg(MsgType.PING, null).withType(MsgType.PING, ClusterMsg.FLAG0_EXT_DATA,
            new ClusterMsg.Ping(List.of(), List.of(ClusterMsg.PingExt.hostname("h"))));
        byte[] e = ClusterMsgCodec.encode(withExt);
        ByteBuffer.wrap(e).putInt(2256, 12);
        assertThatThrownBy(() -> ClusterMsgCodec.decode(e)).isInstanceOf(ClusterMsgException.class);
        // A PUBLISH whose lengths claim more than the frame.
        byte[] pub = ClusterMsgCodec.encode(msg(MsgType.PUBLISH, new ClusterMsg.Publish("a".getBytes(), "b".getBytes())));
        ByteBuffer.wrap(pub).putInt(2256, 1000);
        assertThatThrownBy(() -> ClusterMsgCodec.decode(pub)).isInstanceOf(ClusterMsgException.class);
    }

    @Test
    void nodeFlagsReadLikeClusterNodes() {
        assertThat(NodeFlags.represent(NodeFlags.MYSELF | NodeFlags.MASTER)).isEqualTo("myself,master");
        assertThat(NodeFlags.represent(NodeFlags.SLAVE | NodeFlags.PFAIL | NodeFlags.NOFAILOVER))
            .isEqualTo("slave,fail?,nofailover");
        assertThat(NodeFlags.represent(NodeFlags.MEET | NodeFlags.MIGRATE_TO)).isEqualTo("noflags");
        assertThat(NodeFlags.parse("myself,master,fail")).isEqualTo(NodeFlags.MYSELF | NodeFlags.MASTER | NodeFlags.FAIL);
    }
}
