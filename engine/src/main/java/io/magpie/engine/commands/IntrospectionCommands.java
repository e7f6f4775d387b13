package io.magpie.engine.commands;

import io.magpie.engine.Args;
import io.magpie.engine.Client;
import io.magpie.engine.Errors;
import io.magpie.engine.ReplyException;
import io.magpie.commands.CommandTable;
import io.magpie.engine.command.CommandHandler;
import io.magpie.engine.keyspace.Dict;
import io.magpie.engine.types.Values;
import io.magpie.engine.util.Numbers;

/** OBJECT (object.c) and MEMORY USAGE (object.c's memoryCommand). */
final class IntrospectionCommands {
    private IntrospectionCommands() {}

    static void register(CommandTable<CommandHandler> t) {
        t.register("object|encoding", IntrospectionCommands::objectEncoding);
        t.register("object|idletime", IntrospectionCommands::objectIdletime);
        t.register("object|freq", IntrospectionCommands::objectFreq);
        t.register("object|refcount", IntrospectionCommands::objectRefcount);
        t.register("object|help", IntrospectionCommands::objectHelp);
        t.register("memory|usage", IntrospectionCommands::memoryUsage);
        t.register("memory|help", IntrospectionCommands::memoryHelp);
    }

    /** Redis's OBJ_SHARED_REFCOUNT: what OBJECT REFCOUNT says of a shared object. */
    static final long OBJ_SHARED_REFCOUNT = Integer.MAX_VALUE;
    /** Redis's OBJ_SHARED_INTEGERS: 0..9999 are shared string objects. */
    static final long OBJ_SHARED_INTEGERS = 10000;

    private static final String POLICY_SWITCH_NOTE =
            " Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.";

    /**
     * The entry of key without touching it, or null after replying nil (objectCommandLookupOrReply).
     * Expired keys are reaped as by any lookup.
     */
    private static Dict.Entry lookupOrReplyNull(Client c, byte[] key) {
        if (c.db.lookupNoTouch(key) == null) {
            c.addReplyNull();
            return null;
        }
        return c.db.entry(key);
    }

    static void objectEncoding(Client c) {
        Dict.Entry e = lookupOrReplyNull(c, c.argv[2]);
        if (e != null) c.addReplyBulkString(Values.encoding(e.value()));
    }

    static void objectIdletime(Client c) {
        Dict.Entry e = lookupOrReplyNull(c, c.argv[2]);
        if (e == null) return;
        if (c.engine.config.maxmemoryPolicy.value().isLfu()) {
            throw new ReplyException("ERR An LFU maxmemory policy is selected, idle time not tracked." + POLICY_SWITCH_NOTE);
        }
        c.addReplyLongLong(c.engine.eviction().idleMillis(e) / 1000);
    }

    static void objectFreq(Client c) {
        Dict.Entry e = lookupOrReplyNull(c, c.argv[2]);
        if (e == null) return;
        if (!c.engine.config.maxmemoryPolicy.value().isLfu()) {
            throw new ReplyException("ERR An LFU maxmemory policy is not selected, access frequency not tracked." + POLICY_SWITCH_NOTE);
        }
        c.addReplyLongLong(c.engine.eviction().frequency(e));
    }

    /**
     * Every value has one reference, except the small integers Redis shares (0..9999,
     * stored as int-encoded strings) unless an LRU/LFU policy with maxmemory set needs
     * per-key access data and so disables sharing. We decide by the current config, where
     * Redis decided when the value was stored.
     */
    static void objectRefcount(Client c) {
        Dict.Entry e = lookupOrReplyNull(c, c.argv[2]);
        if (e == null) return;
        c.addReplyLongLong(isSharedInteger(c, e.value()) ? OBJ_SHARED_REFCOUNT : 1);
    }

    private static boolean isSharedInteger(Client c, Object v) {
        if (!(v instanceof byte[] b) || !"int".equals(Values.encoding(b))) return false;
        var policy = c.engine.config.maxmemoryPolicy.value();
        if (c.engine.config.maxmemory.value() != 0 && (policy.isLru() || policy.isLfu())) return false;
        long n = Numbers.toLongOrInvalid(b);
        return n >= 0 && n < OBJ_SHARED_INTEGERS;
    }

    static void objectHelp(Client c) {
        addReplyHelp(c, "OBJECT",
                "ENCODING <key>",
                "    Return the kind of internal representation used in order to store the value",
                "    associated with a <key>.",
                "FREQ <key>",
                "    Return the access frequency index of the <key>. The returned integer is",
                "    proportional to the logarithm of the recent access frequency of the key.",
                "IDLETIME <key>",
                "    Return the idle time of the <key>, that is the approximated number of",
                "    seconds elapsed since the last access to the key.",
                "REFCOUNT <key>",
                "    Return the number of references of the value associated with the specified",
                "    <key>.");
    }

    /** MEMORY USAGE key [SAMPLES count]: our estimate is exact per value, so SAMPLES is parsed and ignored. */
    static void memoryUsage(Client c) {
        for (int j = 3; j < c.argc; j++) {
            if (c.argIs(j, "samples") && j + 1 < c.argc) {
                long samples = Args.parseLong(c.argv[++j]);
                if (samples < 0) throw new ReplyException(Errors.SYNTAX);
            } else {
                throw new ReplyException(Errors.SYNTAX);
            }
        }
        Dict.Entry e = lookupOrReplyNull(c, c.argv[2]);
        if (e == null) return;
        c.addReplyLongLong(c.engine.memory().keyUsage(c.db, e));
    }

    static void memoryHelp(Client c) {
        addReplyHelp(c, "MEMORY",
                "DOCTOR",
                "    Return memory problems reports.",
                "MALLOC-STATS",
                "    Return internal statistics report from the memory allocator.",
                "PURGE",
                "    Attempt to purge dirty pages for reclamation by the allocator.",
                "STATS",
                "    Return information about the memory usage of the server.",
                "USAGE <key> [SAMPLES <count>]",
                "    Return memory in bytes used by <key> and its value. Nested values are",
                "    sampled up to <count> times (default: 5, 0 means sample all).");
    }

    /** Redis's addReplyHelp: a header line, the lines given, and HELP's own entry, as status replies. */
    static void addReplyHelp(Client c, String command, String... lines) {
        c.addReplyArrayLen(lines.length + 3);
        c.addReplyStatus(command + " <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
        for (String l : lines) c.addReplyStatus(l);
        c.addReplyStatus("HELP");
        c.addReplyStatus("    Prints this help.");
    }
}
