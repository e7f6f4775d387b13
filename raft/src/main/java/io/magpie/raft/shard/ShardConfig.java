package io.magpie.raft.shard;

import io.magpie.engine.config.Config;
import io.magpie.engine.config.Param;
import io.magpie.engine.config.Params.EnumParam;
import io.magpie.engine.config.Params.LongParam;
import java.util.Locale;

/**
 * The parameters of sharded Raft mode, beside the single group's raft-* ones: how many data
 * groups, how many replicas each, and how slots are placed on them. All immutable: the cluster
 * map, once bootstrapped, lives in the placement group.
 */
public final class ShardConfig {
    public static final int MAX_SHARDS = 4096;
    /** Data groups; 0 (the default) is the single-group Raft mode. */
    public final LongParam shards;
    /** Replicas of each data group (capped by the number of nodes). */
    public final LongParam replication;
    public final EnumParam<SlotPlacement.Kind> placement;
    /** Ring points per group, with ring placement. */
    public final LongParam ringVnodes;
    /** The port of the map page ({@link ShardMapServer}); 0, the default, is off. */
    public final LongParam httpPort;
    /** "host:port" of the raft port of a node of a running cluster that this node joins (instead of raft-members). */
    public final JoinParam join;
    /**
     * Most ms a command waits on a node for its group's leader (an election, leadership handed
     * over by a replica move or a drain) before its client gets TRYAGAIN or CLUSTERDOWN; 0 (the
     * default) answers at once. Off by default: a held command holds up the commands pipelined
     * behind it on its connection (magpie-proxy's backend links), each for its own wait.
     */
    public final LongParam leaderWait;

    public ShardConfig(Config c) {
        shards = register(c, new LongParam("raft-shards", 0, 0, MAX_SHARDS, false));
        replication = register(c, new LongParam("raft-replication", 3, 1, 9, false));
        placement = register(c, new EnumParam<>("raft-placement", SlotPlacement.Kind.SLOTS, SlotPlacement.Kind.values(),
                k -> k.name().toLowerCase(Locale.ROOT)));
        ringVnodes = register(c, new LongParam("raft-ring-vnodes", 256, 1, 65536, false));
        httpPort = register(c, new LongParam("raft-http-port", 0, 0, 65535, false));
        join = register(c, new JoinParam());
        leaderWait = register(c, new LongParam("raft-leader-wait", 0, 0, 3_600_000, false));
    }

    /** raft-join: empty, or host:port (a port from 1 to 65535); anything else stops the start as a bad config line does. */
    public static final class JoinParam extends Param {
        private String value = "";

        JoinParam() {
            super("raft-join");
        }

        public String value() {
            return value;
        }

        @Override public String get() {
            return value;
        }

        @Override public String defaultValue() {
            return "";
        }

        @Override protected void parseAndSet(String v) throws io.magpie.engine.config.ConfigException {
            String s = v.trim();
            int colon = s.lastIndexOf(':');
            boolean ok = s.isEmpty() || (colon > 0 && s.substring(colon + 1).matches("[0-9]{1,5}") && Integer.parseInt(s.substring(colon + 1)) >= 1
                    && Integer.parseInt(s.substring(colon + 1)) <= 65535);
            if (!ok) throw new io.magpie.engine.config.ConfigException("Invalid raft-join address, expected host:port");
            value = s;
        }
    }

    private static <P extends Param> P register(Config c, P p) {
        p.immutable();
        return c.register(p);
    }

    /** True when the config text turns raft mode on with raft-shards above 0, or with raft-join (the cluster's map says how many). */
    public static boolean requested(String configText) {
        long shards = 0;
        boolean join = false;
        for (String line : configText.split("\n")) {
            String[] w = line.trim().split("\\s+");
            if (w.length == 2 && w[0].toLowerCase(Locale.ROOT).equals("raft-join")) join = !w[1].replace("\"", "").isEmpty();
            if (w.length == 2 && w[0].toLowerCase(Locale.ROOT).equals("raft-shards")) {
                try {
                    shards = Long.parseLong(w[1].replace("\"", ""));
                } catch (NumberFormatException e) {
                    shards = 0; // the loader reports the bad value
                }
            }
        }
        return (shards > 0 || join) && io.magpie.raft.RaftConfig.requested(configText);
    }
}
