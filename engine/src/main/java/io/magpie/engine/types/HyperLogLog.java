package io.magpie.engine.types;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Redis's HyperLogLog representation (hyperloglog.c), byte for byte, so that an HLL moves
 * between Magpie and Redis as a plain string (GET/SET, DUMP/RESTORE, RDB).
 *
 * <pre>
 * +------+---+-----+----------+
 * | HYLL | E | N/U | Cardin.  |   16-byte header: magic, encoding (0 dense, 1 sparse),
 * +------+---+-----+----------+   3 unused bytes, cached cardinality (64-bit little endian,
 *                                 bit 63 set = cache invalid), then the registers.
 * </pre>
 *
 * Dense: 16384 6-bit registers packed little-endian-first (register 0 in the low bits of
 * byte 0). Sparse: a run-length sequence of opcodes: ZERO 00xxxxxx (1..64 zero registers),
 * XZERO 01xxxxxx yyyyyyyy (1..16384 zero registers), VAL 1vvvvvxx (1..4 registers of value
 * 1..32). A value is stored in a {@link RawString} so sparse edits happen in place.
 */
public final class HyperLogLog {
    private HyperLogLog() {}

    public static final int P = 14;
    public static final int Q = 64 - P;
    public static final int REGISTERS = 1 << P;
    public static final int P_MASK = REGISTERS - 1;
    public static final int BITS = 6;
    public static final int REGISTER_MAX = (1 << BITS) - 1;
    public static final int HDR_SIZE = 16;
    public static final int DENSE_SIZE = HDR_SIZE + (REGISTERS * BITS + 7) / 8;
    public static final int DENSE = 0, SPARSE = 1;
    public static final int MAX_ENCODING = 1;

    static final int SPARSE_VAL_MAX_VALUE = 32;
    static final int SPARSE_VAL_MAX_LEN = 4;
    static final int SPARSE_ZERO_MAX_LEN = 64;
    static final int SPARSE_XZERO_MAX_LEN = 16384;
    private static final double ALPHA_INF = 0.721347520444481703680; // 0.5 / ln(2)
    private static final long SEED = 0xadc83b19L;

    public static final String INVALID_HLL_ERR = "INVALIDOBJ Corrupted HLL object detected";
    public static final String WRONGTYPE_HLL_ERR = "WRONGTYPE Key is not a valid HyperLogLog string value.";

    private static final VarHandle LONG_LE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    /* ---------------- hashing ---------------- */

    /** MurmurHash64A (Austin Appleby), little-endian word reads as on x86. */
    public static long murmurHash64A(byte[] key, int off, int len, long seed) {
        final long m = 0xc6a4a7935bd1e995L;
        final int r = 47;
        long h = seed ^ (len * m);
        int end = off + (len - (len & 7));
        for (int i = off; i < end; i += 8) {
            long k = (long) LONG_LE.get(key, i);
            k *= m;
            k ^= k >>> r;
            k *= m;
            h ^= k;
            h *= m;
        }
        int rem = len & 7;
        if (rem > 0) {
            for (int i = rem - 1; i >= 0; i--) h ^= (long) (key[end + i] & 0xff) << (8 * i);
            h *= m;
        }
        h ^= h >>> r;
        h *= m;
        h ^= h >>> r;
        return h;
    }

    /**
     * hllPatLen: the register an element maps to (low 14 bits of its hash) in the low 32
     * bits of the result, and the length of the "000..1" pattern of the remaining bits (1..51)
     * in the high 32 bits.
     */
    static long patLen(byte[] ele) {
        long hash = murmurHash64A(ele, 0, ele.length, SEED);
        int index = (int) (hash & P_MASK);
        hash >>>= P;
        hash |= 1L << Q; // so the count is at most Q+1
        int count = Long.numberOfTrailingZeros(hash) + 1;
        return ((long) count << 32) | index;
    }

    /* ---------------- header ---------------- */

