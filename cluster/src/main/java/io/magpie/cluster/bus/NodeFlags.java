package io.magpie.cluster.bus;

/** CLUSTER_NODE_* flags, as sent in headers and gossip entries and shown by CLUSTER NODES. */
public final class NodeFlags {
    public static final int MASTER = 1;
    public static final int SLAVE = 2;
    /** Not reachable from this node for node-timeout: a failure to be confirmed. */
    public static final int PFAIL = 4;
    /** Failed, as a majority of the slot-owning masters agreed. */
    public static final int FAIL = 8;
    public static final int MYSELF = 16;
    /** Met but the first PING/PONG exchange has not happened yet. */
    public static final int HANDSHAKE = 32;
    public static final int NOADDR = 64;
    /** Send a MEET rather than a PING on the next connection. */
    public static final int MEET = 128;
    /** A master eligible for replica migration. */
    public static final int MIGRATE_TO = 256;
    /** A replica that will not fail over (cluster-replica-no-failover). */
    public static final int NOFAILOVER = 512;

    // The order of representClusterNodeFlags's table: CLUSTER NODES and nodes.conf list them so.
    private static final int[] ORDER = {MYSELF, MASTER, SLAVE, PFAIL, FAIL, HANDSHAKE, NOADDR, NOFAILOVER};
    private static final String[] NAMES = {"myself", "master", "slave", "fail?", "fail", "handshake", "noaddr",
        "nofailover"};

    private NodeFlags() {}

    /** The comma separated flag names of CLUSTER NODES ("myself,master"), or "noflags". */
    public static String represent(int flags) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < ORDER.length; i++) {
            if ((flags & ORDER[i]) != 0) {
                if (sb.length() > 0) sb.append(',');
                sb.append(NAMES[i]);
            }
        }
        return sb.length() == 0 ? "noflags" : sb.toString();
    }

    /** Parses {@link #represent}'s output (nodes.conf); unknown names are ignored, as Redis does. */
    public static int parse(String names) {
        int flags = 0;
        for (String name : names.split(",")) {
            for (int i = 0; i < NAMES.length; i++) {
                if (NAMES[i].equals(name)) flags |= ORDER[i];
            }
        }
        return flags;
    }
}
