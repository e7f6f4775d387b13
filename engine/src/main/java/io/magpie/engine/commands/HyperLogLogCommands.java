package io.magpie.engine.commands;

import io.magpie.engine.Client;
import io.magpie.engine.Errors;
import io.magpie.engine.Notifications;
import io.magpie.engine.ReplyException;
import io.magpie.commands.CommandTable;
import io.magpie.engine.command.CommandHandler;
import io.magpie.engine.types.HyperLogLog;
import io.magpie.engine.types.RawString;
import io.magpie.engine.types.Values;
import java.nio.charset.StandardCharsets;
import java.util.Random;

/** HyperLogLog commands (hyperloglog.c): PFADD, PFCOUNT, PFMERGE, PFDEBUG, PFSELFTEST. */
public final class HyperLogLogCommands {
    private HyperLogLogCommands() {}

    static void register(CommandTable<CommandHandler> t) {
        t.register("pfadd", HyperLogLogCommands::pfadd);
        t.register("pfcount", HyperLogLogCommands::pfcount);
        t.register("pfmerge", HyperLogLogCommands::pfmerge);
        t.register("pfdebug", HyperLogLogCommands::pfdebug);
        t.register("pfselftest", HyperLogLogCommands::pfselftest);
    }

    private static int sparseMaxBytes(Client c) {
        return (int) Math.min(Integer.MAX_VALUE, c.engine.config.hllSparseMaxBytes.value());
    }

    /** isHLLObjectOrReply: the string must look like an HLL, else Redis's WRONGTYPE variant. */
    static void checkHll(Object o) {
        if (!Values.isString(o)) throw new ReplyException(Errors.WRONGTYPE);
        boolean ok;
        if (o instanceof byte[] b) ok = !Values.encoding(b).equals("int") && HyperLogLog.isValid(b, b.length);
        else ok = HyperLogLog.isValid(((RawString) o).array(), ((RawString) o).length());
        if (!ok) throw new ReplyException(HyperLogLog.WRONGTYPE_HLL_ERR);
    }

    private static byte[] array(Object o) {
        return o instanceof byte[] b ? b : ((RawString) o).array();
    }

    static void pfadd(Client c) {
        byte[] key = c.argv[1];
        Object o = c.db.lookupWrite(key);
        int updated = 0;
        RawString hll;
        if (o == null) {
            hll = HyperLogLog.create();
            c.db.add(key, hll);
            updated++;
        } else {
            checkHll(o);
            hll = StringValues.unshare(c.db, key, o);
        }
        int maxBytes = sparseMaxBytes(c);
        for (int j = 2; j < c.argc; j++) {
            int r = HyperLogLog.add(hll, c.argv[j], maxBytes);
            if (r == 1) updated++;
            else if (r == -1) {
                // Registers already changed stay changed, as in Redis.
                c.addReplyError(HyperLogLog.INVALID_HLL_ERR);
                return;
            }
        }
        if (updated > 0) {
            HyperLogLog.invalidateCache(hll.array());
            c.db.signalModifiedKey(key);
            c.engine.notifyKeyspaceEvent(Notifications.STRING, "pfadd", key, c.db.id);
            c.engine.dirty += updated;
        }
        c.addReplyLongLong(updated > 0 ? 1 : 0);
    }

    static void pfcount(Client c) {
        if (c.argc > 2) {
            byte[] max = new byte[HyperLogLog.REGISTERS];
            for (int j = 1; j < c.argc; j++) {
                Object o = c.db.lookupRead(c.argv[j]);
                if (o == null) continue;
                checkHll(o);
                if (!HyperLogLog.merge(max, array(o), StringValues.length(o))) {
                    throw new ReplyException(HyperLogLog.INVALID_HLL_ERR);
                }
            }
            c.addReplyLongLong(HyperLogLog.countRaw(max));
            return;
        }
        byte[] key = c.argv[1];
        Object o = c.db.lookupRead(key);
        if (o == null) {
            c.addReplyLongLong(0);
            return;
        }
        checkHll(o);
        byte[] b = array(o);
        long card;
        if (HyperLogLog.validCache(b)) {
            card = HyperLogLog.cachedCardinality(b);
        } else {
            card = HyperLogLog.count(b, StringValues.length(o));
            if (card < 0) throw new ReplyException(HyperLogLog.INVALID_HLL_ERR);
            RawString hll = StringValues.unshare(c.db, key, o);
            HyperLogLog.setCachedCardinality(hll.array(), card);
            // The cached cardinality is part of the value: replicas and the AOF must see it.
            c.db.signalModifiedKey(key);
            c.engine.dirty++;
            c.engine.writes.propagate(c.db.id, java.util.Arrays.copyOf(c.argv, c.argc), c.propagateTargets);
        }
        c.addReplyLongLong(card);
    }

