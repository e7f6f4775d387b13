package io.magpie.sentinel;

import io.magpie.server.Log;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.EventLoopGroup;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * The Sentinel state and its timer (sentinel.c): monitoring of masters, their replicas and
 * the other Sentinels, failure detection (SDOWN/ODOWN), leader election by epoch, and the
 * failover state machine. All of it runs on one event loop thread, as sentinel.c runs in
 * Redis's single thread: the timer, the replies of the instance links and the commands of
 * the Sentinel's own clients never interleave.
 */
public final class Sentinel {
    static final String HELLO_CHANNEL = "__sentinel__:hello";
    static final int MAX_PENDING_COMMANDS = 100;
    static final int MAX_DESYNC = 1000;
    static final int SIMFAILURE_CRASH_AFTER_ELECTION = 1, SIMFAILURE_CRASH_AFTER_PROMOTION = 2;

    // Tunable periods (SENTINEL DEBUG), in milliseconds.
    long infoPeriod = 10000, pingPeriod = 1000, askPeriod = 1000, publishPeriod = 2000, defaultDownAfter = 30000,
            tiltTrigger = 2000, tiltPeriod = 30000, slaveReconfTimeout = 10000, minLinkReconnectPeriod = 15000,
            electionTimeout = 10000, scriptMaxRuntime = 60000, scriptRetryDelay = 30000, defaultFailoverTimeout = 180000;

    String myid;
    long currentEpoch;
    final Map<String, Instance> masters = new LinkedHashMap<>();
    boolean tilt;
    long tiltStartTime;
    long previousTime = now();
    String announceIp;
    int announcePort;
    long simFailureFlags;
    boolean denyScriptsReconfig = true;
    String sentinelAuthPass, sentinelAuthUser;
    boolean resolveHostnames, announceHostnames;
    /** requirepass: also used to authenticate to other Sentinels when sentinel-pass is not set. */
    String requirepass;
    int port;
    int hz = 10;

    final Scripts scripts = new Scripts(this);
    final Random random = new Random();
    /** Failure detection, election and failover; this class is its shell (links, events, config). */
    final FailoverMachine machine = new FailoverMachine(this, random);
    private final FailoverMachine.Ready ready = new FailoverMachine.Ready();
    private EventLoopGroup loop;
    private Bootstrap linkBootstrap;
    /** The TLS handler for a link to an instance or a sentinel (tls-replication), or null for a plain one. */
    Conn.LinkTls linkTls = (alloc, host, port) -> null;
    /** Publishes an event on the server's pub/sub: the event type is the channel. */
    private java.util.function.BiConsumer<String, String> publisher;
    SentinelConfigFile configFile;

    static long now() {
        return System.currentTimeMillis();
    }

    void attach(EventLoopGroup loop, Bootstrap linkBootstrap, java.util.function.BiConsumer<String, String> publisher) {
        this.loop = loop;
        this.linkBootstrap = linkBootstrap;
        this.publisher = publisher;
    }

    // ------------------------------------------------------------------ instances

    /** Why an instance could not be created (createSentinelRedisInstance's errno). */
    static final class CreateError extends Exception {
        final String reason;

        CreateError(String reason) {
            super(reason, null, false, false);
            this.reason = reason;
        }
    }

    Addr addr(String hostname, int port, boolean acceptUnresolved) throws Addr.Invalid {
        return Addr.create(hostname, port, acceptUnresolved, resolveHostnames);
    }

    /** createSentinelRedisInstance, with sentinelCheckCreateInstanceErrors's texts. */
    Instance createInstance(String name, int flags, String hostname, int port, int quorum, Instance master) throws CreateError {
        Addr a;
        try {
            a = addr(hostname, port, true);
        } catch (Addr.Invalid e) {
            throw new CreateError(e.badPort ? "Invalid port number." : "Can't resolve instance hostname.");
        }
        String key = (flags & Instance.SLAVE) != 0 ? a.announceWithPort(announceHostnames) : name;
        Map<String, Instance> table = (flags & Instance.MASTER) != 0 ? masters
                : (flags & Instance.SLAVE) != 0 ? master.slaves : master.sentinels;
        if (table.containsKey(key)) {
            throw new CreateError((flags & Instance.MASTER) != 0 ? "Duplicate master name."
                    : (flags & Instance.SLAVE) != 0 ? "Duplicate hostname and port for replica." : "Duplicate runid for sentinel.");
        }
        Instance ri = new Instance(key, flags, a, quorum, master, now(), defaultDownAfter, defaultFailoverTimeout);
        table.put(key, ri);
        return ri;
    }

    void releaseInstance(Instance ri) {
        for (Instance s : ri.slaves.values()) releaseInstance(s);
        for (Instance s : ri.sentinels.values()) releaseInstance(s);
        releaseLink(ri.link);
        if (ri.is(Instance.SLAVE) && ri.is(Instance.PROMOTED) && ri.master != null && ri.master.promotedSlave == ri) {
            ri.master.promotedSlave = null;
        }
    }

    /** releaseInstanceLink: the connections close with the last Instance using them. */
    static void releaseLink(Instance.Link link) {
        if (--link.refcount > 0) return;
        link.closeConnection(link.cc);
        link.closeConnection(link.pc);
    }

