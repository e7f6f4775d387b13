package io.magpie.sentinel;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * A monitored master, one of its replicas, or another Sentinel watching the same master
 * (sentinelRedisInstance). Field names follow sentinel.c; times are milliseconds.
 */
final class Instance {
    static final int MASTER = 1, SLAVE = 1 << 1, SENTINEL = 1 << 2, S_DOWN = 1 << 3, O_DOWN = 1 << 4,
            MASTER_DOWN = 1 << 5, FAILOVER_IN_PROGRESS = 1 << 6, PROMOTED = 1 << 7, RECONF_SENT = 1 << 8,
            RECONF_INPROG = 1 << 9, RECONF_DONE = 1 << 10, FORCE_FAILOVER = 1 << 11, SCRIPT_KILL_SENT = 1 << 12,
            MASTER_REBOOT = 1 << 13;

    static final int FAILOVER_STATE_NONE = 0, FAILOVER_STATE_WAIT_START = 1, FAILOVER_STATE_SELECT_SLAVE = 2,
            FAILOVER_STATE_SEND_SLAVEOF_NOONE = 3, FAILOVER_STATE_WAIT_PROMOTION = 4, FAILOVER_STATE_RECONF_SLAVES = 5,
            FAILOVER_STATE_UPDATE_CONFIG = 6;

    int flags;
    final String name;
    String runid;
    long configEpoch;
    Addr addr;
    /** Shared between the Instances of one Sentinel watching several masters (sentinelTryConnectionSharing). */
    Link link = new Link();
    long lastPubTime, lastHelloTime, lastMasterDownReplyTime;
    long sDownSinceTime, oDownSinceTime;
    long downAfterPeriod;
    long masterRebootDownAfterPeriod, masterRebootSinceTime;
    long infoRefresh;
    /** Commands renamed on this master and its replicas (rename-command), keyed case-insensitively. */
    final Map<String, String> renamedCommands = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);

    int roleReported;
    long roleReportedTime, slaveConfChangeTime;

    // Master specific.
    Map<String, Instance> sentinels = new LinkedHashMap<>();
    Map<String, Instance> slaves = new LinkedHashMap<>();
    int quorum;
    int parallelSyncs = 1;
    String authPass, authUser;

    // Replica specific.
    long masterLinkDownTime;
    int slavePriority = 100;
    int replicaAnnounced = 1;
    long slaveReconfSentTime;
    final Instance master;
    String slaveMasterHost;
    int slaveMasterPort;
    boolean slaveMasterLinkUp;
    long slaveReplOffset;

    // Failover.
    String leader;
    long leaderEpoch;
    long failoverEpoch;
    int failoverState = FAILOVER_STATE_NONE;
    long failoverStateChangeTime, failoverStartTime, failoverTimeout, failoverDelayLogged;
    Instance promotedSlave;
    String notificationScript, clientReconfigScript;
    String info;

    Instance(String name, int flags, Addr addr, int quorum, Instance master, long now, long defaultDownAfter, long defaultFailoverTimeout) {
        this.name = name;
        this.flags = flags;
        this.addr = addr;
        this.quorum = quorum;
        this.master = master;
        this.lastPubTime = now;
        this.lastHelloTime = now;
        this.lastMasterDownReplyTime = now;
        this.downAfterPeriod = master != null ? master.downAfterPeriod : defaultDownAfter;
        this.failoverTimeout = defaultFailoverTimeout;
        this.roleReported = flags & (MASTER | SLAVE);
        this.roleReportedTime = now;
        this.slaveConfChangeTime = now;
        link.actPingTime = now;
        link.lastAvailTime = now;
        link.lastPongTime = now;
    }

    boolean is(int flag) {
        return (flags & flag) != 0;
    }

    /** The master this instance belongs to (itself for a master). */
    Instance masterOf() {
        return is(MASTER) ? this : master;
    }

    String typeName() {
        if (is(MASTER)) return "master";
        if (is(SLAVE)) return "slave";
        if (is(SENTINEL)) return "sentinel";
        return "unknown";
    }

    /** sentinelInstanceMapCommand: the name to send a command under on this instance. */
    String command(String name) {
        Instance m = master != null ? master : this;
        String renamed = m.renamedCommands.get(name);
        return renamed != null ? renamed : name;
    }

    /** The link to the instance: a command connection, and a pub/sub one for masters and replicas. */
    static final class Link {
        int refcount = 1;
        boolean disconnected = true;
        int pendingCommands;
        Conn cc, pc;
        long ccConnTime, pcConnTime, pcLastActivity;
        long lastAvailTime, actPingTime, lastPingTime, lastPongTime, lastReconnTime;

        void closeConnection(Conn c) {
            if (c == null) return;
            if (cc == c) {
                cc = null;
                pendingCommands = 0;
            }
            if (pc == c) pc = null;
            disconnected = true;
            c.close();
        }
    }
}
