package io.magpie.cluster.bus;

import static io.magpie.cluster.bus.ClusterMsg.GOSSIP_LEN;
import static io.magpie.cluster.bus.ClusterMsg.HEADER_LEN;
import static io.magpie.cluster.bus.ClusterMsg.IP_LEN;
import static io.magpie.cluster.bus.ClusterMsg.NAME_LEN;
import static io.magpie.cluster.bus.ClusterMsg.SLOTS_BITMAP_LEN;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reads and writes {@link ClusterMsg} in the layout of Redis 7.0's cluster.h: every integer in
 * network byte order, names as 40 raw characters (all zeros for "none"), ips as NUL padded
 * 46-byte fields, and the header's field offsets fixed (sender at 40, myslots at 80, slaveof at
 * 2128, myip at 2168, extensions at 2214, pport at 2246, cport 2248, flags 2250, state 2252,
 * mflags 2253, data at 2256).
 *
 * <p>Framing: a frame's first 8 bytes are the signature and the total length; {@link #frameLength}
 * says how long the frame is once they have arrived, or that the stream is not a cluster bus
 * (Redis then closes the link). {@link #decode} checks the length of each type as
 * clusterProcessPacket does; Redis ignores a message that fails those checks and keeps the link.
 * Reserved fields (notused, padding, count outside PING/PONG/MEET) are not kept: they are written
 * as zeros, as Redis sends them.
 */
public final class ClusterMsgCodec {
    private static final int OFF_TOTLEN = 4;
    private static final int OFF_SENDER = 40;
    private static final int OFF_MYSLOTS = 80;
    private static final int OFF_SLAVEOF = 2128;
    private static final int OFF_MYIP = 2168;
    private static final int OFF_EXTENSIONS = 2214;
    private static final int OFF_PPORT = 2246;
    private static final int PUBLISH_FIXED = 8;   // channel_len, message_len
    private static final int MODULE_FIXED = 13;   // module_id, len, type
    private static final int UPDATE_LEN = 8 + NAME_LEN + SLOTS_BITMAP_LEN;
    private static final byte[] NO_MFLAGS = new byte[3];

    private ClusterMsgCodec() {}

    /**
     * The total length of the frame whose first 8 bytes are given, or -1 when they are not a
     * cluster bus frame (bad signature, or shorter than a header): the link must then be closed.
     */
    public static int frameLength(byte[] first8) {
        for (int i = 0; i < 4; i++) {
            if (first8[i] != ClusterMsg.SIGNATURE[i]) return -1;
        }
        long totlen = ByteBuffer.wrap(first8, OFF_TOTLEN, 4).getInt() & 0xffffffffL;
        return totlen < HEADER_LEN || totlen > Integer.MAX_VALUE ? -1 : (int) totlen;
    }

    // ---------------------------------------------------------------- decoding

    /** Decodes one whole frame. */
    public static ClusterMsg decode(byte[] frame) {
        if (frame.length < HEADER_LEN) throw new ClusterMsgException("frame shorter than a header");
        ByteBuffer b = ByteBuffer.wrap(frame);
        for (int i = 0; i < 4; i++) {
            if (frame[i] != ClusterMsg.SIGNATURE[i]) throw new ClusterMsgException("bad signature");
        }
        long totlen = b.getInt(OFF_TOTLEN) & 0xffffffffL;
        if (totlen != frame.length) throw new ClusterMsgException("totlen " + totlen + " but frame of " + frame.length);
        int ver = b.getShort(8) & 0xffff;
        if (ver != ClusterMsg.PROTOCOL_VERSION) throw new ClusterMsgException("protocol version " + ver);
        int port = b.getShort(10) & 0xffff;
        int type = b.getShort(12) & 0xffff;
        int count = b.getShort(14) & 0xffff;
        long currentEpoch = b.getLong(16);
        long configEpoch = b.getLong(24);
        long offset = b.getLong(32);
        String sender = name(frame, OFF_SENDER);
        byte[] myslots = Arrays.copyOfRange(frame, OFF_MYSLOTS, OFF_MYSLOTS + SLOTS_BITMAP_LEN);
        String slaveof = name(frame, OFF_SLAVEOF);
        String myip = cString(frame, OFF_MYIP, IP_LEN);
        int extensions = b.getShort(OFF_EXTENSIONS) & 0xffff;
        int pport = b.getShort(OFF_PPORT) & 0xffff;
        int cport = b.getShort(OFF_PPORT + 2) & 0xffff;
        int flags = b.getShort(OFF_PPORT + 4) & 0xffff;
        int state = frame[2252] & 0xff;
        byte[] mflags = Arrays.copyOfRange(frame, 2253, 2256);
        ClusterMsg.Body body;
        switch (type) {
            case MsgType.PING, MsgType.PONG, MsgType.MEET -> body = decodePing(frame, count, extensions, mflags[0]);
            case MsgType.FAIL -> {
                expectLength(frame, HEADER_LEN + NAME_LEN);
                body = new ClusterMsg.Fail(name(frame, HEADER_LEN));
            }
            case MsgType.PUBLISH, MsgType.PUBLISHSHARD -> body = decodePublish(frame, b);
            case MsgType.FAILOVER_AUTH_REQUEST, MsgType.FAILOVER_AUTH_ACK, MsgType.MFSTART -> {
                expectLength(frame, HEADER_LEN);
                body = new ClusterMsg.Empty();
            }
            case MsgType.UPDATE -> {
                expectLength(frame, HEADER_LEN + UPDATE_LEN);
                body = new ClusterMsg.Update(b.getLong(HEADER_LEN), name(frame, HEADER_LEN + 8),
                    Arrays.copyOfRange(frame, HEADER_LEN + 8 + NAME_LEN, HEADER_LEN + UPDATE_LEN));
            }
            case MsgType.MODULE -> body = decodeModule(frame, b);
            default -> body = new ClusterMsg.Unknown(Arrays.copyOfRange(frame, HEADER_LEN, frame.length));
        }
        return new ClusterMsg(type, port, currentEpoch, configEpoch, offset, sender, myslots, slaveof, myip, pport,
            cport, flags, state, mflags, body);
    }

    private static ClusterMsg.Ping decodePing(byte[] frame, int count, int extensions, byte mflags0) {
        long explen = HEADER_LEN + (long) GOSSIP_LEN * count;
        if (explen > frame.length) throw new ClusterMsgException("gossip section longer than the frame");
        List<Gossip> gossip = new ArrayList<>(count);
        ByteBuffer b = ByteBuffer.wrap(frame);
        for (int i = 0; i < count; i++) {
            int at = HEADER_LEN + i * GOSSIP_LEN;
            gossip.add(new Gossip(name(frame, at), b.getInt(at + 40) & 0xffffffffL, b.getInt(at + 44) & 0xffffffffL,
                cString(frame, at + 48, IP_LEN), b.getShort(at + 94) & 0xffff, b.getShort(at + 96) & 0xffff,
                b.getShort(at + 98) & 0xffff, b.getShort(at + 100) & 0xffff));
        }
        List<ClusterMsg.PingExt> exts = new ArrayList<>();
        if ((mflags0 & ClusterMsg.FLAG0_EXT_DATA) != 0) {
            int at = (int) explen;
            for (int i = 0; i < extensions; i++) {
                if (frame.length - at < 8) throw new ClusterMsgException("extension header past the frame");
                long extlen = b.getInt(at) & 0xffffffffL;
                int extType = b.getShort(at + 4) & 0xffff;
                if (extlen % 8 != 0 || extlen < 8) throw new ClusterMsgException("extension without padding");
                if (frame.length - at < extlen) throw new ClusterMsgException("extension past the frame");
                exts.add(new ClusterMsg.PingExt(extType, Arrays.copyOfRange(frame, at + 8, at + (int) extlen)));
                at += (int) extlen;
            }
            explen = at;
        } else if (extensions != 0) {
            throw new ClusterMsgException("extensions without the EXT_DATA flag");
        }
        expectLength(frame, explen);
        return new ClusterMsg.Ping(gossip, exts);
    }

    private static ClusterMsg.Publish decodePublish(byte[] frame, ByteBuffer b) {
        if (frame.length < HEADER_LEN + PUBLISH_FIXED) throw new ClusterMsgException("short PUBLISH");
        long channelLen = b.getInt(HEADER_LEN) & 0xffffffffL;
        long messageLen = b.getInt(HEADER_LEN + 4) & 0xffffffffL;
        expectLength(frame, HEADER_LEN + PUBLISH_FIXED + channelLen + messageLen);
        int at = HEADER_LEN + PUBLISH_FIXED;
        return new ClusterMsg.Publish(Arrays.copyOfRange(frame, at, at + (int) channelLen),
            Arrays.copyOfRange(frame, at + (int) channelLen, frame.length));
    }

    private static ClusterMsg.Module decodeModule(byte[] frame, ByteBuffer b) {
        if (frame.length < HEADER_LEN + MODULE_FIXED) throw new ClusterMsgException("short MODULE");
        long len = b.getInt(HEADER_LEN + 8) & 0xffffffffL;
        expectLength(frame, HEADER_LEN + MODULE_FIXED + len);
        return new ClusterMsg.Module(b.getLong(HEADER_LEN), frame[HEADER_LEN + 12] & 0xff,
            Arrays.copyOfRange(frame, HEADER_LEN + MODULE_FIXED, frame.length));
    }

    private static void expectLength(byte[] frame, long explen) {
        if (frame.length != explen) {
            throw new ClusterMsgException("length " + frame.length + " but expected " + explen);
        }
    }

    /** A 40-byte name: null when all zeros (CLUSTER_NODE_NULL_NAME). */
    private static String name(byte[] frame, int at) {
        boolean zero = true;
        for (int i = at; i < at + NAME_LEN; i++) {
            if (frame[i] != 0) {
                zero = false;
                break;
            }
        }
        return zero ? null : new String(frame, at, NAME_LEN, StandardCharsets.ISO_8859_1);
    }

    private static String cString(byte[] frame, int at, int max) {
        int end = at;
        while (end < at + max && frame[end] != 0) end++;
        return new String(frame, at, end - at, StandardCharsets.ISO_8859_1);
    }

    // ---------------------------------------------------------------- encoding

    /** The length {@link #encode} gives the message. */
    public static int encodedLength(ClusterMsg msg) {
        ClusterMsg.Body body = msg.body();
        int len = HEADER_LEN;
        if (body instanceof ClusterMsg.Ping p) {
            len += GOSSIP_LEN * p.gossip().size();
            for (ClusterMsg.PingExt ext : p.extensions()) len += 8 + ext.data().length;
        } else if (body instanceof ClusterMsg.Fail) {
            len += NAME_LEN;
        } else if (body instanceof ClusterMsg.Publish p) {
            len += PUBLISH_FIXED + p.channel().length + p.message().length;
        } else if (body instanceof ClusterMsg.Update) {
            len += UPDATE_LEN;
        } else if (body instanceof ClusterMsg.Module m) {
            len += MODULE_FIXED + m.payload().length;
        } else if (body instanceof ClusterMsg.Unknown u) {
            len += u.data().length;
        }
        return len;
    }

    /** Encodes one whole frame. */
    public static byte[] encode(ClusterMsg msg) {
        byte[] frame = new byte[encodedLength(msg)];
        ByteBuffer b = ByteBuffer.wrap(frame);
        System.arraycopy(ClusterMsg.SIGNATURE, 0, frame, 0, 4);
        b.putInt(OFF_TOTLEN, frame.length);
        b.putShort(8, (short) ClusterMsg.PROTOCOL_VERSION);
        b.putShort(10, (short) msg.port());
        b.putShort(12, (short) msg.type());
        ClusterMsg.Body body = msg.body();
        b.putShort(14, (short) (body instanceof ClusterMsg.Ping p ? p.gossip().size() : 0));
        b.putLong(16, msg.currentEpoch());
        b.putLong(24, msg.configEpoch());
        b.putLong(32, msg.offset());
        putName(frame, OFF_SENDER, msg.sender());
        System.arraycopy(msg.myslots(), 0, frame, OFF_MYSLOTS, SLOTS_BITMAP_LEN);
        putName(frame, OFF_SLAVEOF, msg.slaveof());
        putCString(frame, OFF_MYIP, IP_LEN, msg.myip());
        b.putShort(OFF_EXTENSIONS, (short) (body instanceof ClusterMsg.Ping p ? p.extensions().size() : 0));
        b.putShort(OFF_PPORT, (short) msg.pport());
        b.putShort(OFF_PPORT + 2, (short) msg.cport());
        b.putShort(OFF_PPORT + 4, (short) msg.flags());
        frame[2252] = (byte) msg.state();
        System.arraycopy(msg.mflags() == null ? NO_MFLAGS : msg.mflags(), 0, frame, 2253, 3);
        int at = HEADER_LEN;
        if (body instanceof ClusterMsg.Ping p) {
            for (Gossip g : p.gossip()) {
                putName(frame, at, g.nodename());
                b.putInt(at + 40, (int) g.pingSent());
                b.putInt(at + 44, (int) g.pongReceived());
                putCString(frame, at + 48, IP_LEN, g.ip());
                b.putShort(at + 94, (short) g.port());
                b.putShort(at + 96, (short) g.cport());
                b.putShort(at + 98, (short) g.flags());
                b.putShort(at + 100, (short) g.pport());
                at += GOSSIP_LEN;
            }
            for (ClusterMsg.PingExt ext : p.extensions()) {
                b.putInt(at, 8 + ext.data().length);
                b.putShort(at + 4, (short) ext.type());
                System.arraycopy(ext.data(), 0, frame, at + 8, ext.data().length);
                at += 8 + ext.data().length;
            }
        } else if (body instanceof ClusterMsg.Fail f) {
            putName(frame, at, f.nodename());
        } else if (body instanceof ClusterMsg.Publish p) {
            b.putInt(at, p.channel().length);
            b.putInt(at + 4, p.message().length);
            System.arraycopy(p.channel(), 0, frame, at + 8, p.channel().length);
            System.arraycopy(p.message(), 0, frame, at + 8 + p.channel().length, p.message().length);
        } else if (body instanceof ClusterMsg.Update u) {
            b.putLong(at, u.configEpoch());
            putName(frame, at + 8, u.nodename());
            System.arraycopy(u.slots(), 0, frame, at + 8 + NAME_LEN, SLOTS_BITMAP_LEN);
        } else if (body instanceof ClusterMsg.Module m) {
            b.putLong(at, m.moduleId());
            b.putInt(at + 8, m.payload().length);
            frame[at + 12] = (byte) m.moduleType();
            System.arraycopy(m.payload(), 0, frame, at + MODULE_FIXED, m.payload().length);
        } else if (body instanceof ClusterMsg.Unknown u) {
            System.arraycopy(u.data(), 0, frame, at, u.data().length);
        }
        return frame;
    }

    private static void putName(byte[] frame, int at, String name) {
        if (name == null) return;
        byte[] bytes = name.getBytes(StandardCharsets.ISO_8859_1);
        System.arraycopy(bytes, 0, frame, at, Math.min(bytes.length, NAME_LEN));
    }

    private static void putCString(byte[] frame, int at, int max, String s) {
        if (s == null) return;
        byte[] bytes = s.getBytes(StandardCharsets.ISO_8859_1);
        System.arraycopy(bytes, 0, frame, at, Math.min(bytes.length, max - 1));
    }
}
