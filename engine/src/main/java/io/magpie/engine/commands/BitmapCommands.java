package io.magpie.engine.commands;

import io.magpie.engine.Args;
import io.magpie.engine.Client;
import io.magpie.engine.Errors;
import io.magpie.engine.Notifications;
import io.magpie.engine.ReplyException;
import io.magpie.commands.CommandTable;
import io.magpie.engine.command.CommandHandler;
import io.magpie.engine.types.RawString;
import io.magpie.engine.types.Values;
import io.magpie.engine.util.Numbers;

/** Bit operations on strings (bitops.c): SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP, BITFIELD. */
public final class BitmapCommands {
    private BitmapCommands() {}

    static void register(CommandTable<CommandHandler> t) {
        t.register("setbit", BitmapCommands::setbit);
        t.register("getbit", BitmapCommands::getbit);
        t.register("bitcount", BitmapCommands::bitcount);
        t.register("bitpos", BitmapCommands::bitpos);
        t.register("bitop", BitmapCommands::bitop);
        t.register("bitfield", c -> bitfieldGeneric(c, false));
        t.register("bitfield_ro", c -> bitfieldGeneric(c, true));
    }

    private static final String BIT_OFFSET_ERR = "ERR bit offset is not an integer or out of range";
    private static final String BIT_VALUE_ERR = "ERR bit is not an integer or out of range";
    private static final String BITFIELD_TYPE_ERR =
            "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.";

    /* ---------------- argument helpers ---------------- */

    /**
     * getBitOffsetFromArgument: a bit offset within proto-max-bulk-len bytes; with hash, "#n" means
     * n * bits (BITFIELD's type-width addressing).
     */
    static long parseBitOffset(Client c, byte[] arg, boolean hash, int bits) {
        boolean useHash = hash && bits > 0 && arg.length > 0 && arg[0] == '#';
        long[] v = new long[1];
        if (!Numbers.parseLong(useHash ? java.util.Arrays.copyOfRange(arg, 1, arg.length) : arg, v)) {
            throw new ReplyException(BIT_OFFSET_ERR);
        }
        long off = v[0];
        if (useHash) off *= bits;
        // A bitmap never grows beyond proto-max-bulk-len (the master is obeyed up to what an array holds).
        long limit = c.obeyed ? Integer.MAX_VALUE - 16 : StringValues.maxStringLength(c.engine);
        if (off < 0 || (off >> 3) >= limit) throw new ReplyException(BIT_OFFSET_ERR);
        return off;
    }

    /** The string at key for reading (as byte[] view), null if absent; WRONGTYPE otherwise. */
    private static Object readString(Client c, byte[] key) {
        Object o = c.db.lookupRead(key);
        if (o != null && !Values.isString(o)) throw new ReplyException(Errors.WRONGTYPE);
        return o;
    }

    private static byte[] array(Object o) {
        return o instanceof byte[] b ? b : ((RawString) o).array();
    }

    /**
     * lookupStringForBitCommand: the string at key as a RawString grown (zero-filled) to hold
     * bit maxbit, created if absent.
     */
    static RawString lookupStringForBitCommand(Client c, byte[] key, long maxbit) {
        int need = (int) (maxbit >> 3) + 1;
        Object o = c.db.lookupWrite(key);
        if (o != null && !Values.isString(o)) throw new ReplyException(Errors.WRONGTYPE);
        RawString r;
        if (o == null) {
            r = new RawString(new byte[need]);
            c.db.add(key, r);
        } else {
            r = StringValues.unshare(c.db, key, o);
            r.growZero(need);
        }
        return r;
    }

    /* ---------------- SETBIT / GETBIT ---------------- */

    static void setbit(Client c) {
        long bitoffset = parseBitOffset(c, c.argv[2], false, 0);
        long on = Args.parseLong(c.argv[3], BIT_VALUE_ERR);
        if ((on & ~1L) != 0) throw new ReplyException(BIT_VALUE_ERR);
        RawString r = lookupStringForBitCommand(c, c.argv[1], bitoffset);
        byte[] p = r.array();
        int byteIdx = (int) (bitoffset >> 3);
        int bit = 7 - (int) (bitoffset & 7);
        int byteval = p[byteIdx] & 0xff;
        int bitval = byteval & (1 << bit);
        byteval &= ~(1 << bit);
        byteval |= (int) (on & 1) << bit;
        p[byteIdx] = (byte) byteval;
        c.db.signalModifiedKey(c.argv[1]);
        c.engine.notifyKeyspaceEvent(Notifications.STRING, "setbit", c.argv[1], c.db.id);
        c.engine.dirty++;
        c.addReplyLongLong(bitval != 0 ? 1 : 0);
    }

