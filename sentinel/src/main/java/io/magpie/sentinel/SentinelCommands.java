package io.magpie.sentinel;

import io.magpie.protocol.RespWriter;
import io.magpie.server.ConfigLoader;
import io.magpie.server.Log;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The commands a Sentinel serves (Redis's sentinel command table): SENTINEL and its
 * subcommands, INFO, ROLE, PING, AUTH, HELLO, CLIENT, COMMAND, ACL WHOAMI, the pub/sub
 * commands, PUBLISH for hello messages, SHUTDOWN. Anything else is an unknown command, as
 * on redis-sentinel.
 */
final class SentinelCommands {
    private final SentinelServer server;
    private final Sentinel sentinel;
    private final SentinelMain main;

    /** name -> arity, as redis-sentinel's COMMAND reports them. */
    static final Map<String, Integer> ARITY = new LinkedHashMap<>();
    static final Map<String, Integer> SENTINEL_ARITY = new LinkedHashMap<>();
    static {
        String[] table = {"info", "-1", "role", "1", "auth", "-2", "ping", "-1", "unsubscribe", "-1", "sentinel", "-2",
            "acl", "-2", "punsubscribe", "-1", "subscribe", "-2", "publish", "3", "command", "-1", "shutdown", "-1",
            "psubscribe", "-2", "hello", "-1", "client", "-2"};
        for (int i = 0; i < table.length; i += 2) ARITY.put(table[i], Integer.parseInt(table[i + 1]));
        String[] sub = {"info-cache", "-3", "reset", "3", "debug", "-2", "sentinels", "3", "ckquorum", "3", "remove", "3",
            "help", "2", "myid", "2", "failover", "3", "slaves", "3", "masters", "2", "monitor", "6", "set", "-5",
            "is-master-down-by-addr", "6", "master", "3", "get-master-addr-by-name", "3", "simulate-failure", "-3",
            "replicas", "3", "flushconfig", "2", "config", "-3", "pending-scripts", "2"};
        for (int i = 0; i < sub.length; i += 2) SENTINEL_ARITY.put(sub[i], Integer.parseInt(sub[i + 1]));
    }

    SentinelCommands(SentinelServer server, SentinelMain main) {
        this.server = server;
        this.sentinel = server.sentinel;
        this.main = main;
    }

    private static String s(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    private static boolean arityOk(int arity, int argc) {
        return arity > 0 ? argc == arity : argc >= -arity;
    }

    /** processCommand: QUIT, lookup, arity, authentication, the subscribed-context rule, then the command. */
    void execute(SentinelServer.Client c, byte[][] argv) {
        server.totalCommands++;
        RespWriter w = c.writer();
        String name = s(argv[0]).toLowerCase(Locale.ROOT);
        if (name.equals("quit")) {
            w.ok();
            c.closeAfterReply = true;
            return;
        }
        Integer arity = ARITY.get(name);
        if (arity == null) {
            StringBuilder sb = new StringBuilder("ERR unknown command '").append(truncate(s(argv[0]), 128)).append("', with args beginning with: ");
            for (int i = 1; i < argv.length && sb.length() < 128; i++) sb.append('\'').append(truncate(s(argv[i]), 128 - sb.length())).append("' ");
            error(w, sb.toString());
            return;
        }
        if (!arityOk(arity, argv.length)) {
            error(w, "ERR wrong number of arguments for '" + name + "' command");
            return;
        }
        if (!c.authenticated && !name.equals("auth") && !name.equals("hello")) {
            error(w, "NOAUTH Authentication required.");
            return;
        }
        if (c.subscriptions() > 0 && w.resp() == 2 && !name.equals("ping") && !name.equals("subscribe") && !name.equals("unsubscribe")
                && !name.equals("psubscribe") && !name.equals("punsubscribe")) {
            error(w, "ERR Can't execute '" + name + "': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context");
            return;
        }
        c.lastCommand = name;
        try {
            switch (name) {
                case "ping" -> ping(c, argv);
                case "auth" -> auth(c, argv);
                case "hello" -> hello(c, argv);
                case "subscribe" -> subscribe(c, argv, false);
                case "psubscribe" -> subscribe(c, argv, true);
                case "unsubscribe" -> unsubscribe(c, argv, false);
                case "punsubscribe" -> unsubscribe(c, argv, true);
                case "publish" -> publish(c, argv);
                case "info" -> w.bulk(info(argv));
                case "role" -> role(w);
                case "client" -> client(c, argv);
                case "command" -> command(w, argv);
                case "acl" -> acl(w, argv);
                case "shutdown" -> shutdown(c, argv);
                case "sentinel" -> sentinelCommand(c, argv);
                default -> error(w, "ERR unknown command '" + name + "'");
            }
        } catch (CommandError e) {
            error(w, e.getMessage());
        }
    }

    private static String truncate(String s, int n) {
        return s.length() > n ? s.substring(0, Math.max(0, n)) : s;
    }

    private void error(RespWriter w, String text) {
        server.totalErrorReplies++;
        w.error(text);
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

    // ------------------------------------------------------------------ connection

    private void ping(SentinelServer.Client c, byte[][] argv) {
        RespWriter w = c.writer();
        if (argv.length > 2) {
            error(w, "ERR wrong number of arguments for 'ping' command");
            return;
        }
        if (c.subscriptions() > 0 && w.resp() == 2) {
            w.arrayLen(2);
            w.bulk("pong");
            w.bulk(argv.length == 1 ? new byte[0] : argv[1]);
        } else if (argv.length == 1) {
            w.status("PONG");
        } else {
            w.bulk(argv[1]);
        }
    }

    private boolean checkPassword(String user, String pass) {
        if (!user.equals("default")) return false;
        String req = sentinel.requirepass;
        return req == null || req.isEmpty() || req.equals(pass);
    }

    private void auth(SentinelServer.Client c, byte[][] argv) {
        RespWriter w = c.writer();
        if (argv.length > 3) throw new CommandError("ERR syntax error");
        if (argv.length == 2 && (sentinel.requirepass == null || sentinel.requirepass.isEmpty())) {
            throw new CommandError("ERR AUTH <password> called without any password configured for the default user. "
                    + "Are you sure your configuration is correct?");
        }
        String user = argv.length == 3 ? s(argv[1]) : "default";
        String pass = s(argv[argv.length - 1]);
        if (!checkPassword(user, pass)) {
            throw new CommandError("WRONGPASS invalid username-password pair or user is disabled.");
        }
        c.authenticated = true;
        c.parser.setAuthRequired(false);
        w.ok();
    }

    private void hello(SentinelServer.Client c, byte[][] argv) {
        RespWriter w = c.writer();
        long ver = 0;
        int next = 1;
        if (argv.length >= 2) {
            try {
                ver = Long.parseLong(s(argv[1]));
            } catch (NumberFormatException e) {
                throw new CommandError("ERR Protocol version is not an integer or out of range");
            }
            next = 2;
            if (ver < 2 || ver > 3) throw new CommandError("NOPROTO unsupported protocol version");
        }
        String user = null, pass = null, setname = null;
        for (int j = next; j < argv.length; j++) {
            int more = argv.length - j - 1;
            String opt = s(argv[j]);
            if (opt.equalsIgnoreCase("AUTH") && more >= 2) {
                user = s(argv[j + 1]);
                pass = s(argv[j + 2]);
                j += 2;
            } else if (opt.equalsIgnoreCase("SETNAME") && more >= 1) {
                setname = s(argv[j + 1]);
                j++;
            } else {
                throw new CommandError("ERR Syntax error in HELLO option '" + opt + "'");
            }
        }
        if (user != null) {
            if (!checkPassword(user, pass)) throw new CommandError("WRONGPASS invalid username-password pair or user is disabled.");
            c.authenticated = true;
            c.parser.setAuthRequired(false);
        }
        if (!c.authenticated) {
            throw new CommandError("NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO "
                    + "AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol "
                    + "version at the same time");
        }
        if (setname != null) {
            if (!validName(setname)) throw new CommandError("ERR Client names cannot contain spaces, newlines or special characters.");
            c.name = setname;
        }
        if (ver != 0) w.resp((int) ver);
        w.mapLen(6);
        w.bulk("server");
        w.bulk("redis");
        w.bulk("version");
        w.bulk(ConfigLoader.REDIS_VERSION);
        w.bulk("proto");
        w.integer(w.resp());
        w.bulk("id");
        w.integer(c.id);
        w.bulk("mode");
        w.bulk("sentinel");
        w.bulk("modules");
        w.emptyArray();
    }

    private static boolean validName(String n) {
        for (int i = 0; i < n.length(); i++) {
            char ch = n.charAt(i);
            if (ch < '!' || ch > '~') return false;
        }
        return true;
    }

    // ------------------------------------------------------------------ pub/sub

    private void subscribe(SentinelServer.Client c, byte[][] argv, boolean pattern) {
        RespWriter w = c.writer();
        for (int i = 1; i < argv.length; i++) {
            String ch = s(argv[i]);
            Set<String> mine = pattern ? c.subscribedPatterns : c.subscribedChannels;
            if (mine.add(ch)) (pattern ? server.patterns : server.channels).computeIfAbsent(ch, k -> new LinkedHashSet<>()).add(c);
            if (w.resp() == 3) w.pushLen(3);
            else w.arrayLen(3);
            w.bulk(pattern ? "psubscribe" : "subscribe");
            w.bulk(argv[i]);
            w.integer(c.subscriptions());
        }
    }

    private void unsubscribe(SentinelServer.Client c, byte[][] argv, boolean pattern) {
        RespWriter w = c.writer();
        Set<String> mine = pattern ? c.subscribedPatterns : c.subscribedChannels;
        List<String> targets = new ArrayList<>();
        if (argv.length == 1) targets.addAll(mine);
        else for (int i = 1; i < argv.length; i++) targets.add(s(argv[i]));
        String kind = pattern ? "punsubscribe" : "unsubscribe";
        if (targets.isEmpty()) {
            if (w.resp() == 3) w.pushLen(3);
            else w.arrayLen(3);
            w.bulk(kind);
            w.nullBulk();
            w.integer(c.subscriptions());
            return;
        }
        for (String ch : targets) {
            removeSubscription(c, ch, pattern);
            if (w.resp() == 3) w.pushLen(3);
            else w.arrayLen(3);
            w.bulk(kind);
            w.bulk(ch);
            w.integer(c.subscriptions());
        }
    }

    private void removeSubscription(SentinelServer.Client c, String ch, boolean pattern) {
        Set<String> mine = pattern ? c.subscribedPatterns : c.subscribedChannels;
        if (!mine.remove(ch)) return;
        Map<String, Set<SentinelServer.Client>> table = pattern ? server.patterns : server.channels;
        Set<SentinelServer.Client> subs = table.get(ch);
        if (subs != null) {
            subs.remove(c);
            if (subs.isEmpty()) table.remove(ch);
        }
    }

    void unsubscribeAll(SentinelServer.Client c) {
        for (String ch : new ArrayList<>(c.subscribedChannels)) removeSubscription(c, ch, false);
        for (String ch : new ArrayList<>(c.subscribedPatterns)) removeSubscription(c, ch, true);
    }

    /** Only hello messages may be published to a Sentinel: another way for Sentinels to greet. */
    private void publish(SentinelServer.Client c, byte[][] argv) {
        if (!s(argv[1]).equals(Sentinel.HELLO_CHANNEL)) throw new CommandError("ERR Only HELLO messages are accepted by Sentinel instances.");
        sentinel.processHelloMessage(s(argv[2]));
        c.writer().integer(1);
    }

    // ------------------------------------------------------------------ introspection

    private void role(RespWriter w) {
        w.arrayLen(2);
        w.bulk("sentinel");
        w.arrayLen(sentinel.masters.size());
        for (Instance ri : sentinel.masters.values()) w.bulk(ri.name);
    }

    private static final List<String> SECTIONS = List.of("server", "clients", "stats", "cpu", "sentinel");

    String info(byte[][] argv) {
        Set<String> want = new LinkedHashSet<>();
        if (argv.length == 1) want.addAll(SECTIONS);
        for (int i = 1; i < argv.length; i++) {
            String sec = s(argv[i]).toLowerCase(Locale.ROOT);
            if (sec.equals("all") || sec.equals("everything") || sec.equals("default")) want.addAll(SECTIONS);
            else if (SECTIONS.contains(sec)) want.add(sec);
        }
        StringBuilder sb = new StringBuilder();
        long now = System.currentTimeMillis();
        for (String sec : SECTIONS) {
            if (!want.contains(sec)) continue;
            if (sb.length() > 0) sb.append("\r\n");
            switch (sec) {
                case "server" -> {
                    long uptime = (now - server.startTime) / 1000;
                    sb.append("# Server\r\n");
                    field(sb, "redis_version", ConfigLoader.REDIS_VERSION);
                    field(sb, "redis_git_sha1", "00000000");
                    field(sb, "redis_git_dirty", 0);
                    field(sb, "redis_build_id", "0");
                    field(sb, "redis_mode", "sentinel");
                    field(sb, "os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"));
                    field(sb, "arch_bits", 64);
                    field(sb, "monotonic_clock", "POSIX clock_gettime");
                    field(sb, "multiplexing_api", main.multiplexingApi());
                    field(sb, "atomicvar_api", "c11-builtin");
                    field(sb, "gcc_version", "0.0.0");
                    field(sb, "process_id", ProcessHandle.current().pid());
                    field(sb, "process_supervised", "no");
                    field(sb, "run_id", main.runId);
                    field(sb, "tcp_port", sentinel.port);
                    field(sb, "server_time_usec", now * 1000);
                    field(sb, "uptime_in_seconds", uptime);
                    field(sb, "uptime_in_days", uptime / 86400);
                    field(sb, "hz", sentinel.hz);
                    field(sb, "configured_hz", 10);
                    field(sb, "lru_clock", (now / 1000) & ((1 << 24) - 1));
                    field(sb, "executable", main.executable());
                    field(sb, "config_file", sentinel.configFile == null ? "" : sentinel.configFile.path.toAbsolutePath().toString());
                    field(sb, "io_threads_active", 0);
                }
                case "clients" -> {
                    sb.append("# Clients\r\n");
                    field(sb, "connected_clients", server.clients.size());
                    field(sb, "cluster_connections", 0);
                    field(sb, "maxclients", 10000);
                    field(sb, "client_recent_max_input_buffer", 0);
                    field(sb, "client_recent_max_output_buffer", 0);
                    field(sb, "blocked_clients", 0);
                    field(sb, "tracking_clients", 0);
                    field(sb, "clients_in_timeout_table", 0);
                }
                case "cpu" -> {
                    sb.append("# CPU\r\n");
                    double cpu = 0;
                    if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
                        cpu = os.getProcessCpuTime() / 1e9;
                    }
                    double loopCpu = main.loopCpuSeconds();
                    // The JVM reports process CPU time without the user/system split getrusage gives.
                    field(sb, "used_cpu_sys", String.format(Locale.ROOT, "%.6f", 0.0));
                    field(sb, "used_cpu_user", String.format(Locale.ROOT, "%.6f", cpu));
                    field(sb, "used_cpu_sys_children", "0.000000");
                    field(sb, "used_cpu_user_children", "0.000000");
                    field(sb, "used_cpu_sys_main_thread", "0.000000");
                    field(sb, "used_cpu_user_main_thread", String.format(Locale.ROOT, "%.6f", loopCpu));
                }
                case "stats" -> {
                    sb.append("# Stats\r\n");
                    field(sb, "total_connections_received", server.totalConnections);
                    field(sb, "total_commands_processed", server.totalCommands);
                    field(sb, "instantaneous_ops_per_sec", 0);
                    field(sb, "total_net_input_bytes", server.netInput);
                    field(sb, "total_net_output_bytes", server.netOutput);
                    field(sb, "total_net_repl_input_bytes", 0);
                    field(sb, "total_net_repl_output_bytes", 0);
                    field(sb, "instantaneous_input_kbps", "0.00");
                    field(sb, "instantaneous_output_kbps", "0.00");
                    field(sb, "instantaneous_input_repl_kbps", "0.00");
                    field(sb, "instantaneous_output_repl_kbps", "0.00");
                    for (String zero : new String[] {"rejected_connections", "sync_full", "sync_partial_ok", "sync_partial_err",
                        "expired_keys"}) {
                        field(sb, zero, 0);
                    }
                    field(sb, "expired_stale_perc", "0.00");
                    for (String zero : new String[] {"expired_time_cap_reached_count", "expire_cycle_cpu_milliseconds", "evicted_keys",
                        "evicted_clients", "total_eviction_exceeded_time", "current_eviction_exceeded_time", "keyspace_hits",
                        "keyspace_misses"}) {
                        field(sb, zero, 0);
                    }
                    field(sb, "pubsub_channels", server.channels.size());
                    field(sb, "pubsub_patterns", server.patterns.size());
                    for (String zero : new String[] {"pubsubshard_channels", "latest_fork_usec", "total_forks", "migrate_cached_sockets",
                        "slave_expires_tracked_keys", "active_defrag_hits", "active_defrag_misses", "active_defrag_key_hits",
                        "active_defrag_key_misses", "total_active_defrag_time", "current_active_defrag_time", "tracking_total_keys",
                        "tracking_total_items", "tracking_total_prefixes", "unexpected_error_replies"}) {
                        field(sb, zero, 0);
                    }
                    field(sb, "total_error_replies", server.totalErrorReplies);
                    field(sb, "dump_payload_sanitizations", 0);
                    field(sb, "total_reads_processed", server.totalReads);
                    field(sb, "total_writes_processed", server.totalWrites);
                    for (String zero : new String[] {"io_threaded_reads_processed", "io_threaded_writes_processed", "reply_buffer_shrinks",
                        "reply_buffer_expands"}) {
                        field(sb, zero, 0);
                    }
                }
                default -> {
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
            }
        }
        return sb.toString();
    }

    private static void field(StringBuilder sb, String name, Object value) {
        sb.append(name).append(':').append(value).append("\r\n");
    }

    private void client(SentinelServer.Client c, byte[][] argv) {
        RespWriter w = c.writer();
        String sub = s(argv[1]).toLowerCase(Locale.ROOT);
        switch (sub) {
            case "id" -> {
                if (argv.length != 2) throw arity("client|id");
                w.integer(c.id);
            }
            case "getname" -> {
                if (argv.length != 2) throw arity("client|getname");
                if (c.name.isEmpty()) w.nullBulk();
                else w.bulk(c.name);
            }
            case "setname" -> {
                if (argv.length != 3) throw arity("client|setname");
                String n = s(argv[2]);
                if (!validName(n)) throw new CommandError("ERR Client names cannot contain spaces, newlines or special characters.");
                c.name = n;
                w.ok();
            }
            case "info" -> {
                if (argv.length != 2) throw arity("client|info");
                w.verbatim(clientInfo(c) + "\n", "txt");
            }
            case "list" -> {
                StringBuilder sb = new StringBuilder();
                for (SentinelServer.Client o : server.clients) sb.append(clientInfo(o)).append('\n');
                w.verbatim(sb.toString(), "txt");
            }
            case "kill" -> {
                if (argv.length == 3) {
                    String addr = s(argv[2]);
                    for (SentinelServer.Client o : server.clients) {
                        if (o.addr().equals(addr)) {
                            if (o == c) o.closeAfterReply = true;
                            else o.channel.close();
                            w.ok();
                            return;
                        }
                    }
                    throw new CommandError("ERR No such client");
                }
                int killed = 0;
                for (int i = 2; i + 1 < argv.length; i += 2) {
                    String opt = s(argv[i]).toLowerCase(Locale.ROOT);
                    String val = s(argv[i + 1]);
                    for (SentinelServer.Client o : new ArrayList<>(server.clients)) {
                        boolean match = switch (opt) {
                            case "id" -> String.valueOf(o.id).equals(val);
                            case "addr" -> o.addr().equals(val);
                            case "laddr" -> o.laddr().equals(val);
                            case "type" -> val.equalsIgnoreCase(o.subscriptions() > 0 ? "pubsub" : "normal");
                            default -> throw new CommandError("ERR syntax error");
                        };
                        if (!match) continue;
                        killed++;
                        if (o == c) o.closeAfterReply = true;
                        else o.channel.close();
                    }
                }
                w.integer(killed);
            }
            default -> throw new CommandError("ERR unknown subcommand '" + truncate(s(argv[1]), 128) + "'. Try CLIENT HELP.");
        }
    }

    private String clientInfo(SentinelServer.Client c) {
        long now = System.currentTimeMillis();
        return "id=" + c.id + " addr=" + c.addr() + " laddr=" + c.laddr() + " fd=-1 name=" + c.name + " age=" + (now - c.created) / 1000
                + " idle=" + (now - c.lastInteraction) / 1000 + " flags=" + (c.subscriptions() > 0 ? "P" : "N") + " db=0 sub="
                + c.subscribedChannels.size() + " psub=" + c.subscribedPatterns.size()
                + " ssub=0 multi=-1 qbuf=0 qbuf-free=0 argv-mem=0 multi-mem=0 rbs=0 rbp=0 obl=0 oll=0 omem=0 tot-mem=0 events=r cmd="
                + c.lastCommand + " user=default redir=-1 resp=" + c.writer().resp();
    }

    private static CommandError arity(String name) {
        return new CommandError("ERR wrong number of arguments for '" + name + "' command");
    }

    private void command(RespWriter w, byte[][] argv) {
        if (argv.length == 1) {
            w.arrayLen(ARITY.size());
            for (Map.Entry<String, Integer> e : ARITY.entrySet()) commandEntry(w, e.getKey(), e.getValue());
            return;
        }
        String sub = s(argv[1]).toLowerCase(Locale.ROOT);
        switch (sub) {
            case "count" -> w.integer(ARITY.size());
            case "list" -> {
                List<String> names = new ArrayList<>(ARITY.keySet());
                for (String sc : SENTINEL_ARITY.keySet()) names.add("sentinel|" + sc);
                w.arrayLen(names.size());
                for (String n : names) w.bulk(n);
            }
            case "info" -> {
                w.arrayLen(argv.length - 2);
                for (int i = 2; i < argv.length; i++) {
                    String n = s(argv[i]).toLowerCase(Locale.ROOT);
                    Integer a = ARITY.get(n);
                    if (a == null) w.nullArray();
                    else commandEntry(w, n, a);
                }
            }
            default -> throw new CommandError("ERR unknown subcommand '" + truncate(s(argv[1]), 128) + "'. Try COMMAND HELP.");
        }
    }

    private static void commandEntry(RespWriter w, String name, int arity) {
        w.arrayLen(10);
        w.bulk(name);
        w.integer(arity);
        w.setLen(0);
        w.integer(0);
        w.integer(0);
        w.integer(0);
        w.setLen(0);
        w.setLen(0);
        w.arrayLen(0);
        w.arrayLen(0);
    }

    private void acl(RespWriter w, byte[][] argv) {
        String sub = s(argv[1]).toLowerCase(Locale.ROOT);
        if (sub.equals("whoami") && argv.length == 2) {
            w.bulk("default");
            return;
        }
        throw new CommandError("ERR unknown subcommand '" + truncate(s(argv[1]), 128) + "'. Try ACL HELP.");
    }

    private void shutdown(SentinelServer.Client c, byte[][] argv) {
        for (int i = 1; i < argv.length; i++) {
            String o = s(argv[i]).toLowerCase(Locale.ROOT);
            if (!o.equals("nosave") && !o.equals("save") && !o.equals("now") && !o.equals("force") && !o.equals("abort")) {
                throw new CommandError("ERR syntax error");
            }
            if (o.equals("abort")) throw new CommandError("ERR No shutdown in progress.");
        }
        Log.warning("User requested shutdown...");
        main.shutdown();
    }

    // ------------------------------------------------------------------ SENTINEL

    private Instance masterOrError(byte[] name) {
        Instance ri = sentinel.masterByName(s(name));
        if (ri == null) throw new CommandError("ERR No such master with that name");
        return ri;
    }

    private void sentinelCommand(SentinelServer.Client c, byte[][] argv) {
        RespWriter w = c.writer();
        String sub = s(argv[1]).toLowerCase(Locale.ROOT);
        Integer arity = SENTINEL_ARITY.get(sub);
        if (arity == null) {
            throw new CommandError("ERR unknown subcommand '" + truncate(s(argv[1]), 128) + "'. Try SENTINEL HELP.");
        }
        if (!arityOk(arity, argv.length)) throw arity("sentinel|" + sub);
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
        if (sentinel.flushConfig()) w.ok();
        else error(w, "ERR Failed to save config file. Check server logs.");
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
                error(w, e.getMessage());
                if (changes > 0) sentinel.flushConfig();
                return;
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
                if (io.magpie.engine.util.Glob.match(pattern, kv[0].getBytes(StandardCharsets.UTF_8), true)) matched.add(kv);
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
