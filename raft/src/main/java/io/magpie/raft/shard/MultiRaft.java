package io.magpie.raft.shard;

import java.io.File;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import io.magpie.raft.RaftSettings;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcFactory;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.GroupManagementRequest;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.SetConfigurationRequest;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.StateMachine;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.TimeDuration;

/**
 * One Ratis RaftServer on this node hosting many groups (multi-raft): the placement group and
 * the data groups this node is a replica of. Ratis multiplexes them over the one gRPC port; a
 * restarted server finds its groups in its storage directory and recovers each from its own
 * snapshot and log. The settings are the single group's ({@link RaftSettings}).
 */
final class MultiRaft {
    static final RaftGroupId PLACEMENT = RaftGroupId.valueOf(UUID.nameUUIDFromBytes("magpie-raft-placement".getBytes()));

    /** Data group g's id: the same on every node, so a group needs no id exchange to be created. */
    static RaftGroupId dataGroupId(int g) {
        return RaftGroupId.valueOf(UUID.nameUUIDFromBytes(("magpie-raft-shard-" + g).getBytes()));
    }

    /** How long a leadership transfer may take (Ratis refuses the group's writes meanwhile). */
    static final long TRANSFER_TIMEOUT_MS = 10_000;

    final RaftPeerId me;
    private final RaftServer server;
    private final RaftProperties properties;
    private final ClientId clientId = ClientId.randomId();
    private final AtomicLong callIds = new AtomicLong();
    /** Where placement entries go before this node knows the placement group's members: raft-members, or the raft-join node. */
    private final RaftGroup placementGroup;
    private volatile RaftClient placementClient;

    /**
     * host: the address the Raft port listens on (the node's first bind address). joinVia:
     * "host:port" of a node of the cluster when this node joins it (raft-join): its placement
     * group starts empty (it votes in no election until the group adds it) and placement
     * entries go through that node, which redirects them to the placement leader.
     */
    MultiRaft(String id, String host, int port, File storageDir, RaftGroup placementGroup, String joinVia, long snapshotThreshold, long segmentSize,
            boolean readLease, StateMachine.Registry registry) throws IOException {
        this.me = RaftPeerId.valueOf(id);
        // Ratis checks a request's group, not the id of the server it is sent to: any id reaches the node at joinVia.
        this.placementGroup = joinVia == null ? placementGroup
                : RaftGroup.valueOf(PLACEMENT, RaftPeer.newBuilder().setId("join-via").setAddress(joinVia).build());
        properties = RaftSettings.properties(storageDir, host, port, readLease, snapshotThreshold, segmentSize);
        RaftGroup initial = joinVia == null ? placementGroup : RaftGroup.valueOf(PLACEMENT);
        this.server = RaftServer.newBuilder().setServerId(me).setGroup(initial).setStateMachineRegistry(registry)
                .setProperties(properties).setOption(RaftStorage.StartupOption.RECOVER).build();
    }

    void start() throws IOException {
        server.start();
    }

    /**
     * Adds the data groups this node is a replica of, all at once (each formats its storage and
     * starts its division); a group recovered from storage at start is already there. Returns
     * the groups that could not be added, with why.
     */
    Map<RaftGroupId, String> addGroups(List<RaftGroup> groups) {
        Map<RaftGroupId, CompletableFuture<RaftClientReply>> pending = new java.util.LinkedHashMap<>();
        for (RaftGroup group : groups) {
            boolean present = false;
            for (RaftGroupId id : server.getGroupIds()) present |= id.equals(group.getGroupId());
            if (present) continue;
            pending.put(group.getGroupId(),
                    server.groupManagementAsync(GroupManagementRequest.newAdd(clientId, me, callIds.incrementAndGet(), group, true)));
        }
        Map<RaftGroupId, String> failed = new java.util.LinkedHashMap<>();
        for (var e : pending.entrySet()) {
            String why;
            try {
                RaftClientReply reply = e.getValue().join();
                why = reply.isSuccess() || reply.getException() == null ? null : String.valueOf(reply.getException());
            } catch (RuntimeException x) {
                why = String.valueOf(x);
            }
            if (why != null && !why.contains("already")) failed.put(e.getKey(), why);
        }
        return failed;
    }

