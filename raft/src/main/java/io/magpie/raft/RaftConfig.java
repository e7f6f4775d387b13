package io.magpie.raft;

import io.magpie.engine.config.Config;
import io.magpie.engine.config.Params.BoolParam;
import io.magpie.engine.config.Params.LongParam;
import io.magpie.engine.config.Params.StringParam;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The raft-* parameters (config file or --name value), registered only on a node that runs
 * in raft mode, so that a plain node's CONFIG GET * stays Redis's list. All are immutable:
 * a group's identity and members change through RAFT ADDNODE/REMOVENODE, not CONFIG SET.
 */
public final class RaftConfig {
    public final BoolParam enabled;
    /** This node's id in the group ("n1"). */
    public final StringParam id;
    /** The port Raft peers talk to this node on. */
    public final LongParam port;
    /** The initial members, "n1=host:port,n2=host:port,...": the group a node bootstraps with. */
    public final StringParam members;
    /** A follower forwards commands to the leader and relays the reply instead of answering MOVED. */
    public final BoolParam followerProxy;
    /** Reads served under the leader's lease instead of a ReadIndex round each. */
    public final BoolParam readLease;
    /** Applied entries after which a snapshot is taken and the log compacted. */
    public final LongParam snapshotThreshold;
    /** The size at which a log segment is closed; only closed segments are purged after a snapshot. */
    public final LongParam logSegmentSize;
    /**
     * Milliseconds RAFT ADDNODE/REMOVENODE keep trying before they answer where the node
     * stands: below the 60 s clients commonly wait for a reply.
     */
    public final LongParam adminTimeout;
    /**
     * The Raft links over TLS with mutual authentication, with the node's tls-cert-file and
     * tls-key-file, trusting tls-ca-cert-file: a node without a certificate the CA signed can
     * neither join nor talk to the group.
     */
    public final BoolParam tls;

    public RaftConfig(Config c) {
        enabled = register(c, new BoolParam("raft-enabled", false));
        id = register(c, new StringParam("raft-id", ""));
        port = register(c, new LongParam("raft-port", 0, 0, 65535, false));
        members = register(c, new StringParam("raft-members", ""));
        followerProxy = register(c, new BoolParam("raft-follower-proxy", false));
        readLease = register(c, new BoolParam("raft-read-lease", false));
        snapshotThreshold = register(c, new LongParam("raft-snapshot-threshold", 10000, 1, Long.MAX_VALUE, false));
        logSegmentSize = register(c, new LongParam("raft-log-segment-size", 8L << 20, 16L << 10, 1L << 30, true));
        adminTimeout = register(c, new LongParam("raft-admin-timeout", 45_000, 1_000, 3_600_000, false));
        tls = register(c, new BoolParam("raft-tls", false));
    }

    private static <P extends io.magpie.engine.config.Param> P register(Config c, P p) {
        p.immutable();
        return c.register(p);
    }

    /** True when the config text (file plus --arguments, as the loader sees it) turns raft mode on. */
    public static boolean requested(String configText) {
        boolean on = false;
        for (String line : configText.split("\n")) {
            String[] w = line.trim().split("\\s+");
            if (w.length == 2 && w[0].toLowerCase(Locale.ROOT).equals("raft-enabled")) {
                on = w[1].replace("\"", "").equalsIgnoreCase("yes");
            }
        }
        return on;
    }

    /** raft-members parsed: id to host:port, in the order given. */
    public static Map<String, String> parseMembers(String spec) {
        Map<String, String> out = new LinkedHashMap<>();
        if (spec == null || spec.isBlank()) return out;
        for (String m : spec.split(",")) {
            m = m.trim();
            if (m.isEmpty()) continue;
            int eq = m.indexOf('=');
            if (eq <= 0 || m.lastIndexOf(':') < eq) throw new IllegalArgumentException("raft-members: '" + m + "' is not id=host:port");
            out.put(m.substring(0, eq), m.substring(eq + 1));
        }
        return out;
    }
}
