package io.magpie.server.commands;

import io.magpie.engine.Args;
import io.magpie.engine.Client;
import io.magpie.engine.Errors;
import io.magpie.engine.ReplyException;
import io.magpie.engine.SlowLog;
import io.magpie.commands.CommandTable;
import io.magpie.commands.LatencyHistogram;
import io.magpie.commands.RedisCommand;
import io.magpie.engine.command.CommandHandler;
import io.magpie.engine.keyspace.Dict;
import io.magpie.engine.types.Values;
import io.magpie.engine.util.Numbers;
import io.magpie.server.LatencyMonitor;
import io.magpie.server.MagpieServer;
import java.util.Iterator;
import java.util.Map;

/** TIME, SHUTDOWN, MONITOR, DEBUG OBJECT, SLOWLOG and LATENCY: the administrator's commands. */
final class AdminCommands {
    private AdminCommands() {}

    static void register(MagpieServer server) {
        CommandTable<CommandHandler> t = server.engine().commands;
        t.register("time", AdminCommands::time);
        t.register("shutdown", c -> shutdown(server, c));
        t.register("monitor", AdminCommands::monitor);
        DebugCommand.register(server);
        t.register("slowlog|get", AdminCommands::slowlogGet);
        t.register("slowlog|len", c -> c.addReplyLongLong(c.engine.slowlog.entries().size()));
        t.register("slowlog|reset", c -> {
            c.engine.slowlog.reset();
            c.addReplyOk();
        });
        t.register("slowlog|help", c -> c.addReplyHelp(SLOWLOG_HELP));
        LatencyMonitor latency = server.latency();
        t.register("latency|latest", c -> latencyLatest(latency, c));
        t.register("latency|history", c -> latencyHistory(latency, c));
        t.register("latency|reset", c -> latencyReset(latency, c));
        t.register("latency|doctor", c -> c.addReplyVerbatim(latency.doctor(c.engine.config.latencyMonitorThreshold.value()), "txt"));
        t.register("latency|graph", c -> latencyGraph(latency, c));
        t.register("latency|help", c -> c.addReplyHelp(LATENCY_HELP));
        t.register("latency|histogram", AdminCommands::latencyHistogram);
    }

    /**
     * LATENCY HISTOGRAM [command ...]: for each command with a latency histogram (all, or those
     * named; a container named gives its subcommands), a map of its calls and its cumulative
     * distribution by powers of two, in microseconds. Unknown names are skipped.
     */
    static void latencyHistogram(Client c) {
        java.util.List<RedisCommand> cmds = new java.util.ArrayList<>();
        if (c.argc == 2) {
            for (RedisCommand cmd : c.engine.commands.allImplemented()) if (cmd.latencyHistogram != null) cmds.add(cmd);
        } else {
            for (int j = 2; j < c.argc; j++) {
                RedisCommand cmd = lookupCommandBySds(c.engine.commands, c.argString(j));
                if (cmd == null) continue;
                if (cmd.latencyHistogram != null) cmds.add(cmd);
                for (RedisCommand sub : cmd.subcommands().values()) if (sub.latencyHistogram != null) cmds.add(sub);
            }
        }
        c.addReplyMapLen(cmds.size());
        for (RedisCommand cmd : cmds) {
            c.addReplyBulkString(cmd.fullName);
            fillCommandCdf(c, cmd.latencyHistogram);
        }
    }

    /** "name" or "container|subcommand", as lookupCommandBySds. */
    private static RedisCommand lookupCommandBySds(CommandTable<CommandHandler> table, String name) {
        int bar = name.indexOf('|');
        if (bar < 0) return table.lookup(name);
        RedisCommand container = table.lookup(name.substring(0, bar));
        if (container == null || name.indexOf('|', bar + 1) >= 0) return null;
        return container.subcommands().get(name.substring(bar + 1).toLowerCase(java.util.Locale.ROOT));
    }

