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

    final RaftPeerId me;
    private final RaftServer server;
    private final RaftProperties properties;
    private final ClientId clientId = ClientId.randomId();
    private final AtomicLong callIds = new AtomicLong();
    private final RaftGroup placementGroup;
    private volatile RaftClient placementClient;

    MultiRaft(String id, String host, int port, File storageDir, RaftGroup placementGroup, long snapshotThreshold, long segmentSize, boolean readLease,
            StateMachine.Registry registry) throws IOException {
        this.me = RaftPeerId.valueOf(id);
        this.placementGroup = placementGroup;
        properties = RaftSettings.properties(storageDir, host, port, readLease, snapshotThreshold, segmentSize);
        this.server = RaftServer.newBuilder().setServerId(me).setGroup(placementGroup).setStateMachineRegistry(registry)
                .setProperties(properties).setOption(RaftStorage.StartupOption.RECOVER).build();
    }

    void start() throws IOException {
        server.start();
    }

    /**
     * Adds the data groups this node is a replica of, all at once (each formats its storage and
     * starts its division); a group recovered from storage at start is already there.
     */
    void addGroups(List<RaftGroup> groups) throws IOException {
        List<CompletableFuture<RaftClientReply>> pending = new ArrayList<>();
        for (RaftGroup group : groups) {
            boolean present = false;
            for (RaftGroupId id : server.getGroupIds()) present |= id.equals(group.getGroupId());
            if (present) continue;
            pending.add(server.groupManagementAsync(GroupManagementRequest.newAdd(clientId, me, callIds.incrementAndGet(), group, true)));
        }
        for (CompletableFuture<RaftClientReply> f : pending) {
            RaftClientReply reply = f.join();
            if (!reply.isSuccess() && reply.getException() != null && !String.valueOf(reply.getException()).contains("already")) {
                throw new IOException("adding a raft group: " + reply.getException());
            }
        }
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
                    placementClient = c = RaftClient.newBuilder().setProperties(clientProperties).setRaftGroup(placementGroup)
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
                server.close();
            } catch (IOException | RuntimeException ignored) {
                // stopping anyway
            }
        }, "magpie-raft-stop");
        t.setDaemon(true);
        t.start();
    }
}
