package io.magpie.engine.commands;

import io.magpie.engine.Client;
import io.magpie.engine.Errors;
import io.magpie.engine.ReplyException;
import io.magpie.commands.CommandTable;
import io.magpie.engine.command.CommandHandler;
import io.magpie.engine.types.ScalableBloomFilter;
import io.magpie.engine.types.ValueType;
import io.magpie.engine.types.Values;
import io.magpie.engine.util.Numbers;

/**
 * RedisBloom's Bloom filter commands (rebloom.c): BF.RESERVE, BF.ADD, BF.MADD, BF.EXISTS,
 * BF.MEXISTS, BF.INSERT, BF.INFO, BF.CARD, with RedisBloom's replies and error texts
 * (some without an "ERR" code, as the module sends them). Module commands check their own
 * arity and name the command as the client typed it (RedisModule_WrongArity).
 */
public final class BloomCommands {
    private BloomCommands() {}

    static void register(CommandTable<CommandHandler> t) {
        t.register("bf.reserve", BloomCommands::reserve);
        t.register("bf.add", c -> add(c, false));
        t.register("bf.madd", c -> add(c, true));
        t.register("bf.exists", c -> exists(c, false));
        t.register("bf.mexists", c -> exists(c, true));
        t.register("bf.insert", BloomCommands::insert);
        t.register("bf.info", BloomCommands::info);
        t.register("bf.card", BloomCommands::card);
    }

    static final double DEFAULT_ERROR_RATE = 0.01;
    static final long DEFAULT_CAPACITY = 100;
    static final int DEFAULT_EXPANSION = 2;

    private static ReplyException wrongArity(Client c) {
        return new ReplyException("ERR wrong number of arguments for '" + c.argString(0) + "' command");
    }

    /** bfGetChain: the filter at key, null if absent; WRONGTYPE for another type. */
    private static ScalableBloomFilter lookup(Client c, boolean write) {
        Object o = write ? c.db.lookupWrite(c.argv[1]) : c.db.lookupRead(c.argv[1]);
        if (o == null) return null;
        if (Values.type(o) != ValueType.BLOOM) throw new ReplyException(Errors.WRONGTYPE);
        return (ScalableBloomFilter) o;
    }

    /** RMUtil_ArgIndex: the first argument (any position) equal to name ignoring case, or -1. */
    private static int argIndex(Client c, String name) {
        for (int i = 0; i < c.argc; i++) if (c.argIs(i, name)) return i;
        return -1;
    }

    private static Double parseDouble(byte[] arg) {
        return Numbers.parseDouble(arg);
    }

    private static Long parseLong(byte[] arg) {
        long[] v = new long[1];
        return Numbers.parseLong(arg, v) ? v[0] : null;
    }

    private static ScalableBloomFilter create(Client c, long capacity, double error, long expansion, boolean nonScaling) {
        ScalableBloomFilter sb;
        try {
            sb = new ScalableBloomFilter(capacity, error, (int) Math.min(expansion, Integer.MAX_VALUE), nonScaling);
        } catch (IllegalArgumentException | OutOfMemoryError e) {
            throw new ReplyException("ERR could not create filter");
        }
        c.db.add(c.argv[1], sb);
        return sb;
    }

    /** BF.RESERVE key error_rate capacity [EXPANSION expansion] [NONSCALING] */
    static void reserve(Client c) {
        if (c.argc < 4 || c.argc > 7) throw wrongArity(c);
        Double errorRate = parseDouble(c.argv[2]);
        if (errorRate == null) throw new ReplyException("ERR bad error rate");
        if (errorRate >= 1 || errorRate <= 0) throw new ReplyException("ERR (0 < error rate range < 1) ");
        Long capacity = parseLong(c.argv[3]);
        if (capacity == null) throw new ReplyException("ERR bad capacity");
        if (capacity <= 0) throw new ReplyException("ERR (capacity should be larger than 0)");
        boolean nonScaling = argIndex(c, "NONSCALING") != -1;
        long expansion = DEFAULT_EXPANSION;
        int exLoc = argIndex(c, "EXPANSION");
        if (exLoc + 1 == c.argc) throw new ReplyException("ERR no expansion");
        if (exLoc != -1) {
            if (nonScaling) throw new ReplyException("Nonscaling filters cannot expand");
            Long e = parseLong(c.argv[exLoc + 1]);
            if (e == null) throw new ReplyException("ERR bad expansion");
            if (e < 1) throw new ReplyException("ERR expansion should be greater or equal to 1");
            expansion = e;
        }
        if (lookup(c, true) != null) throw new ReplyException("ERR item exists");
        create(c, capacity, errorRate, expansion, nonScaling);
        c.db.signalModifiedKey(c.argv[1]);
        c.engine.dirty++;
        c.addReplyStatus("OK");
    }

    /** BF.ADD key item / BF.MADD key item [item ...]: creates a default filter if needed. */
    static void add(Client c, boolean multi) {
        if ((multi && c.argc < 3) || (!multi && c.argc != 3)) throw wrongArity(c);
        insertCommon(c, 2, multi, true, DEFAULT_CAPACITY, DEFAULT_ERROR_RATE, DEFAULT_EXPANSION, false);
    }

