package io.magpie.cluster.bus;

/** Cluster bus message types (cluster.h CLUSTERMSG_TYPE_*), by their wire number. */
public final class MsgType {
    public static final int PING = 0;
    public static final int PONG = 1;
    /** A PING that makes the receiver add the sender to its node table. */
    public static final int MEET = 2;
    public static final int FAIL = 3;
    public static final int PUBLISH = 4;
    public static final int FAILOVER_AUTH_REQUEST = 5;
    public static final int FAILOVER_AUTH_ACK = 6;
    public static final int UPDATE = 7;
    /** Pause clients for manual failover. */
    public static final int MFSTART = 8;
    public static final int MODULE = 9;
    public static final int PUBLISHSHARD = 10;
    /** Number of message types: the size of the per-type statistics. */
    public static final int COUNT = 11;

    private static final String[] NAMES = {
        "ping", "pong", "meet", "fail", "publish", "auth-req", "auth-ack", "update", "mfstart", "module",
        "publishshard"};

    private MsgType() {}

    /** The name CLUSTER INFO uses for the type (cluster_stats_messages_&lt;name&gt;_sent). */
    public static String name(int type) {
        return type >= 0 && type < COUNT ? NAMES[type] : "unknown";
    }

    public static boolean isPingLike(int type) {
        return type == PING || type == PONG || type == MEET;
    }
}
