package io.magpie.engine.commands;

import io.magpie.engine.Args;
import io.magpie.engine.Blocking;
import io.magpie.engine.Client;
import io.magpie.engine.Errors;
import io.magpie.engine.Notifications;
import io.magpie.engine.ReplyException;
import io.magpie.commands.CommandTable;
import io.magpie.engine.command.CommandHandler;
import io.magpie.engine.keyspace.Database;
import io.magpie.engine.types.SetValue;
import io.magpie.engine.types.ValueType;
import io.magpie.engine.types.Values;
import io.magpie.engine.types.ZSetValue;
import io.magpie.engine.types.ZSetValue.LexRange;
import io.magpie.engine.types.ZSetValue.Node;
import io.magpie.engine.types.ZSetValue.ScoreRange;
import io.magpie.engine.util.Numbers;
import io.magpie.protocol.NumberFormat;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** Sorted set commands (t_zset.c). */
final class ZSetCommands {
    private ZSetCommands() {}

    static void register(CommandTable<CommandHandler> t) {
        t.register("zadd", c -> zaddGeneric(c, 0));
        t.register("zincrby", c -> zaddGeneric(c, INCR));
        t.register("zrem", ZSetCommands::zrem);
        t.register("zcard", ZSetCommands::zcard);
        t.register("zscore", ZSetCommands::zscore);
        t.register("zmscore", ZSetCommands::zmscore);
        t.register("zrank", c -> zrankGeneric(c, false));
        t.register("zrevrank", c -> zrankGeneric(c, true));
        t.register("zcount", ZSetCommands::zcount);
        t.register("zlexcount", ZSetCommands::zlexcount);
        t.register("zrange", c -> zrangeGeneric(c, 1, false, AUTO, AUTO_DIR));
        t.register("zrangestore", c -> zrangeGeneric(c, 2, true, AUTO, AUTO_DIR));
        t.register("zrevrange", c -> zrangeGeneric(c, 1, false, RANK, REVERSE));
        t.register("zrangebyscore", c -> zrangeGeneric(c, 1, false, SCORE, FORWARD));
        t.register("zrevrangebyscore", c -> zrangeGeneric(c, 1, false, SCORE, REVERSE));
        t.register("zrangebylex", c -> zrangeGeneric(c, 1, false, LEX, FORWARD));
        t.register("zrevrangebylex", c -> zrangeGeneric(c, 1, false, LEX, REVERSE));
        t.register("zremrangebyrank", c -> zremrangeGeneric(c, RANK));
        t.register("zremrangebyscore", c -> zremrangeGeneric(c, SCORE));
        t.register("zremrangebylex", c -> zremrangeGeneric(c, LEX));
        t.register("zpopmin", c -> zpopMinMax(c, false));
        t.register("zpopmax", c -> zpopMinMax(c, true));
        t.register("bzpopmin", c -> bzpopMinMax(c, false));
        t.register("bzpopmax", c -> bzpopMinMax(c, true));
        t.register("zmpop", c -> zmpopGeneric(c, 1, false));
        t.register("bzmpop", c -> zmpopGeneric(c, 2, true));
        t.register("zrandmember", ZSetCommands::zrandmember);
        t.register("zunion", c -> zsetOpGeneric(c, null, 1, UNION, false));
        t.register("zinter", c -> zsetOpGeneric(c, null, 1, INTER, false));
        t.register("zdiff", c -> zsetOpGeneric(c, null, 1, DIFF, false));
        t.register("zunionstore", c -> zsetOpGeneric(c, c.argv[1], 2, UNION, false));
        t.register("zinterstore", c -> zsetOpGeneric(c, c.argv[1], 2, INTER, false));
        t.register("zdiffstore", c -> zsetOpGeneric(c, c.argv[1], 2, DIFF, false));
        t.register("zintercard", c -> zsetOpGeneric(c, null, 1, INTER, true));
        t.register("zscan", ZSetCommands::zscan);
    }

    static final String NAN_ERR = "ERR resulting score is not a number (NaN)";
    static final String MINMAX_NOT_FLOAT = "ERR min or max is not a float";
    static final String MINMAX_NOT_LEX = "ERR min or max not valid string range item";
    static final byte[] ZPOPMIN = "ZPOPMIN".getBytes(StandardCharsets.US_ASCII);
    static final byte[] ZPOPMAX = "ZPOPMAX".getBytes(StandardCharsets.US_ASCII);

    static ZSetValue readZset(Database db, byte[] key) {
        return Values.read(db, key, ValueType.ZSET);
    }

    static ZSetValue writeZset(Database db, byte[] key) {
        return Values.write(db, key, ValueType.ZSET);
    }

    static long maxEntries(Client c) {
        return c.engine.config.zsetMaxListpackEntries.value();
    }

    static long maxValue(Client c) {
        return c.engine.config.zsetMaxListpackValue.value();
    }

    /* ---------------- ZADD / ZINCRBY ---------------- */

    private static final int NX = 1, XX = 2, GT = 4, LT = 8, CH = 16, INCR = 32;