    /**
     * sentinelTryConnectionSharing: a Sentinel that watches several of our masters is one
     * process, so its Instances share one link (one connection, one PING a second).
     */
    void tryConnectionSharing(Instance ri) {
        if (ri.runid == null || ri.link.refcount > 1) return;
        for (Instance m : masters.values()) {
            if (m == ri.master) continue;
            Instance match = findByAddrAndRunid(m.sentinels, null, 0, ri.runid);
            if (match == null || match == ri) continue;
            releaseLink(ri.link);
            ri.link = match.link;
            match.link.refcount++;
            return;
        }
    }

    Instance masterByName(String name) {
        return masters.get(name);
    }

    Instance lookupSlave(Instance master, String ip, int port) {
        try {
            Addr a = addr(ip, port, false);
            return master.slaves.get(a.announceWithPort(announceHostnames));
        } catch (Addr.Invalid e) {
            return null;
        }
    }

    /** getSentinelRedisInstanceByAddrAndRunID: either criterion may be null. */
    Instance findByAddrAndRunid(Map<String, Instance> instances, String ip, int port, String runid) {
        Addr a = null;
        if (ip != null) {
            try {
                a = addr(ip, port, true);
            } catch (Addr.Invalid e) {
                return null;
            }
        }
        for (Instance ri : instances.values()) {
            if (runid != null && ri.runid == null) continue;
            if ((runid == null || ri.runid.equals(runid)) && (a == null || ri.addr.sameAddrOrHostname(a))) return ri;
        }
        return null;
    }

    int removeMatchingSentinel(Instance master, String runid) {
        if (runid == null) return 0;
        int removed = 0;
        for (Iterator<Instance> it = master.sentinels.values().iterator(); it.hasNext(); ) {
            Instance ri = it.next();
            if (ri.runid != null && ri.runid.equals(runid)) {
                it.remove();
                releaseInstance(ri);
                removed++;
            }
        }
        return removed;
    }

    static final int RESET_NO_SENTINELS = 1, GENERATE_EVENT = 1 << 16;

    /** sentinelResetMaster: forget replicas (and Sentinels), flags and failover state. */
    void resetMaster(Instance ri, int flags) {
        for (Instance s : ri.slaves.values()) releaseInstance(s);
        ri.slaves = new LinkedHashMap<>();
        if ((flags & RESET_NO_SENTINELS) == 0) {
            for (Instance s : ri.sentinels.values()) releaseInstance(s);
            ri.sentinels = new LinkedHashMap<>();
        }
        ri.link.closeConnection(ri.link.cc);
        ri.link.closeConnection(ri.link.pc);
        ri.flags &= Instance.MASTER;
        ri.leader = null;
        ri.failoverState = Instance.FAILOVER_STATE_NONE;
        ri.failoverStateChangeTime = 0;
        ri.failoverStartTime = 0;
        ri.promotedSlave = null;
        ri.runid = null;
        ri.slaveMasterHost = null;
        long now = now();
        ri.link.actPingTime = now;
        ri.link.lastPingTime = 0;
        ri.link.lastAvailTime = now;
        ri.link.lastPongTime = now;
        ri.roleReportedTime = now;
        ri.roleReported = Instance.MASTER;
        if ((flags & GENERATE_EVENT) != 0) event(Log.Level.WARNING, "+reset-master", ri, "%@");
    }

    int resetMastersByPattern(String pattern, int flags) {
        int reset = 0;
        byte[] p = pattern.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        for (Instance ri : masters.values()) {
            if (io.magpie.protocol.Glob.match(p, ri.name.getBytes(java.nio.charset.StandardCharsets.UTF_8), false)) {
                resetMaster(ri, flags);
                reset++;
            }
        }
        return reset;
    }

    /** sentinelResetMasterAndChangeAddress: used on +switch-master; the old master becomes a replica. */
    boolean resetMasterAndChangeAddress(Instance master, String hostname, int port) {
        Addr newAddr;
        try {
            newAddr = addr(hostname, port, false);
        } catch (Addr.Invalid e) {
            return false;
        }
        List<Addr> slaves = new ArrayList<>();
        for (Instance s : master.slaves.values()) {
            if (s.addr.sameIpPort(newAddr)) continue;
            slaves.add(s.addr);
        }
        if (!newAddr.sameIpPort(master.addr)) slaves.add(master.addr);
        resetMaster(master, RESET_NO_SENTINELS);
        master.addr = newAddr;
        master.oDownSinceTime = 0;
        master.sDownSinceTime = 0;
        // Two departures from sentinel.c, both about the old address: connect to the new one at
        // the next tick instead of up to a ping period later (with a 1 s down-after, that wait
        // alone can make a freshly promoted master look down), and forget the other Sentinels'
        // "master is down" answers, which were about the old master.
        master.link.lastReconnTime = 0;
        for (Instance si : master.sentinels.values()) si.flags &= ~Instance.MASTER_DOWN;
        for (Addr a : slaves) {
            try {
                Instance s = createInstance(null, Instance.SLAVE, a.hostname, a.port, master.quorum, master);
                event(Log.Level.NOTICE, "+slave", s, "%@");
            } catch (CreateError ignored) {
                // Duplicates cannot happen here; an unresolvable name is simply dropped.
            }
        }
        flushConfig();
        return true;
    }

