package io.magpie.raft;

import io.magpie.server.MagpieServer;
import io.magpie.server.metrics.Families;
import io.magpie.server.metrics.InfoFields;
import io.magpie.server.metrics.OwnerThread;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.util.Map;

/**
 * A Raft member's families on the metrics endpoint: role, term, commit, applied and snapshot
 * indexes, the apply lag (commit − applied), and each member's match index as the leader sees
 * it. redis_exporter has no Raft names, so these take the "redis_raft_" prefix beside its
 * families; they are read from INFO raft's fields on the keyspace thread at scrape time.
 */
final class RaftMetrics implements MultiCollector {
    private final MagpieServer server;
    private final RaftModule module;

    RaftMetrics(MagpieServer server, RaftModule module) {
        this.server = server;
        this.module = module;
    }

    @Override
    public MetricSnapshots collect() {
        Map<String, String> info = OwnerThread.read(server.mainLoop(), () -> RaftInfo.map(module));
        Families out = new Families();
        String role = info.getOrDefault("role", "");
        for (String r : new String[] {"leader", "follower", "candidate", "learner"}) {
            out.gauge("redis_raft_role", "1 for this member's current role", r.equals(role) ? 1 : 0, "role", r);
        }
        out.gauge("redis_raft_leader_ready", "1 when this member leads and its term's first entry committed",
                InfoFields.number(info, "leader_ready"));
        out.gauge("redis_raft_term", "current term", InfoFields.number(info, "term"));
        double commit = InfoFields.number(info, "commit_index"), applied = InfoFields.number(info, "applied_index");
        out.gauge("redis_raft_commit_index", "highest log index known committed", commit);
        out.gauge("redis_raft_applied_index", "highest log index applied to the keyspace", applied);
        out.gauge("redis_raft_apply_lag_entries", "commit_index - applied_index", Math.max(0, commit - applied));
        out.gauge("redis_raft_snapshot_index", "log index of the latest snapshot", InfoFields.number(info, "snapshot_index"));
        out.gauge("redis_raft_members", "members of the group", InfoFields.number(info, "members"));
        for (Map.Entry<String, String> e : info.entrySet()) {
            if (!e.getKey().matches("member\\d+")) continue;
            Map<String, String> m = InfoFields.parseList(e.getValue());
            out.gauge("redis_raft_member_match_index", "a member's match index as this member knows it",
                    InfoFields.number(m, "match_index"), "id", m.getOrDefault("id", ""), "member_role", m.getOrDefault("role", ""));
        }
        return new MetricSnapshots(out.build());
    }
}
