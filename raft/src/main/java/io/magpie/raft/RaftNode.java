package io.magpie.raft;

import java.io.File;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcFactory;
import org.apache.ratis.proto.RaftProtos.CommitInfoProto;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.TimeDuration;

/**
 * One Ratis RaftServer hosting this node's one group, and what the rest of the module asks of
 * it: propose an entry, confirm a read (ReadIndex), the role, term, leader and indexes, and
 * membership changes. Its settings are the ones a consistent store needs, stated here because
 * Ratis's defaults are not: linearizable reads (the default reads the local state machine),
 * the log forced to disk before an entry counts as appended (no unsafe flush), snapshots
 * taken automatically and the log purged up to them.
 */
final class RaftNode {
    /** Every Magpie group of one node set shares this id: a node hosts one group. */
    static final RaftGroupId GROUP_ID = RaftGroupId.valueOf(UUID.nameUUIDFromBytes("magpie-raft-group".getBytes()));

    final RaftPeerId me;
    private final RaftGroup group;
    private final RaftServer server;
    private final RaftStateMachine stateMachine;
    private final RaftProperties properties;
    private final ClientId clientId = ClientId.randomId();
    private final AtomicLong callIds = new AtomicLong();

    RaftNode(String id, int port, Map<String, String> members, File storageDir, boolean readLease, long snapshotThreshold,
            long segmentSize, RaftStateMachine stateMachine) throws IOException {
        this.me = RaftPeerId.valueOf(id);
        this.stateMachine = stateMachine;
        List<RaftPeer> peers = new ArrayList<>();
        for (var m : members.entrySet()) peers.add(RaftPeer.newBuilder().setId(m.getKey()).setAddress(m.getValue()).build());
        // A node not among the initial members starts with an empty group and waits for RAFT ADDNODE.
        this.group = members.containsKey(id) ? RaftGroup.valueOf(GROUP_ID, peers) : RaftGroup.valueOf(GROUP_ID);
        properties = RaftSettings.properties(storageDir, port, readLease, snapshotThreshold, segmentSize);
        this.server = RaftServer.newBuilder().setServerId(me).setGroup(group).setStateMachine(stateMachine)
                .setProperties(properties).setOption(RaftStorage.StartupOption.RECOVER).build();
    }

    void start() throws IOException {
        server.start();
    }

    /** Stops the member in the background: every acknowledged entry is already on disk. */
    void close() {
        Thread t = new Thread(() -> {
            try {
                server.close();
            } catch (IOException | RuntimeException ignored) {
                // stopping anyway
            }
        }, "magpie-raft-stop");
        t.setDaemon(true);
        t.start();
    }

    private RaftServer.Division division() {
        try {
            return server.getDivision(GROUP_ID);
        } catch (IOException e) {
            return null;
        }
    }

    /* ---------------- requests ---------------- */

