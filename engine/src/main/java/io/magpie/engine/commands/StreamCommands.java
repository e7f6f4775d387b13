package io.magpie.engine.commands;

import io.magpie.engine.command.CommandHandler;
import io.magpie.engine.Args;
import io.magpie.engine.Blocking;
import io.magpie.engine.Client;
import io.magpie.engine.Errors;
import io.magpie.engine.Notifications;
import io.magpie.engine.ReplyException;
import io.magpie.commands.CommandTable;
import io.magpie.engine.keyspace.Database;
import io.magpie.engine.types.PendingList;
import io.magpie.engine.types.StreamGroup;
import io.magpie.engine.types.StreamGroup.Consumer;
import io.magpie.engine.types.StreamGroup.Nack;
import io.magpie.engine.types.StreamID;
import io.magpie.engine.types.StreamListpack;
import io.magpie.engine.types.StreamValue;
import io.magpie.engine.types.StreamValue.Trim;
import io.magpie.engine.types.ValueType;
import io.magpie.engine.types.Values;
import io.magpie.engine.util.Numbers;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Stream commands and consumer groups, blocking reads included (t_stream.c). */
public final class StreamCommands {
    private StreamCommands() {}

    static void register(CommandTable<CommandHandler> t) {
        t.register("xadd", StreamCommands::xadd);
        t.register("xrange", c -> xrange(c, false));
        t.register("xrevrange", c -> xrange(c, true));
        t.register("xlen", StreamCommands::xlen);
        t.register("xdel", StreamCommands::xdel);
        t.register("xtrim", StreamCommands::xtrim);
        t.register("xread", c -> xread(c, false));
        t.register("xreadgroup", c -> xread(c, true));
        for (String sub : new String[] {"create", "createconsumer", "delconsumer", "destroy", "setid"}) {
            t.register("xgroup|" + sub, StreamCommands::xgroup);
        }
        t.register("xgroup|help", StreamCommands::xgroupHelp);
        t.register("xsetid", StreamCommands::xsetid);
        t.register("xack", StreamCommands::xack);
        t.register("xpending", StreamCommands::xpending);
        t.register("xclaim", StreamCommands::xclaim);
        t.register("xautoclaim", StreamCommands::xautoclaim);
        t.register("xinfo|stream", StreamCommands::xinfoStream);
        t.register("xinfo|groups", StreamCommands::xinfoGroups);
        t.register("xinfo|consumers", StreamCommands::xinfoConsumers);
        t.register("xinfo|help", StreamCommands::xinfoHelp);
    }

    /** Entries a blocked XREAD without COUNT gets at most (XREAD_BLOCKED_DEFAULT_COUNT). */
    private static final int BLOCKED_DEFAULT_COUNT = 1000;
    private static final String INVALID_ID = "ERR Invalid stream ID specified as stream command argument";

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static final byte[] XCLAIM = bytes("XCLAIM"), XGROUP = bytes("XGROUP"), SETID = bytes("SETID"),
            CREATECONSUMER = bytes("CREATECONSUMER"), ENTRIESREAD = bytes("ENTRIESREAD"), TIME = bytes("TIME"),
            RETRYCOUNT = bytes("RETRYCOUNT"), FORCE = bytes("FORCE"), JUSTID = bytes("JUSTID"), LASTID = bytes("LASTID"),
            ZERO = bytes("0"), EQUALS = bytes("=");