    static boolean noDownFor(Instance ri, long ms) {
        long mostRecent = Math.max(ri.sDownSinceTime, ri.oDownSinceTime);
        return mostRecent == 0 || now() - mostRecent > ms;
    }

    /** The address to advertise: the promoted replica's once it acknowledged its promotion. */
    static Addr currentMasterAddress(Instance master) {
        if (master.is(Instance.FAILOVER_IN_PROGRESS) && master.promotedSlave != null
                && master.failoverState >= Instance.FAILOVER_STATE_RECONF_SLAVES) {
            return master.promotedSlave.addr;
        }
        return master.addr;
    }

    static void propagateDownAfterPeriod(Instance master) {
        for (Instance s : master.slaves.values()) s.downAfterPeriod = master.downAfterPeriod;
        for (Instance s : master.sentinels.values()) s.downAfterPeriod = master.downAfterPeriod;
    }

    // ------------------------------------------------------------------ events

    /**
     * sentinelEvent: logs, publishes on the Sentinel's own pub/sub (channel = type) and, for
     * warnings about an instance, runs the master's notification script. A format starting
     * with "%@" is prefixed by "<type> <name> <ip> <port> [@ <master> <ip> <port>]".
     */
    void event(Log.Level level, String type, Instance ri, String fmt, Object... args) {
        StringBuilder msg = new StringBuilder();
        if (fmt.startsWith("%@")) {
            Instance master = ri.is(Instance.MASTER) ? null : ri.master;
            msg.append(ri.typeName()).append(' ').append(ri.name).append(' ')
                    .append(ri.addr.announce(announceHostnames)).append(' ').append(ri.addr.port);
            if (master != null) {
                msg.append(" @ ").append(master.name).append(' ').append(master.addr.announce(announceHostnames))
                        .append(' ').append(master.addr.port);
            }
            fmt = fmt.substring(2);
        }
        if (!fmt.isEmpty()) msg.append(args.length == 0 ? fmt : String.format(Locale.ROOT, fmt, args));
        String text = msg.toString();
        Log.log(level, "%s %s", type, text);
        if (level != Log.Level.DEBUG && publisher != null) publisher.accept(type, text);
        if (level == Log.Level.WARNING && ri != null) {
            Instance master = ri.is(Instance.MASTER) ? ri : ri.master;
            if (master != null && master.notificationScript != null) scripts.schedule(master.notificationScript, type, text);
        }
    }

    void generateInitialMonitorEvents() {
        for (Instance ri : masters.values()) event(Log.Level.WARNING, "+monitor", ri, "%@ quorum %d", ri.quorum);
    }

    void callClientReconfScript(Instance master, boolean leader, String state, Addr from, Addr to) {
        if (master.clientReconfigScript == null) return;
        scripts.schedule(master.clientReconfigScript, master.name, leader ? "leader" : "observer", state,
                from.announce(announceHostnames), String.valueOf(from.port), to.announce(announceHostnames), String.valueOf(to.port));
    }

    // ------------------------------------------------------------------ config

    /** sentinelFlushConfig: rewrite the config file with the current state. */
    boolean flushConfig() {
        if (configFile == null) return true;
        try {
            configFile.rewrite(this);
            Log.notice("Sentinel new configuration saved on disk");
            return true;
        } catch (java.io.IOException e) {
            Log.warning("WARNING: Sentinel was not able to save the new configuration on disk!!!: %s", e.getMessage());
            return false;
        }
    }

    // ------------------------------------------------------------------ links

    private void sendAuthIfNeeded(Instance ri, Conn c) {
        String pass = null, user = null;
        if (ri.is(Instance.MASTER)) {
            pass = ri.authPass;
            user = ri.authUser;
        } else if (ri.is(Instance.SLAVE)) {
            pass = ri.master.authPass;
            user = ri.master.authUser;
        } else if (ri.is(Instance.SENTINEL)) {
            if (sentinelAuthPass != null) {
                pass = sentinelAuthPass;
                user = sentinelAuthUser;
            } else {
                pass = requirepass == null || requirepass.isEmpty() ? null : requirepass;
            }
        }
        if (pass == null) return;
        ri.link.pendingCommands++;
        if (user == null) c.send(discard(ri), ri.command("AUTH"), pass);
        else c.send(discard(ri), ri.command("AUTH"), user, pass);
    }

    private void setClientName(Instance ri, Conn c, String type) {
        ri.link.pendingCommands++;
        c.send(discard(ri), ri.command("CLIENT"), "SETNAME", "sentinel-" + myid.substring(0, 8) + "-" + type);
    }

    private Conn.Callback discard(Instance ri) {
        Instance.Link link = ri.link;
        return r -> link.pendingCommands--;
    }

    private Conn.CloseListener connectionError(Instance.Link link) {
        return c -> {
            if (link.pc == c) link.pc = null;
            else if (link.cc == c) {
                link.cc = null;
                link.pendingCommands = 0;
            }
            link.disconnected = true;
        };
    }