    /** zaddGenericCommand: ZADD key [NX|XX] [GT|LT] [CH] [INCR] score member [score member ...] */
    static void zaddGeneric(Client c, int flags) {
        byte[] key = c.argv[1];
        int scoreidx = 2;
        if (flags == 0) {
            while (scoreidx < c.argc) {
                if (c.argIs(scoreidx, "nx")) flags |= NX;
                else if (c.argIs(scoreidx, "xx")) flags |= XX;
                else if (c.argIs(scoreidx, "ch")) flags |= CH;
                else if (c.argIs(scoreidx, "incr")) flags |= INCR;
                else if (c.argIs(scoreidx, "gt")) flags |= GT;
                else if (c.argIs(scoreidx, "lt")) flags |= LT;
                else break;
                scoreidx++;
            }
        }
        boolean incr = (flags & INCR) != 0, nx = (flags & NX) != 0, xx = (flags & XX) != 0;
        boolean gt = (flags & GT) != 0, lt = (flags & LT) != 0, ch = (flags & CH) != 0;
        int elements = c.argc - scoreidx;
        if (elements % 2 != 0 || elements == 0) throw new ReplyException(Errors.SYNTAX);
        elements /= 2;
        if (nx && xx) throw new ReplyException("ERR XX and NX options at the same time are not compatible");
        if ((gt && nx) || (lt && nx) || (gt && lt)) {
            throw new ReplyException("ERR GT, LT, and/or NX options at the same time are not compatible");
        }
        if (incr && elements > 1) throw new ReplyException("ERR INCR option supports a single increment-element pair");
        double[] scores = new double[elements];
        // -0 stays -0: a skiplist keeps it and a listpack stores it as 0, as Redis's do.
        for (int j = 0; j < elements; j++) scores[j] = Args.parseDouble(c.argv[scoreidx + j * 2]);

        ZSetValue zs = writeZset(c.db, key);
        int added = 0, updated = 0, processed = 0;
        double score = 0;
        if (zs == null) {
            if (xx) {
                if (incr) c.addReplyNull();
                else c.addReplyLongLong(0);
                return;
            }
            zs = ZSetValue.createFor(c.argv[scoreidx + 1].length, maxEntries(c), maxValue(c));
            c.db.add(key, zs);
        }
        long maxE = maxEntries(c), maxV = maxValue(c);
        String error = null;
        for (int j = 0; j < elements; j++) {
            score = scores[j];
            byte[] ele = c.argv[scoreidx + j * 2 + 1];
            Node n = zs.node(ele);
            if (n != null) {
                if (nx) continue;
                double cur = n.score();
                if (incr) {
                    score += cur;
                    if (Double.isNaN(score)) {
                        error = NAN_ERR;
                        break;
                    }
                }
                if ((lt && score >= cur) || (gt && score <= cur)) continue;
                processed++;
                if (score != cur) {
                    zs.updateScore(n, score);
                    updated++;
                }
            } else if (!xx) {
                zs.insert(ele, score, maxE, maxV);
                added++;
                processed++;
            }
        }
        c.engine.dirty += added + updated;
        if (error == null) {
            if (incr) {
                if (processed > 0) c.addReplyDouble(score);
                else c.addReplyNull();
            } else {
                c.addReplyLongLong(ch ? added + updated : added);
            }
        }
        if (added > 0 || updated > 0) {
            c.db.signalModifiedKey(key);
            c.engine.notifyKeyspaceEvent(Notifications.ZSET, incr ? "zincr" : "zadd", key, c.db.id);
            if (added > 0) c.engine.signalKeyAsReady(c.db, key, zs);
        }
        if (error != null) c.addReplyError(error);
    }

    /* ---------------- ZREM, ZCARD, ZSCORE, ZRANK ---------------- */

    static void zrem(Client c) {
        byte[] key = c.argv[1];
        ZSetValue zs = writeZset(c.db, key);
        if (zs == null) {
            c.addReplyLongLong(0);
            return;
        }
        int deleted = 0;
        boolean keyRemoved = false;
        for (int j = 2; j < c.argc; j++) {
            if (zs.remove(c.argv[j]) != null) deleted++;
            if (zs.length() == 0) {
                c.db.delete(key);
                keyRemoved = true;
                break;
            }
        }
        if (deleted > 0) {
            c.engine.notifyKeyspaceEvent(Notifications.ZSET, "zrem", key, c.db.id);
            if (keyRemoved) c.engine.notifyKeyspaceEvent(Notifications.GENERIC, "del", key, c.db.id);
            c.db.signalModifiedKey(key);
            c.engine.dirty += deleted;
        }
        c.addReplyLongLong(deleted);
    }

    static void zcard(Client c) {
        ZSetValue zs = readZset(c.db, c.argv[1]);
        c.addReplyLongLong(zs == null ? 0 : zs.length());
    }

    static void zscore(Client c) {
        ZSetValue zs = readZset(c.db, c.argv[1]);
        Node n = zs == null ? null : zs.node(c.argv[2]);
        if (n == null) c.addReplyNull();
        else c.addReplyDouble(n.score());
    }

