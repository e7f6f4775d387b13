package io.magpie.commands.placement;

import java.util.List;
import java.util.Locale;

/**
 * Maps a key's 32-bit hash to one of a list of weighted nodes. Built once per membership (an
 * immutable snapshot); a node that leaves (an ejected server) is a new distribution built
 * without it. {@link #node} returns the node's index in the list given to {@link #build}.
 */
public interface Distribution {
    /** The index of the node that owns this hash (compared unsigned). */
    int node(int hash);

    /** A node of the distribution: its name is what is hashed onto a continuum ("host:port"). */
    record Node(String name, int weight) {
        public Node {
            if (weight <= 0) throw new IllegalArgumentException("weight must be positive: " + weight);
        }
    }

    enum Kind {
        /** hash % (sum of weights): simple; changing the server list remaps almost every key. */
        MODULA,
        /** twemproxy's (libketama's) continuum of MD5 points: moving a server remaps about 1/N. */
        KETAMA,
        /** A consistent-hash ring with virtual nodes, as Raft placement routes by ring. */
        RING;

        public static Kind byName(String name) {
            for (Kind k : values()) if (k.name().equalsIgnoreCase(name)) return k;
            return null;
        }

        public String configName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * The distribution of this kind over these nodes. {@code live[i]} false leaves node i out
     * (twemproxy's auto-eject), without changing the indexes of the others; null means all live.
     */
    static Distribution build(Kind kind, List<Node> nodes, boolean[] live) {
        if (nodes.isEmpty()) throw new IllegalArgumentException("no nodes");
        return switch (kind) {
            case MODULA -> Modula.of(nodes, live);
            case KETAMA -> Ketama.of(nodes, live);
            case RING -> HashRing.of(nodes, live, HashRing.DEFAULT_VNODES_PER_WEIGHT);
        };
    }

    /** Index of the live node i, or the point is skipped. */
    static boolean isLive(boolean[] live, int i) {
        return live == null || live[i];
    }
}