    /** sentinelReconnectInstance: (re)open the command and pub/sub connections, at most once per ping period. */
    void reconnectInstance(Instance ri) {
        Instance.Link link = ri.link;
        if (!link.disconnected) return;
        if (ri.addr.port == 0) return;
        long now = now();
        if (now - link.lastReconnTime < pingPeriod) return;
        link.lastReconnTime = now;
        if (link.cc == null) {
            if (resolveHostnames) {
                try {
                    ri.addr = addr(ri.addr.hostname, ri.addr.port, false);
                } catch (Addr.Invalid ignored) {
                    // keep the old address
                }
            }
            if (ri.addr.ip.isEmpty()) {
                event(Log.Level.DEBUG, "-cmd-link-reconnection", ri, "%@ #Failed to establish connection");
            } else {
                link.cc = Conn.connect(linkBootstrap, linkTls, ri.addr.ip, ri.addr.port, connectionError(link));
                link.pendingCommands = 0;
                link.ccConnTime = now();
                sendAuthIfNeeded(ri, link.cc);
                setClientName(ri, link.cc, "cmd");
                sendPing(ri);
            }
        }
        if (ri.is(Instance.MASTER | Instance.SLAVE) && link.pc == null && !ri.addr.ip.isEmpty()) {
            link.pc = Conn.connect(linkBootstrap, linkTls, ri.addr.ip, ri.addr.port, connectionError(link));
            link.pcConnTime = now();
            sendAuthIfNeeded(ri, link.pc);
            setClientName(ri, link.pc, "pubsub");
            link.pc.subscribe(r -> receiveHelloMessages(ri, r), ri.command("SUBSCRIBE"), HELLO_CHANNEL);
        }
        if (link.cc != null && (ri.is(Instance.SENTINEL) || link.pc != null)) link.disconnected = false;
    }

    // ------------------------------------------------------------------ monitoring

    /** sentinelMasterLooksSane: a master, says so itself, not down, and INFO is fresh. */
    boolean masterLooksSane(Instance master) {
        return master.is(Instance.MASTER) && master.roleReported == Instance.MASTER
                && (master.flags & (Instance.S_DOWN | Instance.O_DOWN)) == 0
                && now() - master.infoRefresh < infoPeriod * 2;
    }

    /** sentinelRefreshInstanceInfo: parse INFO and act on role changes. */
    void refreshInstanceInfo(Instance ri, String info) {
        ri.info = info;
        ri.masterLinkDownTime = 0;
        int role = 0;
        for (String l : info.split("\r\n")) {
            if (l.length() >= 47 && l.startsWith("run_id:")) {
                String id = l.substring(7, 47);
                if (ri.runid == null) {
                    ri.runid = id;
                } else if (!ri.runid.equals(id)) {
                    event(Log.Level.NOTICE, "+reboot", ri, "%@");
                    if (ri.is(Instance.MASTER) && ri.masterRebootDownAfterPeriod != 0) {
                        ri.flags |= Instance.MASTER_REBOOT;
                        ri.masterRebootSinceTime = now();
                    }
                    ri.runid = id;
                }
            }
            if (ri.is(Instance.MASTER) && l.length() >= 7 && l.startsWith("slave") && Character.isDigit(l.charAt(5))) {
                String ip, port;
                int ipAt = l.indexOf("ip=");
                if (ipAt < 0) {
                    int colon = l.indexOf(':');
                    if (colon < 0) continue;
                    String[] parts = l.substring(colon + 1).split(",", -1);
                    if (parts.length < 3) continue;
                    ip = parts[0];
                    port = parts[1];
                } else {
                    int portAt = l.indexOf("port=");
                    if (portAt < 0) continue;
                    ip = untilComma(l, ipAt + 3);
                    port = untilComma(l, portAt + 5);
                }
                int p = atoi(port);
                if (lookupSlave(ri, ip, p) == null) {
                    try {
                        Instance slave = createInstance(null, Instance.SLAVE, ip, p, ri.quorum, ri);
                        event(Log.Level.NOTICE, "+slave", slave, "%@");
                        flushConfig();
                    } catch (CreateError ignored) {
                        // an address we cannot use
                    }
                }
            }
            if (l.length() >= 32 && l.startsWith("master_link_down_since_seconds")) {
                ri.masterLinkDownTime = atoll(l.substring(31)) * 1000;
            }
            if (l.startsWith("role:master")) role = Instance.MASTER;
            else if (l.startsWith("role:slave")) role = Instance.SLAVE;
            if (role == Instance.SLAVE) {
                if (l.startsWith("master_host:")) {
                    String host = l.substring(12);
                    if (ri.slaveMasterHost == null || !host.equalsIgnoreCase(ri.slaveMasterHost)) {
                        ri.slaveMasterHost = host;
                        ri.slaveConfChangeTime = now();
                    }
                }
                if (l.startsWith("master_port:")) {
                    int mp = atoi(l.substring(12));
                    if (ri.slaveMasterPort != mp) {
                        ri.slaveMasterPort = mp;
                        ri.slaveConfChangeTime = now();
                    }
                }
                if (l.startsWith("master_link_status:")) ri.slaveMasterLinkUp = l.substring(19).equalsIgnoreCase("up");
                if (l.startsWith("slave_priority:")) ri.slavePriority = atoi(l.substring(15));
                if (l.startsWith("slave_repl_offset:")) ri.slaveReplOffset = atoll(l.substring(18));
                if (l.startsWith("replica_announced:")) ri.replicaAnnounced = atoi(l.substring(18));
            }
        }
        ri.infoRefresh = now();

        if (role != ri.roleReported) {
            ri.roleReportedTime = now();
            ri.roleReported = role;
            if (role == Instance.SLAVE) ri.slaveConfChangeTime = now();
            event(Log.Level.VERBOSE, (ri.flags & (Instance.MASTER | Instance.SLAVE)) == role ? "+role-change" : "-role-change",
                    ri, "%@ new reported role is %s", role == Instance.MASTER ? "master" : "slave");
        }
        if (tilt) return;

        // A replica turned master: the one we promoted (failover goes on), or one to put back in line.
        if (ri.is(Instance.SLAVE) && role == Instance.MASTER) {
            Instance m = ri.master;
            FailoverMachine.Ready promoted = new FailoverMachine.Ready();
            if (machine.stepPromoted(ri, now(), promoted)) {
                apply(promoted);
                callClientReconfScript(m, true, "start", m.addr, ri.addr);
                forceHelloUpdateForMaster(m);
            } else {
                long waitTime = publishPeriod * 4;
                if (!ri.is(Instance.PROMOTED) && masterLooksSane(m) && noDownFor(ri, waitTime)
                        && now() - ri.roleReportedTime > waitTime) {
                    if (sendSlaveOf(ri, m.addr)) event(Log.Level.NOTICE, "+convert-to-slave", ri, "%@");
                }
            }
        }

        // A replica following the wrong master.
        if (ri.is(Instance.SLAVE) && role == Instance.SLAVE
                && (ri.slaveMasterPort != ri.master.addr.port || !ri.master.addr.equalsHostname(ri.slaveMasterHost, resolveHostnames))) {
            long waitTime = ri.master.failoverTimeout;
            if (masterLooksSane(ri.master) && noDownFor(ri, waitTime) && now() - ri.slaveConfChangeTime > waitTime) {
                if (sendSlaveOf(ri, ri.master.addr)) event(Log.Level.NOTICE, "+fix-slave-config", ri, "%@");
            }
        }

        // Progress of a replica being reconfigured during a failover.
        if (ri.is(Instance.SLAVE) && role == Instance.SLAVE && (ri.flags & (Instance.RECONF_SENT | Instance.RECONF_INPROG)) != 0) {
            Instance promoted = ri.master.promotedSlave;
            if (ri.is(Instance.RECONF_SENT) && ri.slaveMasterHost != null && promoted != null
                    && promoted.addr.equalsHostname(ri.slaveMasterHost, resolveHostnames)
                    && ri.slaveMasterPort == promoted.addr.port) {
                ri.flags &= ~Instance.RECONF_SENT;
                ri.flags |= Instance.RECONF_INPROG;
                event(Log.Level.NOTICE, "+slave-reconf-inprog", ri, "%@");
            }
            if (ri.is(Instance.RECONF_INPROG) && ri.slaveMasterLinkUp) {
                ri.flags &= ~Instance.RECONF_INPROG;
                ri.flags |= Instance.RECONF_DONE;
                event(Log.Level.NOTICE, "+slave-reconf-done", ri, "%@");
            }
        }
    }

