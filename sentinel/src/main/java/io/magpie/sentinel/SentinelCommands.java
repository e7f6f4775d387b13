package io.magpie.sentinel;

import io.magpie.protocol.RespWriter;
import io.magpie.server.Log;
import io.magpie.server.module.ModuleHost;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * What sentinel mode answers in its own way, on the server's one dispatch and command table:
 * SENTINEL and its subcommands, and sentinel mode's INFO, ROLE and PUBLISH (Redis's
 * sentinelInfoCommand, sentinelRoleCommand, sentinelPublishCommand). Connection, pub/sub,
 * CLIENT, COMMAND, AUTH/HELLO and SHUTDOWN are the server's own commands.
 */
final class SentinelCommands {
    private final Sentinel sentinel;
    private final ModuleHost host;

    SentinelCommands(Sentinel sentinel, ModuleHost host) {
        this.sentinel = sentinel;
        this.host = host;
    }

    /** Attaches the commands to the server's table; subcommand arity is the table's. */
    void attach(List<String> sentinelSubcommands) {
        host.override("info", c -> run(c, () -> c.reply().bulk(info(c.argv()))));
        host.override("role", c -> run(c, () -> role(c.reply())));
        host.override("publish", c -> run(c, () -> publish(c.reply(), c.argv())));
        for (String sub : sentinelSubcommands) host.command("sentinel|" + sub, c -> run(c, () -> sentinelCommand(c.reply(), c.argv())));
    }

    /** Runs a command; an error thrown before any reply becomes the error reply, counted by the server. */
    private static void run(ModuleHost.Call c, Runnable body) {
        try {
            body.run();
        } catch (CommandError e) {
            c.error(e.getMessage());
        }
    }

