package io.magpie.cluster.state;

import io.magpie.cluster.bus.NodeFlags;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One entry of the node table (cluster.h clusterNode): what this node knows of a cluster member,
 * itself included. Read-only to the node layer: only {@link ClusterState} changes it.
 */
public final class ClusterNode {
    String name;
    int flags;
    long configEpoch;
    final byte[] slots = new byte[ClusterState.SLOTS / 8];
    int numslots;
    final List<ClusterNode> slaves = new ArrayList<>();
    ClusterNode slaveof;
    /** Creation time: a node in handshake lives at most node-timeout (at least 1 s). */
    final long ctime;
    long pingSent;
    long pongReceived;
    long dataReceived;
    long failTime;
    /** Last time this node, as a master, had a replica we voted for. */
    long votedTime;
    long replOffsetTime;
    long orphanedTime;
    long replOffset;
    String ip = "";
    String hostname = "";
    int port;
    int pport;
    int cport;
    /** The outbound link (our connection to it), 0 when none. */
    long link;
    /** The inbound link (its connection to us), 0 when none or not yet known. */
    long inboundLink;
    /** Who reported this node as PFAIL/FAIL, and when (node name → time). */
    final Map<ClusterNode, Long> failReports = new LinkedHashMap<>();
    /** Number of the last PING whose gossip section carried this node. */
    long lastInPingGossip;

    ClusterNode(String name, int flags, long now) {
        this.name = name;
        this.flags = flags;
        this.ctime = now;
    }

    public String name() {
        return name;
    }

    public int flags() {
        return flags;
    }

    public boolean hasFlag(int flag) {
        return (flags & flag) != 0;
    }

    public boolean isMaster() {
        return hasFlag(NodeFlags.MASTER);
    }

    public boolean isSlave() {
        return hasFlag(NodeFlags.SLAVE);
    }

    public boolean isMyself() {
        return hasFlag(NodeFlags.MYSELF);
    }

    public boolean inHandshake() {
        return hasFlag(NodeFlags.HANDSHAKE);
    }

    public boolean hasAddr() {
        return !hasFlag(NodeFlags.NOADDR);
    }

    /** PFAIL: this node timed out from our point of view. */
    public boolean timedOut() {
        return hasFlag(NodeFlags.PFAIL);
    }

    public boolean failed() {
        return hasFlag(NodeFlags.FAIL);
    }

    public long configEpoch() {
        return configEpoch;
    }

    public boolean ownsSlot(int slot) {
        return SlotBitmap.test(slots, slot);
    }

    public int numSlots() {
        return numslots;
    }

    /** The master of this replica, or null. */
    public ClusterNode slaveof() {
        return slaveof;
    }

    public List<ClusterNode> slaves() {
        return Collections.unmodifiableList(slaves);
    }

    public String ip() {
        return ip;
    }

    /** The announced hostname, "" when none. */
    public String hostname() {
        return hostname;
    }

    public int port() {
        return port;
    }

    public int pport() {
        return pport;
    }

    public int cport() {
        return cport;
    }

    public long pingSent() {
        return pingSent;
    }

    public long pongReceived() {
        return pongReceived;
    }

    public long replOffset() {
        return replOffset;
    }

    /** The id of the outbound link to this node, 0 when none. */
    public long link() {
        return link;
    }

    /** The id of the inbound link from this node, 0 when none or not known yet. */
    public long inboundLink() {
        return inboundLink;
    }

    /** Whether an outbound link to this node is established (or being established). */
    public boolean connected() {
        return link != 0;
    }

    @Override
    public String toString() {
        return name + " " + ip + ":" + port + "@" + cport + " " + NodeFlags.represent(flags);
    }
}