    private static String str(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    /* ---------------- IDs ---------------- */

    /**
     * streamGenericParseIDOrReply: "ms-seq", "ms" (seq = missingSeq), "-" and "+" unless
     * strict, and "ms-*" where seqGiven is asked for (its [0] then says if seq was given).
     */
    static StreamID parseId(byte[] arg, long missingSeq, boolean strict, boolean[] seqGiven) {
        if (arg.length > 127) throw new ReplyException(INVALID_ID);
        if (seqGiven != null) seqGiven[0] = true;
        if (arg.length == 1 && (arg[0] == '-' || arg[0] == '+')) {
            if (strict) throw new ReplyException(INVALID_ID);
            return arg[0] == '-' ? StreamID.MIN : StreamID.MAX;
        }
        int dash = -1;
        for (int i = 0; i < arg.length; i++) {
            if (arg[i] == '-') {
                dash = i;
                break;
            }
            if (arg[i] == 0) break;
        }
        long ms, seq;
        if (dash >= 0) {
            ms = parseUll(arg, 0, dash);
            if (seqGiven != null && arg.length - dash - 1 == 1 && arg[dash + 1] == '*') {
                seq = 0;
                seqGiven[0] = false;
            } else {
                seq = parseUll(arg, dash + 1, arg.length);
            }
        } else {
            ms = parseUll(arg, 0, arg.length);
            seq = missingSeq;
        }
        return new StreamID(ms, seq);
    }

    /**
     * string2ull over a[from..to): plain digits (the common case, parsed in place), else
     * what strtoull accepts in full (leading spaces, a sign, leading zeros), as Redis.
     */
    private static long parseUll(byte[] a, int from, int to) {
        int n = to - from;
        if (n > 0 && n <= 18) { // digits only, leading zeros included (strtoull takes them): no overflow
            long v = 0;
            int i = from;
            for (; i < to; i++) {
                int d = a[i] - '0';
                if (d < 0 || d > 9) break;
                v = v * 10 + d;
            }
            if (i == to) return v;
        }
        return parseUllSlow(Arrays.copyOfRange(a, from, to));
    }

    private static long parseUllSlow(byte[] s) {
        int nul = 0;
        while (nul < s.length && s[nul] != 0) nul++;
        if (nul < s.length) s = Arrays.copyOf(s, nul);
        long[] out = new long[1];
        if (Numbers.parseLong(s, out)) {
            if (out[0] < 0) throw new ReplyException(INVALID_ID);
            return out[0];
        }
        int i = 0, n = s.length;
        while (i < n && (s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r'))) i++;
        boolean neg = false;
        if (i < n && (s[i] == '+' || s[i] == '-')) neg = s[i++] == '-';
        if (i == n) throw new ReplyException(INVALID_ID);
        long v = 0;
        for (; i < n; i++) {
            int d = s[i] - '0';
            if (d < 0 || d > 9) throw new ReplyException(INVALID_ID);
            if (Long.compareUnsigned(v, Long.divideUnsigned(-1L - d, 10)) > 0) throw new ReplyException(INVALID_ID);
            v = v * 10 + d;
        }
        return neg ? -v : v;
    }

    static StreamID parseStrictId(byte[] arg) {
        return parseId(arg, 0, true, null);
    }

    /** An interval bound, "(" excluding (streamParseIntervalIDOrReply), adjusted by one as XRANGE does. */
    private static StreamID parseRangeBound(byte[] arg, long missingSeq, boolean start) {
        boolean exclude = arg.length > 1 && arg[0] == '(';
        StreamID id = exclude ? parseId(Arrays.copyOfRange(arg, 1, arg.length), missingSeq, true, null) : parseId(arg, missingSeq, false, null);
        if (!exclude) return id;
        StreamID adj = start ? id.incr() : id.decr();
        if (adj == null) throw new ReplyException(start ? "ERR invalid start ID for the interval" : "ERR invalid end ID for the interval");
        return adj;
    }

    /** streamIncrID: the next ID, wrapping to 0-0 after the maximum. */
    private static StreamID incrOrZero(StreamID id) {
        StreamID n = id.incr();
        return n == null ? StreamID.ZERO : n;
    }

    private static void addReplyStreamID(Client c, StreamID id) {
        c.addReplyBulk(id.toBytes());
    }

    /* ---------------- lookups ---------------- */

    private static StreamValue lookupRead(Client c, byte[] key) {
        return Values.read(c.db, key, ValueType.STREAM);
    }

    private static StreamValue lookupWrite(Client c, byte[] key) {
        return Values.write(c.db, key, ValueType.STREAM);
    }

    private static long nodeMaxBytes(Client c) {
        return c.engine.config.streamNodeMaxBytes.value();
    }

    private static long nodeMaxEntries(Client c) {
        return c.engine.config.streamNodeMaxEntries.value();
    }

    /** Commands from the master or the AOF are obeyed: their trim arguments were made exact. */
    private static boolean mustObey(Client c) {
        return c.master || c.engine.loading();
    }

    /* ---------------- replies ---------------- */

    private static void replyElement(Client c, byte[] lp, int p) {
        if (StreamListpack.isInt(lp, p)) c.addReplyBulkLongLong(StreamListpack.getInt(lp, p));
        else c.addReplyBulk(lp, StreamListpack.strOffset(lp, p), StreamListpack.strLength(lp, p));
    }

    /** One entry: [id, [field, value, ...]]. */
    private static void replyEntry(Client c, StreamValue.Iter it) {
        c.addReplyArrayLen(2);
        addReplyStreamID(c, it.id());
        c.addReplyArrayLen(it.numFields * 2L);
        byte[] lp = it.lp();
        for (int i = 0; i < it.numFields; i++) {
            replyElement(c, lp, it.fieldPos(i));
            replyElement(c, lp, it.valuePos(i));
        }
    }

    /** The entry with this ID, alone (streamReplyWithRange with RAWENTRIES); false if absent. */
    private static boolean replyOneEntry(Client c, StreamValue s, StreamID id) {
        StreamValue.Iter it = s.iterator(id, id, false);
        if (!it.next()) return false;
        replyEntry(c, it);
        return true;
    }

    /** Where a consumer group read propagates to: the key and group name as given. */
    private record PropInfo(byte[] key, byte[] groupName) {}

    /**
     * streamReplyWithRange: entries in [start, end], at most count (0: all). With a group,
     * the group's last ID and read counter move on and, unless noack, each entry enters the
     * PELs; each change is propagated as XCLAIM (or XGROUP SETID with NOACK).
     */
    private static long replyWithRange(Client c, StreamValue s, StreamID start, StreamID end, long count, boolean rev,
            StreamGroup group, Consumer consumer, boolean noack, PropInfo spi) {
        int mark = c.addReplyDeferredLen();
        long n = 0;
        boolean propagateLastId = false;
        StreamValue.Iter it = s.iterator(start, end, rev);
        long now = c.engine.now();
        while (it.next()) {
            StreamID id = it.id();
            if (group != null && id.compareTo(group.lastId) > 0) {
                if (group.entriesRead != -1 && !s.rangeHasTombstones(id, null)) {
                    group.entriesRead++;
                } else if (s.entriesAdded != 0) {
                    group.entriesRead = s.estimateDistanceFromFirstEverEntry(id);
                }
                group.lastId = id;
                if (noack) propagateLastId = true;
            }
            replyEntry(c, it);
            if (group != null && !noack) {
                Nack nack = group.pel.get(id);
                if (nack == null) {
                    nack = new Nack(consumer, now, 1);
                    group.pel.put(id, nack);
                    consumer.pel.put(id, nack);
                } else {
                    nack.consumer.pel.remove(id);
                    nack.consumer = consumer;
                    nack.deliveryTime = now;
                    nack.deliveryCount = 1;
                    consumer.pel.put(id, nack);
                }
                if (spi != null) propagateXclaim(c, spi.key, group, spi.groupName, id.toBytes(), nack);
            }
            n++;
            if (count != 0 && n == count) break;
        }
        if (spi != null && propagateLastId) propagateGroupId(c, spi.key, group, spi.groupName);
        c.setDeferredArrayLen(mark, n);
        return n;
    }

    /** A consumer's history (XREADGROUP with an ID): its PEL entries from start, redelivered. */
    private static void replyFromConsumerPel(Client c, StreamValue s, StreamID start, long count, Consumer consumer) {
        int mark = c.addReplyDeferredLen();
        long n = 0;
        long now = c.engine.now();
        for (PendingList.Cursor e = consumer.pel.from(start); e.next(); ) {
            if (count != 0 && n >= count) break;
            StreamID id = e.id();
            if (!replyOneEntry(c, s, id)) {
                c.addReplyArrayLen(2);
                addReplyStreamID(c, id);
                c.addReplyNullArray();
            } else {
                e.nack().deliveryTime = now;
                e.nack().deliveryCount++;
            }
            n++;
        }
        c.setDeferredArrayLen(mark, n);
    }

    /* ---------------- propagation ---------------- */

    /** XCLAIM key group consumer 0 id TIME t RETRYCOUNT n FORCE JUSTID LASTID last (streamPropagateXCLAIM). */
    private static void propagateXclaim(Client c, byte[] key, StreamGroup group, byte[] groupName, byte[] id, Nack nack) {
        c.engine.writes.propagate(c.db.id, new byte[][] {XCLAIM, key, groupName, nack.consumer.name, ZERO, id,
                TIME, Numbers.toBytes(nack.deliveryTime), RETRYCOUNT, Numbers.toBytes(nack.deliveryCount), FORCE, JUSTID,
                LASTID, group.lastId.toBytes()});
    }

    /** XGROUP SETID key group last ENTRIESREAD n (streamPropagateGroupID). */
    private static void propagateGroupId(Client c, byte[] key, StreamGroup group, byte[] groupName) {
        c.engine.writes.propagate(c.db.id, new byte[][] {XGROUP, SETID, key, groupName, group.lastId.toBytes(),
                ENTRIESREAD, Numbers.toBytes(group.entriesRead)});
    }

    private static void propagateConsumerCreation(Client c, byte[] key, byte[] groupName, byte[] consumer) {
        c.engine.writes.propagate(c.db.id, new byte[][] {XGROUP, CREATECONSUMER, key, groupName, consumer});
    }

    /* ---------------- lag and read counters ---------------- */

    private static void replyLag(Client c, StreamValue s, StreamGroup g) {
        if (s.entriesAdded == 0) {
            c.addReplyLongLong(0);
        } else if (g.entriesRead != -1 && !s.rangeHasTombstones(g.lastId, null)) {
            c.addReplyLongLong(s.entriesAdded - g.entriesRead);
        } else {
            long read = s.estimateDistanceFromFirstEverEntry(g.lastId);
            if (read != -1) c.addReplyLongLong(s.entriesAdded - read);
            else c.addReplyNull();
        }
    }

    /* ---------------- XADD and XTRIM ---------------- */

    /** streamAddTrimArgs. */
    private static final class AddTrimArgs {
        StreamID id;
        boolean idGiven, seqGiven = true, noMkstream, approx;
        Trim strategy = Trim.NONE;
        int strategyArgIdx;
        long limit, maxlen;
        StreamID minid;
        int idPos;
    }

    /** streamParseAddOrTrimArgsOrReply. */
    private static AddTrimArgs parseAddOrTrim(Client c, boolean xadd) {
        AddTrimArgs a = new AddTrimArgs();
        boolean limitGiven = false;
        int i = 2;
        for (; i < c.argc; i++) {
            int moreargs = c.argc - 1 - i;
            byte[] opt = c.argv[i];
            if (xadd && opt.length == 1 && opt[0] == '*') {
                break;
            } else if ((c.argIs(i, "maxlen") || c.argIs(i, "minid")) && moreargs > 0) {
                boolean maxlen = c.argIs(i, "maxlen");
                if (a.strategy != Trim.NONE) {
                    throw new ReplyException("ERR syntax error, MAXLEN and MINID options at the same time are not compatible");
                }
                a.approx = false;
                byte[] next = c.argv[i + 1];
                if (moreargs >= 2 && next.length == 1 && next[0] == '~') {
                    a.approx = true;
                    i++;
                } else if (moreargs >= 2 && next.length == 1 && next[0] == '=') {
                    i++;
                }
                if (maxlen) {
                    a.maxlen = Args.parseLong(c.argv[i + 1]);
                    if (a.maxlen < 0) throw new ReplyException("ERR The MAXLEN argument must be >= 0.");
                } else {
                    a.minid = parseStrictId(c.argv[i + 1]);
                }
                i++;
                a.strategy = maxlen ? Trim.MAXLEN : Trim.MINID;
                a.strategyArgIdx = i;
            } else if (c.argIs(i, "limit") && moreargs > 0) {
                a.limit = Args.parseLong(c.argv[i + 1]);
                if (a.limit < 0) throw new ReplyException("ERR The LIMIT argument must be >= 0.");
                limitGiven = true;
                i++;
            } else if (xadd && c.argIs(i, "nomkstream")) {
                a.noMkstream = true;
            } else if (xadd) {
                boolean[] seqGiven = new boolean[1];
                a.id = parseId(opt, 0, true, seqGiven);
                a.seqGiven = seqGiven[0];
                a.idGiven = true;
                break;
            } else {
                throw new ReplyException(Errors.SYNTAX);
            }
        }
        if (a.limit != 0 && a.strategy == Trim.NONE) {
            throw new ReplyException("ERR syntax error, LIMIT cannot be used without specifying a trimming strategy");
        }
        if (!xadd && a.strategy == Trim.NONE) {
            throw new ReplyException("ERR syntax error, XTRIM must be called with a trimming strategy");
        }
        if (mustObey(c)) {
            a.limit = 0;
        } else if (limitGiven) {
            if (!a.approx) throw new ReplyException("ERR syntax error, LIMIT cannot be used without the special ~ option");
        } else if (a.approx) {
            // At most 100 nodes' worth of work per call, capped both ways (as Redis).
            long entries = nodeMaxEntries(c);
            a.limit = entries > Long.MAX_VALUE / 100 ? -1 : 100 * entries;
            if (a.limit <= 0) a.limit = 10000;
            if (a.limit > 1000000) a.limit = 1000000;
        } else {
            a.limit = 0;
        }
        a.idPos = i;
        return a;
    }

    /** After an approximate trim, the exact form is propagated: "=" and the resulting length or first ID. */
    private static void rewriteTrimArguments(byte[][] argv, StreamValue s, AddTrimArgs a) {
        argv[a.strategyArgIdx - 1] = EQUALS;
        argv[a.strategyArgIdx] = a.strategy == Trim.MAXLEN ? Numbers.toBytes(s.length) : s.edgeId(true, false).toBytes();
    }

    static void xadd(Client c) {
        AddTrimArgs a = parseAddOrTrim(c, true);
        int fieldPos = a.idPos + 1;
        int nargs = c.argc - fieldPos;
        if (nargs < 2 || nargs % 2 == 1) throw new ReplyException(Errors.wrongArgs(c.cmd.fullName));
        if (a.idGiven && a.seqGiven && a.id.isZero()) throw new ReplyException("ERR The ID specified in XADD must be greater than 0-0");
        byte[] key = c.argv[1];
        StreamValue s = lookupWrite(c, key);
        if (s == null) {
            if (a.noMkstream) {
                c.addReplyNull();
                return;
            }
            s = new StreamValue();
            c.db.add(key, s);
        }
        if (s.lastId.ms == -1L && s.lastId.seq == -1L) {
            throw new ReplyException("ERR The stream has exhausted the last possible ID, unable to add more items");
        }
        StreamID id;
        if (!a.idGiven) {
            long ms = Math.max(c.engine.now(), 0);
            id = Long.compareUnsigned(s.lastId.ms, ms) >= 0 ? s.lastId.incr() : new StreamID(ms, 0);
        } else if (!a.seqGiven && s.lastId.ms == a.id.ms) {
            if (s.lastId.seq == -1L) throw new ReplyException("ERR The ID specified in XADD is equal or smaller than the target stream top item");
            id = new StreamID(a.id.ms, s.lastId.seq + 1);
        } else {
            id = a.id;
        }
        if (id.compareTo(s.lastId) <= 0) {
            throw new ReplyException("ERR The ID specified in XADD is equal or smaller than the target stream top item");
        }
        long total = 0;
        for (int i = fieldPos; i < c.argc; i++) total += c.argv[i].length;
        if (total > StreamValue.LISTPACK_MAX_SIZE) throw new ReplyException("ERR Elements are too large to be stored");
        s.append(id, c.argv, fieldPos, nargs / 2, nodeMaxBytes(c), nodeMaxEntries(c));
        byte[] idBytes = id.toBytes();
        c.addReplyBulk(idBytes);
        c.db.signalModifiedKey(key);
        c.engine.notifyKeyspaceEvent(Notifications.STREAM, "xadd", key, c.db.id);
        c.engine.dirty++;
        byte[][] argv = null;
        if (a.strategy != Trim.NONE) {
            if (s.trim(a.strategy, a.maxlen, a.minid, a.approx, a.limit) > 0) {
                c.engine.notifyKeyspaceEvent(Notifications.STREAM, "xtrim", key, c.db.id);
            }
            if (a.approx) {
                argv = Arrays.copyOf(c.argv, c.argc);
                rewriteTrimArguments(argv, s, a);
            }
        }
        if ((!a.idGiven || !a.seqGiven) && c.engine.writes.hasListeners()) {
            // Replicas and the AOF get the ID this server generated.
            if (argv == null) argv = Arrays.copyOf(c.argv, c.argc);
            argv[a.idPos] = idBytes;
        }
        if (argv != null) c.rewriteArgv(argv);
        c.engine.signalKeyAsReady(c.db, key, s);
    }

    static void xtrim(Client c) {
        AddTrimArgs a = parseAddOrTrim(c, false);
        byte[] key = c.argv[1];
        StreamValue s = lookupWrite(c, key);
        if (s == null) {
            c.addReplyLongLong(0);
            return;
        }
        long deleted = s.trim(a.strategy, a.maxlen, a.minid, a.approx, a.limit);
        if (deleted > 0) {
            c.engine.notifyKeyspaceEvent(Notifications.STREAM, "xtrim", key, c.db.id);
            if (a.approx) {
                byte[][] argv = Arrays.copyOf(c.argv, c.argc);
                rewriteTrimArguments(argv, s, a);
                c.rewriteArgv(argv);
            }
            c.db.signalModifiedKey(key);
            c.engine.dirty += deleted;
        }
        c.addReplyLongLong(deleted);
    }

    /* ---------------- reading ---------------- */

    static void xrange(Client c, boolean rev) {
        byte[] startArg = rev ? c.argv[3] : c.argv[2];
        byte[] endArg = rev ? c.argv[2] : c.argv[3];
        StreamID start = parseRangeBound(startArg, 0, true);
        StreamID end = parseRangeBound(endArg, -1L, false);
        long count = -1;
        for (int j = 4; j < c.argc; j++) {
            if (c.argIs(j, "count") && j + 1 < c.argc) {
                count = Args.parseLong(c.argv[++j]);
                if (count < 0) count = 0;
            } else {
                throw new ReplyException(Errors.SYNTAX);
            }
        }
        StreamValue s = lookupRead(c, c.argv[1]);
        if (s == null) {
            c.addReplyArrayLen(0);
            return;
        }
        if (count == 0) {
            c.addReplyNullArray();
            return;
        }
        replyWithRange(c, s, start, end, count == -1 ? 0 : count, rev, null, null, false, null);
    }

    static void xlen(Client c) {
        StreamValue s = lookupRead(c, c.argv[1]);
        c.addReplyLongLong(s == null ? 0 : s.length);
    }

    /** XREAD and XREADGROUP (xreadCommand). */
    static void xread(Client c, boolean xreadgroup) {
        long timeoutAt = -1;
        long count = 0;
        int streamsArg = 0, streamsCount = 0;
        boolean noack = false;
        byte[] groupName = null, consumerName = null;
        for (int i = 1; i < c.argc; i++) {
            int moreargs = c.argc - i - 1;
            if (c.argIs(i, "block") && moreargs > 0) {
                i++;
                long ms = Args.parseLong(c.argv[i], "ERR timeout is not an integer or out of range");
                if (ms < 0) throw new ReplyException(Errors.TIMEOUT_NEGATIVE);
                timeoutAt = ms == 0 ? 0 : c.engine.now() + ms;
            } else if (c.argIs(i, "count") && moreargs > 0) {
                count = Args.parseLong(c.argv[++i]);
                if (count < 0) count = 0;
            } else if (c.argIs(i, "streams") && moreargs > 0) {
                streamsArg = i + 1;
                streamsCount = c.argc - streamsArg;
                if (streamsCount % 2 != 0) {
                    throw new ReplyException("ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.");
                }
                streamsCount /= 2;
                break;
            } else if (c.argIs(i, "group") && moreargs >= 2) {
                if (!xreadgroup) throw new ReplyException("ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.");
                groupName = c.argv[i + 1];
                consumerName = c.argv[i + 2];
                i += 2;
            } else if (c.argIs(i, "noack")) {
                if (!xreadgroup) throw new ReplyException("ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.");
                noack = true;
            } else {
                throw new ReplyException(Errors.SYNTAX);
            }
        }
        if (streamsArg == 0) throw new ReplyException(Errors.SYNTAX);
        if (xreadgroup && groupName == null) throw new ReplyException("ERR Missing GROUP option for XREADGROUP");

        StreamID[] ids = new StreamID[streamsCount];
        StreamGroup[] groups = groupName != null ? new StreamGroup[streamsCount] : null;
        for (int i = streamsArg + streamsCount; i < c.argc; i++) {
            int idx = i - streamsArg - streamsCount;
            byte[] key = c.argv[i - streamsCount];
            StreamValue s = lookupRead(c, key);
            if (groupName != null) {
                StreamGroup g = s == null ? null : s.group(groupName);
                if (g == null) {
                    throw new ReplyException("NOGROUP No such key '" + str(key) + "' or consumer group '" + str(groupName)
                            + "' in XREADGROUP with GROUP option");
                }
                groups[idx] = g;
            }
            byte[] arg = c.argv[i];
            if (arg.length == 1 && arg[0] == '$') {
                if (xreadgroup) {
                    throw new ReplyException("ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history "
                            + "of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just "
                            + "return an empty result set.");
                }
                ids[idx] = s != null ? s.lastId : StreamID.ZERO;
            } else if (arg.length == 1 && arg[0] == '>') {
                if (!xreadgroup) {
                    throw new ReplyException("ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.");
                }
                ids[idx] = StreamID.MAX;
            } else {
                ids[idx] = parseStrictId(arg);
            }
        }
        // The propagated effects are XCLAIM/XGROUP commands, never the read itself.
        c.preventPropagation();

        long served = 0;
        int mark = -1;
        for (int i = 0; i < streamsCount; i++) {
            byte[] key = c.argv[streamsArg + i];
            StreamValue s = lookupRead(c, key);
            if (s == null) continue;
            StreamID gt = ids[i];
            boolean serveSync = false, serveHistory = false;
            if (groups != null) {
                if (!gt.equals(StreamID.MAX)) {
                    serveSync = true;
                    serveHistory = true;
                } else if (s.length > 0 && s.lastValidId().compareTo(groups[i].lastId) > 0) {
                    serveSync = true;
                }
            } else if (s.length > 0 && s.lastValidId().compareTo(gt) > 0) {
                serveSync = true;
            }
            if (!serveSync) continue;
            if (++served == 1) mark = c.addReplyDeferredLen();
            StreamID start = incrOrZero(serveHistory || groups == null ? gt : groups[i].lastId);
            if (c.resp() == 2) c.addReplyArrayLen(2);
            c.addReplyBulk(key);
            Consumer consumer = null;
            if (groups != null) {
                c.db.beforeWrite(key);
                consumer = lookupOrCreateConsumer(c, groups[i], consumerName, key, c.db.id, noack, groupName);
                c.engine.dirty++;
            }
            if (serveHistory) {
                replyFromConsumerPel(c, s, start, count, consumer);
            } else {
                replyWithRange(c, s, start, null, count, false, groups != null ? groups[i] : null, consumer,
                        noack, new PropInfo(key, groupName));
            }
        }
        if (served > 0) {
            if (c.resp() == 2) c.setDeferredArrayLen(mark, served);
            else c.setDeferredMapLen(mark, served);
            return;
        }
        if (timeoutAt != -1) {
            if (!Blocking.mayBlock(c)) {
                c.addReplyNullArray();
                return;
            }
            byte[][] keys = Arrays.copyOfRange(c.argv, streamsArg, streamsArg + streamsCount);
            Map<io.magpie.engine.util.ByteKey, StreamID> gts = new HashMap<>();
            for (int i = 0; i < streamsCount; i++) gts.putIfAbsent(new io.magpie.engine.util.ByteKey(keys[i]), ids[i]);
            c.engine.blocking.block(c, c.db, keys, timeoutAt,
                    new StreamWaiter(gts, count != 0 ? count : BLOCKED_DEFAULT_COUNT, groupName, consumerName, noack));
            return;
        }
        c.addReplyNullArray();
    }

    /** streamLookupConsumer (refreshing seen-time) or streamCreateConsumer, with NOACK's propagation. */
    private static Consumer lookupOrCreateConsumer(Client c, StreamGroup g, byte[] name, byte[] key, int dbid, boolean noack,
            byte[] groupName) {
        long now = c.engine.now();
        Consumer consumer = g.consumer(name);
        if (consumer != null) {
            consumer.seenTime = now;
            return consumer;
        }
        consumer = g.createConsumer(name, now);
        c.engine.dirty++;
        c.engine.notifyKeyspaceEvent(Notifications.STREAM, "xgroup-createconsumer", key, dbid);
        if (noack) propagateConsumerCreation(c, key, groupName, name);
        return consumer;
    }

    /** A client blocked in XREAD or XREADGROUP (serveClientsBlockedOnStreamKey). */
    private static final class StreamWaiter implements Blocking.Waiter {
        private final Map<io.magpie.engine.util.ByteKey, StreamID> gts;
        private final long count;
        private final byte[] groupName, consumerName;
        private final boolean noack;

        StreamWaiter(Map<io.magpie.engine.util.ByteKey, StreamID> gts, long count, byte[] groupName, byte[] consumerName, boolean noack) {
            this.gts = gts;
            this.count = count;
            this.groupName = groupName;
            this.consumerName = consumerName;
            this.noack = noack;
        }

        @Override public boolean tryServe(Client c, Database db, byte[] key) {
            Object o = db.lookupNoTouch(key);
            if (!(o instanceof StreamValue s)) {
                // The key was deleted or overwritten: a group reader cannot be served any more.
                if (groupName == null) return false;
                c.addReplyError("UNBLOCKED the stream key no longer exists");
                return true;
            }
            StreamID gt = gts.get(new io.magpie.engine.util.ByteKey(key));
            StreamGroup group = null;
            if (groupName != null) {
                db.beforeWrite(key);
                group = s.group(groupName);
                if (group == null) {
                    c.addReplyError("NOGROUP the consumer group this client was blocked on no longer exists");
                    return true;
                }
                gt = group.lastId;
            }
            if (s.lastId.compareTo(gt) <= 0) return false;
            StreamID start = incrOrZero(gt);
            Consumer consumer = null;
            Database saved = c.db;
            c.db = db;
            try {
                if (group != null) consumer = lookupOrCreateConsumer(c, group, consumerName, key, db.id, noack, groupName);
                if (c.resp() == 2) {
                    c.addReplyArrayLen(1);
                    c.addReplyArrayLen(2);
                } else {
                    c.addReplyMapLen(1);
                }
                c.addReplyBulk(key);
                replyWithRange(c, s, start, null, count, false, group, consumer, noack, new PropInfo(key, groupName));
            } finally {
                c.db = saved;
            }
            return true;
        }

        @Override public boolean stopOnUnserved() {
            return false; // reads do not consume: every waiter on the key gets its chance
        }

        @Override public void timeout(Client c) {
            c.addReplyNullArray();
        }
    }

    /* ---------------- XDEL ---------------- */

    static void xdel(Client c) {
        byte[] key = c.argv[1];
        StreamValue s = lookupWrite(c, key);
        if (s == null) {
            c.addReplyLongLong(0);
            return;
        }
        StreamID[] ids = new StreamID[c.argc - 2];
        for (int j = 2; j < c.argc; j++) ids[j - 2] = parseStrictId(c.argv[j]);
        long deleted = 0;
        boolean firstEntry = false;
        for (StreamID id : ids) {
            if (s.delete(id)) {
                if (id.equals(s.firstId)) firstEntry = true;
                if (id.compareTo(s.maxDeletedId) > 0) s.maxDeletedId = id;
                deleted++;
            }
        }
        if (deleted > 0) {
            if (s.length == 0) s.firstId = StreamID.ZERO;
            else if (firstEntry) s.firstId = s.edgeId(true, true);
            c.db.signalModifiedKey(key);
            c.engine.notifyKeyspaceEvent(Notifications.STREAM, "xdel", key, c.db.id);
            c.engine.dirty += deleted;
        }
        c.addReplyLongLong(deleted);
    }

    /* ---------------- groups ---------------- */

    private static String subcommandSyntax(Client c) {
        return "ERR unknown subcommand or wrong number of arguments for '" + Errors.truncate(str(c.argv[1])) + "'. Try "
                + str(c.argv[0]).toUpperCase(java.util.Locale.ROOT) + " HELP.";
    }

    /** XGROUP CREATE/SETID/DESTROY/CREATECONSUMER/DELCONSUMER (xgroupCommand). */
    static void xgroup(Client c) {
        StreamValue s = null;
        StreamGroup cg = null;
        boolean mkstream = false;
        long entriesRead = -1;
        byte[] key = c.argv[2];
        byte[] grpname = c.argv[3];
        boolean create = c.argIs(1, "create"), setid = c.argIs(1, "setid");
        for (int i = 5; i < c.argc; ) {
            if (create && c.argIs(i, "mkstream")) {
                mkstream = true;
                i++;
            } else if ((create || setid) && c.argIs(i, "entriesread") && i + 1 < c.argc) {
                entriesRead = Args.parseLong(c.argv[i + 1]);
                if (entriesRead < 0 && entriesRead != -1) throw new ReplyException("ERR value for ENTRIESREAD must be positive or -1");
                i += 2;
            } else {
                throw new ReplyException(subcommandSyntax(c));
            }
        }
        s = lookupWrite(c, key);
        if (!mkstream) {
            if (s == null) {
                throw new ReplyException("ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want "
                        + "to use the MKSTREAM option to create an empty stream automatically.");
            }
            cg = s.group(grpname);
            if (cg == null && (setid || c.argIs(1, "createconsumer") || c.argIs(1, "delconsumer"))) {
                throw new ReplyException("NOGROUP No such consumer group '" + str(grpname) + "' for key name '" + str(key) + "'");
            }
        }
        if (create && c.argc >= 5 && c.argc <= 8) {
            StreamID id;
            if (c.argv[4].length == 1 && c.argv[4][0] == '$') id = s != null ? s.lastId : StreamID.ZERO;
            else id = parseStrictId(c.argv[4]);
            if (s == null) {
                s = new StreamValue();
                c.db.add(key, s);
                c.db.signalModifiedKey(key);
            }
            if (s.createGroup(grpname, id, entriesRead) != null) {
                c.addReplyOk();
                c.engine.dirty++;
                c.engine.notifyKeyspaceEvent(Notifications.STREAM, "xgroup-create", key, c.db.id);
            } else {
                c.addReplyError("BUSYGROUP Consumer Group name already exists");
            }
        } else if (setid && (c.argc == 5 || c.argc == 7)) {
            StreamID id;
            if (c.argv[4].length == 1 && c.argv[4][0] == '$') id = s.lastId;
            else id = parseId(c.argv[4], 0, false, null);
            cg.lastId = id;
            cg.entriesRead = entriesRead;
            c.addReplyOk();
            c.engine.dirty++;
            c.engine.notifyKeyspaceEvent(Notifications.STREAM, "xgroup-setid", key, c.db.id);
        } else if (c.argIs(1, "destroy") && c.argc == 4) {
            if (cg != null) {
                s.groups.remove(grpname);
                c.addReplyLongLong(1);
                c.engine.dirty++;
                c.engine.notifyKeyspaceEvent(Notifications.STREAM, "xgroup-destroy", key, c.db.id);
                // Clients blocked in XREADGROUP on this group are told it is gone.
                c.engine.signalKeyAsReady(c.db, key, s);
            } else {
                c.addReplyLongLong(0);
            }
        } else if (c.argIs(1, "createconsumer") && c.argc == 5) {
            Consumer created = cg.createConsumer(c.argv[4], c.engine.now());
            if (created != null) {
                c.engine.dirty++;
                c.engine.notifyKeyspaceEvent(Notifications.STREAM, "xgroup-createconsumer", key, c.db.id);
            }
            c.addReplyLongLong(created != null ? 1 : 0);
        } else if (c.argIs(1, "delconsumer") && c.argc == 5) {
            long pending = 0;
            Consumer consumer = cg.consumer(c.argv[4]);
            if (consumer != null) {
                pending = consumer.pel.size();
                cg.deleteConsumer(consumer);
                c.engine.dirty++;
                c.engine.notifyKeyspaceEvent(Notifications.STREAM, "xgroup-delconsumer", key, c.db.id);
            }
            c.addReplyLongLong(pending);
        } else {
            throw new ReplyException(subcommandSyntax(c));
        }
    }

    static void xgroupHelp(Client c) {
        IntrospectionCommands.addReplyHelp(c, "XGROUP",
                "CREATE <key> <groupname> <id|$> [option]",
                "    Create a new consumer group. Options are:",
                "    * MKSTREAM",
                "      Create the empty stream if it does not exist.",
                "    * ENTRIESREAD entries_read",
                "      Set the group's entries_read counter (internal use).",
                "CREATECONSUMER <key> <groupname> <consumer>",
                "    Create a new consumer in the specified group.",
                "DELCONSUMER <key> <groupname> <consumer>",
                "    Remove the specified consumer.",
                "DESTROY <key> <groupname>",
                "    Remove the specified group.",
                "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
                "    Set the current group ID and entries_read counter.");
    }

    static void xsetid(Client c) {
        StreamID id = parseStrictId(c.argv[2]);
        StreamID maxXdel = StreamID.ZERO;
        long entriesAdded = -1;
        for (int i = 3; i < c.argc; ) {
            int moreargs = c.argc - 1 - i;
            if (c.argIs(i, "entriesadded") && moreargs > 0) {
                entriesAdded = Args.parseLong(c.argv[i + 1]);
                if (entriesAdded < 0) throw new ReplyException("ERR entries_added must be positive");
                i += 2;
            } else if (c.argIs(i, "maxdeletedid") && moreargs > 0) {
                maxXdel = parseStrictId(c.argv[i + 1]);
                if (id.compareTo(maxXdel) < 0) {
                    throw new ReplyException("ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id");
                }
                i += 2;
            } else {
                throw new ReplyException(Errors.SYNTAX);
            }
        }
        byte[] key = c.argv[1];
        StreamValue s = lookupWrite(c, key);
        if (s == null) throw new ReplyException(Errors.NO_SUCH_KEY);
        if (s.length > 0) {
            if (id.compareTo(s.lastValidId()) < 0) {
                throw new ReplyException("ERR The ID specified in XSETID is smaller than the target stream top item");
            }
            if (entriesAdded != -1 && s.length > entriesAdded) {
                throw new ReplyException("ERR The entries_added specified in XSETID is smaller than the target stream length");
            }
        }
        s.lastId = id;
        if (entriesAdded != -1) s.entriesAdded = entriesAdded;
        if (!maxXdel.isZero()) s.maxDeletedId = maxXdel;
        c.addReplyOk();
        c.engine.dirty++;
        c.engine.notifyKeyspaceEvent(Notifications.STREAM, "xsetid", key, c.db.id);
    }

    static void xack(Client c) {
        StreamValue s = lookupRead(c, c.argv[1]);
        StreamGroup group = s == null ? null : s.group(c.argv[2]);
        if (group == null) {
            c.addReplyLongLong(0);
            return;
        }
        StreamID[] ids = new StreamID[c.argc - 3];
        for (int j = 3; j < c.argc; j++) ids[j - 3] = parseStrictId(c.argv[j]);
        c.db.beforeWrite(c.argv[1]); // a read lookup, as Redis's, then an edit in place
        long acknowledged = 0;
        for (StreamID id : ids) {
            Nack nack = group.pel.remove(id);
            if (nack != null) {
                nack.consumer.pel.remove(id);
                acknowledged++;
                c.engine.dirty++;
            }
        }
        c.addReplyLongLong(acknowledged);
    }

    private static StreamGroup groupOrNogroup(Client c, StreamValue s) {
        StreamGroup g = s == null ? null : s.group(c.argv[2]);
        if (g == null) {
            throw new ReplyException("NOGROUP No such key '" + str(c.argv[1]) + "' or consumer group '" + str(c.argv[2]) + "'");
        }
        return g;
    }

    static void xpending(Client c) {
        boolean justinfo = c.argc == 3;
        if (c.argc != 3 && (c.argc < 6 || c.argc > 9)) throw new ReplyException(Errors.SYNTAX);
        StreamID start = null, end = null;
        long count = 0, minidle = 0;
        byte[] consumerName = null;
        if (c.argc >= 6) {
            int startidx = 3;
            if (c.argIs(3, "idle")) {
                minidle = Args.parseLong(c.argv[4]);
                if (c.argc < 8) throw new ReplyException(Errors.SYNTAX);
                startidx += 2;
            }
            count = Args.parseLong(c.argv[startidx + 2]);
            if (count < 0) count = 0;
            start = parseRangeBound(c.argv[startidx], 0, true);
            end = parseRangeBound(c.argv[startidx + 1], -1L, false);
            if (startidx + 3 < c.argc) consumerName = c.argv[startidx + 3];
        }
        StreamValue s = lookupRead(c, c.argv[1]);
        StreamGroup group = groupOrNogroup(c, s);
        if (justinfo) {
            c.addReplyArrayLen(4);
            c.addReplyLongLong(group.pel.size());
            if (group.pel.isEmpty()) {
                c.addReplyNull();
                c.addReplyNull();
                c.addReplyNullArray();
                return;
            }
            addReplyStreamID(c, group.pel.firstKey());
            addReplyStreamID(c, group.pel.lastKey());
            int mark = c.addReplyDeferredLen();
            long n = 0;
            for (Consumer consumer : group.consumers.values()) {
                if (consumer.pel.isEmpty()) continue;
                c.addReplyArrayLen(2);
                c.addReplyBulk(consumer.name);
                c.addReplyBulkLongLong(consumer.pel.size());
                n++;
            }
            c.setDeferredArrayLen(mark, n);
            return;
        }
        PendingList pel = group.pel;
        if (consumerName != null) {
            Consumer consumer = group.consumer(consumerName);
            if (consumer == null) {
                c.addReplyArrayLen(0);
                return;
            }
            pel = consumer.pel;
        }
        long now = c.engine.now();
        int mark = c.addReplyDeferredLen();
        long n = 0;
        if (start.compareTo(end) <= 0) {
            for (PendingList.Cursor e = pel.from(start); e.next(); ) {
                if (count == 0) break;
                StreamID id = e.id();
                if (id.compareTo(end) > 0) break;
                Nack nack = e.nack();
                if (minidle != 0 && now - nack.deliveryTime < minidle) continue;
                n++;
                count--;
                c.addReplyArrayLen(4);
                addReplyStreamID(c, id);
                c.addReplyBulk(nack.consumer.name);
                c.addReplyLongLong(Math.max(0, now - nack.deliveryTime));
                c.addReplyLongLong(nack.deliveryCount);
            }
        }
        c.setDeferredArrayLen(mark, n);
    }

    static void xclaim(Client c) {
        StreamValue s = lookupRead(c, c.argv[1]);
        StreamGroup group = groupOrNogroup(c, s);
        long minidle = Args.parseLong(c.argv[4], "ERR Invalid min-idle-time argument for XCLAIM");
        if (minidle < 0) minidle = 0;
        List<StreamID> ids = new ArrayList<>();
        int j = 5;
        for (; j < c.argc; j++) {
            StreamID id;
            try {
                id = parseStrictId(c.argv[j]);
            } catch (ReplyException e) {
                break;
            }
            ids.add(id);
        }
        int lastIdArg = j - 1;
        long now = c.engine.now();
        long retrycount = -1, deliverytime = -1;
        boolean force = false, justid = false;
        StreamID lastId = StreamID.ZERO;
        for (; j < c.argc; j++) {
            int moreargs = c.argc - 1 - j;
            if (c.argIs(j, "force")) {
                force = true;
            } else if (c.argIs(j, "justid")) {
                justid = true;
            } else if (c.argIs(j, "idle") && moreargs > 0) {
                deliverytime = now - Args.parseLong(c.argv[++j], "ERR Invalid IDLE option argument for XCLAIM");
            } else if (c.argIs(j, "time") && moreargs > 0) {
                deliverytime = Args.parseLong(c.argv[++j], "ERR Invalid TIME option argument for XCLAIM");
            } else if (c.argIs(j, "retrycount") && moreargs > 0) {
                retrycount = Args.parseLong(c.argv[++j], "ERR Invalid RETRYCOUNT option argument for XCLAIM");
            } else if (c.argIs(j, "lastid") && moreargs > 0) {
                lastId = parseStrictId(c.argv[++j]);
            } else {
                throw new ReplyException("ERR Unrecognized XCLAIM option '" + str(c.argv[j]) + "'");
            }
        }
        c.db.beforeWrite(c.argv[1]);
        boolean propagateLastId = false;
        if (lastId.compareTo(group.lastId) > 0) {
            group.lastId = lastId;
            propagateLastId = true;
        }
        if (deliverytime != -1) {
            if (deliverytime < 0 || deliverytime > now) deliverytime = now;
        } else {
            deliverytime = now;
        }
        Consumer consumer = null;
        byte[] name = c.argv[3];
        int mark = c.addReplyDeferredLen();
        long n = 0;
        for (int k = 0; k < ids.size() && 5 + k <= lastIdArg; k++) {
            StreamID id = ids.get(k);
            Nack nack = group.pel.get(id);
            if (!entryExists(s, id)) {
                if (nack != null) {
                    propagateXclaim(c, c.argv[1], group, c.argv[2], c.argv[5 + k], nack);
                    propagateLastId = false;
                    c.engine.dirty++;
                    group.pel.remove(id);
                    nack.consumer.pel.remove(id);
                }
                continue;
            }
            if (force && nack == null) {
                nack = new Nack(null, now, 1);
                group.pel.put(id, nack);
            }
            if (nack == null) continue;
            if (nack.consumer != null && minidle != 0 && now - nack.deliveryTime < minidle) continue;
            if (consumer == null) consumer = lookupOrCreateConsumer(c, group, name, c.argv[1], c.db.id, false, c.argv[2]);
            if (nack.consumer != consumer && nack.consumer != null) nack.consumer.pel.remove(id);
            nack.deliveryTime = deliverytime;
            if (retrycount >= 0) nack.deliveryCount = retrycount;
            else if (!justid) nack.deliveryCount++;
            if (nack.consumer != consumer) {
                consumer.pel.put(id, nack);
                nack.consumer = consumer;
            }
            if (justid) addReplyStreamID(c, id);
            else replyOneEntry(c, s, id);
            n++;
            propagateXclaim(c, c.argv[1], group, c.argv[2], c.argv[5 + k], nack);
            propagateLastId = false;
            c.engine.dirty++;
        }
        if (propagateLastId) {
            propagateGroupId(c, c.argv[1], group, c.argv[2]);
            c.engine.dirty++;
        }
        c.setDeferredArrayLen(mark, n);
        c.preventPropagation();
    }

    static void xautoclaim(Client c) {
        long minidle = Args.parseLong(c.argv[4], "ERR Invalid min-idle-time argument for XAUTOCLAIM");
        if (minidle < 0) minidle = 0;
        StreamID start = parseRangeBound(c.argv[5], 0, true);
        long count = 100;
        boolean justid = false;
        for (int j = 6; j < c.argc; j++) {
            int moreargs = c.argc - 1 - j;
            if (c.argIs(j, "count") && moreargs > 0) {
                count = Args.parseLongInRange(c.argv[j + 1], 1, Long.MAX_VALUE / 16, "ERR COUNT must be > 0");
                j++;
            } else if (c.argIs(j, "justid")) {
                justid = true;
            } else {
                throw new ReplyException(Errors.SYNTAX);
            }
        }
        StreamValue s = lookupRead(c, c.argv[1]);
        StreamGroup group = groupOrNogroup(c, s);
        c.db.beforeWrite(c.argv[1]);
        long attempts = count * 10;
        // Claim first, then reply: the reply starts with the cursor, known only at the end.
        List<StreamID> claimed = new ArrayList<>();
        List<StreamID> deletedIds = new ArrayList<>();
        long now = c.engine.now();
        byte[] name = c.argv[3];
        Consumer consumer = null;
        PendingList.Cursor it = group.pel.from(start);
        while (attempts-- > 0 && count > 0 && it.next()) {
            StreamID id = it.id();
            Nack nack = it.nack();
            if (!entryExists(s, id)) {
                propagateXclaim(c, c.argv[1], group, c.argv[2], id.toBytes(), nack);
                c.engine.dirty++;
                it.remove();
                nack.consumer.pel.remove(id);
                deletedIds.add(id);
                count--;
                continue;
            }
            if (minidle != 0 && now - nack.deliveryTime < minidle) continue;
            if (consumer == null) consumer = lookupOrCreateConsumer(c, group, name, c.argv[1], c.db.id, false, c.argv[2]);
            if (nack.consumer != consumer && nack.consumer != null) nack.consumer.pel.remove(id);
            nack.deliveryTime = now;
            if (!justid) nack.deliveryCount++;
            if (nack.consumer != consumer) {
                consumer.pel.put(id, nack);
                nack.consumer = consumer;
            }
            claimed.add(id);
            count--;
            propagateXclaim(c, c.argv[1], group, c.argv[2], id.toBytes(), nack);
            c.engine.dirty++;
        }
        StreamID next = it.next() ? it.id() : StreamID.ZERO;
        c.addReplyArrayLen(3);
        addReplyStreamID(c, next);
        c.addReplyArrayLen(claimed.size());
        for (StreamID id : claimed) {
            if (justid) addReplyStreamID(c, id);
            else replyOneEntry(c, s, id);
        }
        c.addReplyArrayLen(deletedIds.size());
        for (StreamID id : deletedIds) addReplyStreamID(c, id);
        c.preventPropagation();
    }

    private static boolean entryExists(StreamValue s, StreamID id) {
        return s.iterator(id, id, false).next();
    }

    /* ---------------- XINFO ---------------- */

    static void xinfoHelp(Client c) {
        IntrospectionCommands.addReplyHelp(c, "XINFO",
                "CONSUMERS <key> <groupname>",
                "    Show consumers of <groupname>.",
                "GROUPS <key>",
                "    Show the stream consumer groups.",
                "STREAM <key> [FULL [COUNT <count>]",
                "    Show information about the stream.");
    }

    private static StreamValue xinfoLookup(Client c) {
        StreamValue s = lookupRead(c, c.argv[2]);
        if (s == null) throw new ReplyException(Errors.NO_SUCH_KEY);
        return s;
    }

    static void xinfoConsumers(Client c) {
        StreamValue s = xinfoLookup(c);
        StreamGroup cg = s.group(c.argv[3]);
        if (cg == null) {
            throw new ReplyException("NOGROUP No such consumer group '" + str(c.argv[3]) + "' for key name '" + str(c.argv[2]) + "'");
        }
        long now = c.engine.now();
        c.addReplyArrayLen(cg.consumers.size());
        for (Consumer consumer : cg.consumers.values()) {
            c.addReplyMapLen(3);
            c.addReplyBulkString("name");
            c.addReplyBulk(consumer.name);
            c.addReplyBulkString("pending");
            c.addReplyLongLong(consumer.pel.size());
            c.addReplyBulkString("idle");
            c.addReplyLongLong(Math.max(0, now - consumer.seenTime));
        }
    }

    static void xinfoGroups(Client c) {
        StreamValue s = xinfoLookup(c);
        if (s.groups == null) {
            c.addReplyArrayLen(0);
            return;
        }
        c.addReplyArrayLen(s.groups.size());
        for (Map.Entry<byte[], StreamGroup> e : s.groups.entrySet()) {
            StreamGroup cg = e.getValue();
            c.addReplyMapLen(6);
            c.addReplyBulkString("name");
            c.addReplyBulk(e.getKey());
            c.addReplyBulkString("consumers");
            c.addReplyLongLong(cg.consumers.size());
            c.addReplyBulkString("pending");
            c.addReplyLongLong(cg.pel.size());
            c.addReplyBulkString("last-delivered-id");
            addReplyStreamID(c, cg.lastId);
            c.addReplyBulkString("entries-read");
            if (cg.entriesRead != -1) c.addReplyLongLong(cg.entriesRead);
            else c.addReplyNull();
            c.addReplyBulkString("lag");
            replyLag(c, s, cg);
        }
    }

    static void xinfoStream(Client c) {
        boolean full = true;
        long count = 10;
        int optc = c.argc - 3;
        if (optc == 0) {
            full = false;
        } else {
            if (optc != 1 && optc != 3) throw new ReplyException(subcommandSyntax(c));
            if (!c.argIs(3, "full")) throw new ReplyException(subcommandSyntax(c));
            if (optc == 3) {
                if (!c.argIs(4, "count")) throw new ReplyException(subcommandSyntax(c));
                count = Args.parseLong(c.argv[5]);
                if (count < 0) count = 10;
            }
        }
        StreamValue s = xinfoLookup(c);
        c.addReplyMapLen(full ? 9 : 10);
        c.addReplyBulkString("length");
        c.addReplyLongLong(s.length);
        c.addReplyBulkString("radix-tree-keys");
        c.addReplyLongLong(s.nodeCount());
        c.addReplyBulkString("radix-tree-nodes");
        c.addReplyLongLong(s.raxNodes());
        c.addReplyBulkString("last-generated-id");
        addReplyStreamID(c, s.lastId);
        c.addReplyBulkString("max-deleted-entry-id");
        addReplyStreamID(c, s.maxDeletedId);
        c.addReplyBulkString("entries-added");
        c.addReplyLongLong(s.entriesAdded);
        c.addReplyBulkString("recorded-first-entry-id");
        addReplyStreamID(c, s.firstId);
        if (!full) {
            c.addReplyBulkString("groups");
            c.addReplyLongLong(s.groupCount());
            c.addReplyBulkString("first-entry");
            StreamValue.Iter it = s.iterator(null, null, false);
            if (it.next()) replyEntry(c, it);
            else c.addReplyNull();
            c.addReplyBulkString("last-entry");
            it = s.iterator(null, null, true);
            if (it.next()) replyEntry(c, it);
            else c.addReplyNull();
            return;
        }
        c.addReplyBulkString("entries");
        replyWithRange(c, s, null, null, count, false, null, null, false, null);
        c.addReplyBulkString("groups");
        c.addReplyArrayLen(s.groupCount());
        if (s.groups == null) return;
        for (Map.Entry<byte[], StreamGroup> e : s.groups.entrySet()) {
            StreamGroup cg = e.getValue();
            c.addReplyMapLen(7);
            c.addReplyBulkString("name");
            c.addReplyBulk(e.getKey());
            c.addReplyBulkString("last-delivered-id");
            addReplyStreamID(c, cg.lastId);
            c.addReplyBulkString("entries-read");
            if (cg.entriesRead != -1) c.addReplyLongLong(cg.entriesRead);
            else c.addReplyNull();
            c.addReplyBulkString("lag");
            replyLag(c, s, cg);
            c.addReplyBulkString("pel-count");
            c.addReplyLongLong(cg.pel.size());
            c.addReplyBulkString("pending");
            replyFullPending(c, cg.pel, count, true);
            c.addReplyBulkString("consumers");
            c.addReplyArrayLen(cg.consumers.size());
            for (Consumer consumer : cg.consumers.values()) {
                c.addReplyMapLen(4);
                c.addReplyBulkString("name");
                c.addReplyBulk(consumer.name);
                c.addReplyBulkString("seen-time");
                c.addReplyLongLong(consumer.seenTime);
                c.addReplyBulkString("pel-count");
                c.addReplyLongLong(consumer.pel.size());
                c.addReplyBulkString("pending");
                replyFullPending(c, consumer.pel, count, false);
            }
        }
    }

    /**
     * XINFO STREAM FULL's "pending" array: up to count entries (0: all) of a PEL as [id, consumer,
     * delivery time, delivery count] for the group's, without the consumer for a consumer's.
     */
    private static void replyFullPending(Client c, PendingList pel, long count, boolean withConsumer) {
        int mark = c.addReplyDeferredLen();
        long n = 0;
        for (PendingList.Cursor p = pel.from(StreamID.MIN); p.next(); ) {
            if (count != 0 && n >= count) break;
            c.addReplyArrayLen(withConsumer ? 4 : 3);
            addReplyStreamID(c, p.id());
            if (withConsumer) c.addReplyBulk(p.nack().consumer.name);
            c.addReplyLongLong(p.nack().deliveryTime);
            c.addReplyLongLong(p.nack().deliveryCount);
            n++;
        }
        c.setDeferredArrayLen(mark, n);
    }
}
