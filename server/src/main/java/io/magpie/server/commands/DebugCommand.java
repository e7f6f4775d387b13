package io.magpie.server.commands;

import io.magpie.engine.Client;
import io.magpie.engine.DatasetDigest;
import io.magpie.engine.Errors;
import io.magpie.engine.ReplyException;
import io.magpie.engine.config.Params;
import io.magpie.engine.keyspace.Database;
import io.magpie.engine.keyspace.Dict;
import io.magpie.engine.types.Values;
import io.magpie.protocol.Glob;
import io.magpie.engine.util.Numbers;
import io.magpie.server.Log;
import io.magpie.server.MagpieServer;
import io.magpie.server.ProtectedMode;
import io.magpie.server.ServerConfig;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;

/**
 * DEBUG (debug.c), gated by enable-debug-command as in Redis 7.0: the subcommands tests and
 * tools rely on. DIGEST and DIGEST-VALUE give redis-server's digest for the same data.
 */
final class DebugCommand {
    private DebugCommand() {}

    static void register(MagpieServer server) {
        server.engine().commands.register("debug", c -> debug(server, c));
    }

    /** REPLYBUFFER settings: accepted and kept; Netty sizes reply buffers on its own. */
    private static long replyBufferPeakResetTime = 5000;
    private static boolean replyBufferResizing = true;
    private static long quicklistPackedThreshold = 1L << 30;

    static void debug(MagpieServer server, Client c) {
        ServerConfig.DebugAccess access = server.config().enableDebugCommand.value();
        boolean local = c.conn != null && isLocal(c.conn.remoteAddress());
        if (access == ServerConfig.DebugAccess.NO || access == ServerConfig.DebugAccess.LOCAL && !local) {
            throw new ReplyException("ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", "
                    + "you can run it from a local connection, otherwise you need to set this option in the configuration file, "
                    + "and then restart the server.");
        }
        String sub = c.argString(1).toLowerCase(java.util.Locale.ROOT);
        switch (sub) {
            case "help" -> {
                c.addReplyHelp(DEBUG_HELP);
                return;
            }
            case "sleep" -> {
                if (c.argc == 3) {
                    sleep(c);
                    return;
                }
            }
            case "set-active-expire" -> {
                if (c.argc == 3) {
                    c.engine.activeExpireEnabled = atoi(c.argv[2]) != 0;
                    c.addReplyOk();
                    return;
                }
            }
            case "reload" -> {
                reload(server, c);
                return;
            }
            case "loadaof" -> {
                if (c.argc == 2) {
                    server.persistence().debugLoadAof();
                    c.addReplyOk();
                    return;
                }
            }
            case "object" -> {
                if (c.argc == 3) {
                    AdminCommands.debugObject(c);
                    return;
                }
            }
            case "populate" -> {
                if (c.argc >= 3 && c.argc <= 5) {
                    populate(c);
                    return;
                }
            }
            case "digest" -> {
                if (c.argc == 2) {
                    c.addReplyStatus(DatasetDigest.hex(new DatasetDigest().dataset(c.engine)));
                    return;
                }
            }
            case "digest-value" -> {
                DatasetDigest digest = new DatasetDigest();
                c.addReplyArrayLen(c.argc - 2);
                for (int j = 2; j < c.argc; j++) c.addReplyStatus(DatasetDigest.hex(digest.value(c.db, c.argv[j])));
                return;
            }
            case "protocol" -> {
                if (c.argc == 3) {
                    protocol(c);
                    return;
                }
            }
            case "replybuffer" -> {
                if (c.argc == 4 && replyBuffer(c)) return;
            }
            case "quicklist-packed-threshold" -> {
                if (c.argc == 3) {
                    quicklistPackedThreshold(c);
                    return;
                }
            }
            case "listpack" -> {
                if (c.argc == 3) {
                    listpack(c);
                    return;
                }
            }
            case "stringmatch-test" -> {
                if (c.argc == 2) {
                    stringmatchFuzz();
                    c.addReplyStatus("Apparently Redis did not crash: test passed");
                    return;
                }
            }
            case "change-repl-id" -> {
                if (c.argc == 2) {
                    Log.warning("Changing replication IDs after receiving DEBUG change-repl-id");
                    server.replication().debugChangeReplicationId();
                    c.addReplyOk();
                    return;
                }
            }
            case "aof-flush-sleep" -> {
                if (c.argc == 3) {
                    server.persistence().aof().flushSleepMicros = atoi(c.argv[2]);
                    c.addReplyOk();
                    return;
                }
            }
            default -> { }
        }
        throw new ReplyException(AdminCommands.subcommandSyntaxError(c, "DEBUG"));
    }