    private static String untilComma(String s, int from) {
        int end = s.indexOf(',', from);
        return end < 0 ? s.substring(from) : s.substring(from, end);
    }

    /** C's atoi: leading digits, 0 when none. */
    static int atoi(String s) {
        return (int) atoll(s);
    }

    static long atoll(String s) {
        int i = 0, n = s.length();
        while (i < n && Character.isWhitespace(s.charAt(i))) i++;
        boolean neg = false;
        if (i < n && (s.charAt(i) == '-' || s.charAt(i) == '+')) neg = s.charAt(i++) == '-';
        long v = 0;
        while (i < n && Character.isDigit(s.charAt(i))) v = v * 10 + (s.charAt(i++) - '0');
        return neg ? -v : v;
    }

    private void pingReply(Instance ri, Reply r) {
        Instance.Link link = ri.link;
        link.pendingCommands--;
        if (r.type == Reply.STATUS || r.type == Reply.ERROR) {
            if (r.str.startsWith("PONG") || r.str.startsWith("LOADING") || r.str.startsWith("MASTERDOWN")) {
                link.lastAvailTime = now();
                link.actPingTime = 0;
                if (ri.is(Instance.MASTER_REBOOT) && r.str.startsWith("PONG")) ri.flags &= ~Instance.MASTER_REBOOT;
            } else if (r.str.startsWith("BUSY") && ri.is(Instance.S_DOWN) && !ri.is(Instance.SCRIPT_KILL_SENT)) {
                if (link.cc != null) {
                    link.pendingCommands++;
                    link.cc.send(discard(ri), ri.command("SCRIPT"), "KILL");
                }
                ri.flags |= Instance.SCRIPT_KILL_SENT;
            }
        }
        link.lastPongTime = now();
    }

    boolean sendPing(Instance ri) {
        if (ri.link.cc == null) return false;
        ri.link.cc.send(r -> pingReply(ri, r), ri.command("PING"));
        ri.link.pendingCommands++;
        ri.link.lastPingTime = now();
        if (ri.link.actPingTime == 0) ri.link.actPingTime = ri.link.lastPingTime;
        return true;
    }

