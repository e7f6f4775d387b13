package io.magpie.cluster.bus;

import static org.assertj.core.api.Assertions.assertThat;

import io.magpie.cluster.state.ClusterConfig;
import io.magpie.cluster.state.ClusterState;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Corrupted frames: decoding either succeeds or throws ClusterMsgException, and whatever decodes
 * is taken by the state machine without an exception (a peer cannot crash a node).
 */
class BusFuzzTest {
    private static final String ME = "0123456789abcdef0123456789abcdef01234567";
    private static final String OTHER = "fedcba9876543210fedcba9876543210fedcba98";

    private static List<byte[]> seeds() {
        byte[] slots = new byte[ClusterMsg.SLOTS_BITMAP_LEN];
        slots[3] = 5;
        List<ClusterMsg.Body> bodies = List.of(
            new ClusterMsg.Ping(List.of(new Gossip(OTHER, 1, 2, "127.0.0.1", 7001, 17001, NodeFlags.PFAIL, 0)),
                List.of(ClusterMsg.PingExt.hostname("h"))),
            new ClusterMsg.Fail(OTHER), new ClusterMsg.Publish("c".getBytes(), "m".getBytes()),
            new ClusterMsg.Update(3, OTHER, slots), new ClusterMsg.Module(1, 2, "p".getBytes()), new ClusterMsg.Empty());
        int[] types = {MsgType.PING, MsgType.FAIL, MsgType.PUBLISH, MsgType.UPDATE, MsgType.MODULE,
            MsgType.FAILOVER_AUTH_REQUEST};
        List<byte[]> out = new ArrayList<>();
        for (int i = 0; i < types.length; i++) {
            byte[] mflags = {(byte) (types[i] == MsgType.PING ? ClusterMsg.FLAG0_EXT_DATA : 0), 0, 0};
            out.add(ClusterMsgCodec.encode(new ClusterMsg(types[i], 7000, 1, 1, 0, ME, slots, null, "", 0, 17000,
                NodeFlags.MASTER, 0, mflags, bodies.get(i))));
        }
        return out;
    }

    @Test
    void corruptedFramesAreRefusedOrHandledWithoutCrashing() {
        Random random = new Random(20261207);
        ClusterState state = ClusterState.create(ClusterConfig.forPort(7100), new Random(1), 1000);
        long link = state.linkAccepted("127.0.0.1", "127.0.0.1", 1000);
        List<byte[]> seeds = seeds();
        int decoded = 0;
        for (int i = 0; i < 3000; i++) {
            byte[] frame = seeds.get(random.nextInt(seeds.size())).clone();
            int flips = 1 + random.nextInt(4);
            for (int k = 0; k < flips; k++) {
                // Mostly the places that matter: lengths, counts, type, names, the start of the body.
                int at = random.nextBoolean() ? random.nextInt(Math.min(frame.length, 2400)) : random.nextInt(16);
                frame[at] = (byte) random.nextInt(256);
            }
            ClusterMsg msg;
            try {
                msg = ClusterMsgCodec.decode(frame);
            } catch (ClusterMsgException e) {
                continue;
            }
            decoded++;
            // Reserved fields (count outside PING, padding) are not kept: re-encoding is stable.
            byte[] again = ClusterMsgCodec.encode(msg);
            assertThat(java.util.Arrays.equals(ClusterMsgCodec.encode(ClusterMsgCodec.decode(again)), again)).isTrue();
            state.onMessage(link, msg, 1000 + i);
            state.tick(1000 + i);
            state.ready();
        }
        assertThat(decoded).isGreaterThan(100);
    }
}