    static void zmscore(Client c) {
        ZSetValue zs = readZset(c.db, c.argv[1]);
        c.addReplyArrayLen(c.argc - 2);
        for (int j = 2; j < c.argc; j++) {
            Node n = zs == null ? null : zs.node(c.argv[j]);
            if (n == null) c.addReplyNull();
            else c.addReplyDouble(n.score());
        }
    }

    static void zrankGeneric(Client c, boolean reverse) {
        ZSetValue zs = readZset(c.db, c.argv[1]);
        Node n = zs == null ? null : zs.node(c.argv[2]);
        if (n == null) {
            c.addReplyNull();
            return;
        }
        int rank = zs.rank(n);
        c.addReplyLongLong(reverse ? zs.length() - rank : rank - 1);
    }

    /* ---------------- range parsing ---------------- */

    private static final Pattern DECIMAL = Pattern.compile("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?");
    private static final Pattern HEX = Pattern.compile("[+-]?0[xX]([0-9a-fA-F]+\\.?[0-9a-fA-F]*|\\.[0-9a-fA-F]+)([pP][+-]?\\d+)?");

    /**
     * A range bound as strtod reads it (zslParseRange): leading spaces allowed, nothing
     * after the number, the empty string is 0, NaN refused. Null when invalid.
     */
    static Double strtod(byte[] b, int from) {
        int i = from;
        while (i < b.length && (b[i] == ' ' || (b[i] >= '\t' && b[i] <= '\r'))) i++;
        if (i == b.length) return i == from ? 0.0 : null;
        String s = new String(b, i, b.length - i, StandardCharsets.ISO_8859_1);
        String lower = s.toLowerCase(java.util.Locale.ROOT);
        String unsigned = lower.startsWith("+") || lower.startsWith("-") ? lower.substring(1) : lower;
        if (unsigned.equals("inf") || unsigned.equals("infinity")) {
            return lower.startsWith("-") ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
        }
        try {
            if (DECIMAL.matcher(s).matches()) return Double.parseDouble(s);
            if (HEX.matcher(s).matches()) {
                String h = s.contains("p") || s.contains("P") ? s : s + "p0";
                return Double.parseDouble(h);
            }
        } catch (NumberFormatException e) {
            return null;
        }
        return null;
    }

    static ScoreRange parseScoreRange(byte[] min, byte[] max) {
        boolean minex = min.length > 0 && min[0] == '(';
        boolean maxex = max.length > 0 && max[0] == '(';
        Double lo = strtod(min, minex ? 1 : 0), hi = strtod(max, maxex ? 1 : 0);
        if (lo == null || hi == null) throw new ReplyException(MINMAX_NOT_FLOAT);
        return new ScoreRange(lo, minex, hi, maxex);
    }

    static LexRange parseLexRange(byte[] min, byte[] max) {
        boolean[] ex = new boolean[1];
        byte[] lo = parseLexItem(min, ex);
        boolean minex = ex[0];
        byte[] hi = parseLexItem(max, ex);
        return new LexRange(lo, minex, hi, ex[0]);
    }

    private static byte[] parseLexItem(byte[] item, boolean[] ex) {
        if (item.length == 0) throw new ReplyException(MINMAX_NOT_LEX);
        switch (item[0]) {
            case '+':
                if (item.length != 1) throw new ReplyException(MINMAX_NOT_LEX);
                ex[0] = true;
                return ZSetValue.MAXSTRING;
            case '-':
                if (item.length != 1) throw new ReplyException(MINMAX_NOT_LEX);
                ex[0] = true;
                return ZSetValue.MINSTRING;
            case '(':
                ex[0] = true;
                return Arrays.copyOfRange(item, 1, item.length);
            case '[':
                ex[0] = false;
                return Arrays.copyOfRange(item, 1, item.length);
            default:
                throw new ReplyException(MINMAX_NOT_LEX);
        }
    }

    /* ---------------- ZCOUNT, ZLEXCOUNT ---------------- */

    static void zcount(Client c) {
        ScoreRange r = parseScoreRange(c.argv[2], c.argv[3]);
        ZSetValue zs = readZset(c.db, c.argv[1]);
        if (zs == null) {
            c.addReplyLongLong(0);
            return;
        }
        Node first = zs.firstInRange(r);
        c.addReplyLongLong(first == null ? 0 : zs.rank(zs.lastInRange(r)) - zs.rank(first) + 1);
    }

    static void zlexcount(Client c) {
        LexRange r = parseLexRange(c.argv[2], c.argv[3]);
        ZSetValue zs = readZset(c.db, c.argv[1]);
        if (zs == null) {
            c.addReplyLongLong(0);
            return;
        }
        Node first = zs.firstInRange(r);
        if (first == null) {
            c.addReplyLongLong(0);
        } else if (zs.isListpack()) {
            // A listpack is counted by walking from the first match (zsetLexCount's listpack branch).
            long count = 0;
            for (Node n = first; n != null && r.lteMax(n.ele); n = n.next()) count++;
            c.addReplyLongLong(count);
        } else {
            Node last = zs.lastInRange(r);
            c.addReplyLongLong(last == null ? 0 : zs.rank(last) - zs.rank(first) + 1);
        }
    }

    /* ---------------- ZRANGE family ---------------- */