    /** sentinelSendHello: "ip,port,runid,current_epoch,master_name,master_ip,master_port,master_config_epoch". */
    boolean sendHello(Instance ri) {
        Instance master = ri.is(Instance.MASTER) ? ri : ri.master;
        Addr masterAddr = currentMasterAddress(master);
        if (ri.link.disconnected || ri.link.cc == null) return false;
        String ip = announceIp;
        if (ip == null) {
            ip = ri.link.cc.localIp();
            if (ip == null) return false;
        }
        int aport = announcePort != 0 ? announcePort : port;
        String payload = ip + "," + aport + "," + myid + "," + Long.toUnsignedString(currentEpoch) + ","
                + master.name + "," + masterAddr.announce(announceHostnames) + "," + masterAddr.port + ","
                + Long.toUnsignedString(master.configEpoch);
        ri.link.cc.send(r -> {
            ri.link.pendingCommands--;
            if (r.type != Reply.ERROR) ri.lastPubTime = now();
        }, ri.command("PUBLISH"), HELLO_CHANNEL, payload);
        ri.link.pendingCommands++;
        return true;
    }

    void forceHelloUpdateForMaster(Instance master) {
        if (!master.is(Instance.MASTER)) return;
        if (master.lastPubTime >= publishPeriod + 1) master.lastPubTime -= publishPeriod + 1;
        for (Instance ri : master.sentinels.values()) if (ri.lastPubTime >= publishPeriod + 1) ri.lastPubTime -= publishPeriod + 1;
        for (Instance ri : master.slaves.values()) if (ri.lastPubTime >= publishPeriod + 1) ri.lastPubTime -= publishPeriod + 1;
    }

    private void receiveHelloMessages(Instance ri, Reply r) {
        ri.link.pcLastActivity = now();
        if (r.type != Reply.ARRAY || r.elements.length != 3 || !r.elements[0].isString() || !r.elements[1].isString()
                || !r.elements[2].isString() || !r.elements[0].str.equals("message")) return;
        if (r.elements[2].str.contains(myid)) return;
        processHelloMessage(r.elements[2].str);
    }

    /** sentinelProcessHelloMessage: learn about another Sentinel and, possibly, a newer master config. */
    void processHelloMessage(String hello) {
        String[] token = hello.split(",", -1);
        if (token.length != 8) return;
        Instance master = masterByName(token[4]);
        if (master == null) return;
        int port = atoi(token[1]);
        int masterPort = atoi(token[6]);
        Instance si = findByAddrAndRunid(master.sentinels, token[0], port, token[2]);
        long epoch = parseUnsigned(token[3]);
        long masterConfigEpoch = parseUnsigned(token[7]);
        if (si == null) {
            int removed = removeMatchingSentinel(master, token[2]);
            if (removed > 0) {
                event(Log.Level.NOTICE, "+sentinel-address-switch", master, "%@ ip %s port %d for %s", token[0], port, token[2]);
            } else {
                Instance other = findByAddrAndRunid(master.sentinels, token[0], port, null);
                if (other != null) {
                    event(Log.Level.NOTICE, "+sentinel-invalid-addr", other, "%@");
                    String obsolete = other.runid;
                    for (Instance m : masters.values()) removeMatchingSentinel(m, obsolete);
                }
            }
            try {
                si = createInstance(token[2], Instance.SENTINEL, token[0], port, master.quorum, master);
                if (removed == 0) event(Log.Level.NOTICE, "+sentinel", si, "%@");
                si.runid = token[2];
                tryConnectionSharing(si);
                if (removed > 0) updateSentinelAddressInAllMasters(si);
                flushConfig();
            } catch (CreateError e) {
                si = null;
            }
        }
        if (Long.compareUnsigned(epoch, currentEpoch) > 0) {
            currentEpoch = epoch;
            flushConfig();
            event(Log.Level.WARNING, "+new-epoch", master, "%s", Long.toUnsignedString(currentEpoch));
        }
        if (si != null && Long.compareUnsigned(master.configEpoch, masterConfigEpoch) < 0) {
            master.configEpoch = masterConfigEpoch;
            if (masterPort != master.addr.port || !master.addr.equalsHostname(token[5], resolveHostnames)) {
                event(Log.Level.WARNING, "+config-update-from", si, "%@");
                event(Log.Level.WARNING, "+switch-master", master, "%s %s %d %s %d", master.name,
                        master.addr.announce(announceHostnames), master.addr.port, token[5], masterPort);
                Addr old = master.addr;
                resetMasterAndChangeAddress(master, token[5], masterPort);
                callClientReconfScript(master, false, "start", old, master.addr);
            }
        }
        if (si != null) si.lastHelloTime = now();
    }

    private void updateSentinelAddressInAllMasters(Instance ri) {
        int reconfigured = 0;
        for (Instance m : masters.values()) {
            Instance match = findByAddrAndRunid(m.sentinels, null, 0, ri.runid);
            if (match == null) continue;
            match.link.closeConnection(match.link.cc);
            match.link.closeConnection(match.link.pc);
            if (match == ri) continue;
            match.addr = ri.addr;
            reconfigured++;
        }
        if (reconfigured > 0) event(Log.Level.NOTICE, "+sentinel-address-update", ri, "%@ %d additional matching instances", reconfigured);
    }