    static void getbit(Client c) {
        long bitoffset = parseBitOffset(c, c.argv[2], false, 0);
        Object o = readString(c, c.argv[1]);
        if (o == null) {
            c.addReplyLongLong(0);
            return;
        }
        long byteIdx = bitoffset >> 3;
        int bit = 7 - (int) (bitoffset & 7);
        int bitval = 0;
        if (byteIdx < StringValues.length(o)) bitval = (array(o)[(int) byteIdx] >> bit) & 1;
        c.addReplyLongLong(bitval);
    }

    /* ---------------- BITCOUNT / BITPOS ---------------- */

    /** Number of set bits in p[start, start+len) (redisPopcount). */
    static long popcount(byte[] p, int start, int len) {
        long count = 0;
        int i = start, end = start + len;
        for (; i + 8 <= end; i += 8) count += Long.bitCount(readLong(p, i));
        for (; i < end; i++) count += Integer.bitCount(p[i] & 0xff);
        return count;
    }

    /**
     * A [start, end] range as BITCOUNT/BITPOS resolve it (negative indexes from the end,
     * clamped), in bits when isBit. Returns {start, end}; start > end means empty.
     */
    private static long[] resolveRange(long start, long end, long totlen) {
        if (start < 0) start = totlen + start;
        if (end < 0) end = totlen + end;
        if (start < 0) start = 0;
        if (end < 0) end = 0;
        if (end >= totlen) end = totlen - 1;
        return new long[] {start, end};
    }

    private static boolean parseBitUnit(Client c, int idx) {
        if (c.argIs(idx, "bit")) return true;
        if (c.argIs(idx, "byte")) return false;
        throw new ReplyException(Errors.SYNTAX);
    }

    static void bitcount(Client c) {
        Object o = readString(c, c.argv[1]);
        if (o == null) {
            c.addReplyLongLong(0);
            return;
        }
        byte[] p = array(o);
        long strlen = StringValues.length(o);
        long startBit, endBit;
        if (c.argc == 4 || c.argc == 5) {
            long start = Args.parseLong(c.argv[2]);
            long end = Args.parseLong(c.argv[3]);
            if (start < 0 && end < 0 && start > end) {
                c.addReplyLongLong(0);
                return;
            }
            boolean isBit = c.argc == 5 && parseBitUnit(c, 4);
            long[] r = resolveRange(start, end, isBit ? strlen << 3 : strlen);
            if (isBit) {
                startBit = r[0];
                endBit = r[1];
            } else {
                startBit = r[0] << 3;
                endBit = (r[1] << 3) + 7;
                if (r[0] > r[1]) endBit = startBit - 1;
            }
        } else if (c.argc == 2) {
            startBit = 0;
            endBit = (strlen << 3) - 1;
        } else {
            throw new ReplyException(Errors.SYNTAX);
        }
        c.addReplyLongLong(countBits(p, startBit, endBit));
    }

    /** Set bits in the bit range [startBit, endBit] (MSB-first numbering). */
    static long countBits(byte[] p, long startBit, long endBit) {
        if (startBit > endBit) return 0;
        int sb = (int) (startBit >> 3), eb = (int) (endBit >> 3);
        long count = popcount(p, sb, eb - sb + 1);
        int firstMask = ~((1 << (8 - (int) (startBit & 7))) - 1) & 0xff;
        int lastMask = (1 << (7 - (int) (endBit & 7))) - 1;
        count -= Integer.bitCount(p[sb] & firstMask);
        count -= Integer.bitCount(p[eb] & lastMask);
        return count;
    }