    static final int AUTO = 0, RANK = 1, SCORE = 2, LEX = 3;
    static final int AUTO_DIR = 0, FORWARD = 1, REVERSE = 2;

    /** Where a range's results go (zrange_result_handler): the client, or a destination key. */
    private interface RangeResult {
        /** length -1: not known yet. */
        void begin(long length);

        void emit(byte[] ele, double score);

        void end(long count);
    }

    private static final class ClientResult implements RangeResult {
        final Client c;
        final boolean withscores;
        int mark = -1;

        ClientResult(Client c, boolean withscores) {
            this.c = c;
            this.withscores = withscores;
        }

        @Override public void begin(long length) {
            if (length < 0) mark = c.addReplyDeferredLen();
            else c.addReplyArrayLen(withscores && c.resp() == 2 ? length * 2 : length);
        }

        @Override public void emit(byte[] ele, double score) {
            if (withscores && c.resp() > 2) c.addReplyArrayLen(2);
            c.addReplyBulk(ele);
            if (withscores) c.addReplyDouble(score);
        }

        @Override public void end(long count) {
            if (mark >= 0) c.setDeferredArrayLen(mark, withscores && c.resp() == 2 ? count * 2 : count);
        }
    }

    private static final class StoreResult implements RangeResult {
        final Client c;
        final byte[] dstkey;
        ZSetValue dst;

        StoreResult(Client c, byte[] dstkey) {
            this.c = c;
            this.dstkey = dstkey;
        }

        @Override public void begin(long length) {
            dst = new ZSetValue(length <= maxEntries(c));
        }

        @Override public void emit(byte[] ele, double score) {
            dst.insert(ele, score, maxEntries(c), maxValue(c));
        }

        @Override public void end(long count) {
            if (count > 0) {
                c.db.setKey(c, dstkey, dst, false);
                c.addReplyLongLong(count);
                c.engine.notifyKeyspaceEvent(Notifications.ZSET, "zrangestore", dstkey, c.db.id);
                c.engine.dirty++;
            } else {
                c.addReplyLongLong(0);
                if (c.db.delete(dstkey)) {
                    c.engine.notifyKeyspaceEvent(Notifications.GENERIC, "del", dstkey, c.db.id);
                    c.db.signalModifiedKey(dstkey);
                    c.engine.dirty++;
                }
            }
        }
    }

    /** zrangeGenericCommand: every ZRANGE form; argcStart is the index of the source key. */
    static void zrangeGeneric(Client c, int argcStart, boolean store, int rangetype, int direction) {
        byte[] key = c.argv[argcStart];
        int minidx = argcStart + 1, maxidx = argcStart + 2;
        boolean withscores = false;
        long offset = 0, limit = -1;
        for (int j = argcStart + 3; j < c.argc; j++) {
            int leftargs = c.argc - j - 1;
            if (!store && c.argIs(j, "withscores")) {
                withscores = true;
            } else if (c.argIs(j, "limit") && leftargs >= 2) {
                offset = Args.parseLong(c.argv[j + 1]);
                limit = Args.parseLong(c.argv[j + 2]);
                j += 2;
            } else if (direction == AUTO_DIR && c.argIs(j, "rev")) {
                direction = REVERSE;
            } else if (rangetype == AUTO && c.argIs(j, "bylex")) {
                rangetype = LEX;
            } else if (rangetype == AUTO && c.argIs(j, "byscore")) {
                rangetype = SCORE;
            } else {
                throw new ReplyException(Errors.SYNTAX);
            }
        }
        if (direction == AUTO_DIR) direction = FORWARD;
        if (rangetype == AUTO) rangetype = RANK;
        if (limit != -1 && rangetype == RANK) {
            throw new ReplyException("ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX");
        }
        if (withscores && rangetype == LEX) {
            throw new ReplyException("ERR syntax error, WITHSCORES not supported in combination with BYLEX");
        }
        boolean reverse = direction == REVERSE;
        if (reverse && rangetype != RANK) {
            int t = minidx;
            minidx = maxidx;
            maxidx = t;
        }
        long start = 0, end = 0;
        ScoreRange sr = null;
        LexRange lr = null;
        switch (rangetype) {
            case SCORE -> sr = parseScoreRange(c.argv[minidx], c.argv[maxidx]);
            case LEX -> lr = parseLexRange(c.argv[minidx], c.argv[maxidx]);
            default -> {
                start = Args.parseLong(c.argv[minidx]);
                end = Args.parseLong(c.argv[maxidx]);
            }
        }
        RangeResult out = store ? new StoreResult(c, c.argv[1]) : new ClientResult(c, withscores);
        Object o = c.db.lookupRead(key);
        if (o == null) {
            if (store) {
                out.begin(-1);
                out.end(0);
            } else {
                c.addReplyArrayLen(0);
            }
            return;
        }
        Values.check(o, ValueType.ZSET);
        ZSetValue zs = (ZSetValue) o;
        switch (rangetype) {
            case SCORE -> rangeByScoreOrLex(zs, sr, null, offset, limit, reverse, out);
            case LEX -> rangeByScoreOrLex(zs, null, lr, offset, limit, reverse, out);
            default -> rangeByRank(zs, start, end, reverse, out);
        }
    }