    private static void fillCommandCdf(Client c, LatencyHistogram h) {
        c.addReplyMapLen(2);
        c.addReplyBulkString("calls");
        c.addReplyLongLong(h.totalCount());
        c.addReplyBulkString("histogram_usec");
        java.util.List<long[]> buckets = new java.util.ArrayList<>();
        h.forEachBucket(true, (usec, cumulative) -> buckets.add(new long[] {usec, cumulative}));
        c.addReplyMapLen(buckets.size());
        for (long[] b : buckets) {
            c.addReplyLongLong(b[0]);
            c.addReplyLongLong(b[1]);
        }
    }

    /** TIME: seconds and microseconds of the wall clock, as two bulk strings. */
    static void time(Client c) {
        long micros = c.engine.clock().millis() * 1000 + (c.engine.clock().nanos() / 1000) % 1000;
        c.addReplyArrayLen(2);
        c.addReplyBulkLongLong(micros / 1_000_000);
        c.addReplyBulkLongLong(micros % 1_000_000);
    }

    /** SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT]: on success the client gets no reply, only EOF. */
    static void shutdown(MagpieServer server, Client c) {
        boolean save = false, nosave = false, now = false, force = false, abort = false;
        for (int i = 1; i < c.argc; i++) {
            if (c.argIs(i, "nosave")) nosave = true;
            else if (c.argIs(i, "save")) save = true;
            else if (c.argIs(i, "now")) now = true;
            else if (c.argIs(i, "force")) force = true;
            else if (c.argIs(i, "abort")) abort = true;
            else throw new ReplyException(Errors.SYNTAX);
        }
        if ((abort && c.argc != 2) || (save && nosave)) throw new ReplyException(Errors.SYNTAX);
        // No shutdown ever waits for replicas here, so there is none in progress to abort.
        if (abort) throw new ReplyException("ERR No shutdown in progress.");
        // While a script runs past its limit only SHUTDOWN NOSAVE may stop the server (it ends the script).
        String busy = nosave ? null : c.engine.scripting.busyError();
        if (busy != null) throw new ReplyException(busy);
        if (!server.shutdown(save, nosave, force)) throw new ReplyException("ERR Errors trying to SHUTDOWN. Check logs.");
        c.closeAfterReply = true;
    }

    /** MONITOR: from now on this client receives every command the server runs. */
    static void monitor(Client c) {
        if (c.monitor) return;
        c.engine.addMonitor(c);
        c.addReplyOk();
    }

    /* ---------------- DEBUG ---------------- */

    /** addReplySubcommandSyntaxError: names argv[1] as the client typed it. */
    static String subcommandSyntaxError(Client c, String container) {
        return "ERR unknown subcommand or wrong number of arguments for '" + Errors.truncate(c.argString(1)) + "'. Try " + container + " HELP.";
    }

    /** DEBUG OBJECT key: the object's encoding, LRU clock and idle time, in Redis's line format. */
    static void debugObject(Client c) {
        byte[] key = c.argv[2];
        Object v = c.db.lookupNoTouch(key);
        if (v == null) throw new ReplyException(Errors.NO_SUCH_KEY);
        Dict.Entry e = c.db.entry(key);
        String encoding = Values.encoding(v);
        // Integers below 10000 are Redis's shared objects, with an immortal refcount.
        long refcount = 1;
        if (encoding.equals("int")) {
            long[] n = new long[1];
            if (Numbers.parseLong((byte[]) v, n) && n[0] >= 0 && n[0] < 10000) refcount = Integer.MAX_VALUE;
        }
        long idle = c.engine.eviction().idleMillis(e) / 1000;
        long serialized = v instanceof byte[] b ? b.length + 1 : 1;
        c.addReplyStatus("Value at:0x" + Long.toHexString(0x7f0000000000L | (System.identityHashCode(v) & 0xffffffffL))
                + " refcount:" + refcount + " encoding:" + encoding + " serializedlength:" + serialized
                + " lru:" + e.lru + " lru_seconds_idle:" + idle);
    }

    /* ---------------- SLOWLOG ---------------- */

