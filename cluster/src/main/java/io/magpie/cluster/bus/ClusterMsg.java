package io.magpie.cluster.bus;

import java.util.List;

/**
 * One cluster bus message (cluster.h clusterMsg, protocol version 1): the fixed 2256-byte header
 * and the body of its type. {@link ClusterMsgCodec} reads and writes it byte for byte as Redis 7.0
 * does; the derived header fields (totlen, count, extensions) are computed from the body.
 *
 * @param type a {@link MsgType}
 * @param port the sender's client port (the TLS one when TLS is on)
 * @param currentEpoch the sender's currentEpoch
 * @param configEpoch the sender's configEpoch, or its master's when the sender is a replica
 * @param offset the sender's replication offset (master_repl_offset, or a replica's processed offset)
 * @param sender the sender's 40-character name
 * @param myslots the 2048-byte bitmap of the slots the sender (or its master) serves
 * @param slaveof the sender's master's name, or null when the sender is a master
 * @param myip the sender's announced ip, or "" for "use the address of the connection"
 * @param pport the plaintext client port when {@code port} is TLS, else 0
 * @param cport the sender's bus port
 * @param flags the sender's {@link NodeFlags}
 * @param state the cluster state in the sender's view: 0 ok, 1 fail
 * @param mflags the three message flag bytes ({@link #FLAG0_PAUSED}, {@link #FLAG0_FORCEACK},
 *     {@link #FLAG0_EXT_DATA} live in the first)
 * @param body what follows the header
 */
public record ClusterMsg(int type, int port, long currentEpoch, long configEpoch, long offset, String sender,
                         byte[] myslots, String slaveof, String myip, int pport, int cport, int flags, int state,
                         byte[] mflags, Body body) {

    /** Signature "RCmb" (Redis Cluster message bus). */
    public static final byte[] SIGNATURE = {'R', 'C', 'm', 'b'};
    public static final int PROTOCOL_VERSION = 1;
    /** The header: every message is at least this long. */
    public static final int HEADER_LEN = 2256;
    public static final int GOSSIP_LEN = 104;
    public static final int NAME_LEN = 40;
    /** NET_IP_STR_LEN: room for an IPv6 address and its NUL. */
    public static final int IP_LEN = 46;
    public static final int SLOTS_BITMAP_LEN = 2048;

    /** Master paused for manual failover. */
    public static final int FLAG0_PAUSED = 1;
    /** Give an ACK to AUTH_REQUEST even if the master is up (manual failover). */
    public static final int FLAG0_FORCEACK = 1 << 1;
    /** The message carries ping extensions. */
    public static final int FLAG0_EXT_DATA = 1 << 2;

    /** Ping extension type: the announced hostname. */
    public static final int EXT_TYPE_HOSTNAME = 0;

    /** The body of a message, by type. */
    public sealed interface Body permits Ping, Fail, Publish, Update, Module, Empty, Unknown {}

    /** PING, PONG and MEET: gossip entries and ping extensions. */
    public record Ping(List<Gossip> gossip, List<PingExt> extensions) implements Body {
        /** The announced hostname carried by a HOSTNAME extension, or null when there is none. */
        public String hostname() {
            String hostname = null;
            for (PingExt ext : extensions) {
                if (ext.type() == EXT_TYPE_HOSTNAME) hostname = ext.cString();
            }
            return hostname;
        }
    }

    /**
     * One ping extension: its type and the 8-byte aligned data after its 8-byte header.
     * Unknown types are kept so that a message re-encodes as it came.
     */
    public record PingExt(int type, byte[] data) {
        /** A HOSTNAME extension: the name, a NUL, and zero padding to 8 bytes. */
        public static PingExt hostname(String hostname) {
            byte[] name = hostname.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            byte[] data = new byte[(name.length + 1 + 7) / 8 * 8];
            System.arraycopy(name, 0, data, 0, name.length);
            return new PingExt(EXT_TYPE_HOSTNAME, data);
        }

        /** The data up to its first NUL, as a string. */
        public String cString() {
            int end = 0;
            while (end < data.length && data[end] != 0) end++;
            return new String(data, 0, end, java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    /** FAIL: the node the sender marked as failing. */
    public record Fail(String nodename) implements Body {}

    /** PUBLISH and PUBLISHSHARD: a channel and a message. */
    public record Publish(byte[] channel, byte[] message) implements Body {}

    /** UPDATE: the slots a node owns at a configEpoch. */
    public record Update(long configEpoch, String nodename, byte[] slots) implements Body {}

    /**
     * MODULE: a module's message. The module id is kept as its 8 raw bytes read big-endian (Redis
     * sends it "already endian adjusted").
     */
    public record Module(long moduleId, int moduleType, byte[] payload) implements Body {}

    /** FAILOVER_AUTH_REQUEST, FAILOVER_AUTH_ACK and MFSTART: the header says it all. */
    public record Empty() implements Body {}

    /** A type this version does not know: its bytes after the header, kept as they are. */
    public record Unknown(byte[] data) implements Body {}

    public boolean hasMflag0(int flag) {
        return (mflags[0] & flag) != 0;
    }

    /** This message with another body (same header). */
    public ClusterMsg withBody(Body newBody) {
        return new ClusterMsg(type, port, currentEpoch, configEpoch, offset, sender, myslots, slaveof, myip, pport,
            cport, flags, state, mflags, newBody);
    }

    /** This message with another type and first flag byte (same header fields otherwise). */
    public ClusterMsg withType(int newType, int newMflags0, Body newBody) {
        byte[] newMflags = mflags.clone();
        newMflags[0] = (byte) newMflags0;
        return new ClusterMsg(newType, port, currentEpoch, configEpoch, offset, sender, myslots, slaveof, myip, pport,
            cport, flags, state, newMflags, newBody);
    }

    public Ping ping() {
        return (Ping) body;
    }
}