    private static String s(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    /** An error reply thrown before any part of the reply was written. */
    static final class CommandError extends RuntimeException {
        CommandError(String text) {
            super(text, null, false, false);
        }
    }

    private static long parseLong(byte[] arg, String err) {
        String t = s(arg);
        try {
            if (t.isEmpty() || t.length() > 20 || t.startsWith("+") || (t.length() > 1 && (t.startsWith("0") || t.startsWith("-0")))) {
                throw new NumberFormatException();
            }
            return Long.parseLong(t);
        } catch (NumberFormatException e) {
            throw new CommandError(err != null ? "ERR " + err : "ERR value is not an integer or out of range");
        }
    }

    /** Only hello messages may be published to a Sentinel: another way for Sentinels to greet. */
    private void publish(RespWriter w, byte[][] argv) {
        if (!s(argv[1]).equals(Sentinel.HELLO_CHANNEL)) throw new CommandError("ERR Only HELLO messages are accepted by Sentinel instances.");
        sentinel.processHelloMessage(s(argv[2]));
        w.integer(1);
    }

    private void role(RespWriter w) {
        w.arrayLen(2);
        w.bulk("sentinel");
        w.arrayLen(sentinel.masters.size());
        for (Instance ri : sentinel.masters.values()) w.bulk(ri.name);
    }

    /** The sections sentinel mode's INFO has, in their order; all but the last are the server's. */
    private static final List<String> SECTIONS = List.of("server", "clients", "stats", "cpu", "sentinel");

    /** sentinelInfoCommand: the server's sections that make sense without a keyspace, then Sentinel's. */
    String info(byte[][] argv) {
        Set<String> want = new LinkedHashSet<>();
        if (argv.length == 1) want.addAll(SECTIONS);
        for (int i = 1; i < argv.length; i++) {
            String sec = s(argv[i]).toLowerCase(Locale.ROOT);
            if (sec.equals("all") || sec.equals("everything") || sec.equals("default")) want.addAll(SECTIONS);
            else if (SECTIONS.contains(sec)) want.add(sec);
        }
        StringBuilder sb = new StringBuilder(host.info(want));
        if (want.contains("sentinel")) {
            if (sb.length() > 0) sb.append("\r\n");
            sentinelSection(sb);
        }
        return sb.toString();
    }

    void sentinelSection(StringBuilder sb) {
        long now = System.currentTimeMillis();
        sb.append("# Sentinel\r\n");
        field(sb, "sentinel_masters", sentinel.masters.size());
        field(sb, "sentinel_tilt", sentinel.tilt ? 1 : 0);
        field(sb, "sentinel_tilt_since_seconds", sentinel.tilt ? (now - sentinel.tiltStartTime) / 1000 : -1);
        field(sb, "sentinel_running_scripts", sentinel.scripts.running);
        field(sb, "sentinel_scripts_queue_length", sentinel.scripts.queue.size());
        field(sb, "sentinel_simulate_failure_flags", sentinel.simFailureFlags);
        int id = 0;
        for (Instance ri : sentinel.masters.values()) {
            String status = ri.is(Instance.O_DOWN) ? "odown" : ri.is(Instance.S_DOWN) ? "sdown" : "ok";
            sb.append("master").append(id++).append(":name=").append(ri.name).append(",status=").append(status)
                    .append(",address=").append(ri.addr.announce(sentinel.announceHostnames)).append(':').append(ri.addr.port)
                    .append(",slaves=").append(ri.slaves.size()).append(",sentinels=").append(ri.sentinels.size() + 1)
                    .append("\r\n");
        }
    }

    private static void field(StringBuilder sb, String name, Object value) {
        sb.append(name).append(':').append(value).append("\r\n");
    }

    // ------------------------------------------------------------------ SENTINEL

    private Instance masterOrError(byte[] name) {
        Instance ri = sentinel.masterByName(s(name));
        if (ri == null) throw new CommandError("ERR No such master with that name");
        return ri;
    }

    private void sentinelCommand(RespWriter w, byte[][] argv) {
        String sub = s(argv[1]).toLowerCase(Locale.ROOT);
        switch (sub) {
            case "help" -> help(w);
            case "masters" -> instances(w, sentinel.masters);
            case "master" -> instance(w, masterOrError(argv[2]));
            case "slaves", "replicas" -> instances(w, masterOrError(argv[2]).slaves);
            case "sentinels" -> instances(w, masterOrError(argv[2]).sentinels);
            case "myid" -> w.bulk(sentinel.myid);
            case "is-master-down-by-addr" -> isMasterDownByAddr(w, argv);
            case "reset" -> w.integer(sentinel.resetMastersByPattern(s(argv[2]), Sentinel.GENERATE_EVENT));
            case "get-master-addr-by-name" -> {
                Instance ri = sentinel.masterByName(s(argv[2]));
                if (ri == null) {
                    w.nullArray();
                } else {
                    Addr a = Sentinel.currentMasterAddress(ri);
                    w.arrayLen(2);
                    w.bulk(a.announce(sentinel.announceHostnames));
                    w.bulk(String.valueOf(a.port));
                }
            }
            case "failover" -> {
                Instance ri = masterOrError(argv[2]);
                if (ri.is(Instance.FAILOVER_IN_PROGRESS)) throw new CommandError("INPROG Failover already in progress");
                if (sentinel.selectSlave(ri) == null) throw new CommandError("NOGOODSLAVE No suitable replica to promote");
                Log.warning("Executing user requested FAILOVER of '%s'", ri.name);
                sentinel.startFailover(ri);
                ri.flags |= Instance.FORCE_FAILOVER;
                w.ok();
            }
            case "pending-scripts" -> pendingScripts(w);
            case "monitor" -> monitor(w, argv);
            case "flushconfig" -> flushAndReply(w);
            case "remove" -> {
                Instance ri = masterOrError(argv[2]);
                sentinel.event(Log.Level.WARNING, "-monitor", ri, "%@");
                sentinel.masters.remove(ri.name);
                sentinel.releaseInstance(ri);
                flushAndReply(w);
            }
            case "ckquorum" -> {
                Instance ri = masterOrError(argv[2]);
                int[] usable = new int[1];
                int result = sentinel.isQuorumReachable(ri, usable);
                if (result == 0) {
                    w.status("OK " + usable[0] + " usable Sentinels. Quorum and failover authorization can be reached");
                } else {
                    StringBuilder e = new StringBuilder("NOQUORUM " + usable[0] + " usable Sentinels. ");
                    if ((result & Sentinel.ISQR_NOQUORUM) != 0) {
                        e.append("Not enough available Sentinels to reach the specified quorum for this master");
                    }
                    if ((result & Sentinel.ISQR_NOAUTH) != 0) {
                        if ((result & Sentinel.ISQR_NOQUORUM) != 0) e.append(". ");
                        e.append("Not enough available Sentinels to reach the majority and authorize a failover");
                    }
                    throw new CommandError(e.toString());
                }
            }
            case "set" -> set(w, argv);
            case "config" -> config(w, argv);
            case "info-cache" -> infoCache(w, argv);
            case "simulate-failure" -> simulateFailure(w, argv);
            case "debug" -> debug(w, argv);
            default -> throw new CommandError("ERR unknown subcommand '" + sub + "'. Try SENTINEL HELP.");
        }
    }

    private void flushAndReply(RespWriter w) {
        if (!sentinel.flushConfig()) throw new CommandError("ERR Failed to save config file. Check server logs.");
        w.ok();
    }

    private static final String[] HELP = {
        "CKQUORUM <master-name>",
        "    Check if the current Sentinel configuration is able to reach the quorum",
        "    needed to failover a master and the majority needed to authorize the",
        "    failover.",
        "CONFIG SET <param> <value>",
        "    Set a global Sentinel configuration parameter.",
        "CONFIG GET <param>",
        "    Get global Sentinel configuration parameter.",
        "DEBUG [<param> <value> ...]",
        "    Show a list of configurable time parameters and their values (milliseconds).",
        "    Or update current configurable parameters values (one or more).",
        "GET-MASTER-ADDR-BY-NAME <master-name>",
        "    Return the ip and port number of the master with that name.",
        "FAILOVER <master-name>",
        "    Manually failover a master node without asking for agreement from other",
        "    Sentinels",
        "FLUSHCONFIG",
        "    Force Sentinel to rewrite its configuration on disk, including the current",
        "    Sentinel state.",
        "INFO-CACHE <master-name>",
        "    Return last cached INFO output from masters and all its replicas.",
        "IS-MASTER-DOWN-BY-ADDR <ip> <port> <current-epoch> <runid>",
        "    Check if the master specified by ip:port is down from current Sentinel's",
        "    point of view.",
        "MASTER <master-name>",
        "    Show the state and info of the specified master.",
        "MASTERS",
        "    Show a list of monitored masters and their state.",
        "MONITOR <name> <ip> <port> <quorum>",
        "    Start monitoring a new master with the specified name, ip, port and quorum.",
        "MYID",
        "    Return the ID of the Sentinel instance.",
        "PENDING-SCRIPTS",
        "    Get pending scripts information.",
        "REMOVE <master-name>",
        "    Remove master from Sentinel's monitor list.",
        "REPLICAS <master-name>",
        "    Show a list of replicas for this master and their state.",
        "RESET <pattern>",
        "    Reset masters for specific master name matching this pattern.",
        "SENTINELS <master-name>",
        "    Show a list of Sentinel instances for this master and their state.",
        "SET <master-name> <option> <value> [<option> <value> ...]",
        "    Set configuration parameters for certain masters.",
        "SIMULATE-FAILURE [CRASH-AFTER-ELECTION] [CRASH-AFTER-PROMOTION] [HELP]",
        "    Simulate a Sentinel crash.",
    };

    private static void help(RespWriter w) {
        w.arrayLen(HELP.length + 3);
        w.status("SENTINEL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
        for (String h : HELP) w.status(h);
        w.status("HELP");
        w.status("    Prints this help.");
    }

    private void instances(RespWriter w, Map<String, Instance> table) {
        List<Instance> shown = new ArrayList<>();
        for (Instance ri : table.values()) if (!(ri.is(Instance.SLAVE) && ri.replicaAnnounced == 0)) shown.add(ri);
        w.arrayLen(shown.size());
        for (Instance ri : shown) instance(w, ri);
    }

    static String flags(Instance ri) {
        List<String> f = new ArrayList<>();
        if (ri.is(Instance.S_DOWN)) f.add("s_down");
        if (ri.is(Instance.O_DOWN)) f.add("o_down");
        if (ri.is(Instance.MASTER)) f.add("master");
        if (ri.is(Instance.SLAVE)) f.add("slave");
        if (ri.is(Instance.SENTINEL)) f.add("sentinel");
        if (ri.link.disconnected) f.add("disconnected");
        if (ri.is(Instance.MASTER_DOWN)) f.add("master_down");
        if (ri.is(Instance.FAILOVER_IN_PROGRESS)) f.add("failover_in_progress");
        if (ri.is(Instance.PROMOTED)) f.add("promoted");
        if (ri.is(Instance.RECONF_SENT)) f.add("reconf_sent");
        if (ri.is(Instance.RECONF_INPROG)) f.add("reconf_inprog");
        if (ri.is(Instance.RECONF_DONE)) f.add("reconf_done");
        if (ri.is(Instance.FORCE_FAILOVER)) f.add("force_failover");
        if (ri.is(Instance.SCRIPT_KILL_SENT)) f.add("script_kill_sent");
        return String.join(",", f);
    }

    private static final String[] FAILOVER_STATES = {"none", "wait_start", "select_slave", "send_slaveof_noone", "wait_promotion",
        "reconf_slaves", "update_config"};

    /** addReplySentinelRedisInstance: the field map of one instance. */
    private void instance(RespWriter w, Instance ri) {
        long now = System.currentTimeMillis();
        List<String[]> f = new ArrayList<>();
        f.add(new String[] {"name", ri.name});
        f.add(new String[] {"ip", ri.addr.announce(sentinel.announceHostnames)});
        f.add(new String[] {"port", String.valueOf(ri.addr.port)});
        f.add(new String[] {"runid", ri.runid == null ? "" : ri.runid});
        f.add(new String[] {"flags", flags(ri)});
        f.add(new String[] {"link-pending-commands", String.valueOf(ri.link.pendingCommands)});
        f.add(new String[] {"link-refcount", String.valueOf(ri.link.refcount)});
        if (ri.is(Instance.FAILOVER_IN_PROGRESS)) {
            f.add(new String[] {"failover-state", ri.failoverState < FAILOVER_STATES.length ? FAILOVER_STATES[ri.failoverState] : "unknown"});
        }
        f.add(new String[] {"last-ping-sent", String.valueOf(ri.link.actPingTime != 0 ? now - ri.link.actPingTime : 0)});
        f.add(new String[] {"last-ok-ping-reply", String.valueOf(now - ri.link.lastAvailTime)});
        f.add(new String[] {"last-ping-reply", String.valueOf(now - ri.link.lastPongTime)});
        if (ri.is(Instance.S_DOWN)) f.add(new String[] {"s-down-time", String.valueOf(now - ri.sDownSinceTime)});
        if (ri.is(Instance.O_DOWN)) f.add(new String[] {"o-down-time", String.valueOf(now - ri.oDownSinceTime)});
        f.add(new String[] {"down-after-milliseconds", String.valueOf(ri.downAfterPeriod)});
        if (ri.is(Instance.MASTER | Instance.SLAVE)) {
            f.add(new String[] {"info-refresh", String.valueOf(ri.infoRefresh != 0 ? now - ri.infoRefresh : 0)});
            f.add(new String[] {"role-reported", ri.roleReported == Instance.MASTER ? "master" : "slave"});
            f.add(new String[] {"role-reported-time", String.valueOf(now - ri.roleReportedTime)});
        }
        if (ri.is(Instance.MASTER)) {
            f.add(new String[] {"config-epoch", Long.toString(ri.configEpoch)});
            f.add(new String[] {"num-slaves", String.valueOf(ri.slaves.size())});
            f.add(new String[] {"num-other-sentinels", String.valueOf(ri.sentinels.size())});
            f.add(new String[] {"quorum", String.valueOf(ri.quorum)});
            f.add(new String[] {"failover-timeout", String.valueOf(ri.failoverTimeout)});
            f.add(new String[] {"parallel-syncs", String.valueOf(ri.parallelSyncs)});
            if (ri.notificationScript != null) f.add(new String[] {"notification-script", ri.notificationScript});
            if (ri.clientReconfigScript != null) f.add(new String[] {"client-reconfig-script", ri.clientReconfigScript});
        }
        if (ri.is(Instance.SLAVE)) {
            f.add(new String[] {"master-link-down-time", String.valueOf(ri.masterLinkDownTime)});
            f.add(new String[] {"master-link-status", ri.slaveMasterLinkUp ? "ok" : "err"});
            f.add(new String[] {"master-host", ri.slaveMasterHost == null ? "?" : ri.slaveMasterHost});
            f.add(new String[] {"master-port", String.valueOf(ri.slaveMasterPort)});
            f.add(new String[] {"slave-priority", String.valueOf(ri.slavePriority)});
            f.add(new String[] {"slave-repl-offset", String.valueOf(ri.slaveReplOffset)});
            f.add(new String[] {"replica-announced", String.valueOf(ri.replicaAnnounced)});
        }
        if (ri.is(Instance.SENTINEL)) {
            f.add(new String[] {"last-hello-message", String.valueOf(now - ri.lastHelloTime)});
            f.add(new String[] {"voted-leader", ri.leader == null ? "?" : ri.leader});
            f.add(new String[] {"voted-leader-epoch", Long.toString(ri.leaderEpoch)});
        }
        w.mapLen(f.size());
        for (String[] kv : f) {
            w.bulk(kv[0]);
            w.bulk(kv[1]);
        }
    }

    private void isMasterDownByAddr(RespWriter w, byte[][] argv) {
        long port = parseLong(argv[3], null);
        long reqEpoch = parseLong(argv[4], null);
        Instance ri = sentinel.findByAddrAndRunid(sentinel.masters, s(argv[2]), (int) port, null);
        boolean isdown = !sentinel.tilt && ri != null && ri.is(Instance.S_DOWN) && ri.is(Instance.MASTER);
        String leader = null;
        long[] leaderEpoch = new long[1];
        if (ri != null && ri.is(Instance.MASTER) && !s(argv[5]).equals("*")) {
            leader = sentinel.voteLeader(ri, reqEpoch, s(argv[5]), leaderEpoch);
        }
        w.arrayLen(3);
        w.integer(isdown ? 1 : 0);
        w.bulk(leader != null ? leader : "*");
        w.integer(leaderEpoch[0]);
    }

    private void monitor(RespWriter w, byte[][] argv) {
        long quorum = parseLong(argv[5], "Invalid quorum");
        long port = parseLong(argv[4], "Invalid port");
        if (quorum <= 0) throw new CommandError("ERR Quorum must be 1 or greater.");
        if (Addr.resolve(s(argv[3]), sentinel.resolveHostnames) == null) {
            throw new CommandError("ERR Invalid IP address or hostname specified");
        }
        Instance ri;
        try {
            ri = sentinel.createInstance(s(argv[2]), Instance.MASTER, s(argv[3]), (int) port, (int) quorum, null);
        } catch (Sentinel.CreateError e) {
            throw new CommandError("ERR " + e.reason);
        }
        flushAndReply(w);
        sentinel.event(Log.Level.WARNING, "+monitor", ri, "%@ quorum %d", ri.quorum);
    }

    private void set(RespWriter w, byte[][] argv) {
        Instance ri = masterOrError(argv[2]);
        int changes = 0;
        for (int j = 3; j < argv.length; j++) {
            int moreargs = argv.length - 1 - j;
            String option = s(argv[j]);
            String opt = option.toLowerCase(Locale.ROOT);
            int oldJ = j;
            boolean redacted = false;
            try {
                if (opt.equals("down-after-milliseconds") && moreargs > 0) {
                    ri.downAfterPeriod = positive(argv[++j], option, 1);
                    Sentinel.propagateDownAfterPeriod(ri);
                } else if (opt.equals("failover-timeout") && moreargs > 0) {
                    ri.failoverTimeout = positive(argv[++j], option, 1);
                } else if (opt.equals("parallel-syncs") && moreargs > 0) {
                    ri.parallelSyncs = (int) positive(argv[++j], option, 1);
                } else if ((opt.equals("notification-script") || opt.equals("client-reconfig-script")) && moreargs > 0) {
                    String value = s(argv[++j]);
                    if (sentinel.denyScriptsReconfig) {
                        throw new CommandError("ERR Reconfiguration of scripts path is denied for security reasons. Check the "
                                + "deny-scripts-reconfig configuration directive in your Sentinel configuration");
                    }
                    boolean notification = opt.equals("notification-script");
                    if (!value.isEmpty() && !Files.isExecutable(Path.of(value))) {
                        throw new CommandError(notification ? "ERR Notification script seems non existing or non executable"
                                : "ERR Client reconfiguration script seems non existing or non executable");
                    }
                    if (notification) ri.notificationScript = value.isEmpty() ? null : value;
                    else ri.clientReconfigScript = value.isEmpty() ? null : value;
                } else if (opt.equals("auth-pass") && moreargs > 0) {
                    String value = s(argv[++j]);
                    ri.authPass = value.isEmpty() ? null : value;
                    dropInstanceConnections(ri);
                    redacted = true;
                } else if (opt.equals("auth-user") && moreargs > 0) {
                    String value = s(argv[++j]);
                    ri.authUser = value.isEmpty() ? null : value;
                    dropInstanceConnections(ri);
                } else if (opt.equals("quorum") && moreargs > 0) {
                    ri.quorum = (int) positive(argv[++j], option, 1);
                } else if (opt.equals("rename-command") && moreargs > 1) {
                    String oldName = s(argv[++j]);
                    String newName = s(argv[++j]);
                    if (oldName.isEmpty() || newName.isEmpty()) {
                        throw new CommandError("ERR Invalid argument '" + (newName.isEmpty() ? newName : oldName) + "' for SENTINEL SET '"
                                + option + "'");
                    }
                    ri.renamedCommands.remove(oldName);
                    if (!oldName.equalsIgnoreCase(newName)) ri.renamedCommands.put(oldName, newName);
                } else if (opt.equals("master-reboot-down-after-period") && moreargs > 0) {
                    ri.masterRebootDownAfterPeriod = positive(argv[++j], option, 0);
                } else {
                    throw new CommandError("ERR Unknown option or number of arguments for SENTINEL SET '" + option + "'");
                }
            } catch (CommandError e) {
                if (changes > 0) sentinel.flushConfig();
                throw e;
            }
            changes++;
            int numargs = j - oldJ + 1;
            if (numargs == 2) {
                sentinel.event(Log.Level.WARNING, "+set", ri, "%@ %s %s", option, redacted ? "******" : s(argv[oldJ + 1]));
            } else if (numargs == 3) {
                sentinel.event(Log.Level.WARNING, "+set", ri, "%@ %s %s %s", option, s(argv[oldJ + 1]), s(argv[oldJ + 2]));
            } else {
                sentinel.event(Log.Level.WARNING, "+set", ri, "%@ %s", option);
            }
        }
        if (changes > 0) flushAndReply(w);
    }

    private static long positive(byte[] arg, String option, long min) {
        long v;
        try {
            v = Long.parseLong(s(arg));
        } catch (NumberFormatException e) {
            v = min - 1;
        }
        if (v < min) throw new CommandError("ERR Invalid argument '" + s(arg) + "' for SENTINEL SET '" + option + "'");
        return v;
    }

    private void dropInstanceConnections(Instance ri) {
        ri.link.closeConnection(ri.link.cc);
        ri.link.closeConnection(ri.link.pc);
        for (Instance s : ri.slaves.values()) {
            s.link.closeConnection(s.link.cc);
            s.link.closeConnection(s.link.pc);
        }
    }

    private void config(RespWriter w, byte[][] argv) {
        String op = s(argv[2]).toLowerCase(Locale.ROOT);
        if (op.equals("set") && argv.length == 5) {
            String o = s(argv[3]).toLowerCase(Locale.ROOT);
            String val = s(argv[4]);
            boolean dropConns = false;
            switch (o) {
                case "resolve-hostnames", "announce-hostnames" -> {
                    int v = SentinelConfigFile.yesno(val);
                    if (v < 0) throw badConfigValue(val, s(argv[3]));
                    if (o.equals("resolve-hostnames")) sentinel.resolveHostnames = v == 1;
                    else sentinel.announceHostnames = v == 1;
                }
                case "announce-ip" -> sentinel.announceIp = val;
                case "announce-port" -> {
                    long v;
                    try {
                        v = Long.parseLong(val);
                    } catch (NumberFormatException e) {
                        v = -1;
                    }
                    if (v < 0 || v > 65535) throw badConfigValue(val, s(argv[3]));
                    sentinel.announcePort = (int) v;
                }
                case "sentinel-user" -> {
                    sentinel.sentinelAuthUser = val.isEmpty() ? null : val;
                    dropConns = true;
                }
                case "sentinel-pass" -> {
                    sentinel.sentinelAuthPass = val.isEmpty() ? null : val;
                    dropConns = true;
                }
                default -> throw new CommandError("ERR Invalid argument '" + s(argv[3]) + "' to SENTINEL CONFIG SET");
            }
            flushAndReply(w);
            if (dropConns) {
                for (Instance m : sentinel.masters.values()) {
                    for (Instance si : m.sentinels.values()) {
                        si.link.closeConnection(si.link.pc);
                        si.link.closeConnection(si.link.cc);
                    }
                }
            }
        } else if (op.equals("get") && argv.length == 4) {
            byte[] pattern = argv[3];
            String[][] all = {
                {"resolve-hostnames", sentinel.resolveHostnames ? "yes" : "no"},
                {"announce-hostnames", sentinel.announceHostnames ? "yes" : "no"},
                {"announce-ip", sentinel.announceIp == null ? "" : sentinel.announceIp},
                {"announce-port", String.valueOf(sentinel.announcePort)},
                {"sentinel-user", sentinel.sentinelAuthUser == null ? "" : sentinel.sentinelAuthUser},
                {"sentinel-pass", sentinel.sentinelAuthPass == null ? "" : sentinel.sentinelAuthPass}};
            List<String[]> matched = new ArrayList<>();
            for (String[] kv : all) {
                if (io.magpie.protocol.Glob.match(pattern, kv[0].getBytes(StandardCharsets.UTF_8), true)) matched.add(kv);
            }
            w.mapLen(matched.size());
            for (String[] kv : matched) {
                w.bulk(kv[0]);
                w.bulk(kv[1]);
            }
        } else {
            throw new CommandError("ERR Only SENTINEL CONFIG GET <option> / SET <option> <value> are supported.");
        }
    }

    private static CommandError badConfigValue(String val, String option) {
        return new CommandError("ERR Invalid value '" + val + "' to SENTINEL CONFIG SET '" + option + "'");
    }

    private void infoCache(RespWriter w, byte[][] argv) {
        long now = System.currentTimeMillis();
        List<Instance> list = new ArrayList<>();
        if (argv.length > 2) {
            for (int i = 2; i < argv.length; i++) {
                Instance ri = sentinel.masterByName(s(argv[i]));
                if (ri != null && !list.contains(ri)) list.add(ri);
            }
        } else {
            list.addAll(sentinel.masters.values());
        }
        w.arrayLen(list.size() * 2L);
        for (Instance ri : list) {
            w.bulk(ri.name);
            w.arrayLen(ri.slaves.size() + 1);
            w.arrayLen(2);
            w.integer(ri.infoRefresh != 0 ? now - ri.infoRefresh : 0);
            if (ri.info != null) w.bulk(ri.info);
            else w.nullBulk();
            for (Instance s : ri.slaves.values()) {
                w.arrayLen(2);
                w.integer(ri.infoRefresh != 0 ? now - s.infoRefresh : 0);
                if (s.info != null) w.bulk(s.info);
                else w.nullBulk();
            }
        }
    }

    private void simulateFailure(RespWriter w, byte[][] argv) {
        sentinel.simFailureFlags = 0;
        for (int j = 2; j < argv.length; j++) {
            String o = s(argv[j]).toLowerCase(Locale.ROOT);
            if (o.equals("crash-after-election")) {
                sentinel.simFailureFlags |= Sentinel.SIMFAILURE_CRASH_AFTER_ELECTION;
                Log.warning("Failure simulation: this Sentinel will crash after being successfully elected as failover leader");
            } else if (o.equals("crash-after-promotion")) {
                sentinel.simFailureFlags |= Sentinel.SIMFAILURE_CRASH_AFTER_PROMOTION;
                Log.warning("Failure simulation: this Sentinel will crash after promoting the selected replica to master");
            } else if (o.equals("help")) {
                w.arrayLen(2);
                w.bulk("crash-after-election");
                w.bulk("crash-after-promotion");
                return;
            } else {
                throw new CommandError("ERR Unknown failure simulation specified");
            }
        }
        w.ok();
    }

    private void pendingScripts(RespWriter w) {
        long now = System.currentTimeMillis();
        w.arrayLen(sentinel.scripts.queue.size());
        for (Scripts.Job j : sentinel.scripts.queue) {
            w.mapLen(5);
            w.bulk("argv");
            w.arrayLen(j.argv.size());
            for (String a : j.argv) w.bulk(a);
            w.bulk("flags");
            w.bulk(j.running ? "running" : "scheduled");
            w.bulk("pid");
            w.bulk(String.valueOf(j.pid()));
            if (j.running) {
                w.bulk("run-time");
                w.bulk(String.valueOf(now - j.startTime));
            } else {
                w.bulk("run-delay");
                w.bulk(String.valueOf(Math.max(0, j.startTime != 0 ? j.startTime - now : 0)));
            }
            w.bulk("retry-num");
            w.bulk(String.valueOf(j.retryNum));
        }
    }

    private void debug(RespWriter w, byte[][] argv) {
        String[] names = {"INFO-PERIOD", "PING-PERIOD", "ASK-PERIOD", "PUBLISH-PERIOD", "DEFAULT-DOWN-AFTER", "DEFAULT-FAILOVER-TIMEOUT",
            "TILT-TRIGGER", "TILT-PERIOD", "SLAVE-RECONF-TIMEOUT", "MIN-LINK-RECONNECT-PERIOD", "ELECTION-TIMEOUT", "SCRIPT-MAX-RUNTIME",
            "SCRIPT-RETRY-DELAY"};
        Sentinel t = sentinel;
        if (argv.length == 2) {
            long[] values = {t.infoPeriod, t.pingPeriod, t.askPeriod, t.publishPeriod, t.defaultDownAfter, t.defaultFailoverTimeout,
                t.tiltTrigger, t.tiltPeriod, t.slaveReconfTimeout, t.minLinkReconnectPeriod, t.electionTimeout, t.scriptMaxRuntime,
                t.scriptRetryDelay};
            w.mapLen(names.length);
            for (int i = 0; i < names.length; i++) {
                w.bulk(names[i]);
                w.bulk(String.valueOf(values[i]));
            }
            return;
        }
        for (int j = 2; j < argv.length; j++) {
            String option = s(argv[j]);
            int moreargs = argv.length - 1 - j;
            String key = option.toUpperCase(Locale.ROOT);
            int idx = java.util.Arrays.asList(names).indexOf(key);
            if (idx < 0 || moreargs == 0) {
                throw new CommandError("ERR Unknown option or number of arguments for SENTINEL DEBUG '" + option + "'");
            }
            String val = s(argv[++j]);
            long v;
            try {
                v = Long.parseLong(val);
            } catch (NumberFormatException e) {
                v = 0;
            }
            if (v <= 0) throw new CommandError("ERR Invalid argument '" + val + "' for SENTINEL DEBUG '" + option + "'");
            switch (idx) {
                case 0 -> t.infoPeriod = v;
                case 1 -> t.pingPeriod = v;
                case 2 -> t.askPeriod = v;
                case 3 -> t.publishPeriod = v;
                case 4 -> t.defaultDownAfter = v;
                case 5 -> t.defaultFailoverTimeout = v;
                case 6 -> t.tiltTrigger = v;
                case 7 -> t.tiltPeriod = v;
                case 8 -> t.slaveReconfTimeout = v;
                case 9 -> t.minLinkReconnectPeriod = v;
                case 10 -> t.electionTimeout = v;
                case 11 -> t.scriptMaxRuntime = v;
                default -> t.scriptRetryDelay = v;
            }
        }
        w.ok();
    }
}