    static void slowlogGet(Client c) {
        long count = 10;
        if (c.argc == 3) {
            count = Args.parseLong(c.argv[2], "ERR count should be greater than or equal to -1");
            if (count < -1) throw new ReplyException("ERR count should be greater than or equal to -1");
            if (count == -1) count = Long.MAX_VALUE;
        } else if (c.argc > 3) {
            throw new ReplyException(subcommandSyntaxError(c, "SLOWLOG"));
        }
        long n = Math.min(count, c.engine.slowlog.entries().size());
        c.addReplyArrayLen(n);
        Iterator<SlowLog.Entry> it = c.engine.slowlog.entries().iterator();
        for (long i = 0; i < n; i++) {
            SlowLog.Entry e = it.next();
            c.addReplyArrayLen(6);
            c.addReplyLongLong(e.id());
            c.addReplyLongLong(e.timeSeconds());
            c.addReplyLongLong(e.micros());
            c.addReplyArrayLen(e.argv().length);
            for (byte[] a : e.argv()) c.addReplyBulk(a);
            c.addReplyBulkString(e.peer());
            c.addReplyBulkString(e.clientName());
        }
    }

    /* ---------------- LATENCY ---------------- */

    static void latencyLatest(LatencyMonitor latency, Client c) {
        Map<String, LatencyMonitor.Series> all = latency.events();
        c.addReplyArrayLen(all.size());
        for (Map.Entry<String, LatencyMonitor.Series> e : all.entrySet()) {
            LatencyMonitor.Sample last = e.getValue().latest();
            c.addReplyArrayLen(4);
            c.addReplyBulkString(e.getKey());
            c.addReplyLongLong(last.timeSeconds());
            c.addReplyLongLong(last.millis());
            c.addReplyLongLong(e.getValue().max());
        }
    }

    static void latencyHistory(LatencyMonitor latency, Client c) {
        LatencyMonitor.Series s = latency.events().get(c.argString(2));
        if (s == null) {
            c.addReplyArrayLen(0);
            return;
        }
        c.addReplyArrayLen(s.samples().size());
        for (LatencyMonitor.Sample sample : s.samples()) {
            c.addReplyArrayLen(2);
            c.addReplyLongLong(sample.timeSeconds());
            c.addReplyLongLong(sample.millis());
        }
    }

    static void latencyReset(LatencyMonitor latency, Client c) {
        if (c.argc == 2) {
            c.addReplyLongLong(latency.reset(null));
            return;
        }
        long n = 0;
        for (int i = 2; i < c.argc; i++) n += latency.reset(c.argString(i));
        c.addReplyLongLong(n);
    }

    static void latencyGraph(LatencyMonitor latency, Client c) {
        String event = c.argString(2);
        LatencyMonitor.Series s = latency.events().get(event);
        if (s == null) throw new ReplyException("ERR No samples available for event '" + event + "'");
        c.addReplyVerbatim(latency.graph(event, s), "txt");
    }

    private static final String[] SLOWLOG_HELP = {
        "SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "GET [<count>]",
        "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
        "    Entries are made of:",
        "    id, timestamp, time in microseconds, arguments array, client IP and port,",
        "    client name",
        "LEN",
        "    Return the length of the slowlog.",
        "RESET",
        "    Reset the slowlog.",
        "HELP",
        "    Prints this help.",
    };

    private static final String[] LATENCY_HELP = {
        "LATENCY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "DOCTOR",
        "    Return a human readable latency analysis report.",
        "GRAPH <event>",
        "    Return an ASCII latency graph for the <event> class.",
        "HISTORY <event>",
        "    Return time-latency samples for the <event> class.",
        "LATEST",
        "    Return the latest latency samples for all events.",
        "RESET [<event> ...]",
        "    Reset latency data of one or more <event> classes.",
        "    (default: reset all data for all event classes)",
        "HISTOGRAM [COMMAND ...]",
        "    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.",
        "    If no commands are specified then all histograms are replied.",
        "HELP",
        "    Prints this help.",
    };
}