    /** The group's members, preferred leader first (priority 1, the others 0: Ratis hands leadership to it when it can). */
    static RaftGroup group(RaftGroupId id, List<String> members, Map<String, String> raftAddresses) {
        List<RaftPeer> peers = new ArrayList<>();
        for (int i = 0; i < members.size(); i++) {
            String m = members.get(i);
            peers.add(RaftPeer.newBuilder().setId(m).setAddress(raftAddresses.get(m)).setPriority(i == 0 ? 1 : 0).build());
        }
        return RaftGroup.valueOf(id, peers);
    }

    /**
     * The placement group's first members: no priorities. Where its leader runs does not matter,
     * and a priority makes Ratis hand leadership back to that member whenever it seems caught up.
     * A sharded soak (seed 17070701) had n1, killed and restarted, never take it back: the
     * leader started one transfer after another for 4 minutes, refusing every placement write
     * during each, so no reshard could finish.
     */
    static RaftGroup placementGroup(List<String> members, Map<String, String> raftAddresses) {
        List<RaftPeer> peers = new ArrayList<>();
        for (String m : members) peers.add(RaftPeer.newBuilder().setId(m).setAddress(raftAddresses.get(m)).build());
        return RaftGroup.valueOf(PLACEMENT, peers);
    }

    /**
     * The group as a replica moving to this node starts it: the members, and this node as a
     * learner. Started with no members, a Ratis server stays "initializing" until a leader
     * that staged it marks it caught up, which a leader that added it as a learner never does.
     */
    static RaftGroup learnerOf(RaftGroupId id, List<String> members, Map<String, String> raftAddresses, String me, String myAddress) {
        List<RaftPeer> peers = new ArrayList<>(group(id, members, raftAddresses).getPeers());
        peers.add(RaftPeer.newBuilder().setId(me).setAddress(myAddress).setStartupRole(RaftPeerRole.LISTENER).build());
        return RaftGroup.valueOf(id, peers);
    }

    RaftServer.Division division(RaftGroupId id) {
        try {
            return server.getDivision(id);
        } catch (IOException e) {
            return null;
        }
    }