    static long parseUnsigned(String s) {
        try {
            return Long.parseUnsignedLong(s.trim());
        } catch (NumberFormatException e) {
            return atoll(s);
        }
    }

    /** sentinelSendPeriodicCommands: INFO, PING and hello PUBLISH at their periods. */
    void sendPeriodicCommands(Instance ri) {
        long now = now();
        if (ri.link.disconnected) return;
        if (ri.link.pendingCommands >= MAX_PENDING_COMMANDS * ri.link.refcount) return;
        long infoPeriodNow = ri.is(Instance.SLAVE)
                && ((ri.master.flags & (Instance.O_DOWN | Instance.FAILOVER_IN_PROGRESS)) != 0 || ri.masterLinkDownTime != 0)
                ? 1000 : infoPeriod;
        long pingPeriodNow = Math.min(ri.downAfterPeriod, pingPeriod);
        if (!ri.is(Instance.SENTINEL) && (ri.infoRefresh == 0 || now - ri.infoRefresh > infoPeriodNow)) {
            ri.link.cc.send(r -> {
                ri.link.pendingCommands--;
                if (r.type == Reply.STRING) refreshInstanceInfo(ri, r.str);
            }, ri.command("INFO"));
            ri.link.pendingCommands++;
        }
        if (now - ri.link.lastPongTime > pingPeriodNow && now - ri.link.lastPingTime > pingPeriodNow / 2) sendPing(ri);
        if (now - ri.lastPubTime > publishPeriod) sendHello(ri);
    }

    // ------------------------------------------------------------------ failure detection

    /**
     * The link part of sentinelCheckSubjectivelyDown: a command link that stopped answering
     * pings, or a pub/sub link that stopped hearing hellos, is closed to be reconnected.
     */
    private void closeStaleLinks(Instance ri, long now) {
        Instance.Link link = ri.link;
        if (link.cc != null && now - link.ccConnTime > minLinkReconnectPeriod && link.actPingTime != 0
                && now - link.actPingTime > ri.downAfterPeriod / 2 && now - link.lastPongTime > ri.downAfterPeriod / 2) {
            link.closeConnection(link.cc);
        }
        if (link.pc != null && now - link.pcConnTime > minLinkReconnectPeriod && now - link.pcLastActivity > publishPeriod * 3) {
            link.closeConnection(link.pc);
        }
    }

    private void receiveIsMasterDownReply(Instance ri, Reply r) {
        ri.link.pendingCommands--;
        if (r.type == Reply.ARRAY && r.elements.length == 3 && r.elements[0].type == Reply.INTEGER
                && r.elements[1].type == Reply.STRING && r.elements[2].type == Reply.INTEGER) {
            machine.stepMasterDownReply(ri, r.elements[0].integer == 1, r.elements[1].str, r.elements[2].integer, now());
        }
    }

    // ------------------------------------------------------------------ failover (the machine's shell)

    /** Carries out what the failover machine asked for, in order. */
    void apply(FailoverMachine.Ready ready) {
        for (FailoverMachine.Ready.Action a : ready.actions) {
            if (a instanceof FailoverMachine.Ready.Event e) event(e.level(), e.type(), e.ri(), e.fmt(), e.args());
            else if (a instanceof FailoverMachine.Ready.SlaveOf so) sendSlaveOf(so.ri(), so.addr());
            else if (a instanceof FailoverMachine.Ready.AskMasterState q) askMasterState(q);
            else if (a instanceof FailoverMachine.Ready.FlushConfig) flushConfig();
            else if (a instanceof FailoverMachine.Ready.Crash) simFailureCrash();
        }
        ready.actions.clear();
    }

    private void askMasterState(FailoverMachine.Ready.AskMasterState q) {
        Instance ri = q.sentinel();
        if (ri.link.cc == null) return;
        ri.link.cc.send(r -> receiveIsMasterDownReply(ri, r), ri.command("SENTINEL"), "is-master-down-by-addr",
                q.master().addr.announce(announceHostnames), String.valueOf(q.master().addr.port), Long.toUnsignedString(q.epoch()),
                q.runid());
        ri.link.pendingCommands++;
    }

    /** SENTINEL is-master-down-by-addr with a run id: a vote request, answered now. */
    String voteLeader(Instance master, long reqEpoch, String reqRunid, long[] leaderEpoch) {
        FailoverMachine.Ready ready = new FailoverMachine.Ready();
        String leader = machine.voteLeader(master, reqEpoch, reqRunid, leaderEpoch, now(), ready);
        apply(ready);
        return leader;
    }

    /** SENTINEL FAILOVER: a failover without agreement (the caller checked a replica can be promoted). */
    void startFailover(Instance master) {
        FailoverMachine.Ready ready = new FailoverMachine.Ready();
        machine.startFailover(master, now(), ready);
        apply(ready);
    }

    Instance selectSlave(Instance master) {
        return machine.selectSlave(master, now());
    }

    void simFailureCrash() {
        Log.warning("Sentinel CRASH because of SENTINEL simulate-failure");
        Runtime.getRuntime().halt(99);
    }