    /** A new empty HLL: sparse, one XZERO opcode covering every register. */
    public static RawString create() {
        int sparselen = HDR_SIZE + ((REGISTERS + (SPARSE_XZERO_MAX_LEN - 1)) / SPARSE_XZERO_MAX_LEN) * 2;
        byte[] b = new byte[sparselen];
        writeMagic(b);
        b[4] = SPARSE;
        int p = HDR_SIZE;
        for (int aux = REGISTERS; aux > 0; aux -= SPARSE_XZERO_MAX_LEN) {
            int xzero = Math.min(aux, SPARSE_XZERO_MAX_LEN);
            setXZero(b, p, xzero);
            p += 2;
        }
        return new RawString(b);
    }

    private static void writeMagic(byte[] b) {
        b[0] = 'H';
        b[1] = 'Y';
        b[2] = 'L';
        b[3] = 'L';
    }

    /** isHLLObjectOrReply's checks on a string's bytes: magic, encoding, dense size. */
    public static boolean isValid(byte[] b, int len) {
        if (len < HDR_SIZE) return false;
        if (b[0] != 'H' || b[1] != 'Y' || b[2] != 'L' || b[3] != 'L') return false;
        int enc = b[4] & 0xff;
        if (enc > MAX_ENCODING) return false;
        return enc != DENSE || len == DENSE_SIZE;
    }

    public static int encoding(byte[] b) {
        return b[4] & 0xff;
    }

    public static boolean validCache(byte[] b) {
        return (b[15] & 0x80) == 0;
    }

    public static void invalidateCache(byte[] b) {
        b[15] |= (byte) 0x80;
    }

    public static long cachedCardinality(byte[] b) {
        return (long) LONG_LE.get(b, 8);
    }

    public static void setCachedCardinality(byte[] b, long card) {
        LONG_LE.set(b, 8, card);
    }

    /* ---------------- dense ---------------- */

    static int denseGet(byte[] b, int regnum) {
        int bitpos = regnum * BITS;
        int byteIdx = HDR_SIZE + (bitpos >> 3);
        int fb = bitpos & 7;
        int b0 = b[byteIdx] & 0xff;
        // The last register never reaches into the (absent) next byte.
        int b1 = byteIdx + 1 < b.length ? b[byteIdx + 1] & 0xff : 0;
        return ((b0 >> fb) | (b1 << (8 - fb))) & REGISTER_MAX;
    }

    static void denseSet(byte[] b, int regnum, int val) {
        int bitpos = regnum * BITS;
        int byteIdx = HDR_SIZE + (bitpos >> 3);
        int fb = bitpos & 7;
        int fb8 = 8 - fb;
        b[byteIdx] = (byte) ((b[byteIdx] & ~(REGISTER_MAX << fb)) | (val << fb));
        if (fb > 2) {
            b[byteIdx + 1] = (byte) ((b[byteIdx + 1] & ~(REGISTER_MAX >> fb8)) | (val >> fb8));
        }
    }

    /** hllDenseSet: raises the register to count; true if it changed. */
    static boolean denseSetIfGreater(byte[] b, int index, int count) {
        if (count > denseGet(b, index)) {
            denseSet(b, index, count);
            return true;
        }
        return false;
    }

    /* ---------------- sparse opcodes ---------------- */

    private static boolean isZero(int op) {
        return (op & 0xc0) == 0;
    }

    private static boolean isXZero(int op) {
        return (op & 0xc0) == 0x40;
    }

    private static boolean isVal(int op) {
        return (op & 0x80) != 0;
    }

    private static int zeroLen(int op) {
        return (op & 0x3f) + 1;
    }

    private static int xzeroLen(byte[] b, int p) {
        return (((b[p] & 0x3f) << 8) | (b[p + 1] & 0xff)) + 1;
    }

    private static int valValue(int op) {
        return ((op >> 2) & 0x1f) + 1;
    }

    private static int valLen(int op) {
        return (op & 0x3) + 1;
    }