    private static void rangeByRank(ZSetValue zs, long start, long end, boolean reverse, RangeResult out) {
        long llen = zs.length();
        if (start < 0) start = llen + start;
        if (end < 0) end = llen + end;
        if (start < 0) start = 0;
        if (start > end || start >= llen) {
            out.begin(0);
            out.end(0);
            return;
        }
        if (end >= llen) end = llen - 1;
        long rangelen = end - start + 1;
        out.begin(rangelen);
        Node n = reverse ? zs.byRank(llen - start) : zs.byRank(start + 1);
        for (long i = 0; i < rangelen; i++) {
            out.emit(n.ele, n.score());
            n = reverse ? n.prev() : n.next();
        }
        out.end(rangelen);
    }

    private static void rangeByScoreOrLex(ZSetValue zs, ScoreRange sr, LexRange lr, long offset, long limit, boolean reverse, RangeResult out) {
        out.begin(-1);
        Node n;
        if (sr != null) n = reverse ? zs.lastInRange(sr) : zs.firstInRange(sr);
        else n = reverse ? zs.lastInRange(lr) : zs.firstInRange(lr);
        // A negative offset skips everything, as Redis's "while (ln && offset--)" does.
        if (offset < 0) n = null;
        while (n != null && offset-- > 0) n = reverse ? n.prev() : n.next();
        long count = 0;
        while (n != null && limit-- != 0) {
            boolean inRange;
            if (sr != null) inRange = reverse ? sr.gteMin(n.score()) : sr.lteMax(n.score());
            else inRange = reverse ? lr.gteMin(n.ele) : lr.lteMax(n.ele);
            if (!inRange) break;
            out.emit(n.ele, n.score());
            count++;
            n = reverse ? n.prev() : n.next();
        }
        out.end(count);
    }

    /* ---------------- ZREMRANGEBY* ---------------- */

    static void zremrangeGeneric(Client c, int rangetype) {
        byte[] key = c.argv[1];
        long start = 0, end = 0;
        ScoreRange sr = null;
        LexRange lr = null;
        switch (rangetype) {
            case SCORE -> sr = parseScoreRange(c.argv[2], c.argv[3]);
            case LEX -> lr = parseLexRange(c.argv[2], c.argv[3]);
            default -> {
                start = Args.parseLong(c.argv[2]);
                end = Args.parseLong(c.argv[3]);
            }
        }
        ZSetValue zs = writeZset(c.db, key);
        if (zs == null) {
            c.addReplyLongLong(0);
            return;
        }
        List<byte[]> doomed = new ArrayList<>();
        if (rangetype == RANK) {
            long llen = zs.length();
            if (start < 0) start = llen + start;
            if (end < 0) end = llen + end;
            if (start < 0) start = 0;
            if (start > end || start >= llen) {
                c.addReplyLongLong(0);
                return;
            }
            if (end >= llen) end = llen - 1;
            Node n = zs.byRank(start + 1);
            for (long i = start; i <= end; i++, n = n.next()) doomed.add(n.ele);
        } else if (rangetype == SCORE) {
            for (Node n = zs.firstInRange(sr); n != null && sr.lteMax(n.score()); n = n.next()) doomed.add(n.ele);
        } else {
            // From the first match while the max holds, as zslDeleteRangeByLex walks.
            for (Node n = zs.firstInRange(lr); n != null && lr.lteMax(n.ele); n = n.next()) doomed.add(n.ele);
        }
        for (byte[] m : doomed) zs.remove(m);
        long deleted = doomed.size();
        if (deleted > 0) {
            String event = rangetype == RANK ? "zremrangebyrank" : rangetype == SCORE ? "zremrangebyscore" : "zremrangebylex";
            c.engine.notifyKeyspaceEvent(Notifications.ZSET, event, key, c.db.id);
            if (zs.length() == 0) {
                c.db.delete(key);
                c.engine.notifyKeyspaceEvent(Notifications.GENERIC, "del", key, c.db.id);
            }
            c.db.signalModifiedKey(key);
        }
        c.engine.dirty += deleted;
        c.addReplyLongLong(deleted);
    }

    /* ---------------- pops ---------------- */

    /**
     * genericZpopCommand: pops up to count (-1: one, no COUNT given) from the first
     * non-empty key. emitKey and nested shape the reply as ZPOP*, BZPOP* or Z*MPOP.
     * Returns the key popped from and how many were popped, or null.
     */
    record Popped(byte[] key, long count) {}