    private CompletableFuture<RaftClientReply> submit(byte[] data, RaftClientRequest.Type type) {
        RaftClientRequest request = RaftClientRequest.newBuilder().setClientId(clientId).setServerId(me).setGroupId(GROUP_ID)
                .setCallId(callIds.incrementAndGet()).setMessage(Message.valueOf(ByteString.copyFrom(data))).setType(type).build();
        try {
            return server.submitClientRequestAsync(request);
        } catch (IOException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** Proposes an entry; the reply comes once it is committed and applied here. */
    CompletableFuture<RaftClientReply> propose(LogEntry entry) {
        return submit(entry.encode(), RaftClientRequest.writeRequestType());
    }

    /** A ReadIndex round: completes once this leader is confirmed and has applied up to the read index. */
    CompletableFuture<RaftClientReply> confirmRead() {
        return submit(new byte[0], RaftClientRequest.readRequestType());
    }

    /* ---------------- state ---------------- */

    boolean isLeader() {
        return DivisionState.isLeader(division());
    }

    /** The leader's first entry of its term is committed: it may serve (RedisRaft's Jepsen bug #19). */
    boolean isLeaderReady() {
        return DivisionState.isLeaderReady(division());
    }

    String role() {
        return DivisionState.role(division());
    }

    /** The leader's id, or null when none is known. */
    String leaderId() {
        return DivisionState.leaderId(division());
    }

    long term() {
        return DivisionState.term(division());
    }

    long commitIndex() {
        return DivisionState.commitIndex(division());
    }

    long appliedIndex() {
        return DivisionState.appliedIndex(division());
    }

    long snapshotIndex() {
        return stateMachine.snapshotIndex();
    }

    /** The members (voters, then learners) with their addresses, and each one's commit index as the leader last heard it. */
    List<String[]> members() {
        List<String[]> out = new ArrayList<>();
        RaftServer.Division d = division();
        if (d == null) return out;
        Map<String, Long> commits = new java.util.HashMap<>();
        for (CommitInfoProto ci : d.getCommitInfos()) commits.put(ci.getServer().getId().toStringUtf8(), ci.getCommitIndex());
        for (RaftPeerRole role : new RaftPeerRole[] {RaftPeerRole.FOLLOWER, RaftPeerRole.LISTENER}) {
            for (RaftPeer p : d.getRaftConf().getCurrentPeers(role)) {
                String id = p.getId().toString();
                out.add(new String[] {id, p.getAddress(), role == RaftPeerRole.FOLLOWER ? "voter" : "learner",
                        String.valueOf(commits.getOrDefault(id, -1L))});
            }
        }
        return out;
    }

    /* ---------------- membership (blocking: call off the keyspace thread) ---------------- */

    private RaftClient adminClient() {
        // A membership change waits for a new member to catch up (maybe through a snapshot).
        RaftProperties clientProperties = new RaftProperties(properties);
        org.apache.ratis.client.RaftClientConfigKeys.Rpc.setRequestTimeout(clientProperties, TimeDuration.valueOf(60, TimeUnit.SECONDS));
        RaftGroup current = RaftGroup.valueOf(GROUP_ID, currentPeers(RaftPeerRole.FOLLOWER));
        return RaftClient.newBuilder().setProperties(clientProperties).setRaftGroup(current).setLeaderId(me)
                .setRetryPolicy(RetryPolicies.retryUpToMaximumCountWithFixedSleep(20, TimeDuration.valueOf(500, TimeUnit.MILLISECONDS)))
                .setClientRpc(new GrpcFactory(new Parameters()).newRaftClientRpc(ClientId.randomId(), clientProperties)).build();
    }

    private List<RaftPeer> currentPeers(RaftPeerRole role) {
        RaftServer.Division d = division();
        return d == null ? List.of() : new ArrayList<>(d.getRaftConf().getCurrentPeers(role));
    }

    /**
     * RAFT ADDNODE: the new member joins as a learner (a listener in Ratis's words) and is sent
     * the log or a snapshot; once it has caught up it is promoted to a voter. Ratis stages the
     * catch-up of a peer new to the configuration, so the voter change commits only then.
     */
    RaftClientReply addNode(String id, String address) throws IOException {
        List<RaftPeer> voters = currentPeers(RaftPeerRole.FOLLOWER);
        for (RaftPeer p : voters) if (p.getId().toString().equals(id)) throw new IOException("ERR node " + id + " is already a member");
        RaftPeer peer = RaftPeer.newBuilder().setId(id).setAddress(address).build();
        try (RaftClient client = adminClient()) {
            List<RaftPeer> learners = currentPeers(RaftPeerRole.LISTENER);
            learners.removeIf(p -> p.getId().equals(peer.getId()));
            learners.add(peer);
            RaftClientReply asLearner = client.admin().setConfiguration(voters, learners);
            if (!asLearner.isSuccess()) return asLearner;
            learners.remove(peer);
            List<RaftPeer> promoted = new ArrayList<>(voters);
            promoted.add(peer);
            return client.admin().setConfiguration(promoted, learners);
        }
    }

    RaftClientReply removeNode(String id) throws IOException {
        List<RaftPeer> voters = currentPeers(RaftPeerRole.FOLLOWER);
        List<RaftPeer> learners = currentPeers(RaftPeerRole.LISTENER);
        boolean found = voters.removeIf(p -> p.getId().toString().equals(id)) | learners.removeIf(p -> p.getId().toString().equals(id));
        if (!found) throw new IOException("ERR no such raft node " + id);
        try (RaftClient client = adminClient()) {
            return client.admin().setConfiguration(voters, learners);
        }
    }

    RaftClientReply transferLeader(String id) throws IOException {
        try (RaftClient client = adminClient()) {
            return client.admin().transferLeadership(RaftPeerId.valueOf(id), 10_000);
        }
    }

    static String hostOf(String address) {
        int colon = address.lastIndexOf(':');
        return colon < 0 ? address : address.substring(0, colon);
    }

}