    private static void setXZero(byte[] b, int p, int len) {
        int l = len - 1;
        b[p] = (byte) ((l >> 8) | 0x40);
        b[p + 1] = (byte) (l & 0xff);
    }

    private static byte valOp(int val, int len) {
        return (byte) (((val - 1) << 2 | (len - 1)) | 0x80);
    }

    /* ---------------- add ---------------- */

    /** hllAdd: 1 if a register changed, 0 if not, -1 if the value is corrupted. */
    public static int add(RawString o, byte[] ele, int sparseMaxBytes) {
        long pl = patLen(ele);
        int index = (int) pl;
        int count = (int) (pl >>> 32);
        return set(o, index, count, sparseMaxBytes);
    }

    /** Raises register index to count in either encoding (1 changed, 0 not, -1 corrupted). */
    public static int set(RawString o, int index, int count, int sparseMaxBytes) {
        byte[] b = o.array();
        switch (encoding(b)) {
            case DENSE:
                return denseSetIfGreater(b, index, count) ? 1 : 0;
            case SPARSE:
                return sparseSet(o, index, count, sparseMaxBytes);
            default:
                return -1;
        }
    }

    /**
     * hllSparseSet: updates the opcode that covers register index, splitting runs as
     * needed, then merges adjacent equal VAL opcodes exactly as Redis does (the merge scan
     * decides the bytes, so it follows Redis step by step). Promotes to dense when the
     * value does not fit a VAL opcode or the string would exceed hll-sparse-max-bytes.
     */
    static int sparseSet(RawString o, int index, int count, int sparseMaxBytes) {
        if (count > SPARSE_VAL_MAX_VALUE) return promoteAndSet(o, index, count);
        byte[] b = o.array();
        int sparse = HDR_SIZE;
        int end = o.length();
        int p = sparse;
        int first = 0, prev = -1, span = 0;
        while (p < end) {
            int op = b[p] & 0xff;
            int oplen = 1;
            if (isZero(op)) span = zeroLen(op);
            else if (isVal(op)) span = valLen(op);
            else {
                span = xzeroLen(b, p);
                oplen = 2;
            }
            if (index <= first + span - 1) break;
            prev = p;
            p += oplen;
            first += span;
        }
        if (span == 0 || p >= end) return -1;
        int op = b[p] & 0xff;
        int next = isXZero(op) ? p + 2 : p + 1;
        if (next >= end) next = -1;
        boolean isZ = false, isXZ = false, isV = false;
        int runlen;
        if (isZero(op)) {
            isZ = true;
            runlen = zeroLen(op);
        } else if (isXZero(op)) {
            isXZ = true;
            runlen = xzeroLen(b, p);
        } else {
            isV = true;
            runlen = valLen(op);
        }

        boolean simple = false;
        if (isV) {
            int oldcount = valValue(op);
            if (oldcount >= count) return 0;
            if (runlen == 1) {
                b[p] = valOp(count, 1);
                simple = true;
            }
        }
        if (!simple && isZ && runlen == 1) {
            b[p] = valOp(count, 1);
            simple = true;
        }
        if (!simple) {
            // General case: split the run into up to three opcodes (at most 5 bytes).
            byte[] seq = new byte[5];
            int n = 0;
            int last = first + span - 1;
            if (isZ || isXZ) {
                if (index != first) n = putZeros(seq, n, index - first);
                seq[n++] = valOp(count, 1);
                if (index != last) n = putZeros(seq, n, last - index);
            } else {
                int curval = valValue(op);
                if (index != first) seq[n++] = valOp(curval, index - first);
                seq[n++] = valOp(count, 1);
                if (index != last) seq[n++] = valOp(curval, last - index);
            }
            int oldlen = isXZ ? 2 : 1;
            int deltalen = n - oldlen;
            if (deltalen > 0 && end + deltalen > sparseMaxBytes) return promoteAndSet(o, index, count);
            if (deltalen > 0) {
                o.growZero(end + deltalen);
                b = o.array();
            }
            if (deltalen != 0 && next >= 0) System.arraycopy(b, next, b, next + deltalen, end - next);
            if (deltalen < 0) o.setLength(end + deltalen);
            System.arraycopy(seq, 0, b, p, n);
            end += deltalen;
        }

        // Merge adjacent VAL opcodes with the same value, scanning up to 5 opcodes from prev.
        p = prev >= 0 ? prev : sparse;
        int scanlen = 5;
        while (p < end && scanlen-- > 0) {
            int cur = b[p] & 0xff;
            if (isXZero(cur)) {
                p += 2;
                continue;
            } else if (isZero(cur)) {
                p++;
                continue;
            }
            if (p + 1 < end && isVal(b[p + 1] & 0xff)) {
                int v1 = valValue(cur);
                int v2 = valValue(b[p + 1] & 0xff);
                if (v1 == v2) {
                    int len = valLen(cur) + valLen(b[p + 1] & 0xff);
                    if (len <= SPARSE_VAL_MAX_LEN) {
                        b[p + 1] = valOp(v1, len);
                        System.arraycopy(b, p + 1, b, p, end - p - 1);
                        end--;
                        o.setLength(end);
                        continue;
                    }
                }
            }
            p++;
        }
        invalidateCache(b);
        return 1;
    }

