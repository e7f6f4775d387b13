package io.magpie.raft;

import io.magpie.server.metrics.InfoFields;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The group's part of the status page ("raft" in status.json): this member's role, term and
 * indexes, the leader, and every member with its role and match index, as INFO raft has them.
 */
final class RaftStatus {
    private RaftStatus() {}

    /** Runs on the keyspace thread. */
    static Map<String, Object> section(RaftModule module) {
        Map<String, Object> out = new LinkedHashMap<>();
        List<Map<String, String>> members = new ArrayList<>();
        for (Map.Entry<String, String> e : RaftInfo.map(module).entrySet()) {
            if (e.getKey().matches("member\\d+")) members.add(InfoFields.parseList(e.getValue()));
            else if (!e.getKey().equals("members")) out.put(e.getKey(), e.getValue());
        }
        out.put("members", members);
        return out;
    }
}