    static void bitpos(Client c) {
        long bit = Args.parseLong(c.argv[2]);
        if (bit != 0 && bit != 1) throw new ReplyException("ERR The bit argument must be 1 or 0.");
        Object o = c.db.lookupRead(c.argv[1]);
        if (o == null) {
            c.addReplyLongLong(bit == 1 ? -1 : 0);
            return;
        }
        if (!Values.isString(o)) throw new ReplyException(Errors.WRONGTYPE);
        byte[] p = array(o);
        long strlen = StringValues.length(o);
        boolean endGiven = false;
        long startBit, endBit;
        if (c.argc >= 4 && c.argc <= 6) {
            long start = Args.parseLong(c.argv[3]);
            boolean isBit = c.argc == 6 && parseBitUnit(c, 5);
            long end;
            if (c.argc >= 5) {
                end = Args.parseLong(c.argv[4]);
                endGiven = true;
            } else {
                end = isBit ? (strlen << 3) + 7 : strlen - 1;
            }
            long[] r = resolveRange(start, end, isBit ? strlen << 3 : strlen);
            if (isBit) {
                startBit = r[0];
                endBit = r[1];
            } else {
                startBit = r[0] << 3;
                endBit = r[0] > r[1] ? startBit - 1 : (r[1] << 3) + 7;
            }
        } else if (c.argc == 3) {
            startBit = 0;
            endBit = (strlen << 3) - 1;
        } else {
            throw new ReplyException(Errors.SYNTAX);
        }
        if (startBit > endBit) {
            c.addReplyLongLong(-1);
            return;
        }
        long pos = findBit(p, startBit, endBit, (int) bit);
        if (pos < 0 && bit == 0) {
            // Past the range the string is conceptually zero-padded, unless the caller gave an end.
            pos = endGiven ? -1 : endBit + 1;
        }
        c.addReplyLongLong(pos);
    }

    /** The first bit equal to bit in [startBit, endBit], or -1. */
    static long findBit(byte[] p, long startBit, long endBit, int bit) {
        long i = startBit;
        // Bits up to the first byte boundary.
        while (i <= endBit && (i & 7) != 0) {
            if (((p[(int) (i >> 3)] >> (7 - (i & 7))) & 1) == bit) return i;
            i++;
        }
        int skip = bit == 1 ? 0 : 0xff;
        long skipWord = bit == 1 ? 0L : -1L;
        // Whole words, then whole bytes that cannot hold the bit.
        while (i + 63 <= endBit && readLong(p, (int) (i >> 3)) == skipWord) i += 64;
        while (i + 7 <= endBit && (p[(int) (i >> 3)] & 0xff) == skip) i += 8;
        for (; i <= endBit; i++) {
            if (((p[(int) (i >> 3)] >> (7 - (i & 7))) & 1) == bit) return i;
        }
        return -1;
    }

    /* ---------------- BITOP ---------------- */

    private static final int AND = 0, OR = 1, XOR = 2, NOT = 3;

    static void bitop(Client c) {
        int op;
        if (c.argIs(1, "and")) op = AND;
        else if (c.argIs(1, "or")) op = OR;
        else if (c.argIs(1, "xor")) op = XOR;
        else if (c.argIs(1, "not")) op = NOT;
        else throw new ReplyException(Errors.SYNTAX);
        if (op == NOT && c.argc != 4) throw new ReplyException("ERR BITOP NOT must be called with a single source key.");
        int numkeys = c.argc - 3;
        byte[][] src = new byte[numkeys][];
        int[] len = new int[numkeys];
        int maxlen = 0;
        for (int j = 0; j < numkeys; j++) {
            Object o = c.db.lookupRead(c.argv[j + 3]);
            if (o == null) continue;
            if (!Values.isString(o)) throw new ReplyException(Errors.WRONGTYPE);
            src[j] = array(o);
            len[j] = StringValues.length(o);
            maxlen = Math.max(maxlen, len[j]);
        }
        byte[] targetkey = c.argv[2];
        if (maxlen > 0) {
            byte[] res = new byte[maxlen];
            for (int j = 0; j < maxlen; j++) {
                int output = len[0] <= j ? 0 : src[0][j];
                if (op == NOT) output = ~output;
                for (int i = 1; i < numkeys; i++) {
                    int b = len[i] <= j ? 0 : src[i][j];
                    switch (op) {
                        case AND -> output &= b;
                        case OR -> output |= b;
                        default -> output ^= b;
                    }
                }
                res[j] = (byte) output;
            }
            // Redis stores BITOP's result as a raw-encoded string.
            c.db.setKey(c, targetkey, new RawString(res), false);
            c.engine.notifyKeyspaceEvent(Notifications.STRING, "set", targetkey, c.db.id);
            c.engine.dirty++;
        } else if (c.db.delete(targetkey)) {
            c.db.signalModifiedKey(targetkey);
            c.engine.notifyKeyspaceEvent(Notifications.GENERIC, "del", targetkey, c.db.id);
            c.engine.dirty++;
        }
        c.addReplyLongLong(maxlen);
    }

    /* ---------------- BITFIELD ---------------- */

    private static final int OP_GET = 0, OP_SET = 1, OP_INCRBY = 2;
    private static final int OVERFLOW_WRAP = 0, OVERFLOW_SAT = 1, OVERFLOW_FAIL = 2;