    private static int putZeros(byte[] seq, int n, int len) {
        if (len > SPARSE_ZERO_MAX_LEN) {
            setXZero(seq, n, len);
            return n + 2;
        }
        seq[n] = (byte) (len - 1);
        return n + 1;
    }

    private static int promoteAndSet(RawString o, int index, int count) {
        if (!sparseToDense(o)) return -1;
        denseSetIfGreater(o.array(), index, count);
        return 1;
    }

    /** hllSparseToDense in place; false (value untouched) if the sparse data is corrupted. */
    public static boolean sparseToDense(RawString o) {
        byte[] b = o.array();
        if (encoding(b) == DENSE) return true;
        byte[] dense = new byte[DENSE_SIZE];
        // Copies the magic, the unused bytes and the cached cardinality.
        System.arraycopy(b, 0, dense, 0, HDR_SIZE);
        dense[4] = DENSE;
        int idx = 0, p = HDR_SIZE, end = o.length();
        while (p < end) {
            int op = b[p] & 0xff;
            if (isZero(op)) {
                idx += zeroLen(op);
                p++;
            } else if (isXZero(op)) {
                idx += xzeroLen(b, p);
                p += 2;
            } else {
                int runlen = valLen(op);
                int regval = valValue(op);
                if (runlen + idx > REGISTERS) break;
                while (runlen-- > 0) denseSet(dense, idx++, regval);
                p++;
            }
        }
        if (idx != REGISTERS) return false;
        o.adopt(dense);
        return true;
    }

    /* ---------------- merge and count ---------------- */

    /**
     * hllMerge: max[i] = max(max[i], register i of the HLL in b[0, len)); false if the
     * sparse data is corrupted.
     */
    public static boolean merge(byte[] max, byte[] b, int len) {
        if (encoding(b) == DENSE) {
            for (int i = 0; i < REGISTERS; i++) {
                int val = denseGet(b, i);
                if (val > max[i]) max[i] = (byte) val;
            }
            return true;
        }
        int i = 0, p = HDR_SIZE;
        while (p < len) {
            int op = b[p] & 0xff;
            if (isZero(op)) {
                i += zeroLen(op);
                p++;
            } else if (isXZero(op)) {
                i += xzeroLen(b, p);
                p += 2;
            } else {
                int runlen = valLen(op);
                int regval = valValue(op);
                if (runlen + i > REGISTERS) break;
                while (runlen-- > 0) {
                    if (regval > max[i]) max[i] = (byte) regval;
                    i++;
                }
                p++;
            }
        }
        return i == REGISTERS;
    }