    /**
     * sentinelSendSlaveOf: a transaction of SLAVEOF, CONFIG REWRITE and CLIENT KILL of normal
     * and pubsub clients, so that connected clients reconnect and ask again who the master is.
     * Replies are ignored: the effect is observed through INFO.
     */
    boolean sendSlaveOf(Instance ri, Addr addr) {
        Conn cc = ri.link.cc;
        if (cc == null) return false;
        String host = addr == null ? "NO" : addr.announce(announceHostnames);
        String port = addr == null ? "ONE" : String.valueOf(addr.port);
        cc.send(discard(ri), ri.command("MULTI"));
        cc.send(discard(ri), ri.command("SLAVEOF"), host, port);
        cc.send(discard(ri), ri.command("CONFIG"), "REWRITE");
        cc.send(discard(ri), ri.command("CLIENT"), "KILL", "TYPE", "normal");
        cc.send(discard(ri), ri.command("CLIENT"), "KILL", "TYPE", "pubsub");
        cc.send(discard(ri), ri.command("EXEC"));
        ri.link.pendingCommands += 6;
        return true;
    }

    private void failoverSwitchToPromotedSlave(Instance master) {
        Instance ref = master.promotedSlave != null ? master.promotedSlave : master;
        event(Log.Level.WARNING, "+switch-master", master, "%s %s %d %s %d", master.name,
                master.addr.announce(announceHostnames), master.addr.port, ref.addr.announce(announceHostnames), ref.addr.port);
        resetMasterAndChangeAddress(master, ref.addr.hostname, ref.addr.port);
    }

    // ------------------------------------------------------------------ quorum check

    static final int ISQR_NOQUORUM = 1, ISQR_NOAUTH = 2;

    /** sentinelIsQuorumReachable: result flags, and the usable count in usable[0]. */
    int isQuorumReachable(Instance master, int[] usable) {
        int u = 1;
        int voters = master.sentinels.size() + 1;
        for (Instance ri : master.sentinels.values()) {
            if ((ri.flags & (Instance.S_DOWN | Instance.O_DOWN)) != 0) continue;
            u++;
        }
        int result = 0;
        if (u < master.quorum) result |= ISQR_NOQUORUM;
        if (u < voters / 2 + 1) result |= ISQR_NOAUTH;
        usable[0] = u;
        return result;
    }

    // ------------------------------------------------------------------ timer

    private void handleInstance(Instance ri) {
        reconnectInstance(ri);
        sendPeriodicCommands(ri);
        if (tilt) {
            if (now() - tiltStartTime < tiltPeriod) return;
            tilt = false;
            event(Log.Level.WARNING, "-tilt", null, "#tilt mode exited");
        }
        long now = now();
        closeStaleLinks(ri, now);
        machine.checkSubjectivelyDown(ri, now, ready);
        if (ri.is(Instance.MASTER)) machine.tick(ri, now, ready);
        apply(ready);
    }

    private void handleInstances(Map<String, Instance> instances) {
        Instance switchToPromoted = null;
        for (Instance ri : new ArrayList<>(instances.values())) {
            handleInstance(ri);
            if (ri.is(Instance.MASTER)) {
                handleInstances(ri.slaves);
                handleInstances(ri.sentinels);
                if (ri.failoverState == Instance.FAILOVER_STATE_UPDATE_CONFIG) switchToPromoted = ri;
            }
        }
        if (switchToPromoted != null) failoverSwitchToPromotedSlave(switchToPromoted);
    }

    private void checkTiltCondition() {
        long now = now();
        long delta = now - previousTime;
        if (delta < 0 || delta > tiltTrigger) {
            tilt = true;
            tiltStartTime = now();
            event(Log.Level.WARNING, "+tilt", null, "#tilt mode entered");
        }
        previousTime = now();
    }

    /** sentinelTimer, called hz times a second with a randomized hz to desynchronize Sentinels. */
    void timer() {
        try {
            checkTiltCondition();
            handleInstances(masters);
            scripts.runPending();
            scripts.collectTerminated();
            scripts.killTimedOut();
        } catch (RuntimeException e) {
            Log.warning("Sentinel timer error: %s", e);
        }
        hz = 10 + random.nextInt(10);
        if (!stopped) loop.schedule(this::timer, 1000 / hz, TimeUnit.MILLISECONDS);
    }

    /**
     * Instances are created while the config loads, which in a JVM can be a second before the
     * timer runs: their ping and hello clocks start now, so that startup time does not count
     * as silence (Redis creates them milliseconds before its first tick).
     */
    void restartClocks() {
        long now = now();
        for (Instance m : masters.values()) {
            List<Instance> all = new ArrayList<>(m.slaves.values());
            all.addAll(m.sentinels.values());
            all.add(m);
            for (Instance ri : all) {
                ri.link.actPingTime = now;
                ri.link.lastAvailTime = now;
                ri.link.lastPongTime = now;
                ri.lastPubTime = now;
                ri.lastHelloTime = now;
                ri.lastMasterDownReplyTime = now;
                ri.roleReportedTime = now;
                ri.slaveConfChangeTime = now;
            }
        }
    }

    /** The server is stopping: the timer stops rescheduling itself. */
    void stop() {
        stopped = true;
    }

    private boolean stopped;

    void startTimer() {
        previousTime = now();
        loop.schedule(this::timer, 100, TimeUnit.MILLISECONDS);
    }
}