    static Popped genericZpop(Client c, byte[][] keys, boolean max, boolean emitKey, long count, boolean nested, boolean nilWhenEmpty) {
        ZSetValue zs = null;
        byte[] key = null;
        for (byte[] k : keys) {
            Object o = c.db.lookupWrite(k);
            if (o == null) continue;
            Values.check(o, ValueType.ZSET);
            zs = (ZSetValue) o;
            key = k;
            break;
        }
        if (zs == null) {
            if (nilWhenEmpty) c.addReplyNullArray();
            else c.addReplyArrayLen(0);
            return null;
        }
        if (count == 0) {
            c.addReplyArrayLen(0);
            return null;
        }
        if (count == -1) count = 1;
        long llen = zs.length();
        long rangelen = Math.min(count, llen);
        if (!nested && !emitKey) {
            c.addReplyArrayLen(rangelen * 2);
        } else if (nested && !emitKey) {
            c.addReplyArrayLen(rangelen);
        } else if (!nested) {
            c.addReplyArrayLen(rangelen * 2 + 1);
            c.addReplyBulk(key);
        } else {
            c.addReplyArrayLen(2);
            c.addReplyBulk(key);
            c.addReplyArrayLen(rangelen);
        }
        for (long i = 0; i < rangelen; i++) {
            Node n = max ? zs.last() : zs.first();
            zs.remove(n.ele);
            c.engine.dirty++;
            if (i == 0) c.engine.notifyKeyspaceEvent(Notifications.ZSET, max ? "zpopmax" : "zpopmin", key, c.db.id);
            if (nested) c.addReplyArrayLen(2);
            c.addReplyBulk(n.ele);
            c.addReplyDouble(n.score());
        }
        if (zs.length() == 0) {
            c.db.delete(key);
            c.engine.notifyKeyspaceEvent(Notifications.GENERIC, "del", key, c.db.id);
        }
        c.db.signalModifiedKey(key);
        return new Popped(key, rangelen);
    }

    /** ZPOPMIN/ZPOPMAX key [count] */
    static void zpopMinMax(Client c, boolean max) {
        if (c.argc > 3) throw new ReplyException(Errors.SYNTAX);
        long count = -1;
        if (c.argc == 3) count = Args.parsePositiveLong(c.argv[2]);
        genericZpop(c, new byte[][] {c.argv[1]}, max, false, count, c.resp() > 2 && c.argc == 3, false);
    }

    /** BZPOPMIN/BZPOPMAX key [key ...] timeout */
    static void bzpopMinMax(Client c, boolean max) {
        long timeout = Args.parseTimeoutSeconds(c.engine, c.argv[c.argc - 1]);
        byte[][] keys = Arrays.copyOfRange(c.argv, 1, c.argc - 1);
        blockingGenericZpop(c, keys, max, timeout, -1, false, false);
    }

    /** ZMPOP numkeys key [key ...] MIN|MAX [COUNT count]; BZMPOP timeout numkeys ... */
    static void zmpopGeneric(Client c, int numkeysIdx, boolean blocking) {
        MultiPop args = MultiPop.parse(c, numkeysIdx, "min", "max");
        boolean max = !args.first();
        long count = args.count();
        byte[][] keys = args.keys();
        if (blocking) {
            // As in Redis, the timeout is parsed after everything else.
            long timeout = Args.parseTimeoutSeconds(c.engine, c.argv[1]);
            blockingGenericZpop(c, keys, max, timeout, count, true, true);
        } else {
            // Propagated as ZPOPMIN/ZPOPMAX with the number actually popped.
            Popped p = genericZpop(c, keys, max, true, count, true, true);
            if (p != null) c.rewriteArgv(popArgv(max, p.key(), p.count()));
        }
    }

    private static byte[][] popArgv(boolean max, byte[] key, long count) {
        return count == -1 ? new byte[][] {max ? ZPOPMAX : ZPOPMIN, key}
                : new byte[][] {max ? ZPOPMAX : ZPOPMIN, key, Numbers.toBytes(count)};
    }

    /** blockingGenericZpopCommand: pop now if a key has members, else block (not inside MULTI). */
    static void blockingGenericZpop(Client c, byte[][] keys, boolean max, long timeoutAt, long count, boolean nested, boolean nilWhenEmpty) {
        for (byte[] k : keys) {
            Object o = c.db.lookupWrite(k);
            if (o == null) continue;
            Values.check(o, ValueType.ZSET);
            Popped p = genericZpop(c, new byte[][] {k}, max, true, count, nested, nilWhenEmpty);
            c.rewriteArgv(popArgv(max, p.key(), count == -1 ? -1 : p.count()));
            return;
        }
        if (!Blocking.mayBlock(c)) {
            c.addReplyNullArray();
            return;
        }
        c.engine.blocking.block(c, c.db, keys, timeoutAt, new Blocking.Waiter() {
            @Override public boolean tryServe(Client bc, Database db, byte[] key) {
                Object o = db.lookupWrite(key);
                if (!(o instanceof ZSetValue zs) || zs.length() == 0) return false;
                Database saved = bc.db;
                bc.db = db;
                Popped p;
                try {
                    p = genericZpop(bc, new byte[][] {key}, max, true, count, nested, nilWhenEmpty);
                } finally {
                    bc.db = saved;
                }
                bc.engine.writes.propagate(db.id, popArgv(max, key, count == -1 ? -1 : p.count()));
                return true;
            }

            @Override public void timeout(Client bc) {
                bc.addReplyNullArray();
            }
        });
    }

    /* ---------------- ZRANDMEMBER ---------------- */

