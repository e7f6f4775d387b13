package io.magpie.raft.shard;

import io.magpie.server.Log;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.proto.RaftProtos.CommitInfoProto;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.server.RaftServer;

/**
 * Carries out the decisions of {@link ReplicaMoves} with Ratis: on each data group this node
 * leads, the next membership step, run off the keyspace thread (a change waits for Ratis), one
 * at a time per group. On the placement leader, a drained node is taken out of the placement
 * group and then out of the map. Everything here is read from the current map and Ratis
 * configuration at each cron, so a step lost to a leader change is decided again by the next
 * leader from where the group stands.
 */
final class ReplicaDriver {
    private final ShardedRaftModule module;
    /** Keyspace thread only. */
    private final Map<Integer, ReplicaMoves.Progress> progress = new HashMap<>();
    private final Set<Integer> inFlight = new HashSet<>();
    private boolean leaveInFlight;
    long stepsDone;
    private final ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "magpie-raft-replicas");
        t.setDaemon(true);
        return t;
    });

    ReplicaDriver(ShardedRaftModule module) {
        this.module = module;
    }

    int inFlight() {
        return inFlight.size();
    }

    void cron(MultiRaft r, ClusterMap m, long now) {
        for (DataGroup g : module.localGroups().values()) {
            if (g.index >= m.groups.size() || inFlight.contains(g.index) || !g.isLeaderReady()) continue;
            RaftServer.Division d = r.division(g.id);
            if (d == null) continue;
            ClusterMap.Group mg = m.groups.get(g.index);
            ReplicaMoves.Progress p = progress.computeIfAbsent(g.index, i -> new ReplicaMoves.Progress());
            ReplicaMoves.Step step = ReplicaMoves.next(observe(d), mg.target(), mg.members(), p, now);
            if (step.kind() == ReplicaMoves.Kind.NONE || step.kind() == ReplicaMoves.Kind.WAIT) continue;
            inFlight.add(g.index);
            executor.execute(() -> {
                String failure;
                try {
                    failure = run(r, m, g, step);
                } catch (Exception e) {
                    failure = String.valueOf(e);
                }
                String why = failure;
                // A transfer to the preferred leader by a leader the target keeps: balance, not a must.
                boolean optional = step.kind() == ReplicaMoves.Kind.TRANSFER_LEADER && mg.target().contains(module.myId());
                module.mainLoopExecute(() -> {
                    inFlight.remove(g.index);
                    if (optional) {
                        if (why == null) progress.get(g.index).transferFailures = 0;
                        else progress.get(g.index).transferFailed(System.currentTimeMillis());
                    }
                    if (why == null) {
                        stepsDone++;
                        Log.notice("Raft shards: shard %d: %s %s done", g.index, step.kind(), step.node() == null ? step.voters() : step.node());
                    } else {
                        if (!optional) progress.get(g.index).failed(System.currentTimeMillis());
                        Log.warning("Raft shards: shard %d: %s %s failed, it will be tried again: %s", g.index, step.kind(), step.node(), why);
                    }
                });
            });
        }
        leaveIfDrained(r, m);
    }

    /**
     * A follower that has not answered its leader for this long is not caught up, whatever commit
     * index the leader last heard from it: Ratis's longest election timeout (a new leader starts
     * every follower's last reply that far back).
     */
    static final long RESPONSIVE_MS = 800;

    /** What the leader sees of its group, for {@link ReplicaMoves}. */
    private static ReplicaMoves.Conf observe(RaftServer.Division d) {
        var conf = d.getRaftConf();
        List<String> voters = ids(conf.getCurrentPeers(RaftPeerRole.FOLLOWER)), learners = ids(conf.getCurrentPeers(RaftPeerRole.LISTENER));
        String preferred = null;
        for (RaftPeer p : conf.getCurrentPeers(RaftPeerRole.FOLLOWER)) if (p.getPriority() > 0) preferred = p.getId().toString();
        long committed = d.getRaftLog().getLastCommittedIndex();
        boolean settled = conf.getPreviousPeers(RaftPeerRole.FOLLOWER).isEmpty() && conf.getLogEntryIndex() <= committed;
        Map<String, Long> commits = new HashMap<>();
        for (CommitInfoProto ci : d.getCommitInfos()) commits.put(ci.getServer().getId().toStringUtf8(), ci.getCommitIndex());
        Map<String, Long> elapsed = new HashMap<>();
        var role = d.getInfo().getRoleInfoProto();
        if (role.hasLeaderInfo()) {
            for (var f : role.getLeaderInfo().getFollowerInfoList()) elapsed.put(f.getId().getId().toStringUtf8(), f.getLastRpcElapsedTimeMs());
        }
        commits = ReplicaMoves.responsive(commits, elapsed, d.getId().toString(), RESPONSIVE_MS);
        return new ReplicaMoves.Conf(d.getId().toString(), voters, learners, preferred, settled, commits, committed, conf.getLogEntryIndex());
    }

    private static List<String> ids(java.util.Collection<RaftPeer> peers) {
        List<String> out = new ArrayList<>();
        for (RaftPeer p : peers) out.add(p.getId().toString());
        return out;
    }

    /** One step with Ratis; null when it is done, else why not. */
    private String run(MultiRaft r, ClusterMap m, DataGroup g, ReplicaMoves.Step step) throws Exception {
        RaftGroupId id = g.id;
        return switch (step.kind()) {
            case ADD_LEARNER, PROMOTE, REMOVE, SET_PRIORITY -> {
                if (step.kind() == ReplicaMoves.Kind.ADD_LEARNER && !r.hosts(step.node(), m.nodes.get(step.node()).raftAddress(), id)) {
                    yield step.node() + " has not started its replica yet";
                }
                List<RaftPeer> seenVoters = r.peers(id, RaftPeerRole.FOLLOWER), seenLearners = r.peers(id, RaftPeerRole.LISTENER);
                yield failure(r.setMembers(id, peers(m, step.voters(), step.preferred()), peers(m, step.learners(), null), seenVoters, seenLearners));
            }
            case TRANSFER_LEADER -> failure(r.transferLeadership(id, step.node()));
            case RECORD_MEMBERS -> failure(r.proposePlacement(PlacementStateMachine.members(g.index, step.voters())).get(30, TimeUnit.SECONDS));
            default -> null;
        };
    }

    private static List<RaftPeer> peers(ClusterMap m, List<String> ids, String preferred) {
        List<RaftPeer> out = new ArrayList<>();
        for (String id : ids) {
            ClusterMap.Node n = m.nodes.get(id);
            if (n == null) throw new IllegalStateException("node " + id + " is not in the cluster map");
            out.add(RaftPeer.newBuilder().setId(id).setAddress(n.raftAddress()).setPriority(id.equals(preferred) ? 1 : 0).build());
        }
        return out;
    }

    private static String failure(RaftClientReply reply) {
        return reply.isSuccess() ? null : String.valueOf(reply.getException()).replace('\n', ' ');
    }

    /**
     * On the placement leader: a drained node (no group names it) leaves the placement group's
     * voters, then the map ({@link ReplicaMoves#leave}).
     */
    private void leaveIfDrained(MultiRaft r, ClusterMap m) {
        if (leaveInFlight) return;
        RaftServer.Division d = r.division(MultiRaft.PLACEMENT);
        if (d == null || !d.getInfo().isLeader() || !d.getInfo().isLeaderReady()) return;
        ReplicaMoves.Conf c = observe(d);
        for (ClusterMap.Node n : m.nodes.values()) {
            if (!m.drained(n.id())) continue;
            ReplicaMoves.Step step = ReplicaMoves.leave(c, n.id());
            if (step.kind() == ReplicaMoves.Kind.WAIT) return;
            leaveInFlight = true;
            executor.execute(() -> {
                String failure;
                try {
                    failure = switch (step.kind()) {
                        case TRANSFER_LEADER -> failure(r.transferLeadership(MultiRaft.PLACEMENT, step.node()));
                        case REMOVE -> failure(r.setMembers(MultiRaft.PLACEMENT, peers(m, step.voters(), null), peers(m, step.learners(), null),
                                r.peers(MultiRaft.PLACEMENT, RaftPeerRole.FOLLOWER), r.peers(MultiRaft.PLACEMENT, RaftPeerRole.LISTENER)));
                        case RECORD_MEMBERS -> failure(r.proposePlacement(PlacementStateMachine.forget(n.id())).get(30, TimeUnit.SECONDS));
                        default -> null;
                    };
                } catch (Exception e) {
                    failure = String.valueOf(e);
                }
                String why = failure;
                module.mainLoopExecute(() -> {
                    leaveInFlight = false;
                    if (why == null) Log.notice("Raft shards: drained node %s: %s done", n.id(), step.kind());
                    else Log.warning("Raft shards: drained node %s: %s failed, it will be tried again: %s", n.id(), step.kind(), why);
                });
            });
            return;
        }
    }

    void shutdown() {
        executor.shutdownNow();
    }
}