    /** The register histogram of an HLL value; null if its sparse data is corrupted. */
    static int[] regHisto(byte[] b, int len) {
        int[] reghisto = new int[64];
        if (encoding(b) == DENSE) {
            for (int j = 0; j < REGISTERS; j++) reghisto[denseGet(b, j)]++;
            return reghisto;
        }
        int idx = 0, p = HDR_SIZE;
        while (p < len) {
            int op = b[p] & 0xff;
            if (isZero(op)) {
                int runlen = zeroLen(op);
                idx += runlen;
                reghisto[0] += runlen;
                p++;
            } else if (isXZero(op)) {
                int runlen = xzeroLen(b, p);
                idx += runlen;
                reghisto[0] += runlen;
                p += 2;
            } else {
                int runlen = valLen(op);
                int regval = valValue(op);
                if (runlen + idx > REGISTERS) break;
                idx += runlen;
                reghisto[regval] += runlen;
                p++;
            }
        }
        return idx == REGISTERS ? reghisto : null;
    }

    /** Cardinality of an HLL value (hllCount); -1 if corrupted. */
    public static long count(byte[] b, int len) {
        int[] h = regHisto(b, len);
        return h == null ? -1 : estimate(h);
    }

    /** Cardinality of raw registers, one per byte (PFCOUNT of several keys). */
    public static long countRaw(byte[] registers) {
        int[] h = new int[64];
        for (int j = 0; j < REGISTERS; j++) h[registers[j]]++;
        return estimate(h);
    }

    /**
     * Otmar Ertl's improved estimator ("New cardinality estimation algorithms for
     * HyperLogLog sketches", arXiv:1702.01284), the one Redis 5+ uses.
     */
    static long estimate(int[] reghisto) {
        double m = REGISTERS;
        double z = m * tau((m - reghisto[Q + 1]) / m);
        for (int j = Q; j >= 1; --j) {
            z += reghisto[j];
            z *= 0.5;
        }
        z += m * sigma(reghisto[0] / m);
        return Math.round(ALPHA_INF * m * m / z);
    }

    static double sigma(double x) {
        if (x == 1.) return Double.POSITIVE_INFINITY;
        double zPrime;
        double y = 1;
        double z = x;
        do {
            x *= x;
            zPrime = z;
            z += x * y;
            y += y;
        } while (zPrime != z);
        return z;
    }

    static double tau(double x) {
        if (x == 0. || x == 1.) return 0.;
        double zPrime;
        double y = 1.0;
        double z = 1 - x;
        do {
            x = Math.sqrt(x);
            zPrime = z;
            y *= 0.5;
            z -= (1 - x) * (1 - x) * y;
        } while (zPrime != z);
        return z / 3;
    }

    /* ---------------- PFDEBUG helpers ---------------- */

    /** PFDEBUG DECODE's text: "z:len", "Z:len", "v:value,len" separated by spaces. */
    public static String decodeSparse(byte[] b, int len) {
        StringBuilder sb = new StringBuilder();
        int p = HDR_SIZE;
        while (p < len) {
            int op = b[p] & 0xff;
            if (isZero(op)) {
                sb.append("z:").append(zeroLen(op)).append(' ');
                p++;
            } else if (isXZero(op)) {
                sb.append("Z:").append(xzeroLen(b, p)).append(' ');
                p += 2;
            } else {
                sb.append("v:").append(valValue(op)).append(',').append(valLen(op)).append(' ');
                p++;
            }
        }
        int n = sb.length();
        while (n > 0 && sb.charAt(n - 1) == ' ') n--;
        return sb.substring(0, n);
    }

    /** Sets register j of a dense HLL (PFSELFTEST). */
    public static void setRegister(byte[] b, int j, int val) {
        denseSet(b, j, val);
    }

    /** Register j of a dense HLL (PFDEBUG GETREG). */
    public static int register(byte[] b, int j) {
        return denseGet(b, j);
    }
}