    static void zrandmember(Client c) {
        if (c.argc >= 3) {
            long count = RandomElements.parseCount(c.argv[2]);
            boolean withscores = RandomElements.parseWithOption(c, count, "withscores");
            ZSetValue zs = readZset(c.db, c.argv[1]);
            RandomElements.reply(c, count, zs == null ? null : randomSource(zs), withscores, (rc, n) -> emitWithScore(rc, n, withscores));
            return;
        }
        ZSetValue zs = readZset(c.db, c.argv[1]);
        c.addReplyBulk(zs == null ? null : zs.random(c.engine.random).ele);
    }

    private static RandomElements.Source<Node> randomSource(ZSetValue zs) {
        return new RandomElements.Source<>((int) zs.length(), zs::random, visitor -> {
            // Redis walks a listpack from its tail here; a big set's order is arbitrary anyway.
            for (Node n = zs.last(); n != null; n = n.prev()) visitor.accept(n);
        }, () -> {
            Node[] all = new Node[(int) zs.length()];
            int i = 0;
            for (Node n = zs.first(); n != null; n = n.next()) all[i++] = n;
            return all;
        });
    }

    private static void emitWithScore(Client c, Node n, boolean withscores) {
        if (withscores && c.resp() > 2) c.addReplyArrayLen(2);
        c.addReplyBulk(n.ele);
        if (withscores) c.addReplyDouble(n.score());
    }

    /* ---------------- ZUNION / ZINTER / ZDIFF ---------------- */

    static final int UNION = 0, INTER = 1, DIFF = 2;
    private static final int SUM = 0, MIN = 1, MAX = 2;

    /** One input of a set operation: a sorted set, a plain set (scores 1), or nothing. */
    private record Source(Object value, double weight) {
        int length() {
            if (value == null) return 0;
            return value instanceof ZSetValue z ? z.length() : ((SetValue) value).size();
        }

        /** The member's score, or null if absent. */
        Double score(byte[] m) {
            if (value instanceof ZSetValue z) {
                Node n = z.node(m);
                return n == null ? null : n.score();
            }
            return value != null && ((SetValue) value).contains(m) ? 1.0 : null;
        }

        void forEach(java.util.function.ObjDoubleConsumer<byte[]> f) {
            if (value instanceof ZSetValue z) {
                for (Node n = z.first(); n != null; n = n.next()) f.accept(n.ele, n.score());
            } else if (value != null) {
                ((SetValue) value).forEach(m -> f.accept(m, 1.0));
            }
        }
    }

    private static double aggregate(double target, double val, int aggr) {
        return switch (aggr) {
            case SUM -> {
                double r = target + val;
                yield Double.isNaN(r) ? 0.0 : r;
            }
            case MIN -> Math.min(target, val);
            default -> Math.max(target, val);
        };
    }