    /** Reads an unsigned field of bits (<= 64) at bit offset, MSB first. */
    static long getUnsignedBitfield(byte[] p, long offset, int bits) {
        long value = 0;
        for (int j = 0; j < bits; j++, offset++) {
            int bitval = (p[(int) (offset >> 3)] >> (7 - (int) (offset & 7))) & 1;
            value = (value << 1) | bitval;
        }
        return value;
    }

    static long getSignedBitfield(byte[] p, long offset, int bits) {
        long value = getUnsignedBitfield(p, offset, bits);
        if (bits < 64 && (value & (1L << (bits - 1))) != 0) value |= -1L << bits;
        return value;
    }

    static void setBitfield(byte[] p, long offset, int bits, long value) {
        for (int j = 0; j < bits; j++, offset++) {
            int bitval = (int) ((value >>> (bits - 1 - j)) & 1);
            int byteIdx = (int) (offset >> 3);
            int bit = 7 - (int) (offset & 7);
            p[byteIdx] = (byte) ((p[byteIdx] & ~(1 << bit)) | (bitval << bit));
        }
    }

    /**
     * checkUnsignedBitfieldOverflow: 0 if value+incr fits in bits, else 1/-1 (over/under),
     * with the WRAP or SAT result in limit[0].
     */
    static int checkUnsignedOverflow(long value, long incr, int bits, int owtype, long[] limit) {
        long max = (1L << bits) - 1; // bits <= 63
        long maxincr = max - value;
        long minincr = -value;
        int result;
        if (Long.compareUnsigned(value, max) > 0 || (incr > 0 && incr > maxincr)) {
            result = 1;
            if (owtype == OVERFLOW_SAT) limit[0] = max;
        } else if (incr < 0 && incr < minincr) {
            result = -1;
            if (owtype == OVERFLOW_SAT) limit[0] = 0;
        } else {
            return 0;
        }
        if (owtype == OVERFLOW_WRAP) {
            limit[0] = (value + incr) & ~(-1L << bits);
            return 1;
        }
        return result;
    }

    static int checkSignedOverflow(long value, long incr, int bits, int owtype, long[] limit) {
        long max = bits == 64 ? Long.MAX_VALUE : (1L << (bits - 1)) - 1;
        long min = -max - 1;
        long maxincr = max - value;
        long minincr = min - value;
        int result;
        if (value > max || (bits != 64 && incr > maxincr) || (value >= 0 && incr > 0 && incr > maxincr)) {
            result = 1;
            if (owtype == OVERFLOW_SAT) limit[0] = max;
        } else if (value < min || (bits != 64 && incr < minincr) || (value < 0 && incr < 0 && incr < minincr)) {
            result = -1;
            if (owtype == OVERFLOW_SAT) limit[0] = min;
        } else {
            return 0;
        }
        if (owtype == OVERFLOW_WRAP) {
            long r = value + incr;
            if (bits < 64) {
                long mask = -1L << bits;
                r = (r & (1L << (bits - 1))) != 0 ? r | mask : r & ~mask;
            }
            limit[0] = r;
            return 1;
        }
        return result;
    }

