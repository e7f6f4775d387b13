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

    public ShardConfig(Config c) {
        shards = register(c, new LongParam("raft-shards", 0, 0, MAX_SHARDS, false));
        replication = register(c, new LongParam("raft-replication", 3, 1, 9, false));
        placement = register(c, new EnumParam<>("raft-placement", SlotPlacement.Kind.SLOTS, SlotPlacement.Kind.values(),
                k -> k.name().toLowerCase(Locale.ROOT)));
        ringVnodes = register(c, new LongParam("raft-ring-vnodes", 256, 1, 65536, false));
        httpPort = register(c, new LongParam("raft-http-port", 0, 0, 65535, false));
    }

    private static <P extends Param> P register(Config c, P p) {
        p.immutable();
        return c.register(p);
    }

    /** True when the config text turns raft mode on with raft-shards above 0. */
    public static boolean requested(String configText) {
        long shards = 0;
        for (String line : configText.split("\n")) {
            String[] w = line.trim().split("\\s+");
            if (w.length == 2 && w[0].toLowerCase(Locale.ROOT).equals("raft-shards")) {
                try {
                    shards = Long.parseLong(w[1].replace("\"", ""));
                } catch (NumberFormatException e) {
                    shards = 0; // the loader reports the bad value
                }
            }
        }
        return shards > 0 && io.magpie.raft.RaftConfig.requested(configText);
    }
}