    static void pfmerge(Client c) {
        byte[] max = new byte[HyperLogLog.REGISTERS];
        boolean useDense = false;
        for (int j = 1; j < c.argc; j++) {
            Object o = c.db.lookupRead(c.argv[j]);
            if (o == null) continue;
            checkHll(o);
            if (HyperLogLog.encoding(array(o)) == HyperLogLog.DENSE) useDense = true;
            if (!HyperLogLog.merge(max, array(o), StringValues.length(o))) {
                throw new ReplyException(HyperLogLog.INVALID_HLL_ERR);
            }
        }
        byte[] key = c.argv[1];
        Object o = c.db.lookupWrite(key);
        RawString hll;
        if (o == null) {
            hll = HyperLogLog.create();
            c.db.add(key, hll);
        } else {
            hll = StringValues.unshare(c.db, key, o);
        }
        if (useDense && !HyperLogLog.sparseToDense(hll)) throw new ReplyException(HyperLogLog.INVALID_HLL_ERR);
        int maxBytes = sparseMaxBytes(c);
        for (int j = 0; j < HyperLogLog.REGISTERS; j++) {
            if (max[j] == 0) continue;
            HyperLogLog.set(hll, j, max[j], maxBytes);
        }
        HyperLogLog.invalidateCache(hll.array());
        c.db.signalModifiedKey(key);
        c.engine.notifyKeyspaceEvent(Notifications.STRING, "pfadd", key, c.db.id);
        c.engine.dirty++;
        c.addReplyOk();
    }

    static void pfdebug(Client c) {
        String cmd = c.argString(1);
        byte[] key = c.argv[2];
        Object o = c.db.lookupWrite(key);
        if (o == null) throw new ReplyException("ERR The specified key does not exist");
        checkHll(o);
        RawString hll = StringValues.unshare(c.db, key, o);
        byte[] b = hll.array();
        if (c.argIs(1, "getreg")) {
            if (HyperLogLog.encoding(b) == HyperLogLog.SPARSE) {
                if (!HyperLogLog.sparseToDense(hll)) throw new ReplyException(HyperLogLog.INVALID_HLL_ERR);
                c.engine.dirty++; // propagate the encoding change
                b = hll.array();
            }
            c.addReplyArrayLen(HyperLogLog.REGISTERS);
            for (int j = 0; j < HyperLogLog.REGISTERS; j++) c.addReplyLongLong(HyperLogLog.register(b, j));
        } else if (c.argIs(1, "decode")) {
            if (HyperLogLog.encoding(b) != HyperLogLog.SPARSE) throw new ReplyException("ERR HLL encoding is not sparse");
            c.addReplyBulk(HyperLogLog.decodeSparse(b, hll.length()).getBytes(StandardCharsets.US_ASCII));
        } else if (c.argIs(1, "encoding")) {
            c.addReplyStatus(HyperLogLog.encoding(b) == HyperLogLog.DENSE ? "dense" : "sparse");
        } else if (c.argIs(1, "todense")) {
            boolean conv = false;
            if (HyperLogLog.encoding(b) == HyperLogLog.SPARSE) {
                if (!HyperLogLog.sparseToDense(hll)) throw new ReplyException(HyperLogLog.INVALID_HLL_ERR);
                conv = true;
                c.engine.dirty++;
            }
            c.addReplyLongLong(conv ? 1 : 0);
        } else {
            throw new ReplyException("ERR Unknown PFDEBUG subcommand '" + cmd + "'");
        }
    }

    /**
     * PFSELFTEST: checks dense register access against a shadow array, and that the
     * sparse and dense encodings agree on the estimate within the expected error while
     * elements are added (a smaller run than Redis's 10M adds, same checks).
     */
    static void pfselftest(Client c) {
        Random r = new Random(c.engine.now());
        byte[] dense = new byte[HyperLogLog.DENSE_SIZE];
        dense[4] = HyperLogLog.DENSE;
        int[] shadow = new int[HyperLogLog.REGISTERS];
        for (int round = 0; round < 100; round++) {
            for (int j = 0; j < HyperLogLog.REGISTERS; j++) {
                int v = r.nextInt(HyperLogLog.REGISTER_MAX + 1);
                shadow[j] = v;
                HyperLogLog.setRegister(dense, j, v);
            }
            for (int j = 0; j < HyperLogLog.REGISTERS; j++) {
                int got = HyperLogLog.register(dense, j);
                if (got != shadow[j]) {
                    throw new ReplyException("ERR TESTFAILED Register error: " + j);
                }
            }
        }
        RawString sparse = HyperLogLog.create();
        RawString d = HyperLogLog.create();
        HyperLogLog.sparseToDense(d);
        double relerr = 1.04 / Math.sqrt(HyperLogLog.REGISTERS);
        long checkpoint = 1;
        long seed = r.nextLong();
        byte[] ele = new byte[8];
        for (long j = 1; j <= 1_000_000; j++) {
            java.util.Arrays.fill(ele, (byte) 0);
            long v = j ^ seed;
            for (int i = 0; i < 8; i++) ele[i] = (byte) (v >>> (8 * i));
            HyperLogLog.add(sparse, ele, 3000);
            HyperLogLog.add(d, ele, 3000);
            if (j == checkpoint) {
                long a = HyperLogLog.count(sparse.array(), sparse.length());
                long b2 = HyperLogLog.count(d.array(), d.length());
                if (a != b2) throw new ReplyException("ERR TESTFAILED dense/sparse disagree: " + a + " vs " + b2);
                double maxerr = (j < 10) ? 1 : relerr * 6 * j; // 6 sigma
                if (Math.abs((double) j - a) > maxerr) {
                    throw new ReplyException("ERR TESTFAILED Too big error. card:" + j + " abserr:" + Math.abs((double) j - a));
                }
                checkpoint *= 10;
            }
        }
        c.addReplyOk();
    }
}