    /** islocalClient: 127.0.0.1 and ::1 only, as protected mode. */
    private static boolean isLocal(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        String host = colon < 0 ? hostPort : hostPort.substring(0, colon);
        try {
            return ProtectedMode.isLocal(new java.net.InetSocketAddress(java.net.InetAddress.getByName(host), 0));
        } catch (java.net.UnknownHostException e) {
            return false;
        }
    }

    /** DEBUG SLEEP seconds (strtod: what does not parse sleeps 0). Blocks the server, as in Redis. */
    private static void sleep(Client c) {
        double seconds;
        try {
            seconds = Double.parseDouble(new String(c.argv[2], StandardCharsets.US_ASCII).trim());
        } catch (NumberFormatException e) {
            seconds = 0;
        }
        long nanos = (long) (seconds * 1e9);
        if (nanos > 0) {
            try {
                Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        c.addReplyOk();
    }

    /** DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE]. */
    private static void reload(MagpieServer server, Client c) {
        boolean save = true, flush = true, merge = false;
        for (int j = 2; j < c.argc; j++) {
            if (c.argIs(j, "merge")) merge = true;
            else if (c.argIs(j, "noflush")) flush = false;
            else if (c.argIs(j, "nosave")) save = false;
            else throw new ReplyException("ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.");
        }
        boolean saved;
        try {
            saved = server.persistence().debugReload(save, flush, merge);
        } catch (IllegalStateException e) {
            throw new ReplyException("ERR " + e.getMessage());
        }
        if (!saved) throw new ReplyException("ERR");
        c.addReplyOk();
    }

    /** DEBUG POPULATE count [prefix] [size]: prefix:N keys holding "value:N" (cut or zero-padded to size). */
    private static void populate(Client c) {
        long keys = positive(c.argv[2]);
        long size = c.argc == 5 ? positive(c.argv[4]) : 0;
        String prefix = c.argc >= 4 ? c.argString(3) : "key";
        Database db = c.db;
        for (long j = 0; j < keys; j++) {
            byte[] key = (prefix + ":" + j).getBytes(StandardCharsets.UTF_8);
            if (db.lookupWrite(key) != null) continue;
            byte[] value = ("value:" + j).getBytes(StandardCharsets.US_ASCII);
            if (size > 0) value = java.util.Arrays.copyOf(value, (int) Math.min(size, Integer.MAX_VALUE - 8));
            db.add(key, value);
            db.signalModifiedKey(key);
        }
        c.addReplyOk();
    }

    /** getPositiveLongFromObjectOrReply. */
    private static long positive(byte[] arg) {
        long[] v = new long[1];
        if (!Numbers.parseLong(arg, v) || v[0] < 0) throw new ReplyException("ERR value is out of range, must be positive");
        return v[0];
    }

    /** DEBUG PROTOCOL type: one reply of each RESP type, as Redis sends them. */
    private static void protocol(Client c) {
        switch (c.argString(2).toLowerCase(java.util.Locale.ROOT)) {
            case "string" -> c.addReplyBulkString("Hello World");
            case "integer" -> c.addReplyLongLong(12345);
            case "double" -> c.addReplyDouble(3.141);
            case "bignum" -> c.addReplyBigNum("1234567999999999999999999999999999999");
            case "null" -> c.addReplyNull();
            case "array" -> {
                c.addReplyArrayLen(3);
                for (int j = 0; j < 3; j++) c.addReplyLongLong(j);
            }
            case "set" -> {
                c.addReplySetLen(3);
                for (int j = 0; j < 3; j++) c.addReplyLongLong(j);
            }
            case "map" -> {
                c.addReplyMapLen(3);
                for (int j = 0; j < 3; j++) {
                    c.addReplyLongLong(j);
                    c.addReplyBool(j == 1);
                }
            }
            case "attrib" -> {
                if (c.resp() >= 3) {
                    c.writer().raw("|1\r\n".getBytes(StandardCharsets.US_ASCII));
                    c.addReplyBulkString("key-popularity");
                    c.addReplyArrayLen(2);
                    c.addReplyBulkString("key:123");
                    c.addReplyLongLong(90);
                }
                c.addReplyBulkString("Some real reply following the attribute");
            }
            case "push" -> {
                if (c.resp() < 3) throw new ReplyException("ERR RESP2 is not supported by this command");
                c.addReplyPushLen(2);
                c.addReplyBulkString("server-cpu-usage");
                c.addReplyLongLong(42);
                c.addReplyBulkString("Some real reply following the push reply");
            }
            case "true" -> c.addReplyBool(true);
            case "false" -> c.addReplyBool(false);
            case "verbatim" -> c.addReplyVerbatim("This is a verbatim\nstring", "txt");
            default -> throw new ReplyException("ERR Wrong protocol type name. Please use one of the following: "
                    + "string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false");
        }
    }

    /** DEBUG REPLYBUFFER PEAK-RESET-TIME never|reset|ms, or RESIZING 0|1. False: a syntax error. */
    private static boolean replyBuffer(Client c) {
        if (c.argIs(2, "peak-reset-time")) {
            if (c.argIs(3, "never")) replyBufferPeakResetTime = -1;
            else if (c.argIs(3, "reset")) replyBufferPeakResetTime = 5000;
            else replyBufferPeakResetTime = io.magpie.engine.Args.parseLong(c.argv[3]);
        } else if (c.argIs(2, "resizing")) {
            replyBufferResizing = atoi(c.argv[3]) != 0;
        } else {
            return false;
        }
        c.addReplyOk();
        return true;
    }

    /** DEBUG QUICKLIST-PACKED-THRESHOLD size: accepted within Redis's bounds (0 means 1gb). */
    private static void quicklistPackedThreshold(Client c) {
        long size;
        try {
            size = Params.parseMemory(c.argString(2));
        } catch (RuntimeException e) {
            size = -1;
        }
        if (size < 0 || size > (1L << 32) - (1 << 20)) {
            throw new ReplyException("ERR argument must be a memory value bigger than 1 and smaller than 4gb");
        }
        quicklistPackedThreshold = size == 0 ? 1L << 30 : size;
        c.addReplyOk();
    }

    /** DEBUG LISTPACK key: describes a listpack-encoded value on stdout. */
    private static void listpack(Client c) {
        Object v = c.db.lookupNoTouch(c.argv[2]);
        if (v == null) throw new ReplyException(Errors.NO_SUCH_KEY);
        if (!Values.encoding(v).equals("listpack")) throw new ReplyException("ERR Not a listpack encoded object.");
        Dict.Entry e = c.db.entry(c.argv[2]);
        System.out.println("{listpack} key " + new String(e.key(), StandardCharsets.UTF_8) + " type " + Values.type(v).typeName());
        c.addReplyStatus("Listpack structure printed on stdout");
    }

    /** stringmatchlen_fuzz_test: random patterns against random strings; the matcher must just return. */
    private static void stringmatchFuzz() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        for (int i = 0; i < 1000; i++) {
            byte[] pattern = new byte[r.nextInt(32)];
            byte[] str = new byte[r.nextInt(32)];
            for (int j = 0; j < pattern.length; j++) pattern[j] = (byte) r.nextInt(256);
            for (int j = 0; j < str.length; j++) str[j] = (byte) r.nextInt(256);
            Glob.match(pattern, str, false);
        }
    }

    /** atoi: leading digits (with a sign), 0 when there are none. */
    private static long atoi(byte[] b) {
        String s = new String(b, StandardCharsets.US_ASCII).trim();
        int end = 0;
        if (end < s.length() && (s.charAt(end) == '-' || s.charAt(end) == '+')) end++;
        while (end < s.length() && Character.isDigit(s.charAt(end))) end++;
        try {
            return Long.parseLong(s.substring(0, end));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static final String[] DEBUG_HELP = {
        "DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "AOF-FLUSH-SLEEP <microsec>",
        "    Server will sleep before flushing the AOF, this is used for testing.",
        "ASSERT",
        "    Crash by assertion failed.",
        "CHANGE-REPL-ID",
        "    Change the replication IDs of the instance.",
        "    Dangerous: should be used only for testing the replication subsystem.",
        "CONFIG-REWRITE-FORCE-ALL",
        "    Like CONFIG REWRITE but writes all configuration options, including",
        "    keywords not listed in original configuration file or default values.",
        "CRASH-AND-RECOVER [<milliseconds>]",
        "    Hard crash and restart after a <milliseconds> delay (default 0).",
        "DIGEST",
        "    Output a hex signature representing the current DB content.",
        "DIGEST-VALUE <key> [<key> ...]",
        "    Output a hex signature of the values of all the specified keys.",
        "ERROR <string>",
        "    Return a Redis protocol error with <string> as message. Useful for clients",
        "    unit tests to simulate Redis errors.",
        "LEAK <string>",
        "    Create a memory leak of the input string.",
        "LOG <message>",
        "    Write <message> to the server log.",
        "HTSTATS <dbid>",
        "    Return hash table statistics of the specified Redis database.",
        "HTSTATS-KEY <key>",
        "    Like HTSTATS but for the hash table stored at <key>'s value.",
        "LOADAOF",
        "    Flush the AOF buffers on disk and reload the AOF in memory.",
        "REPLICATE <string>",
        "    Replicates the provided string to replicas, allowing data divergence.",
        "MALLCTL <key> [<val>]",
        "    Get or set a malloc tuning integer.",
        "MALLCTL-STR <key> [<val>]",
        "    Get or set a malloc tuning string.",
        "OBJECT <key>",
        "    Show low level info about `key` and associated value.",
        "DROP-CLUSTER-PACKET-FILTER <packet-type>",
        "    Drop all packets that match the filtered type. Set to -1 allow all packets.",
        "OOM",
        "    Crash the server simulating an out-of-memory error.",
        "PANIC",
        "    Crash the server simulating a panic.",
        "POPULATE <count> [<prefix>] [<size>]",
        "    Create <count> string keys named key:<num>. If <prefix> is specified then",
        "    it is used instead of the 'key' prefix. These are not propagated to",
        "    replicas. Cluster slots are not respected so keys not belonging to the",
        "    current node can be created in cluster mode.",
        "PROTOCOL <type>",
        "    Reply with a test value of the specified type. <type> can be: string,",
        "    integer, double, bignum, null, array, set, map, attrib, push, verbatim,",
        "    true, false.",
        "RELOAD [option ...]",
        "    Save the RDB on disk and reload it back to memory. Valid <option> values:",
        "    * MERGE: conflicting keys will be loaded from RDB.",
        "    * NOFLUSH: the existing database will not be removed before load, but",
        "      conflicting keys will generate an exception and kill the server.",
        "    * NOSAVE: the database will be loaded from an existing RDB file.",
        "    Examples:",
        "    * DEBUG RELOAD: verify that the server is able to persist, flush and reload",
        "      the database.",
        "    * DEBUG RELOAD NOSAVE: replace the current database with the contents of an",
        "      existing RDB file.",
        "    * DEBUG RELOAD NOSAVE NOFLUSH MERGE: add the contents of an existing RDB",
        "      file to the database.",
        "RESTART [<milliseconds>]",
        "    Graceful restart: save config, db, restart after a <milliseconds> delay (default 0).",
        "SDSLEN <key>",
        "    Show low level SDS string info representing `key` and value.",
        "SEGFAULT",
        "    Crash the server with sigsegv.",
        "SET-ACTIVE-EXPIRE <0|1>",
        "    Setting it to 0 disables expiring keys in background when they are not",
        "    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the",
        "    default.",
        "QUICKLIST-PACKED-THRESHOLD <size>",
        "    Sets the threshold for elements to be inserted as plain vs packed nodes",
        "    Default value is 1GB, allows values up to 4GB. Setting to 0 restores to default.",
        "SET-SKIP-CHECKSUM-VALIDATION <0|1>",
        "    Enables or disables checksum checks for RDB files and RESTORE's payload.",
        "SLEEP <seconds>",
        "    Stop the server for <seconds>. Decimals allowed.",
        "STRINGMATCH-TEST",
        "    Run a fuzz tester against the stringmatchlen() function.",
        "STRUCTSIZE",
        "    Return the size of different Redis core C structures.",
        "LISTPACK <key>",
        "    Show low level info about the listpack encoding of <key>.",
        "QUICKLIST <key> [<0|1>]",
        "    Show low level info about the quicklist encoding of <key>.",
        "    The optional argument (0 by default) sets the level of detail",
        "CLIENT-EVICTION",
        "    Show low level client eviction pools info (maxmemory-clients).",
        "PAUSE-CRON <0|1>",
        "    Stop periodic cron job processing.",
        "REPLYBUFFER PEAK-RESET-TIME <NEVER||RESET|time>",
        "    Sets the time (in milliseconds) to wait between client reply buffer peak resets.",
        "    In case NEVER is provided the last observed peak will never be reset",
        "    In case RESET is provided the peak reset time will be restored to the default value",
        "REPLYBUFFER RESIZING <0|1>",
        "    Enable or disable the reply buffer resize cron job",
        "CLUSTERLINK KILL <to|from|all> <node-id>",
        "    Kills the link based on the direction to/from (both) with the provided node.",
        "HELP",
        "    Prints this help.",
    };
}