    /**
     * BF.INSERT key [CAPACITY cap] [ERROR rate] [EXPANSION n] [NOCREATE] [NONSCALING] ITEMS item...
     * Options are recognised by their first letters, as RedisBloom does.
     */
    static void insert(Client c) {
        if (c.argc < 4) throw wrongArity(c);
        long capacity = DEFAULT_CAPACITY;
        double errorRate = DEFAULT_ERROR_RATE;
        long expansion = DEFAULT_EXPANSION;
        boolean autocreate = true, nonScaling = false;
        int itemsIndex = -1;
        int pos = 2;
        while (pos < c.argc && itemsIndex < 0) {
            byte[] a = c.argv[pos];
            int ch0 = a.length > 0 ? Character.toLowerCase(a[0]) : 0;
            switch (ch0) {
                case 'i' -> itemsIndex = ++pos;
                case 'e' -> {
                    if (++pos == c.argc) throw wrongArity(c);
                    if (a.length > 1 && Character.toLowerCase(a[1]) == 'r') {
                        Double d = parseDouble(c.argv[pos++]);
                        if (d == null) throw new ReplyException("Bad error rate");
                        errorRate = d;
                    } else {
                        Long l = parseLong(c.argv[pos++]);
                        if (l == null) throw new ReplyException("Bad expansion");
                        expansion = l;
                    }
                }
                case 'c' -> {
                    if (++pos == c.argc) throw wrongArity(c);
                    Long l = parseLong(c.argv[pos++]);
                    if (l == null) throw new ReplyException("Bad capacity");
                    capacity = l;
                }
                case 'n' -> {
                    if (a.length > 2 && Character.toLowerCase(a[2]) == 'c') autocreate = false;
                    else nonScaling = true;
                    pos++;
                }
                default -> throw new ReplyException("Unknown argument received");
            }
        }
        if (itemsIndex < 0 || itemsIndex == c.argc) throw wrongArity(c);
        if (errorRate <= 0 || errorRate >= 1 || capacity < 1 || expansion < 1) {
            throw new ReplyException("Bad argument received");
        }
        insertCommon(c, itemsIndex, true, autocreate, capacity, errorRate, expansion, nonScaling);
    }

    /** bfInsertCommon: adds argv[from..] replying 1/0 per item; a full non-scaling filter ends the reply with an error. */
    private static void insertCommon(Client c, int from, boolean multi, boolean autocreate, long capacity,
                                     double errorRate, long expansion, boolean nonScaling) {
        ScalableBloomFilter sb = lookup(c, true);
        if (sb == null) {
            if (!autocreate) throw new ReplyException("ERR not found");
            sb = create(c, capacity, errorRate, expansion, nonScaling);
        }
        int mark = multi ? c.addReplyDeferredLen() : -1;
        int n = 0;
        int rv = 0;
        for (int i = from; i < c.argc && rv != -2; i++) {
            rv = sb.add(c.argv[i]);
            if (rv == -2) c.addReplyError("ERR non scaling filter is full");
            else c.addReplyLongLong(rv != 0 ? 1 : 0);
            n++;
            if (!multi) break;
        }
        if (multi) c.setDeferredArrayLen(mark, n);
        c.db.signalModifiedKey(c.argv[1]);
        // RedisBloom replicates these commands verbatim, whatever they changed.
        c.engine.dirty++;
    }

    /** BF.EXISTS key item / BF.MEXISTS key item...: 0 for a missing key (or one of another type, as RedisBloom). */
    static void exists(Client c, boolean multi) {
        if ((!multi && c.argc != 3) || (multi && c.argc < 3)) throw wrongArity(c);
        Object o = c.db.lookupRead(c.argv[1]);
        ScalableBloomFilter sb = o != null && Values.type(o) == ValueType.BLOOM ? (ScalableBloomFilter) o : null;
        if (multi) c.addReplyArrayLen(c.argc - 2);
        for (int i = 2; i < c.argc; i++) c.addReplyLongLong(sb != null && sb.exists(c.argv[i]) ? 1 : 0);
    }

    /** BF.INFO key [CAPACITY|SIZE|FILTERS|ITEMS|EXPANSION] */
    static void info(Client c) {
        if (c.argc != 2 && c.argc != 3) throw wrongArity(c);
        ScalableBloomFilter sb = lookup(c, false);
        if (sb == null) throw new ReplyException("ERR not found");
        if (c.argc == 3) {
            long v;
            if (c.argIs(2, "capacity")) v = sb.capacity();
            else if (c.argIs(2, "size")) v = sb.sizeBytes();
            else if (c.argIs(2, "filters")) v = sb.filterCount();
            else if (c.argIs(2, "items")) v = sb.items();
            else if (c.argIs(2, "expansion")) v = sb.nonScaling() ? Long.MIN_VALUE : sb.growth();
            else throw new ReplyException("Invalid information value");
            c.addReplyArrayLen(1);
            if (v == Long.MIN_VALUE) c.addReplyNull();
            else c.addReplyLongLong(v);
            return;
        }
        c.addReplyArrayLen(10);
        c.addReplyStatus("Capacity");
        c.addReplyLongLong(sb.capacity());
        c.addReplyStatus("Size");
        c.addReplyLongLong(sb.sizeBytes());
        c.addReplyStatus("Number of filters");
        c.addReplyLongLong(sb.filterCount());
        c.addReplyStatus("Number of items inserted");
        c.addReplyLongLong(sb.items());
        c.addReplyStatus("Expansion rate");
        if (sb.nonScaling()) c.addReplyNull();
        else c.addReplyLongLong(sb.growth());
    }

    /** BF.CARD key: items added, 0 for a missing key. */
    static void card(Client c) {
        if (c.argc != 2) throw wrongArity(c);
        ScalableBloomFilter sb = lookup(c, false);
        c.addReplyLongLong(sb == null ? 0 : sb.items());
    }
}
