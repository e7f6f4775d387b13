package io.magpie.raft;

import io.magpie.server.metrics.InfoFields;
import java.util.Map;

/** The fields of INFO raft and RAFT INFO, in Redis's field:value form. */
final class RaftInfo {
    private RaftInfo() {}

    /** The same fields as a map, for the metrics and the status page; on the keyspace thread. */
    static Map<String, String> map(RaftModule module) {
        StringBuilder sb = new StringBuilder();
        fields(module, sb);
        return InfoFields.parse(sb.toString());
    }

    static void fields(RaftModule module, StringBuilder out) {
        RaftNode n = module.node();
        field(out, "raft_id", module.config().id.value());
        if (n == null) {
            field(out, "role", "starting");
            return;
        }
        String leader = n.leaderId();
        field(out, "role", n.role());
        field(out, "term", String.valueOf(n.term()));
        field(out, "leader", leader == null ? "" : leader);
        String leaderAddress = leader == null ? null : module.clientAddresses.get(leader);
        field(out, "leader_address", leaderAddress == null ? "" : leaderAddress);
        field(out, "leader_ready", n.isLeaderReady() ? "1" : "0");
        field(out, "commit_index", String.valueOf(n.commitIndex()));
        field(out, "applied_index", String.valueOf(n.appliedIndex()));
        field(out, "snapshot_index", String.valueOf(n.snapshotIndex()));
        field(out, "log_start_index", String.valueOf(n.logStartIndex()));
        var members = n.members();
        field(out, "members", String.valueOf(members.size()));
        int i = 0;
        for (String[] m : members) {
            field(out, "member" + i++, "id=" + m[0] + ",address=" + m[1] + ",role=" + m[2] + ",match_index=" + m[3]);
        }
    }

    private static void field(StringBuilder out, String name, String value) {
        out.append(name).append(':').append(value).append("\r\n");
    }
}