    static void bitfieldGeneric(Client c, boolean readOnlyCommand) {
        int n = 0;
        long[] opOffset = new long[c.argc];
        long[] opValue = new long[c.argc];
        int[] opCode = new int[c.argc], opOw = new int[c.argc], opBits = new int[c.argc];
        boolean[] opSigned = new boolean[c.argc];
        int owtype = OVERFLOW_WRAP;
        boolean readonly = true;
        long highestWriteOffset = 0;
        for (int j = 2; j < c.argc; j++) {
            int remargs = c.argc - j - 1;
            int opcode;
            if (c.argIs(j, "get") && remargs >= 2) opcode = OP_GET;
            else if (c.argIs(j, "set") && remargs >= 3) opcode = OP_SET;
            else if (c.argIs(j, "incrby") && remargs >= 3) opcode = OP_INCRBY;
            else if (c.argIs(j, "overflow") && remargs >= 1) {
                j++;
                if (c.argIs(j, "wrap")) owtype = OVERFLOW_WRAP;
                else if (c.argIs(j, "sat")) owtype = OVERFLOW_SAT;
                else if (c.argIs(j, "fail")) owtype = OVERFLOW_FAIL;
                else throw new ReplyException("ERR Invalid OVERFLOW type specified");
                continue;
            } else {
                throw new ReplyException(Errors.SYNTAX);
            }
            byte[] type = c.argv[j + 1];
            boolean sign;
            if (type.length > 0 && (type[0] == 'i' || type[0] == 'I')) sign = true;
            else if (type.length > 0 && (type[0] == 'u' || type[0] == 'U')) sign = false;
            else throw new ReplyException(BITFIELD_TYPE_ERR);
            long[] v = new long[1];
            if (!Numbers.parseLong(java.util.Arrays.copyOfRange(type, 1, type.length), v) || v[0] < 1 || (sign && v[0] > 64) || (!sign && v[0] > 63)) {
                throw new ReplyException(BITFIELD_TYPE_ERR);
            }
            int bits = (int) v[0];
            long bitoffset = parseBitOffset(c, c.argv[j + 2], true, bits);
            long i64 = 0;
            if (opcode != OP_GET) {
                readonly = false;
                highestWriteOffset = Math.max(highestWriteOffset, bitoffset + bits - 1);
                i64 = Args.parseLong(c.argv[j + 3]);
            }
            opOffset[n] = bitoffset;
            opValue[n] = i64;
            opCode[n] = opcode;
            opOw[n] = owtype;
            opBits[n] = bits;
            opSigned[n] = sign;
            n++;
            j += opcode == OP_GET ? 2 : 3;
        }

        Object o;
        if (readonly) {
            o = readString(c, c.argv[1]);
        } else {
            if (readOnlyCommand) throw new ReplyException("ERR BITFIELD_RO only supports the GET subcommand");
            o = lookupStringForBitCommand(c, c.argv[1], highestWriteOffset);
        }

        c.addReplyArrayLen(n);
        long changes = 0;
        long[] limit = new long[1];
        byte[] buf = new byte[9];
        for (int j = 0; j < n; j++) {
            int bits = opBits[j];
            long offset = opOffset[j];
            if (opCode[j] == OP_GET) {
                // Copy up to 9 bytes so a field past the string's end reads as zero padding.
                java.util.Arrays.fill(buf, (byte) 0);
                long byteIdx = offset >> 3;
                if (o != null) {
                    byte[] src = array(o);
                    int strlen = StringValues.length(o);
                    for (int i = 0; i < 9 && byteIdx + i < strlen; i++) buf[i] = src[(int) byteIdx + i];
                }
                long rel = offset - (byteIdx << 3);
                c.addReplyLongLong(opSigned[j] ? getSignedBitfield(buf, rel, bits) : getUnsignedBitfield(buf, rel, bits));
                continue;
            }
            byte[] p = ((RawString) o).array();
            long oldval, newval, retval;
            int overflow;
            if (opSigned[j]) {
                oldval = getSignedBitfield(p, offset, bits);
                if (opCode[j] == OP_INCRBY) {
                    overflow = checkSignedOverflow(oldval, opValue[j], bits, opOw[j], limit);
                    newval = overflow != 0 ? limit[0] : oldval + opValue[j];
                    retval = newval;
                } else {
                    newval = opValue[j];
                    overflow = checkSignedOverflow(newval, 0, bits, opOw[j], limit);
                    if (overflow != 0) newval = limit[0];
                    retval = oldval;
                }
            } else {
                oldval = getUnsignedBitfield(p, offset, bits);
                if (opCode[j] == OP_INCRBY) {
                    newval = oldval + opValue[j];
                    overflow = checkUnsignedOverflow(oldval, opValue[j], bits, opOw[j], limit);
                    if (overflow != 0) newval = limit[0];
                    retval = newval;
                } else {
                    newval = opValue[j];
                    overflow = checkUnsignedOverflow(newval, 0, bits, opOw[j], limit);
                    if (overflow != 0) newval = limit[0];
                    retval = oldval;
                }
            }
            if (overflow != 0 && opOw[j] == OVERFLOW_FAIL) {
                c.addReplyNull();
            } else {
                c.addReplyLongLong(retval);
                setBitfield(p, offset, bits, newval);
            }
            changes++;
        }
        if (changes > 0) {
            c.db.signalModifiedKey(c.argv[1]);
            c.engine.notifyKeyspaceEvent(Notifications.STRING, "setbit", c.argv[1], c.db.id);
            c.engine.dirty += changes;
        }
    }

    private static final java.lang.invoke.VarHandle LONG_VIEW =
            java.lang.invoke.MethodHandles.byteArrayViewVarHandle(long[].class, java.nio.ByteOrder.LITTLE_ENDIAN);

    private static long readLong(byte[] p, int i) {
        return (long) LONG_VIEW.get(p, i);
    }
}
