package io.magpie.cluster.state;

import io.magpie.cluster.bus.ClusterMsg;
import io.magpie.cluster.bus.Gossip;
import io.magpie.cluster.bus.MsgType;
import io.magpie.cluster.bus.NodeFlags;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * Redis Cluster's logic (cluster.c) as a pure state machine: the node table, the MEET handshake,
 * gossip, PFAIL → FAIL, epochs, slot ownership, failover elections and votes, manual failover,
 * replica migration and the cluster state. It has no sockets, threads or clock: the node layer
 * feeds it messages ({@link #onMessage}), link events and ticks ({@link #tick}, every 100 ms, as
 * clusterCron), each with the time, and after every input takes {@link #ready()}: the messages to
 * send, the actions to carry out and whether to save nodes.conf. Randomness (node names, gossip
 * picks, the election delay) comes from the generator given at construction.
 *
 * <p>Links are numbered by the state machine. An outbound link is asked for with a
 * {@link ClusterAction.Connect}; an inbound one is registered with {@link #linkAccepted}. A link's
 * end is reported with {@link #linkClosed}, except for the links the state machine closes itself
 * ({@link ClusterAction.CloseLink}).
 *
 * <p>CLUSTER subcommands are methods that either change the state (then {@link #ready()} says what
 * to save and send before replying) or throw {@link ClusterException} with Redis's error reply.
 * Not thread safe: one thread (the node's event loop) makes every call.
 */
public final class ClusterState {
    public static final int SLOTS = 16384;
    /** Bus port = client port + 10000 unless cluster-port says otherwise. */
    public static final int PORT_INCR = 10000;
    /** Name length: 40 hex characters. */
    public static final int NAME_LEN = 40;

    static final int FAIL_REPORT_VALIDITY_MULT = 2;
    static final int FAIL_UNDO_TIME_MULT = 2;
    /** Milliseconds a manual failover may take. */
    static final long MF_TIMEOUT = 5000;
    static final int MF_PAUSE_MULT = 2;
    static final long SLAVE_MIGRATION_DELAY = 5000;
    static final long BLACKLIST_TTL = 60_000;
    static final long MAX_REJOIN_DELAY = 5000;
    static final long MIN_REJOIN_DELAY = 500;
    static final long WRITABLE_DELAY = 2000;

    // clusterDoBeforeSleep flags
    static final int TODO_HANDLE_FAILOVER = 1;
    static final int TODO_UPDATE_STATE = 1 << 1;
    static final int TODO_SAVE_CONFIG = 1 << 2;
    static final int TODO_FSYNC_CONFIG = 1 << 3;
    static final int TODO_HANDLE_MANUALFAILOVER = 1 << 4;

    /** Why a replica is not failing over (CLUSTER_CANT_FAILOVER_*). */
    public enum CantFailoverReason { NONE, DATA_AGE, WAITING_DELAY, EXPIRED, WAITING_VOTES }

    final ClusterConfig config;
    final RandomGenerator random;

    ClusterNode myself;
    long currentEpoch;
    long lastVoteEpoch;
    boolean stateOk;
    /** Number of masters serving at least one slot (1 until first computed, as clusterInit sets it). */
    int size = 1;
    final Map<String, ClusterNode> nodes = new LinkedHashMap<>();
    private final Map<String, Long> blacklist = new HashMap<>();
    final ClusterNode[] slots = new ClusterNode[SLOTS];
    final ClusterNode[] migratingSlotsTo = new ClusterNode[SLOTS];
    final ClusterNode[] importingSlotsFrom = new ClusterNode[SLOTS];
    /** Slots whose owner stopped claiming them: not to be spread in UPDATE messages. */
    private final byte[] ownerNotClaimingSlot = new byte[SLOTS / 8];

    /** Elections, votes, manual failover and replica migration. */
    final Failover failoverState = new Failover(this);

    int todo;
    private final long[] statsSent = new long[MsgType.COUNT];
    private final long[] statsReceived = new long[MsgType.COUNT];
    private int statsPfailNodes;
    private long linksBufferLimitExceeded;

    private final Map<Long, Link> links = new LinkedHashMap<>();
    private long nextLinkId = 1;

    // Replication as the node layer reports it.
    long replOffset;
    private boolean masterLinkUp;
    long masterLinkTime;
    /** Whether we told the node layer to replicate (server.masterhost != NULL). */
    boolean replicating;

    /** The cluster-announce-ip in force at the last tick. */
    private String announcedIp;
    long now;
    private long iteration;
    private long pingsSent;
    private long firstUpdateStateTime;
    private long amongMinorityTime;

    private List<Ready.Send> outMessages = new ArrayList<>();
    List<ClusterAction> outActions = new ArrayList<>();

    /** A bus connection, inbound or outbound (cluster.h clusterLink). */
    static final class Link {
        final long id;
        ClusterNode node;
        final boolean inbound;
        final long ctime;
        String peerIp;
        String localIp;
        boolean established;
        /** Messages for an outbound link still connecting (Redis's send buffer fills before connect). */
        final List<ClusterMsg> pending = new ArrayList<>();

        Link(long id, ClusterNode node, boolean inbound, long ctime) {
            this.id = id;
            this.node = node;
            this.inbound = inbound;
            this.ctime = ctime;
        }
    }

    private ClusterState(ClusterConfig config, RandomGenerator random, long now) {
        this.config = config;
        this.random = random;
        this.now = now;
    }

    /** A fresh node: a new random name, a master without slots, alone (clusterInit without nodes.conf). */
    public static ClusterState create(ClusterConfig config, RandomGenerator random, long now) {
        ClusterState state = new ClusterState(config, random, now);
        state.myself = new ClusterNode(state.randomName(), NodeFlags.MYSELF | NodeFlags.MASTER, now);
        state.nodes.put(state.myself.name, state.myself);
        state.syncMyselfWithConfig();
        state.doBeforeSleep(TODO_SAVE_CONFIG | TODO_FSYNC_CONFIG);
        return state;
    }

    /**
     * The node of a nodes.conf (clusterLoadConfig).
     *
     * @throws IllegalArgumentException when the file is not a valid nodes.conf (Redis then exits)
     */
    public static ClusterState load(ClusterConfig config, RandomGenerator random, String nodesConf, long now) {
        ClusterState state = new ClusterState(config, random, now);
        NodesConf.parse(state, nodesConf, now);
        state.syncMyselfWithConfig();
        // The loaded configuration is saved once at startup as Redis does, in the current format.
        state.doBeforeSleep(TODO_SAVE_CONFIG | TODO_FSYNC_CONFIG);
        return state;
    }

    // ====================================================================== queries

    public ClusterNode myself() {
        return myself;
    }

    public String myId() {
        return myself.name;
    }

    public long currentEpoch() {
        return currentEpoch;
    }

    public long lastVoteEpoch() {
        return lastVoteEpoch;
    }

    /** cluster_state: ok. */
    public boolean isOk() {
        return stateOk;
    }

    /** Number of masters serving at least one slot. */
    public int size() {
        return size;
    }

    /** The node, or null when unknown (or not a well formed name). */
    public ClusterNode lookupNode(String name) {
        if (!verifyNodeId(name)) return null;
        return nodes.get(name);
    }

    /** Every known node, myself and nodes in handshake included, in the table's order. */
    public Collection<ClusterNode> nodes() {
        return Collections.unmodifiableCollection(nodes.values());
    }

    /** The master serving the slot, or null when unassigned. */
    public ClusterNode slotOwner(int slot) {
        return slots[slot];
    }

    /** Where this node migrates the slot to (SETSLOT MIGRATING), or null. */
    public ClusterNode migratingTo(int slot) {
        return migratingSlotsTo[slot];
    }

    /** Where this node imports the slot from (SETSLOT IMPORTING), or null. */
    public ClusterNode importingFrom(int slot) {
        return importingSlotsFrom[slot];
    }

    /** Whether a manual failover is in progress on this node (as master or replica). */
    public boolean manualFailoverInProgress() {
        return failoverState.mfEnd != 0;
    }

    public CantFailoverReason cantFailoverReason() {
        return failoverState.cantFailoverReason;
    }

    /** The endpoint MOVED/ASK and CLUSTER SHARDS give for a node (getPreferredEndpoint). */
    public String preferredEndpoint(ClusterNode n) {
        return switch (config.preferredEndpointType) {
            case IP -> n.ip;
            case HOSTNAME -> n.hostname.isEmpty() ? "?" : n.hostname;
            case UNKNOWN_ENDPOINT -> "";
        };
    }

    /** Messages sent, by {@link MsgType}. */
    public long messagesSent(int type) {
        return statsSent[type];
    }

    /** Messages received, by {@link MsgType}. */
    public long messagesReceived(int type) {
        return statsReceived[type];
    }

    /** total_cluster_links_buffer_limit_exceeded. */
    public long linksBufferLimitExceeded() {
        return linksBufferLimitExceeded;
    }

    /**
     * The node layer closed a link whose send buffer passed cluster-link-sendbuf-limit: counted for
     * CLUSTER INFO, and the link is forgotten (it is reconnected by the next tick).
     */
    public void linkBufferLimitExceeded(long linkId, long now) {
        linksBufferLimitExceeded++;
        linkClosed(linkId, now);
    }

    /** The node a link is associated with, or null (an inbound link before the peer's first message). */
    public ClusterNode linkNode(long link) {
        Link l = links.get(link);
        return l == null ? null : l.node;
    }

    public ClusterConfig config() {
        return config;
    }

    /** The replication offset last reported with {@link #replicationOffset}. */
    public long replicationOffset() {
        return replOffset;
    }

    // ====================================================================== output

    /**
     * Runs what Redis runs before sleeping (a pending failover step, the state update) and hands
     * over everything the inputs since the last call produced.
     */
    public Ready ready() {
        int flags = todo;
        todo = 0;
        if ((flags & TODO_HANDLE_MANUALFAILOVER) != 0) {
            if (myself.isSlave()) {
                failoverState.handleManualFailover();
                failoverState.handleSlaveFailover();
            }
        } else if ((flags & TODO_HANDLE_FAILOVER) != 0) {
            failoverState.handleSlaveFailover();
        }
        if (((flags | todo) & TODO_UPDATE_STATE) != 0) updateState();
        // A failover step asked for while running these waits for the next call, as in Redis.
        int later = todo & (TODO_HANDLE_FAILOVER | TODO_HANDLE_MANUALFAILOVER);
        flags |= todo & ~later;
        todo = later;
        boolean save = (flags & TODO_SAVE_CONFIG) != 0;
        boolean fsync = save && (flags & TODO_FSYNC_CONFIG) != 0;
        Ready ready = new Ready(outMessages, outActions, save, fsync);
        outMessages = new ArrayList<>();
        outActions = new ArrayList<>();
        return ready;
    }

    /** The nodes.conf content for the current state (CLUSTER NODES lines, then the vars line). */
    public String nodesConf() {
        return NodesConf.format(this);
    }

    // ====================================================================== inputs: replication

    /**
     * This node's replication offset: master_repl_offset as a master, the processed offset as a
     * replica. Call before {@link #tick} and {@link #onMessage} whenever it changed.
     */
    public void replicationOffset(long offset) {
        this.replOffset = offset;
    }

    /**
     * The state of this replica's link to its master: when up, {@code time} is the last interaction
     * with the master (ms); when down, the time it went down (repl_down_since, ms).
     */
    public void masterLink(boolean up, long time) {
        this.masterLinkUp = up;
        this.masterLinkTime = time;
    }

    // ====================================================================== inputs: links

    /** A peer connected to our bus port; returns the link's id. */
    public long linkAccepted(String peerIp, String localIp, long now) {
        this.now = now;
        Link link = new Link(nextLinkId++, null, true, now);
        link.peerIp = peerIp;
        link.localIp = localIp;
        link.established = true;
        links.put(link.id, link);
        return link.id;
    }

    /** An outbound link asked for with {@link ClusterAction.Connect} is connected (clusterLinkConnectHandler). */
    public void linkConnected(long linkId, String localIp, long now) {
        this.now = now;
        Link link = links.get(linkId);
        if (link == null || link.inbound) return;
        link.established = true;
        link.localIp = localIp;
        for (ClusterMsg msg : link.pending) outMessages.add(new Ready.Send(link.id, msg));
        link.pending.clear();
        ClusterNode node = link.node;
        link.peerIp = node.ip;
        long oldPingSent = node.pingSent;
        sendPing(link, node.hasFlag(NodeFlags.MEET) ? MsgType.MEET : MsgType.PING);
        // Keep the time of a ping sent before the link was lost: failure detection counts from it.
        if (oldPingSent != 0) node.pingSent = oldPingSent;
        node.flags &= ~NodeFlags.MEET;
    }

    /** A link failed to connect, broke, or was closed by the peer (handleLinkIOError). */
    public void linkClosed(long linkId, long now) {
        this.now = now;
        Link link = links.get(linkId);
        if (link == null) return;
        // A connection refused before a PING could go: count it as a PING sent, or failure
        // detection would never start for a node that is down for good.
        if (!link.inbound && !link.established && link.node.pingSent == 0) link.node.pingSent = now;
        freeLink(link, false);
    }

    private Link createOutboundLink(ClusterNode node) {
        Link link = new Link(nextLinkId++, node, false, now);
        links.put(link.id, link);
        node.link = link.id;
        outActions.add(new ClusterAction.Connect(link.id, node.name, node.ip, node.cport));
        return link;
    }

    /** freeClusterLink: forget the link and, when we close it ourselves, tell the node layer. */
    private void freeLink(Link link, boolean close) {
        if (links.remove(link.id) == null) return;
        if (close) outActions.add(new ClusterAction.CloseLink(link.id));
        if (link.node != null) {
            if (link.node.link == link.id) link.node.link = 0;
            else if (link.node.inboundLink == link.id) link.node.inboundLink = 0;
        }
    }

    private void freeLink(long id) {
        Link link = links.get(id);
        if (link != null) freeLink(link, true);
    }

    private void setNodeInboundLink(ClusterNode node, Link link) {
        if (node.inboundLink != 0 && node.inboundLink != link.id) {
            // A peer that reconnected: the older link is most likely the stale one.
            freeLink(node.inboundLink);
        }
        node.inboundLink = link.id;
        link.node = node;
    }

    // ====================================================================== inputs: messages

    /** A message arrived on a link (clusterProcessPacket). */
    public void onMessage(long linkId, ClusterMsg hdr, long now) {
        this.now = now;
        Link link = links.get(linkId);
        if (link == null) return;
        int type = hdr.type();
        if (type < MsgType.COUNT) statsReceived[type]++;
        // A sender that is no node name could only corrupt the table (a handshake would rename a
        // node to it): such a message is dropped.
        if (!verifyNodeId(hdr.sender())) return;
        int flags = hdr.flags();
        long senderCurrentEpoch = 0;
        long senderConfigEpoch = 0;
        ClusterNode sender = nodeFromLinkAndMsg(link, hdr);
        if (sender != null) sender.dataReceived = now;

        if (sender != null && !sender.inHandshake()) {
            senderCurrentEpoch = hdr.currentEpoch();
            senderConfigEpoch = hdr.configEpoch();
            if (Long.compareUnsigned(senderCurrentEpoch, currentEpoch) > 0) currentEpoch = senderCurrentEpoch;
            if (Long.compareUnsigned(senderConfigEpoch, sender.configEpoch) > 0) {
                sender.configEpoch = senderConfigEpoch;
                doBeforeSleep(TODO_SAVE_CONFIG | TODO_FSYNC_CONFIG);
            }
            sender.replOffset = hdr.offset();
            sender.replOffsetTime = now;
            // A replica in a manual failover learns the offset its paused master stopped at.
            failoverState.onMasterOffset(sender, hdr);
        }

        if (type == MsgType.PING || type == MsgType.MEET) {
            // A MEET comes to the address the others know us by: learn our own ip from it.
            if ((type == MsgType.MEET || myself.ip.isEmpty()) && config.announceIp == null
                && link.localIp != null && !link.localIp.equals(myself.ip)) {
                myself.ip = link.localIp;
                doBeforeSleep(TODO_SAVE_CONFIG);
            }
            if (sender == null && type == MsgType.MEET) {
                ClusterNode node = new ClusterNode(randomName(), NodeFlags.HANDSHAKE, now);
                node.ip = nodeIp(link, hdr.myip());
                node.port = hdr.port();
                node.pport = hdr.pport();
                node.cport = hdr.cport();
                nodes.put(node.name, node);
                doBeforeSleep(TODO_SAVE_CONFIG);
                // Redis reads a MEET's gossip though its sender is not known yet: that refreshes the
                // nodes we know, but adds none (only a known sender may introduce nodes).
                processGossipSection(hdr, link);
            }
            sendPing(link, MsgType.PONG);
        }

        if (MsgType.isPingLike(type)) {
            if (!processPingLike(link, hdr, sender, flags, senderConfigEpoch)) return;
        } else if (type == MsgType.FAIL) {
            if (sender != null) {
                ClusterNode failing = lookupNode(((ClusterMsg.Fail) hdr.body()).nodename());
                if (failing != null && !failing.hasFlag(NodeFlags.FAIL | NodeFlags.MYSELF)) {
                    failing.flags |= NodeFlags.FAIL;
                    failing.failTime = now;
                    failing.flags &= ~NodeFlags.PFAIL;
                    doBeforeSleep(TODO_SAVE_CONFIG | TODO_UPDATE_STATE);
                }
            }
        } else if (type == MsgType.PUBLISH || type == MsgType.PUBLISHSHARD) {
            if (sender == null) return;
            ClusterMsg.Publish p = (ClusterMsg.Publish) hdr.body();
            outActions.add(new ClusterAction.DeliverPublish(p.channel(), p.message(), type == MsgType.PUBLISHSHARD));
        } else if (type == MsgType.FAILOVER_AUTH_REQUEST) {
            if (sender == null) return;
            failoverState.sendAuthIfNeeded(sender, hdr);
        } else if (type == MsgType.FAILOVER_AUTH_ACK) {
            if (sender == null) return;
            failoverState.onAuthAck(sender, senderCurrentEpoch);
        } else if (type == MsgType.MFSTART) {
            if (sender == null || sender.slaveof != myself) return;
            failoverState.onMfStart(sender);
            // The PING carries the offset we paused at, so the replica can start as soon as it has it.
            sendPing(link, MsgType.PING);
        } else if (type == MsgType.UPDATE) {
            if (sender == null) return;
            ClusterMsg.Update u = (ClusterMsg.Update) hdr.body();
            ClusterNode n = lookupNode(u.nodename());
            if (n == null) return;
            if (Long.compareUnsigned(n.configEpoch, u.configEpoch()) >= 0) return;
            if (n.isSlave()) setNodeAsMaster(n);
            n.configEpoch = u.configEpoch();
            doBeforeSleep(TODO_SAVE_CONFIG | TODO_FSYNC_CONFIG);
            updateSlotsConfigWith(n, u.configEpoch(), u.slots());
        } else if (type == MsgType.MODULE) {
            if (sender == null) return;
            ClusterMsg.Module m = (ClusterMsg.Module) hdr.body();
            outActions.add(new ClusterAction.DeliverModuleMessage(sender.name, m.moduleId(), m.moduleType(),
                m.payload()));
        }
    }

    /** PING, PONG and MEET: the configuration they carry. Returns false when the link was freed. */
    private boolean processPingLike(Link link, ClusterMsg hdr, ClusterNode sender, int flags, long senderConfigEpoch) {
        int type = hdr.type();
        if (!link.inbound) {
            if (link.node.inHandshake()) {
                if (sender != null) {
                    // We knew this node already, by name: keep that entry, drop the handshake one.
                    if (nodeUpdateAddressIfNeeded(sender, link, hdr)) {
                        doBeforeSleep(TODO_SAVE_CONFIG | TODO_UPDATE_STATE);
                    }
                    delNode(link.node);
                    return false;
                }
                renameNode(link.node, hdr.sender());
                link.node.flags &= ~NodeFlags.HANDSHAKE;
                link.node.flags |= flags & (NodeFlags.MASTER | NodeFlags.SLAVE);
                doBeforeSleep(TODO_SAVE_CONFIG);
            } else if (!link.node.name.equals(hdr.sender())) {
                // Someone else answers at this address now: forget the address.
                link.node.flags |= NodeFlags.NOADDR;
                link.node.ip = "";
                link.node.port = 0;
                link.node.pport = 0;
                link.node.cport = 0;
                freeLink(link, true);
                doBeforeSleep(TODO_SAVE_CONFIG);
                return false;
            }
        }

        if (sender != null) {
            sender.flags = (sender.flags & ~NodeFlags.NOFAILOVER) | (flags & NodeFlags.NOFAILOVER);
        }

        if (sender != null && type == MsgType.PING && !sender.inHandshake()
            && nodeUpdateAddressIfNeeded(sender, link, hdr)) {
            doBeforeSleep(TODO_SAVE_CONFIG | TODO_UPDATE_STATE);
        }

        if (!link.inbound && type == MsgType.PONG) {
            link.node.pongReceived = now;
            link.node.pingSent = 0;
            // PFAIL is undone by any PONG; FAIL only on conditions (clearNodeFailureIfNeeded).
            if (link.node.timedOut()) {
                link.node.flags &= ~NodeFlags.PFAIL;
                doBeforeSleep(TODO_SAVE_CONFIG | TODO_UPDATE_STATE);
            } else if (link.node.failed()) {
                clearNodeFailureIfNeeded(link.node);
            }
        }

        // Role switch: slave -> master or master -> slave.
        if (sender != null) {
            if (hdr.slaveof() == null) {
                setNodeAsMaster(sender);
            } else {
                ClusterNode master = lookupNode(hdr.slaveof());
                if (sender.isMaster()) {
                    delNodeSlots(sender);
                    sender.flags &= ~(NodeFlags.MASTER | NodeFlags.MIGRATE_TO);
                    sender.flags |= NodeFlags.SLAVE;
                    doBeforeSleep(TODO_SAVE_CONFIG | TODO_UPDATE_STATE);
                }
                if (master != null && sender.slaveof != master) {
                    if (sender.slaveof != null) removeSlave(sender.slaveof, sender);
                    addSlave(master, sender);
                    sender.slaveof = master;
                    doBeforeSleep(TODO_SAVE_CONFIG);
                }
            }
        }

        // Served slots: only when the sender (or its master) claims something else than we know.
        ClusterNode senderMaster = null;
        boolean dirtySlots = false;
        if (sender != null) {
            senderMaster = sender.isMaster() ? sender : sender.slaveof;
            if (senderMaster != null) dirtySlots = !Arrays.equals(senderMaster.slots, hdr.myslots());
        }
        if (sender != null && sender.isMaster() && dirtySlots) {
            updateSlotsConfigWith(sender, senderConfigEpoch, hdr.myslots());
        }
        // The reverse: the sender claims slots we know are served with a greater configEpoch
        // (a master back from a partition): tell it with an UPDATE.
        if (sender != null && dirtySlots) {
            for (int j = 0; j < SLOTS; j++) {
                if (!SlotBitmap.test(hdr.myslots(), j)) continue;
                if (slots[j] == sender || isSlotUnclaimed(j)) continue;
                if (Long.compareUnsigned(slots[j].configEpoch, senderConfigEpoch) > 0) {
                    sendUpdate(sender.link, slots[j]);
                    break;
                }
            }
        }

        if (sender != null && myself.isMaster() && sender.isMaster() && senderConfigEpoch == myself.configEpoch) {
            handleConfigEpochCollision(sender);
        }

        if (sender != null) {
            processGossipSection(hdr, link);
            if (hdr.body() instanceof ClusterMsg.Ping ping) {
                String hostname = ping.hostname();
                sender.hostname = hostname == null ? "" : hostname;
            }
        }
        return true;
    }

    private ClusterNode nodeFromLinkAndMsg(Link link, ClusterMsg hdr) {
        if (link.node != null && !link.node.inHandshake()) return link.node;
        ClusterNode sender = lookupNode(hdr.sender());
        // Only an inbound link lacks its node until the peer's first message names it.
        if (sender != null && link.node == null) setNodeInboundLink(sender, link);
        return sender;
    }

    /** nodeIp2String: the announced ip if any, else the peer address of the link. */
    private static String nodeIp(Link link, String announcedIp) {
        if (announcedIp != null && !announcedIp.isEmpty()) return announcedIp;
        return link.peerIp == null ? "" : link.peerIp;
    }

    private boolean nodeUpdateAddressIfNeeded(ClusterNode node, Link link, ClusterMsg hdr) {
        // Only the symmetric (inbound) link may move a node's address.
        if (link.id == node.link) return false;
        String ip = nodeIp(link, hdr.myip());
        if (ip.isEmpty()) return false;
        if (node.port == hdr.port() && node.cport == hdr.cport() && node.pport == hdr.pport() && ip.equals(node.ip)) {
            return false;
        }
        node.ip = ip;
        node.port = hdr.port();
        node.pport = hdr.pport();
        node.cport = hdr.cport();
        if (node.link != 0) freeLink(node.link);
        node.flags &= ~NodeFlags.NOADDR;
        if (myself.isSlave() && myself.slaveof == node) setReplicationMaster(node);
        return true;
    }

    private void processGossipSection(ClusterMsg hdr, Link link) {
        if (!(hdr.body() instanceof ClusterMsg.Ping ping)) return;
        ClusterNode sender = link.node != null ? link.node : lookupNode(hdr.sender());
        for (Gossip g : ping.gossip()) {
            int flags = g.flags();
            ClusterNode node = lookupNode(g.nodename());
            if (node != null) {
                // Failure reports count only from masters.
                if (sender != null && sender.isMaster() && node != myself) {
                    if ((flags & (NodeFlags.FAIL | NodeFlags.PFAIL)) != 0) {
                        addFailureReport(node, sender);
                        markNodeAsFailingIfNeeded(node);
                    } else {
                        delFailureReport(node, sender);
                    }
                }
                // A node up for us, with no ping pending nor reports: take others' newer pong time.
                if ((flags & (NodeFlags.FAIL | NodeFlags.PFAIL)) == 0 && node.pingSent == 0
                    && failureReportsCount(node) == 0) {
                    long pongtime = g.pongReceived() * 1000;
                    if (pongtime <= now + 500 && pongtime > node.pongReceived) node.pongReceived = pongtime;
                }
                // A node we cannot reach, seen at another address by one that can: move to it.
                if (node.hasFlag(NodeFlags.FAIL | NodeFlags.PFAIL) && (flags & NodeFlags.NOADDR) == 0
                    && (flags & (NodeFlags.FAIL | NodeFlags.PFAIL)) == 0
                    && (!node.ip.equalsIgnoreCase(g.ip()) || node.port != g.port() || node.cport != g.cport())) {
                    if (node.link != 0) freeLink(node.link);
                    node.ip = g.ip();
                    node.port = g.port();
                    node.pport = g.pport();
                    node.cport = g.cport();
                    node.flags &= ~NodeFlags.NOADDR;
                }
            } else if (sender != null && (flags & NodeFlags.NOADDR) == 0 && !blacklistExists(g.nodename())
                && verifyNodeId(g.nodename())) {
                // A node known to a known node: add it by name. No handshake by address, as the
                // address may belong to another cluster by now.
                ClusterNode n = new ClusterNode(g.nodename(), flags, now);
                n.ip = g.ip();
                n.port = g.port();
                n.pport = g.pport();
                n.cport = g.cport();
                nodes.put(n.name, n);
            }
        }
    }

    // ====================================================================== failure detection

    private void addFailureReport(ClusterNode failing, ClusterNode sender) {
        failing.failReports.put(sender, now);
    }

    private void cleanupFailureReports(ClusterNode node) {
        long maxtime = config.nodeTimeout * FAIL_REPORT_VALIDITY_MULT;
        node.failReports.values().removeIf(time -> now - time > maxtime);
    }

    private boolean delFailureReport(ClusterNode node, ClusterNode sender) {
        if (node.failReports.remove(sender) == null) return false;
        cleanupFailureReports(node);
        return true;
    }

    private int failureReportsCount(ClusterNode node) {
        cleanupFailureReports(node);
        return node.failReports.size();
    }

    /** PFAIL → FAIL when a majority of the slot-owning masters (us included, if a master) agree. */
    private void markNodeAsFailingIfNeeded(ClusterNode node) {
        int neededQuorum = size / 2 + 1;
        if (!node.timedOut()) return;
        if (node.failed()) return;
        int failures = failureReportsCount(node);
        if (myself.isMaster()) failures++;
        if (failures < neededQuorum) return;
        node.flags &= ~NodeFlags.PFAIL;
        node.flags |= NodeFlags.FAIL;
        node.failTime = now;
        // Replicas propagate FAIL too: the decision was made from masters' reports anyway.
        sendFail(node.name);
        doBeforeSleep(TODO_UPDATE_STATE | TODO_SAVE_CONFIG);
    }

    private void clearNodeFailureIfNeeded(ClusterNode node) {
        if (node.isSlave() || node.numslots == 0) {
            node.flags &= ~NodeFlags.FAIL;
            doBeforeSleep(TODO_UPDATE_STATE | TODO_SAVE_CONFIG);
        }
        // A master still serving its slots long after FAIL: nobody failed it over, take it back.
        if (node.isMaster() && node.numslots > 0 && now - node.failTime > config.nodeTimeout * FAIL_UNDO_TIME_MULT) {
            node.flags &= ~NodeFlags.FAIL;
            doBeforeSleep(TODO_UPDATE_STATE | TODO_SAVE_CONFIG);
        }
    }

    // ====================================================================== node table

    private String randomName() {
        char[] hex = "0123456789abcdef".toCharArray();
        char[] name = new char[NAME_LEN];
        for (int i = 0; i < NAME_LEN; i++) name[i] = hex[random.nextInt(16)];
        return new String(name);
    }

    /** verifyClusterNodeId: 40 characters of [a-z0-9]. */
    public static boolean verifyNodeId(String name) {
        if (name == null || name.length() != NAME_LEN) return false;
        for (int i = 0; i < NAME_LEN; i++) {
            char c = name.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) return false;
        }
        return true;
    }

    ClusterNode getOrCreateNode(String name, long now) {
        ClusterNode n = nodes.get(name);
        if (n == null) {
            n = new ClusterNode(name, 0, now);
            nodes.put(name, n);
        }
        return n;
    }

    private void renameNode(ClusterNode node, String newName) {
        nodes.remove(node.name);
        node.name = newName;
        nodes.put(newName, node);
    }

    /** clusterDelNode: its slots unassigned, its failure reports dropped, its links closed. */
    private void delNode(ClusterNode delnode) {
        for (int j = 0; j < SLOTS; j++) {
            if (importingSlotsFrom[j] == delnode) importingSlotsFrom[j] = null;
            if (migratingSlotsTo[j] == delnode) migratingSlotsTo[j] = null;
            if (slots[j] == delnode) delSlot(j);
        }
        for (ClusterNode node : nodes.values()) {
            if (node != delnode) delFailureReport(node, delnode);
        }
        for (ClusterNode slave : delnode.slaves) slave.slaveof = null;
        if (delnode.isSlave() && delnode.slaveof != null) removeSlave(delnode.slaveof, delnode);
        nodes.remove(delnode.name);
        if (delnode.link != 0) freeLink(delnode.link);
        if (delnode.inboundLink != 0) freeLink(delnode.inboundLink);
        if (failoverState.mfSlave == delnode) failoverState.mfSlave = null;
    }

    private static boolean removeSlave(ClusterNode master, ClusterNode slave) {
        if (!master.slaves.remove(slave)) return false;
        if (master.slaves.isEmpty()) master.flags &= ~NodeFlags.MIGRATE_TO;
        return true;
    }

    static void addSlave(ClusterNode master, ClusterNode slave) {
        if (master.slaves.contains(slave)) return;
        master.slaves.add(slave);
        master.flags |= NodeFlags.MIGRATE_TO;
    }

    static int countNonFailingSlaves(ClusterNode n) {
        int ok = 0;
        for (ClusterNode s : n.slaves) {
            if (!s.failed()) ok++;
        }
        return ok;
    }

    void setNodeAsMaster(ClusterNode n) {
        if (n.isMaster()) return;
        if (n.slaveof != null) {
            removeSlave(n.slaveof, n);
            if (n != myself) n.flags |= NodeFlags.MIGRATE_TO;
        }
        n.flags &= ~NodeFlags.SLAVE;
        n.flags |= NodeFlags.MASTER;
        n.slaveof = null;
        doBeforeSleep(TODO_SAVE_CONFIG | TODO_UPDATE_STATE);
    }

    /** clusterSetMaster: this node becomes a replica of n. */
    void setMaster(ClusterNode n) {
        if (myself.isMaster()) {
            myself.flags &= ~(NodeFlags.MASTER | NodeFlags.MIGRATE_TO);
            myself.flags |= NodeFlags.SLAVE;
            closeAllSlots();
        } else if (myself.slaveof != null) {
            removeSlave(myself.slaveof, myself);
        }
        myself.slaveof = n;
        addSlave(n, myself);
        setReplicationMaster(n);
        failoverState.resetManualFailover();
    }

    private void setReplicationMaster(ClusterNode n) {
        replicating = true;
        outActions.add(new ClusterAction.SetMaster(n.name, n.ip, n.port));
    }

    private void blacklistAdd(ClusterNode node) {
        blacklistCleanup();
        blacklist.put(node.name, now + BLACKLIST_TTL);
    }

    private boolean blacklistExists(String name) {
        blacklistCleanup();
        return blacklist.containsKey(name);
    }

    private void blacklistCleanup() {
        blacklist.values().removeIf(expire -> expire < now);
    }

    // ====================================================================== slots

    boolean isSlotUnclaimed(int slot) {
        return slots[slot] == null || SlotBitmap.test(ownerNotClaimingSlot, slot);
    }

    boolean addSlot(ClusterNode n, int slot) {
        if (slots[slot] != null) return false;
        if (!SlotBitmap.test(n.slots, slot)) {
            SlotBitmap.set(n.slots, slot);
            n.numslots++;
        }
        slots[slot] = n;
        return true;
    }

    boolean delSlot(int slot) {
        ClusterNode n = slots[slot];
        if (n == null) return false;
        ClusterNode shardMaster = n.isMaster() ? n : n.slaveof;
        if (shardMaster == myself || (shardMaster != null && shardMaster.slaves.contains(myself))) {
            outActions.add(new ClusterAction.RemoveChannelsInSlot(slot));
        }
        if (SlotBitmap.test(n.slots, slot)) {
            SlotBitmap.clear(n.slots, slot);
            n.numslots--;
        }
        slots[slot] = null;
        return true;
    }

    private int delNodeSlots(ClusterNode node) {
        int deleted = 0;
        for (int j = 0; j < SLOTS; j++) {
            if (SlotBitmap.test(node.slots, j)) {
                delSlot(j);
                deleted++;
            }
        }
        return deleted;
    }

    private void closeAllSlots() {
        Arrays.fill(migratingSlotsTo, null);
        Arrays.fill(importingSlotsFrom, null);
    }

    /**
     * A master's claim (from its PING/PONG or an UPDATE about it): rebind the slots it claims with a
     * greater configEpoch; turn into its replica if that left us (or our master) without slots.
     */
    private void updateSlotsConfigWith(ClusterNode sender, long senderConfigEpoch, byte[] claimed) {
        if (sender == myself) return;
        ClusterNode curmaster = myself.isMaster() ? myself : myself.slaveof;
        ClusterNode newmaster = null;
        List<Integer> dirtySlots = new ArrayList<>();
        int senderSlots = 0;
        int migratedOurSlots = 0;
        for (int j = 0; j < SLOTS; j++) {
            if (SlotBitmap.test(claimed, j)) {
                senderSlots++;
                if (slots[j] == sender) {
                    SlotBitmap.clear(ownerNotClaimingSlot, j);
                    continue;
                }
                // An importing slot is closed by hand (redis-cli) only.
                if (importingSlotsFrom[j] != null) continue;
                if (isSlotUnclaimed(j) || Long.compareUnsigned(slots[j].configEpoch, senderConfigEpoch) < 0) {
                    if (slots[j] == myself) dirtySlots.add(j);
                    if (slots[j] != null && slots[j] == curmaster) {
                        newmaster = sender;
                        migratedOurSlots++;
                    }
                    delSlot(j);
                    addSlot(sender, j);
                    SlotBitmap.clear(ownerNotClaimingSlot, j);
                    doBeforeSleep(TODO_SAVE_CONFIG | TODO_UPDATE_STATE | TODO_FSYNC_CONFIG);
                }
            } else if (slots[j] == sender) {
                // The owner stopped claiming it (a migration in progress): keep the binding, but do
                // not spread it in UPDATE messages.
                SlotBitmap.set(ownerNotClaimingSlot, j);
            }
        }
        if (newmaster != null && curmaster.numslots == 0
            && (config.allowReplicaMigration || senderSlots == migratedOurSlots)) {
            setMaster(sender);
            doBeforeSleep(TODO_SAVE_CONFIG | TODO_UPDATE_STATE | TODO_FSYNC_CONFIG);
        } else if (myself.slaveof != null && myself.slaveof.slaveof != null && myself.slaveof.slaveof != myself) {
            // Our master became a replica: follow its master rather than be a sub-replica.
            setMaster(myself.slaveof.slaveof);
            doBeforeSleep(TODO_SAVE_CONFIG | TODO_UPDATE_STATE | TODO_FSYNC_CONFIG);
        } else {
            for (int slot : dirtySlots) outActions.add(new ClusterAction.DeleteKeysInSlot(slot));
        }
    }

    // ====================================================================== epochs

    private long maxEpoch() {
        long max = 0;
        for (ClusterNode node : nodes.values()) {
            if (Long.compareUnsigned(node.configEpoch, max) > 0) max = node.configEpoch;
        }
        return Long.compareUnsigned(max, currentEpoch) < 0 ? currentEpoch : max;
    }

    /**
     * A new configEpoch without agreement, unless ours is already the greatest (after importing a
     * slot, CLUSTER FAILOVER TAKEOVER, CLUSTER BUMPEPOCH). Collisions are resolved later.
     */
    boolean bumpConfigEpochWithoutConsensus() {
        long max = maxEpoch();
        if (myself.configEpoch == 0 || myself.configEpoch != max) {
            currentEpoch++;
            myself.configEpoch = currentEpoch;
            doBeforeSleep(TODO_SAVE_CONFIG | TODO_FSYNC_CONFIG);
            return true;
        }
        return false;
    }

    /**
     * Two masters with one configEpoch: the one with the smaller name takes a new epoch, so that
     * eventually every master has its own.
     */
    private void handleConfigEpochCollision(ClusterNode sender) {
        if (sender.configEpoch != myself.configEpoch || !sender.isMaster() || !myself.isMaster()) return;
        if (sender.name.compareTo(myself.name) <= 0) return;
        currentEpoch++;
        myself.configEpoch = currentEpoch;
        // Redis saves and fsyncs right away here (clusterSaveConfigOrDie(1)).
        doBeforeSleep(TODO_SAVE_CONFIG | TODO_FSYNC_CONFIG);
    }

    // ====================================================================== messages out

    ClusterMsg buildHeader(int type, ClusterMsg.Body body) {
        ClusterNode master = myself.isSlave() && myself.slaveof != null ? myself.slaveof : myself;
        byte[] mflags = new byte[3];
        if (myself.isMaster() && failoverState.mfEnd != 0) mflags[0] |= ClusterMsg.FLAG0_PAUSED;
        return new ClusterMsg(type, config.port, currentEpoch, master.configEpoch, replOffset, myself.name,
            master.slots.clone(), myself.slaveof == null ? null : myself.slaveof.name,
            config.announceIp == null ? "" : config.announceIp, config.pport, config.cport, myself.flags,
            stateOk ? 0 : 1, mflags, body);
    }

    private void send(Link link, ClusterMsg msg) {
        if (link == null) return;
        if (msg.type() < MsgType.COUNT) statsSent[msg.type()]++;
        if (link.established) outMessages.add(new Ready.Send(link.id, msg));
        else link.pending.add(msg);
    }

    void send(long linkId, ClusterMsg msg) {
        send(links.get(linkId), msg);
    }

    /** clusterBroadcastMessage: to every node we have a link to, but nodes in handshake. */
    void broadcast(ClusterMsg msg) {
        for (ClusterNode node : nodes.values()) {
            if (node.link == 0 || node.hasFlag(NodeFlags.MYSELF | NodeFlags.HANDSHAKE)) continue;
            send(node.link, msg);
        }
    }

    private Gossip gossipEntry(ClusterNode n) {
        return new Gossip(n.name, (n.pingSent / 1000) & 0xffffffffL, (n.pongReceived / 1000) & 0xffffffffL, n.ip,
            n.port, n.cport, n.flags, n.pport);
    }

    /**
     * clusterSendPing: a PING, PONG or MEET with gossip about a tenth of the nodes (at least 3),
     * picked at random, and every node in PFAIL, so that failure reports spread fast.
     */
    private void sendPing(Link link, int type) {
        pingsSent++;
        List<ClusterNode> all = new ArrayList<>(nodes.values());
        int freshnodes = all.size() - 2;
        int wanted = Math.max(3, all.size() / 10);
        if (wanted > freshnodes) wanted = freshnodes;
        int pfailWanted = statsPfailNodes;
        if (!link.inbound && type == MsgType.PING) link.node.pingSent = now;
        List<Gossip> gossip = new ArrayList<>();
        int maxiterations = wanted * 3;
        while (freshnodes > 0 && gossip.size() < wanted && maxiterations-- > 0) {
            ClusterNode n = all.get(random.nextInt(all.size()));
            if (n == myself) continue;
            if (n.timedOut()) continue;
            if (n.hasFlag(NodeFlags.HANDSHAKE | NodeFlags.NOADDR) || (n.link == 0 && n.numslots == 0)) {
                freshnodes--;
                continue;
            }
            if (n.lastInPingGossip == pingsSent) continue;
            gossip.add(gossipEntry(n));
            n.lastInPingGossip = pingsSent;
            freshnodes--;
        }
        if (pfailWanted > 0) {
            for (ClusterNode n : all) {
                if (pfailWanted <= 0) break;
                if (n.hasFlag(NodeFlags.HANDSHAKE | NodeFlags.NOADDR) || !n.timedOut()) continue;
                gossip.add(gossipEntry(n));
                pfailWanted--;
            }
        }
        List<ClusterMsg.PingExt> exts = new ArrayList<>();
        ClusterMsg msg = buildHeader(type, null);
        int mflags0 = msg.mflags()[0];
        if (!myself.hostname.isEmpty()) {
            mflags0 |= ClusterMsg.FLAG0_EXT_DATA;
            exts.add(ClusterMsg.PingExt.hostname(myself.hostname));
        }
        send(link, msg.withType(type, mflags0, new ClusterMsg.Ping(gossip, exts)));
    }

    /** clusterBroadcastPong: to every connected node, or only to the replicas of our shard. */
    void broadcastPong(boolean localSlavesOnly) {
        for (ClusterNode node : new ArrayList<>(nodes.values())) {
            if (node.link == 0) continue;
            if (node == myself || node.inHandshake()) continue;
            if (localSlavesOnly) {
                boolean localSlave = node.isSlave() && node.slaveof != null
                    && (node.slaveof == myself || node.slaveof == myself.slaveof);
                if (!localSlave) continue;
            }
            sendPing(links.get(node.link), MsgType.PONG);
        }
    }

    private void sendFail(String nodename) {
        broadcast(buildHeader(MsgType.FAIL, new ClusterMsg.Fail(nodename)));
    }

    private void sendUpdate(long linkId, ClusterNode node) {
        if (linkId == 0) return;
        byte[] claimed = node.slots.clone();
        for (int i = 0; i < claimed.length; i++) claimed[i] &= (byte) ~ownerNotClaimingSlot[i];
        send(linkId, buildHeader(MsgType.UPDATE, new ClusterMsg.Update(node.configEpoch, node.name, claimed)));
    }

    /**
     * PUBLISH (or SPUBLISH, sharded) on this node: to every node, or to the nodes of our shard
     * (clusterPropagatePublish). The node layer delivers to its own subscribers itself.
     */
    public void publish(byte[] channel, byte[] message, boolean sharded) {
        if (!sharded) {
            broadcast(buildHeader(MsgType.PUBLISH, new ClusterMsg.Publish(channel, message)));
            return;
        }
        ClusterNode master = myself.isMaster() ? myself : myself.slaveof;
        if (master == null) return;
        List<ClusterNode> shard = new ArrayList<>();
        shard.add(master);
        shard.addAll(master.slaves);
        for (ClusterNode node : shard) {
            if (node.hasFlag(NodeFlags.MYSELF | NodeFlags.HANDSHAKE)) continue;
            send(node.link, buildHeader(MsgType.PUBLISHSHARD, new ClusterMsg.Publish(channel, message)));
        }
    }

    // ====================================================================== cron

    /** clusterCron: call every 100 ms. */
    public void tick(long now) {
        this.now = now;
        iteration++;
        syncMyselfWithConfig();
        long handshakeTimeout = Math.max(config.nodeTimeout, 1000);
        statsPfailNodes = 0;
        for (ClusterNode node : new ArrayList<>(nodes.values())) {
            if (!nodes.containsKey(node.name) || nodes.get(node.name) != node) continue;
            if (node.hasFlag(NodeFlags.MYSELF | NodeFlags.NOADDR)) continue;
            if (node.timedOut()) statsPfailNodes++;
            if (node.inHandshake() && now - node.ctime > handshakeTimeout) {
                delNode(node);
                continue;
            }
            if (node.link == 0) createOutboundLink(node);
        }

        // Once a second, ping the node with the oldest PONG among five picked at random.
        if (iteration % 10 == 0) {
            List<ClusterNode> all = new ArrayList<>(nodes.values());
            ClusterNode minPongNode = null;
            long minPong = 0;
            for (int j = 0; j < 5; j++) {
                ClusterNode n = all.get(random.nextInt(all.size()));
                if (n.link == 0 || n.pingSent != 0) continue;
                if (n.hasFlag(NodeFlags.MYSELF | NodeFlags.HANDSHAKE)) continue;
                if (minPongNode == null || minPong > n.pongReceived) {
                    minPongNode = n;
                    minPong = n.pongReceived;
                }
            }
            if (minPongNode != null) sendPing(links.get(minPongNode.link), MsgType.PING);
        }

        boolean updateState = false;
        int orphanedMasters = 0;
        int maxSlaves = 0;
        int thisSlaves = 0;
        for (ClusterNode node : new ArrayList<>(nodes.values())) {
            if (node.hasFlag(NodeFlags.MYSELF | NodeFlags.NOADDR | NodeFlags.HANDSHAKE)) continue;
            if (myself.isSlave() && node.isMaster() && !node.failed()) {
                int okslaves = countNonFailingSlaves(node);
                if (okslaves == 0 && node.numslots > 0 && node.hasFlag(NodeFlags.MIGRATE_TO)) orphanedMasters++;
                if (okslaves > maxSlaves) maxSlaves = okslaves;
                if (myself.slaveof == node) thisSlaves = okslaves;
            }
            long pingDelay = now - node.pingSent;
            long dataDelay = now - node.dataReceived;
            Link link = links.get(node.link);
            // Nothing heard for half the timeout on a link we wait a PONG on: reconnect it.
            if (link != null && now - link.ctime > config.nodeTimeout && node.pingSent != 0
                && pingDelay > config.nodeTimeout / 2 && dataDelay > config.nodeTimeout / 2) {
                freeLink(link, true);
                link = null;
            }
            if (link != null && node.pingSent == 0 && now - node.pongReceived > config.nodeTimeout / 2) {
                sendPing(link, MsgType.PING);
                continue;
            }
            if (link != null && failoverState.mfEnd != 0 && myself.isMaster() && failoverState.mfSlave == node) {
                sendPing(link, MsgType.PING);
                continue;
            }
            if (node.pingSent == 0) continue;
            // Any data from the node is a sign of life, not only the PONG.
            long nodeDelay = Math.min(pingDelay, dataDelay);
            if (nodeDelay > config.nodeTimeout && !node.hasFlag(NodeFlags.PFAIL | NodeFlags.FAIL)) {
                node.flags |= NodeFlags.PFAIL;
                updateState = true;
            }
        }

        // A replica (from nodes.conf) not yet replicating: start as soon as the master's address is known.
        if (myself.isSlave() && !replicating && myself.slaveof != null && myself.slaveof.hasAddr()) {
            setReplicationMaster(myself.slaveof);
        }

        failoverState.manualFailoverCheckTimeout();

        if (myself.isSlave()) {
            failoverState.handleManualFailover();
            failoverState.handleSlaveFailover();
            if (orphanedMasters > 0 && maxSlaves >= 2 && thisSlaves == maxSlaves && config.allowReplicaMigration) {
                failoverState.handleSlaveMigration(maxSlaves);
            }
        }

        if (updateState || !stateOk) updateState();
    }

    private void syncMyselfWithConfig() {
        myself.port = config.port;
        myself.pport = config.pport;
        myself.cport = config.cport;
        // cluster-announce-ip set: use it; unset again: forget it and learn the address anew.
        if (config.announceIp != null) myself.ip = config.announceIp;
        else if (announcedIp != null) myself.ip = "";
        announcedIp = config.announceIp;
        myself.hostname = config.announceHostname == null ? "" : config.announceHostname;
        int oldflags = myself.flags;
        myself.flags = (myself.flags & ~NodeFlags.NOFAILOVER) | (config.replicaNoFailover ? NodeFlags.NOFAILOVER : 0);
        if (myself.flags != oldflags) doBeforeSleep(TODO_SAVE_CONFIG | TODO_UPDATE_STATE);
    }

    void doBeforeSleep(int flags) {
        todo |= flags;
    }

    /** clusterUpdateState: ok unless slots are uncovered (full coverage) or we are in a minority. */
    void updateState() {
        todo &= ~TODO_UPDATE_STATE;
        if (firstUpdateStateTime == 0) firstUpdateStateTime = now;
        // A master rejoining after a restart waits a little, so the cluster can reconfigure it first.
        if (myself.isMaster() && !stateOk && now - firstUpdateStateTime < WRITABLE_DELAY) return;
        boolean newOk = true;
        if (config.requireFullCoverage) {
            for (int j = 0; j < SLOTS; j++) {
                if (slots[j] == null || slots[j].failed()) {
                    newOk = false;
                    break;
                }
            }
        }
        int reachableMasters = 0;
        size = 0;
        for (ClusterNode node : nodes.values()) {
            if (node.isMaster() && node.numslots > 0) {
                size++;
                if (!node.hasFlag(NodeFlags.FAIL | NodeFlags.PFAIL)) reachableMasters++;
            }
        }
        if (reachableMasters < size / 2 + 1) {
            newOk = false;
            amongMinorityTime = now;
        }
        if (newOk != stateOk) {
            long rejoinDelay = Math.max(MIN_REJOIN_DELAY, Math.min(MAX_REJOIN_DELAY, config.nodeTimeout));
            if (newOk && myself.isMaster() && now - amongMinorityTime < rejoinDelay) return;
            stateOk = newOk;
        }
    }

    // ====================================================================== CLUSTER subcommands

    /**
     * CLUSTER MEET ip port [bus-port]: start a handshake (clusterStartHandshake). A handshake to the
     * same address already in progress is not an error.
     */
    public void meet(String ip, int port, int cport, long now) {
        this.now = now;
        String normIp = Addresses.normalize(ip);
        if (normIp == null || port <= 0 || port > 65535 || cport <= 0 || cport > 65535) {
            throw new ClusterException("ERR Invalid node address specified: " + ip + ":" + port);
        }
        for (ClusterNode node : nodes.values()) {
            if (node.inHandshake() && node.ip.equalsIgnoreCase(normIp) && node.port == port && node.cport == cport) {
                return;
            }
        }
        ClusterNode n = new ClusterNode(randomName(), NodeFlags.HANDSHAKE | NodeFlags.MEET, now);
        n.ip = normIp;
        n.port = port;
        n.cport = cport;
        nodes.put(n.name, n);
    }

    /** CLUSTER ADDSLOTS: the slots, already parsed (see {@link #parseSlot}). */
    public void addSlots(int[] slotList) {
        updateSlots(slotList, false);
    }

    /** CLUSTER DELSLOTS. */
    public void delSlots(int[] slotList) {
        updateSlots(slotList, true);
    }

    /** CLUSTER ADDSLOTSRANGE: start, end pairs. */
    public void addSlotsRange(int[] startEndPairs) {
        updateSlots(expandRanges(startEndPairs), false);
    }

    /** CLUSTER DELSLOTSRANGE: start, end pairs. */
    public void delSlotsRange(int[] startEndPairs) {
        updateSlots(expandRanges(startEndPairs), true);
    }

    private static int[] expandRanges(int[] pairs) {
        int total = 0;
        for (int i = 0; i + 1 < pairs.length; i += 2) {
            if (pairs[i] > pairs[i + 1]) {
                throw new ClusterException("ERR start slot number " + pairs[i] + " is greater than end slot number "
                    + pairs[i + 1]);
            }
            total += pairs[i + 1] - pairs[i] + 1;
        }
        int[] out = new int[total];
        int k = 0;
        for (int i = 0; i + 1 < pairs.length; i += 2) {
            for (int s = pairs[i]; s <= pairs[i + 1]; s++) out[k++] = s;
        }
        return out;
    }

    private void updateSlots(int[] slotList, boolean del) {
        byte[] seen = new byte[SLOTS];
        for (int slot : slotList) {
            if (del && slots[slot] == null) throw new ClusterException("ERR Slot " + slot + " is already unassigned");
            if (!del && slots[slot] != null) throw new ClusterException("ERR Slot " + slot + " is already busy");
            if (seen[slot]++ == 1) throw new ClusterException("ERR Slot " + slot + " specified multiple times");
        }
        for (int j = 0; j < SLOTS; j++) {
            if (seen[j] == 0) continue;
            // Owning the slot ends its import.
            importingSlotsFrom[j] = null;
            if (del) delSlot(j);
            else addSlot(myself, j);
        }
        doBeforeSleep(TODO_UPDATE_STATE | TODO_SAVE_CONFIG);
    }

    /**
     * CLUSTER FLUSHSLOTS. The node layer first refuses with "ERR DB must be empty to perform
     * CLUSTER FLUSHSLOTS." when db 0 has keys.
     */
    public void flushSlots() {
        delNodeSlots(myself);
        doBeforeSleep(TODO_UPDATE_STATE | TODO_SAVE_CONFIG);
    }

    /** CLUSTER SETSLOT slot MIGRATING node. */
    public void setSlotMigrating(int slot, String nodeId) {
        requireMasterForSetSlot();
        if (slots[slot] != myself) throw new ClusterException("ERR I'm not the owner of hash slot " + slot);
        ClusterNode n = lookupNode(nodeId);
        if (n == null) throw new ClusterException("ERR I don't know about node " + nodeId);
        if (n.isSlave()) throw new ClusterException("ERR Target node is not a master");
        migratingSlotsTo[slot] = n;
        doBeforeSleep(TODO_SAVE_CONFIG | TODO_UPDATE_STATE);
    }

    /** CLUSTER SETSLOT slot IMPORTING node. */
    public void setSlotImporting(int slot, String nodeId) {
        requireMasterForSetSlot();
        if (slots[slot] == myself) throw new ClusterException("ERR I'm already the owner of hash slot " + slot);
        ClusterNode n = lookupNode(nodeId);
        if (n == null) throw new ClusterException("ERR I don't know about node " + nodeId);
        if (n.isSlave()) throw new ClusterException("ERR Target node is not a master");
        importingSlotsFrom[slot] = n;
        doBeforeSleep(TODO_SAVE_CONFIG | TODO_UPDATE_STATE);
    }

    /** CLUSTER SETSLOT slot STABLE. */
    public void setSlotStable(int slot) {
        requireMasterForSetSlot();
        importingSlotsFrom[slot] = null;
        migratingSlotsTo[slot] = null;
        doBeforeSleep(TODO_SAVE_CONFIG | TODO_UPDATE_STATE);
    }

    /**
     * CLUSTER SETSLOT slot NODE node.
     *
     * @param keysInSlot the number of keys this node holds in the slot (countKeysInSlot)
     */
    public void setSlotNode(int slot, String nodeId, long keysInSlot) {
        requireMasterForSetSlot();
        ClusterNode n = lookupNode(nodeId);
        if (n == null) throw new ClusterException("ERR Unknown node " + nodeId);
        if (n.isSlave()) throw new ClusterException("ERR Target node is not a master");
        if (slots[slot] == myself && n != myself && keysInSlot != 0) {
            throw new ClusterException("ERR Can't assign hashslot " + slot
                + " to a different node while I still hold keys for this hash slot.");
        }
        if (keysInSlot == 0 && migratingSlotsTo[slot] != null) migratingSlotsTo[slot] = null;
        boolean slotWasMine = slots[slot] == myself;
        delSlot(slot);
        addSlot(n, slot);
        // A master left without slots becomes a replica of the node that took the last one.
        if (slotWasMine && n != myself && myself.numslots == 0 && config.allowReplicaMigration) {
            setMaster(n);
            doBeforeSleep(TODO_SAVE_CONFIG | TODO_UPDATE_STATE | TODO_FSYNC_CONFIG);
        }
        if (n == myself && importingSlotsFrom[slot] != null) {
            // The import is over: a new configEpoch (without agreement) makes the new owner win.
            bumpConfigEpochWithoutConsensus();
            importingSlotsFrom[slot] = null;
            broadcastPong(false);
        }
        doBeforeSleep(TODO_SAVE_CONFIG | TODO_UPDATE_STATE);
    }

    /* ---------------- atomic slot migration, target side (CLUSTER IMPORTSLOTS) ---------------- */

    /**
     * Opens slots for import from nodeId, all in one change (one nodes.conf save): SETSLOT
     * IMPORTING for each, refused as a whole when this node already owns one of them.
     */
    public void openImport(int[] slotList, String nodeId) {
        requireMasterForSetSlot();
        ClusterNode n = lookupNode(nodeId);
        if (n == null) throw new ClusterException("ERR I don't know about node " + nodeId);
        if (n.isSlave()) throw new ClusterException("ERR Target node is not a master");
        for (int slot : slotList) {
            if (slots[slot] == myself) throw new ClusterException("ERR I'm already the owner of hash slot " + slot);
        }
        for (int slot : slotList) importingSlotsFrom[slot] = n;
        doBeforeSleep(TODO_SAVE_CONFIG | TODO_UPDATE_STATE);
    }

    /**
     * The switch of an atomic migration: this node takes every slot at once, with a new
     * configEpoch unless its own is already the greatest (without agreement, as SETSLOT NODE after
     * an import) so that its claim wins, announced at once; refused as a whole unless every slot
     * is importing.
     */
    public void takeImportedSlots(int[] slotList) {
        requireMasterForSetSlot();
        for (int slot : slotList) {
            if (importingSlotsFrom[slot] == null) throw new ClusterException("ERR Slot " + slot + " is not being imported");
        }
        for (int slot : slotList) {
            delSlot(slot);
            addSlot(myself, slot);
            importingSlotsFrom[slot] = null;
        }
        bumpConfigEpochWithoutConsensus();
        broadcastPong(false);
        doBeforeSleep(TODO_SAVE_CONFIG | TODO_UPDATE_STATE | TODO_FSYNC_CONFIG);
    }

    /**
     * An import given up: the slots are closed again (SETSLOT STABLE for each, one save). Refused
     * as a whole, with SETSLOT IMPORTING's error, when this node owns one of them: then the switch
     * happened and the slots are this node's.
     */
    public void dropImport(int[] slotList) {
        requireMasterForSetSlot();
        for (int slot : slotList) {
            if (slots[slot] == myself) throw new ClusterException("ERR I'm already the owner of hash slot " + slot);
        }
        for (int slot : slotList) importingSlotsFrom[slot] = null;
        doBeforeSleep(TODO_SAVE_CONFIG | TODO_UPDATE_STATE);
    }

    private void requireMasterForSetSlot() {
        if (myself.isSlave()) throw new ClusterException("ERR Please use SETSLOT only with masters.");
    }

    /** CLUSTER BUMPEPOCH: the status reply, "BUMPED n" or "STILL n". */
    public String bumpEpoch() {
        boolean bumped = bumpConfigEpochWithoutConsensus();
        return (bumped ? "BUMPED " : "STILL ") + Long.toUnsignedString(myself.configEpoch);
    }

    /** CLUSTER FORGET node. */
    public void forget(String nodeId, long now) {
        this.now = now;
        ClusterNode n = lookupNode(nodeId);
        if (n == null) throw new ClusterException("ERR Unknown node " + nodeId);
        if (n == myself) throw new ClusterException("ERR I tried hard but I can't forget myself...");
        if (myself.isSlave() && myself.slaveof == n) throw new ClusterException("ERR Can't forget my master!");
        blacklistAdd(n);
        delNode(n);
        doBeforeSleep(TODO_UPDATE_STATE | TODO_SAVE_CONFIG);
    }

    /**
     * CLUSTER REPLICATE node.
     *
     * @param dbEmpty whether db 0 holds no key (a master must be empty to become a replica)
     */
    public void replicate(String nodeId, boolean dbEmpty) {
        ClusterNode n = lookupNode(nodeId);
        if (n == null) throw new ClusterException("ERR Unknown node " + nodeId);
        if (n == myself) throw new ClusterException("ERR Can't replicate myself");
        if (n.isSlave()) throw new ClusterException("ERR I can only replicate a master, not a replica.");
        if (myself.isMaster() && (myself.numslots != 0 || !dbEmpty)) {
            throw new ClusterException("ERR To set a master the node must be empty and without assigned slots.");
        }
        setMaster(n);
        doBeforeSleep(TODO_UPDATE_STATE | TODO_SAVE_CONFIG);
    }

    /** CLUSTER COUNT-FAILURE-REPORTS node. */
    public int countFailureReports(String nodeId, long now) {
        this.now = now;
        ClusterNode n = lookupNode(nodeId);
        if (n == null) throw new ClusterException("ERR Unknown node " + nodeId);
        return failureReportsCount(n);
    }

    /** CLUSTER FAILOVER [FORCE|TAKEOVER]. */
    public void failover(FailoverMode mode, long now) {
        this.now = now;
        if (myself.isMaster()) throw new ClusterException("ERR You should send CLUSTER FAILOVER to a replica");
        if (myself.slaveof == null) throw new ClusterException("ERR I'm a replica but my master is unknown to me");
        if (mode == FailoverMode.DEFAULT && (myself.slaveof.failed() || myself.slaveof.link == 0)) {
            throw new ClusterException("ERR Master is down or failed, please use CLUSTER FAILOVER FORCE");
        }
        failoverState.start(mode);
    }

    /** CLUSTER SET-CONFIG-EPOCH epoch. */
    public void setConfigEpoch(long epoch) {
        if (epoch < 0) throw new ClusterException("ERR Invalid config epoch specified: " + epoch);
        if (nodes.size() > 1) {
            throw new ClusterException("ERR The user can assign a config epoch only when the node does not know any other node.");
        }
        if (myself.configEpoch != 0) throw new ClusterException("ERR Node config epoch is already non-zero");
        myself.configEpoch = epoch;
        if (Long.compareUnsigned(currentEpoch, epoch) < 0) currentEpoch = epoch;
        doBeforeSleep(TODO_UPDATE_STATE | TODO_SAVE_CONFIG);
    }

    /**
     * CLUSTER RESET [HARD|SOFT].
     *
     * @param dbEmpty whether db 0 holds no key (a master must be empty)
     */
    public void reset(boolean hard, boolean dbEmpty, long now) {
        this.now = now;
        if (myself.isMaster() && !dbEmpty) {
            throw new ClusterException("ERR CLUSTER RESET can't be called with master nodes containing keys");
        }
        if (myself.isSlave()) {
            setNodeAsMaster(myself);
            replicating = false;
            outActions.add(new ClusterAction.UnsetMaster());
            outActions.add(new ClusterAction.EmptyData());
        }
        closeAllSlots();
        failoverState.resetManualFailover();
        for (int j = 0; j < SLOTS; j++) delSlot(j);
        for (ClusterNode node : new ArrayList<>(nodes.values())) {
            if (node != myself) delNode(node);
        }
        if (hard) {
            currentEpoch = 0;
            lastVoteEpoch = 0;
            myself.configEpoch = 0;
            renameNode(myself, randomName());
        }
        doBeforeSleep(TODO_SAVE_CONFIG | TODO_UPDATE_STATE | TODO_FSYNC_CONFIG);
    }

    /**
     * verifyClusterConfigWithData, after the dataset is loaded at startup: a master holding keys in
     * a slot it neither owns nor imports takes the slot when nobody has it, or else marks it as
     * importing from its owner, so that the keys stay reachable. Replicas are not checked.
     *
     * @param slotHasKeys whether db 0 holds keys in a slot
     */
    public void verifyConfigWithData(java.util.function.IntPredicate slotHasKeys) {
        if (myself.isSlave()) return;
        boolean update = false;
        for (int j = 0; j < SLOTS; j++) {
            if (!slotHasKeys.test(j)) continue;
            if (slots[j] == myself || importingSlotsFrom[j] != null) continue;
            update = true;
            if (slots[j] == null) addSlot(myself, j);
            else importingSlotsFrom[j] = slots[j];
        }
        if (update) doBeforeSleep(TODO_SAVE_CONFIG | TODO_FSYNC_CONFIG);
    }

    /** CLUSTER SAVECONFIG: ask for a save with fsync (the node layer replies after writing it). */
    public void saveConfig() {
        doBeforeSleep(TODO_SAVE_CONFIG | TODO_FSYNC_CONFIG);
    }

    /**
     * A slot argument (getSlotOrReply): a number in [0, 16383].
     *
     * @throws ClusterException "ERR Invalid or out of range slot"
     */
    public static int parseSlot(String arg) {
        long slot;
        try {
            slot = Long.parseLong(arg);
        } catch (NumberFormatException e) {
            slot = -1;
        }
        if (slot < 0 || slot >= SLOTS || !Long.toString(slot).equals(arg)) {
            throw new ClusterException("ERR Invalid or out of range slot");
        }
        return (int) slot;
    }

    // ====================================================================== replies

    /** CLUSTER NODES (and nodes.conf without vars): one line per node, each ending in "\n". */
    public String clusterNodes() {
        return ClusterReplies.nodesDescription(this, 0, false);
    }

    /** CLUSTER NODES with the plaintext ports (a non-TLS client of a TLS cluster). */
    public String clusterNodes(boolean usePport) {
        return ClusterReplies.nodesDescription(this, 0, usePport);
    }

    /** One CLUSTER NODES line, without its "\n". */
    public String nodeDescription(ClusterNode node, boolean usePport) {
        return ClusterReplies.nodeDescription(this, node, usePport, null);
    }

    /** CLUSTER REPLICAS / SLAVES node: the replicas' CLUSTER NODES lines. */
    public List<String> replicas(String nodeId, boolean usePport) {
        ClusterNode n = lookupNode(nodeId);
        if (n == null) throw new ClusterException("ERR Unknown node " + nodeId);
        if (n.isSlave()) throw new ClusterException("ERR The specified node is not a master");
        List<String> out = new ArrayList<>();
        for (ClusterNode s : n.slaves) out.add(nodeDescription(s, usePport));
        return out;
    }

    /** CLUSTER INFO's text (lines ending in "\r\n"). */
    public String clusterInfo() {
        return ClusterReplies.info(this);
    }

    /** CLUSTER SLOTS as a reply tree (see {@link ClusterReplies}). */
    public List<Object> clusterSlots(boolean usePport) {
        return ClusterReplies.slots(this, usePport);
    }

    /** CLUSTER SHARDS as a reply tree (see {@link ClusterReplies}). */
    public List<Object> clusterShards() {
        return ClusterReplies.shards(this);
    }

    /** The links CLUSTER LINKS lists: every link associated with a node. */
    public List<LinkInfo> clusterLinks() {
        List<LinkInfo> out = new ArrayList<>();
        for (ClusterNode node : nodes.values()) {
            Link l = links.get(node.link);
            if (l != null) out.add(new LinkInfo(l.id, l.inbound, node.name, l.ctime));
            l = links.get(node.inboundLink);
            if (l != null) out.add(new LinkInfo(l.id, l.inbound, node.name, l.ctime));
        }
        return out;
    }

    /**
     * A link for CLUSTER LINKS: the node layer adds events and send-buffer sizes, which it owns.
     *
     * @param inbound "from" when true, "to" otherwise
     * @param createTime ms
     */
    public record LinkInfo(long link, boolean inbound, String node, long createTime) {}

    Iterator<ClusterNode> nodeIterator() {
        return nodes.values().iterator();
    }
}