    private CompletableFuture<RaftClientReply> submit(RaftGroupId group, byte[] data, RaftClientRequest.Type type) {
        RaftClientRequest request = RaftClientRequest.newBuilder().setClientId(clientId).setServerId(me).setGroupId(group)
                .setCallId(callIds.incrementAndGet()).setMessage(Message.valueOf(ByteString.copyFrom(data))).setType(type).build();
        try {
            return server.submitClientRequestAsync(request);
        } catch (IOException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** Proposes an entry to a group this node leads; completes once committed and applied here. */
    CompletableFuture<RaftClientReply> propose(RaftGroupId group, byte[] data) {
        return submit(group, data, RaftClientRequest.writeRequestType());
    }

    /** A ReadIndex round on a group this node leads. */
    CompletableFuture<RaftClientReply> confirmRead(RaftGroupId group) {
        return submit(group, new byte[0], RaftClientRequest.readRequestType());
    }

    /** Proposes a placement entry from any node: the client finds the placement leader. */
    CompletableFuture<RaftClientReply> proposePlacement(byte[] data) {
        RaftClient c = placementClient;
        if (c == null) {
            synchronized (this) {
                if ((c = placementClient) == null) {
                    RaftProperties clientProperties = new RaftProperties(properties);
                    org.apache.ratis.client.RaftClientConfigKeys.Rpc.setRequestTimeout(clientProperties, TimeDuration.valueOf(5, TimeUnit.SECONDS));
                    placementClient = c = RaftClient.newBuilder().setProperties(clientProperties).setRaftGroup(knownPlacementGroup())
                            .setRetryPolicy(RetryPolicies.retryUpToMaximumCountWithFixedSleep(10, TimeDuration.valueOf(200, TimeUnit.MILLISECONDS)))
                            .setClientRpc(new GrpcFactory(new Parameters()).newRaftClientRpc(ClientId.randomId(), clientProperties)).build();
                }
            }
        }
        RaftClient client = c;
        return client.async().send(Message.valueOf(ByteString.copyFrom(data))).orTimeout(10, TimeUnit.SECONDS).whenComplete((reply, error) -> {
            // A failed ordered-async client fails every later request too: the next proposal gets a new one.
            if (error != null) dropPlacementClient(client);
        });
    }

    /** The placement group's members as this node's replica knows them, else the group it was started with. */
    private RaftGroup knownPlacementGroup() {
        RaftServer.Division d = division(PLACEMENT);
        List<RaftPeer> peers = d == null ? List.of() : new ArrayList<>(d.getRaftConf().getCurrentPeers(RaftPeerRole.FOLLOWER));
        return peers.isEmpty() ? placementGroup : RaftGroup.valueOf(PLACEMENT, peers);
    }

    private RaftClient adminClient(RaftGroup group, RaftPeerId leader, long timeoutMs) {
        RaftProperties clientProperties = new RaftProperties(properties);
        org.apache.ratis.client.RaftClientConfigKeys.Rpc.setRequestTimeout(clientProperties, TimeDuration.valueOf(timeoutMs, TimeUnit.MILLISECONDS));
        RaftClient.Builder b = RaftClient.newBuilder().setProperties(clientProperties).setRaftGroup(group)
                .setRetryPolicy(RetryPolicies.retryUpToMaximumCountWithFixedSleep(3, TimeDuration.valueOf(300, TimeUnit.MILLISECONDS)))
                .setClientRpc(new GrpcFactory(new Parameters()).newRaftClientRpc(ClientId.randomId(), clientProperties));
        if (leader != null) b.setLeaderId(leader);
        return b.build();
    }

    /**
     * raft-join: adds this node (at raftAddress) to the placement group's voters; Ratis catches
     * it up (the log or a snapshot: the cluster map) before the change commits. A node already
     * there is done.
     */
    RaftClientReply joinPlacement(String raftAddress) throws IOException {
        RaftPeer self = RaftPeer.newBuilder().setId(me).setAddress(raftAddress).build();
        try (RaftClient client = adminClient(knownPlacementGroup(), null, 30_000)) {
            return client.admin().setConfiguration(SetConfigurationRequest.Arguments.newBuilder().setServersInNewConf(List.of(self))
                    .setMode(SetConfigurationRequest.Mode.ADD).build());
        }
    }

    /** The members of a group this node holds, by role (FOLLOWER: the voters, LISTENER: the learners). */
    List<RaftPeer> peers(RaftGroupId id, RaftPeerRole role) {
        RaftServer.Division d = division(id);
        return d == null ? List.of() : new ArrayList<>(d.getRaftConf().getCurrentPeers(role));
    }

    /**
     * Sets a group's members, on this node as its leader, if they are still those it saw
     * (compare and set: a change made meanwhile by another leader is not overwritten).
     */
    RaftClientReply setMembers(RaftGroupId id, List<RaftPeer> voters, List<RaftPeer> learners, List<RaftPeer> seenVoters,
            List<RaftPeer> seenLearners) throws IOException {
        try (RaftClient client = adminClient(RaftGroup.valueOf(id, seenVoters), me, 30_000)) {
            return client.admin().setConfiguration(SetConfigurationRequest.Arguments.newBuilder().setServersInNewConf(voters)
                    .setListenersInNewConf(learners).setServersInCurrentConf(seenVoters).setListenersInCurrentConf(seenLearners)
                    .setMode(SetConfigurationRequest.Mode.COMPARE_AND_SET).build());
        }
    }

    RaftClientReply transferLeadership(RaftGroupId id, String to) throws IOException {
        try (RaftClient client = adminClient(RaftGroup.valueOf(id, peers(id, RaftPeerRole.FOLLOWER)), me, 30_000)) {
            return client.admin().transferLeadership(RaftPeerId.valueOf(to), TRANSFER_TIMEOUT_MS);
        }
    }

    /**
     * Whether the node at address runs its replica of group (started it from the map): a
     * leader adds it as a learner only then, since a snapshot sent to a replica still starting
     * races with its start in Ratis.
     */
    boolean hosts(String id, String address, RaftGroupId group) {
        RaftPeer peer = RaftPeer.newBuilder().setId(id).setAddress(address).build();
        try (RaftClient client = adminClient(RaftGroup.valueOf(group, peer), null, 5_000)) {
            return client.getGroupManagementApi(peer.getId()).info(group).isSuccess();
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** Where replicas are removed: never the caller's thread (see {@link #removeGroup}). */
    private final java.util.concurrent.ExecutorService removals = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "magpie-raft-group-removal");
        t.setDaemon(true);
        return t;
    });

    /**
     * Stops and deletes this node's replica of a group it is no longer a member of. Ratis runs
     * the removal, which closes the division and waits for its state machine's threads, in the
     * calling thread; called on the keyspace thread, that waited for a snapshot or an apply
     * that itself waited for the keyspace thread, and the node hung (membership schedule
     * 12739257). So it runs on a thread of its own.
     */
    CompletableFuture<RaftClientReply> removeGroup(RaftGroupId id) {
        return CompletableFuture.supplyAsync(
                () -> server.groupManagementAsync(GroupManagementRequest.newRemove(clientId, me, callIds.incrementAndGet(), id, true, false)),
                removals).thenCompose(f -> f);
    }

    private synchronized void dropPlacementClient(RaftClient client) {
        if (placementClient != client) return;
        placementClient = null;
        try {
            client.close();
        } catch (IOException | RuntimeException ignored) {
            // it failed already
        }
    }

    /** Proposes entries to another group (wherever its leader is), one after the other; each must commit. */
    void send(RaftGroup group, List<byte[]> entries, java.util.function.BooleanSupplier stillWanted) throws IOException {
        RaftProperties clientProperties = new RaftProperties(properties);
        org.apache.ratis.client.RaftClientConfigKeys.Rpc.setRequestTimeout(clientProperties, TimeDuration.valueOf(10, TimeUnit.SECONDS));
        try (RaftClient client = RaftClient.newBuilder().setProperties(clientProperties).setRaftGroup(group)
                .setRetryPolicy(RetryPolicies.retryUpToMaximumCountWithFixedSleep(20, TimeDuration.valueOf(300, TimeUnit.MILLISECONDS)))
                .setClientRpc(new GrpcFactory(new Parameters()).newRaftClientRpc(ClientId.randomId(), clientProperties)).build()) {
            for (byte[] e : entries) {
                if (!stillWanted.getAsBoolean()) throw new IOException("abandoned: the sender no longer drives it");
                RaftClientReply reply = client.io().send(Message.valueOf(ByteString.copyFrom(e)));
                if (!reply.isSuccess()) throw new IOException("raft group " + group.getGroupId() + " refused an entry: " + reply.getException());
            }
        }
    }

    /** Stops the server in the background: every acknowledged entry is already on disk. */
    void close() {
        Thread t = new Thread(() -> {
            try {
                RaftClient c = placementClient;
                if (c != null) c.close();
                removals.shutdownNow();
                server.close();
            } catch (IOException | RuntimeException ignored) {
                // stopping anyway
            }
        }, "magpie-raft-stop");
        t.setDaemon(true);
        t.start();
    }
}
