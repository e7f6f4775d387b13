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
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.grpc.GrpcFactory;
import org.apache.ratis.grpc.GrpcTlsConfig;
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
    /** What Ratis's gRPC transport is built with (TLS, when raft-tls is on), for the server and the admin client alike. */
    private final Parameters parameters = new Parameters();
    private final ClientId clientId = ClientId.randomId();
    private final AtomicLong callIds = new AtomicLong();

    RaftNode(String id, String host, int port, Map<String, String> members, File storageDir, boolean readLease, long snapshotThreshold,
            long segmentSize, long adminDeadlineMs, GrpcTlsConfig tls, RaftStateMachine stateMachine) throws IOException {
        this.me = RaftPeerId.valueOf(id);
        this.adminDeadlineMs = adminDeadlineMs;
        this.stateMachine = stateMachine;
        List<RaftPeer> peers = new ArrayList<>();
        for (var m : members.entrySet()) peers.add(RaftPeer.newBuilder().setId(m.getKey()).setAddress(m.getValue()).build());
        // A node not among the initial members starts with an empty group and waits for RAFT ADDNODE.
        this.group = members.containsKey(id) ? RaftGroup.valueOf(GROUP_ID, peers) : RaftGroup.valueOf(GROUP_ID);
        properties = RaftSettings.properties(storageDir, host, port, readLease, snapshotThreshold, segmentSize);
        // One TLS configuration for every link: the server side, its links to peers, the admin client.
        if (tls != null) GrpcConfigKeys.TLS.setConf(parameters, tls);
        this.server = RaftServer.newBuilder().setServerId(me).setGroup(group).setStateMachine(stateMachine)
                .setProperties(properties).setParameters(parameters).setOption(RaftStorage.StartupOption.RECOVER).build();
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

    /** The first index still in this member's log: entries before it were compacted into a snapshot. */
    long logStartIndex() {
        RaftServer.Division d = division();
        return d == null ? -1 : d.getRaftLog().getStartIndex();
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

    /**
     * How long a membership change may try in all (raft-admin-timeout: a new member may need a
     * snapshot first, a fault may be healing) before the caller hears where it stands.
     */
    private final long adminDeadlineMs;

    private RaftClient adminClient(long timeoutMs) {
        RaftProperties clientProperties = new RaftProperties(properties);
        org.apache.ratis.client.RaftClientConfigKeys.Rpc.setRequestTimeout(clientProperties, TimeDuration.valueOf(timeoutMs, TimeUnit.MILLISECONDS));
        RaftGroup current = RaftGroup.valueOf(GROUP_ID, currentPeers(RaftPeerRole.FOLLOWER));
        return RaftClient.newBuilder().setProperties(clientProperties).setRaftGroup(current).setLeaderId(me)
                .setRetryPolicy(RetryPolicies.retryUpToMaximumCountWithFixedSleep(3, TimeDuration.valueOf(500, TimeUnit.MILLISECONDS)))
                .setClientRpc(new GrpcFactory(parameters).newRaftClientRpc(ClientId.randomId(), clientProperties)).build();
    }

    private List<RaftPeer> currentPeers(RaftPeerRole role) {
        RaftServer.Division d = division();
        return d == null ? List.of() : new ArrayList<>(d.getRaftConf().getCurrentPeers(role));
    }

    private static RaftPeer find(List<RaftPeer> peers, String id) {
        for (RaftPeer p : peers) if (p.getId().toString().equals(id)) return p;
        return null;
    }

    /**
     * Whether the configuration this member acts on is committed: a leader uses a new one as
     * soon as it appends it, and a leader cut off from the group may never commit it, so a
     * change counts as done only once its configuration is committed.
     */
    private boolean configurationCommitted() {
        RaftServer.Division d = division();
        return d != null && d.getRaftConf().getLogEntryIndex() <= d.getRaftLog().getLastCommittedIndex();
    }

    /** Where a node stands in the configuration this member knows, for an error that tells the truth. */
    private String standing(String id) {
        String s;
        if (find(currentPeers(RaftPeerRole.FOLLOWER), id) != null) s = id + " is a voter";
        else if (find(currentPeers(RaftPeerRole.LISTENER), id) != null) s = id + " is a learner, not a voter";
        else s = id + " is not a member";
        if (!configurationCommitted()) s += " in a configuration not committed yet (a later leader may keep or drop it)";
        return s;
    }

    /** One step of a membership change; null once it is done, else why not (yet). */
    private interface Step {
        String attempt(long timeoutMs) throws IOException;
    }

    /**
     * Runs a membership change until it is done or the deadline passes: each attempt reads the
     * configuration afresh, so a change that completed although its reply was lost (a leader
     * change, a cut link) is seen as done, and one half done (added as a learner) goes on from
     * where it stands. A change that could not finish answers why, and where the node stands.
     */
    private void untilDone(String what, String id, Step step) throws IOException {
        long deadline = System.currentTimeMillis() + adminDeadlineMs;
        String why;
        while (true) {
            long left = deadline - System.currentTimeMillis();
            try {
                why = step.attempt(Math.max(5_000, left));
                if (why == null) return;
            } catch (IOException e) {
                if (String.valueOf(e.getMessage()).startsWith("ERR ")) throw e; // a refusal, not a fault
                why = e.getClass().getSimpleName() + ": " + e.getMessage();
            }
            if (System.currentTimeMillis() + 500 >= deadline) break;
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        throw new IOException("ERR RAFT " + what + " did not complete within " + adminDeadlineMs + " ms ("
                + String.valueOf(why).replace('\n', ' ') + "); " + standing(id) + "; send it again once the group is healthy");
    }

    private static String failure(RaftClientReply reply) {
        return reply.isSuccess() ? null : String.valueOf(reply.getException());
    }

    /**
     * RAFT ADDNODE: the new member joins as a learner (a listener in Ratis's words) and is sent
     * the log or a snapshot; once it has caught up it is promoted to a voter. Ratis stages the
     * catch-up of a peer new to the configuration, so the voter change commits only then.
     * Adding a voter already there at the same address is done already (a retry).
     */
    void addNode(String id, String address) throws IOException {
        RaftPeer peer = RaftPeer.newBuilder().setId(id).setAddress(address).build();
        untilDone("ADDNODE", id, timeoutMs -> {
            List<RaftPeer> voters = currentPeers(RaftPeerRole.FOLLOWER);
            List<RaftPeer> learners = currentPeers(RaftPeerRole.LISTENER);
            if (!configurationCommitted()) return "the last configuration change is not committed yet";
            RaftPeer voter = find(voters, id);
            if (voter != null) {
                if (voter.getAddress().equals(address)) return null;
                throw new IOException("ERR node " + id + " is already a member at " + voter.getAddress());
            }
            try (RaftClient client = adminClient(timeoutMs)) {
                RaftPeer learner = find(learners, id);
                if (learner == null || !learner.getAddress().equals(address)) {
                    if (learner != null) learners.remove(learner);
                    learners.add(peer);
                    String failed = failure(client.admin().setConfiguration(voters, learners));
                    if (failed != null) return failed;
                } else {
                    learners.remove(learner);
                }
                learners.removeIf(p -> p.getId().equals(peer.getId()));
                List<RaftPeer> promoted = new ArrayList<>(voters);
                promoted.add(peer);
                return failure(client.admin().setConfiguration(promoted, learners));
            }
        });
    }

    /** RAFT REMOVENODE; a node already gone after an earlier attempt of this call is done. */
    void removeNode(String id) throws IOException {
        boolean[] first = {true};
        untilDone("REMOVENODE", id, timeoutMs -> {
            List<RaftPeer> voters = currentPeers(RaftPeerRole.FOLLOWER);
            List<RaftPeer> learners = currentPeers(RaftPeerRole.LISTENER);
            if (!configurationCommitted()) return "the last configuration change is not committed yet";
            boolean found = voters.removeIf(p -> p.getId().toString().equals(id)) | learners.removeIf(p -> p.getId().toString().equals(id));
            if (!found) {
                if (first[0]) throw new IOException("ERR no such raft node " + id);
                return null;
            }
            first[0] = false;
            try (RaftClient client = adminClient(timeoutMs)) {
                return failure(client.admin().setConfiguration(voters, learners));
            }
        });
    }

    RaftClientReply transferLeader(String id) throws IOException {
        try (RaftClient client = adminClient(60_000)) {
            return client.admin().transferLeadership(RaftPeerId.valueOf(id), 10_000);
        }
    }

    static String hostOf(String address) {
        int colon = address.lastIndexOf(':');
        return colon < 0 ? address : address.substring(0, colon);
    }

}