    /** zunionInterDiffGenericCommand */
    static void zsetOpGeneric(Client c, byte[] dstkey, int numkeysIndex, int op, boolean cardOnly) {
        long setnum = Args.parseLong(c.argv[numkeysIndex]);
        if (setnum < 1) {
            throw new ReplyException("ERR at least 1 input key is needed for '" + c.cmd.fullName + "' command");
        }
        if (setnum > c.argc - (numkeysIndex + 1)) throw new ReplyException(Errors.SYNTAX);
        int n = (int) setnum;
        Object[] values = new Object[n];
        double[] weights = new double[n];
        int j = numkeysIndex + 1;
        for (int i = 0; i < n; i++, j++) {
            Object o = dstkey != null ? c.db.lookupWrite(c.argv[j]) : c.db.lookupRead(c.argv[j]);
            if (o != null) {
                ValueType t = Values.type(o);
                if (t != ValueType.ZSET && t != ValueType.SET) throw new ReplyException(Errors.WRONGTYPE);
            }
            values[i] = o;
            weights[i] = 1.0;
        }
        int aggr = SUM;
        boolean withscores = false;
        long limit = 0;
        int remaining = c.argc - j;
        while (remaining > 0) {
            if (op != DIFF && !cardOnly && remaining >= n + 1 && c.argIs(j, "weights")) {
                j++;
                remaining--;
                for (int i = 0; i < n; i++, j++, remaining--) weights[i] = Args.parseDouble(c.argv[j], "ERR weight value is not a float");
            } else if (op != DIFF && !cardOnly && remaining >= 2 && c.argIs(j, "aggregate")) {
                j++;
                remaining--;
                if (c.argIs(j, "sum")) aggr = SUM;
                else if (c.argIs(j, "min")) aggr = MIN;
                else if (c.argIs(j, "max")) aggr = MAX;
                else throw new ReplyException(Errors.SYNTAX);
                j++;
                remaining--;
            } else if (remaining >= 1 && dstkey == null && !cardOnly && c.argIs(j, "withscores")) {
                j++;
                remaining--;
                withscores = true;
            } else if (cardOnly && remaining >= 2 && c.argIs(j, "limit")) {
                j++;
                remaining--;
                limit = Args.parseLongInRange(c.argv[j], 0, Long.MAX_VALUE, "ERR LIMIT can't be negative");
                j++;
                remaining--;
            } else {
                throw new ReplyException(Errors.SYNTAX);
            }
        }
        Source[] src = new Source[n];
        for (int i = 0; i < n; i++) src[i] = new Source(values[i], weights[i]);
        if (op != DIFF) Arrays.sort(src, Comparator.comparingInt(Source::length));

        ZSetValue dst = new ZSetValue(false);
        long cardinality = 0;
        final int fAggr = aggr;
        if (op == INTER) {
            if (src[0].length() > 0) {
                // Snapshot: inputs may be the destination itself, which is only replaced at the end.
                List<byte[]> members = new ArrayList<>();
                List<Double> scores = new ArrayList<>();
                src[0].forEach((m, s) -> {
                    members.add(m);
                    scores.add(s);
                });
                for (int k = 0; k < members.size(); k++) {
                    byte[] m = members.get(k);
                    double zscore = scores.get(k);
                    double score = src[0].weight() * zscore;
                    if (Double.isNaN(score)) score = 0;
                    int i;
                    for (i = 1; i < n; i++) {
                        Double v;
                        if (src[i].value() == src[0].value()) v = zscore;
                        else v = src[i].score(m);
                        if (v == null) break;
                        score = aggregate(score, v * src[i].weight(), fAggr);
                    }
                    if (i == n) {
                        if (cardOnly) {
                            cardinality++;
                            if (limit > 0 && cardinality >= limit) break;
                        } else {
                            dst.insert(m, score, Long.MAX_VALUE, Long.MAX_VALUE);
                        }
                    }
                }
            }
        } else if (op == UNION) {
            Map<io.magpie.engine.util.ByteKey, double[]> acc = new HashMap<>();
            List<byte[]> order = new ArrayList<>();
            for (Source s : src) {
                s.forEach((m, sc) -> {
                    double score = s.weight() * sc;
                    if (Double.isNaN(score)) score = 0;
                    io.magpie.engine.util.ByteKey k = new io.magpie.engine.util.ByteKey(m);
                    double[] cur = acc.get(k);
                    if (cur == null) {
                        acc.put(k, new double[] {score});
                        order.add(m);
                    } else {
                        cur[0] = aggregate(cur[0], score, fAggr);
                    }
                });
            }
            for (byte[] m : order) dst.insert(m, acc.get(new io.magpie.engine.util.ByteKey(m))[0], Long.MAX_VALUE, Long.MAX_VALUE);
        } else {
            if (src[0].length() > 0) {
                List<byte[]> members = new ArrayList<>();
                List<Double> scores = new ArrayList<>();
                src[0].forEach((m, s) -> {
                    members.add(m);
                    scores.add(s);
                });
                outer:
                for (int k = 0; k < members.size(); k++) {
                    byte[] m = members.get(k);
                    for (int i = 1; i < n; i++) {
                        if (src[i].value() == src[0].value() || src[i].score(m) != null) continue outer;
                    }
                    dst.insert(m, scores.get(k), Long.MAX_VALUE, Long.MAX_VALUE);
                }
            }
        }

        if (dstkey != null) {
            if (dst.length() > 0) {
                dst.convertToListpackIfNeeded(maxEntries(c), maxValue(c));
                c.db.setKey(c, dstkey, dst, false);
                c.addReplyLongLong(dst.length());
                String event = op == UNION ? "zunionstore" : op == INTER ? "zinterstore" : "zdiffstore";
                c.engine.notifyKeyspaceEvent(Notifications.ZSET, event, dstkey, c.db.id);
                c.engine.dirty++;
            } else {
                c.addReplyLongLong(0);
                if (c.db.delete(dstkey)) {
                    c.db.signalModifiedKey(dstkey);
                    c.engine.notifyKeyspaceEvent(Notifications.GENERIC, "del", dstkey, c.db.id);
                    c.engine.dirty++;
                }
            }
        } else if (cardOnly) {
            c.addReplyLongLong(cardinality);
        } else {
            long length = dst.length();
            c.addReplyArrayLen(withscores && c.resp() == 2 ? length * 2 : length);
            for (Node x = dst.first(); x != null; x = x.next()) emitWithScore(c, x, withscores);
        }
    }

    /* ---------------- ZSCAN ---------------- */

    static void zscan(Client c) {
        long cursor = Scan.parseCursor(c.argv[2]);
        ZSetValue zs = readZset(c.db, c.argv[1]);
        if (zs == null) {
            Scan.addReplyEmpty(c);
            return;
        }
        Scan.Options opt = Scan.parseOptions(c, 3, false);
        List<Node> found = new ArrayList<>();
        if (zs.isListpack()) {
            // A listpack has no buckets: Redis returns it whole, in score order, in one call.
            for (Node n = zs.first(); n != null; n = n.next()) found.add(n);
            cursor = 0;
        } else {
            cursor = Scan.collect(zs::scan, cursor, opt.count, 2, found);
        }
        if (opt.pattern != null) found.removeIf(n -> !opt.matches(n.ele));
        Scan.addReplyHeader(c, cursor, found.size() * 2L);
        for (Node n : found) {
            c.addReplyBulk(n.ele);
            c.addReplyBulk(NumberFormat.g17Bytes(n.score()));
        }
    }
}
