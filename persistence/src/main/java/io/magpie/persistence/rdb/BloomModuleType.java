package io.magpie.persistence.rdb;

import io.magpie.engine.EngineConfig;
import io.magpie.engine.types.ScalableBloomFilter;
import io.magpie.engine.types.ValueType;
import java.io.IOException;

/**
 * Scalable Bloom filters saved as RedisBloom saves its "MBbloom--" type (rebloom.c's
 * BFRdbSave/BFRdbLoad, encoding version 4): the chain's item count, number of sub-filters,
 * options and growth, then per sub-filter its capacity, error rate, hash count, bits per
 * entry, bit count, n2, the bit array as one string, and its item count.
 *
 * <p>Magpie's filters are RedisBloom's default kind: 64-bit hashing (BLOOM_OPT_FORCE64)
 * over a bit count that is not rounded to a power of two (BLOOM_OPT_NOROUND, so n2 = 0).
 * Older kinds (32-bit hashing, power-of-two sizes from RedisBloom 1.x) address their bits
 * differently and are refused rather than loaded wrong.
 */
final class BloomModuleType implements RdbModuleType {
    /** RedisBloom's BF_MIN_GROWTH_ENC: the version it writes (growth is saved from 4 on). */
    static final int ENCVER = 4;
    private static final int MIN_OPTIONS_ENC = 2;
    /* bloom.h's BLOOM_OPT_* bits. */
    static final int OPT_NOROUND = 1;
    static final int OPT_ENTS_IS_BITS = 2;
    static final int OPT_FORCE64 = 4;
    static final int OPT_NO_SCALING = 8;
    /** RedisBloom asserts fewer sub-filters than this when loading. */
    private static final long MAX_FILTERS = 1000;

    @Override public String name() {
        return "MBbloom--";
    }

    @Override public int encver() {
        return ENCVER;
    }

    @Override public ValueType valueType() {
        return ValueType.BLOOM;
    }

    @Override public void save(ModuleIO io, Object value) {
        ScalableBloomFilter sb = (ScalableBloomFilter) value;
        io.saveUnsigned(sb.items());
        io.saveUnsigned(sb.filterCount());
        io.saveUnsigned(OPT_NOROUND | OPT_FORCE64 | (sb.nonScaling() ? OPT_NO_SCALING : 0));
        io.saveUnsigned(sb.growth());
        for (int i = 0; i < sb.filterCount(); i++) {
            ScalableBloomFilter.Link l = sb.filter(i);
            io.saveUnsigned(l.entries());
            io.saveDouble(l.error());
            io.saveUnsigned(l.hashes());
            io.saveDouble(l.bitsPerEntry());
            io.saveUnsigned(l.bits());
            io.saveUnsigned(0); // n2: bit counts are not powers of two
            byte[] bytes = toBytes(l.words());
            io.saveStringBuffer(bytes, 0, bytes.length);
            io.saveUnsigned(l.size());
        }
    }

    @Override public Object load(ModuleIO io, int encver, EngineConfig config) throws IOException {
        if (encver < MIN_OPTIONS_ENC || encver > ENCVER) {
            throw io.error("encoding version " + encver + " is not supported (RedisBloom filters of versions "
                    + MIN_OPTIONS_ENC + " to " + ENCVER + " are)");
        }
        long size = io.loadUnsigned();
        long nfilters = io.loadUnsigned();
        long options = io.loadUnsigned();
        long growth = encver >= ENCVER ? io.loadUnsigned() : 2;
        if ((options & OPT_FORCE64) == 0) throw io.error("filters with 32-bit hashing are not supported");
        if (nfilters < 1 || nfilters >= MAX_FILTERS) throw io.error("invalid number of sub-filters " + nfilters);
        if (growth < 1 || growth > Integer.MAX_VALUE) throw io.error("invalid expansion " + growth);
        ScalableBloomFilter.Link[] links = new ScalableBloomFilter.Link[(int) nfilters];
        for (int i = 0; i < nfilters; i++) {
            long entries = io.loadUnsigned();
            double error = io.loadDouble();
            long hashes = io.loadUnsigned();
            double bpe = io.loadDouble();
            long bits = io.loadUnsigned();
            long n2 = io.loadUnsigned();
            byte[] bytes = io.loadStringBuffer();
            long linkSize = io.loadUnsigned();
            if (n2 != 0) throw io.error("power-of-two sized filters are not supported");
            if (bytes.length == 0 || bytes.length % 8 != 0 || bits != bytes.length * 8L) {
                throw io.error("sub-filter of " + bits + " bits holds " + bytes.length + " bytes");
            }
            if (hashes > Integer.MAX_VALUE) throw io.error("invalid hash count " + hashes);
            try {
                links[i] = ScalableBloomFilter.Link.restore(entries, error, (int) hashes, bpe, toWords(bytes), linkSize);
            } catch (IllegalArgumentException e) {
                throw io.error(e.getMessage());
            }
        }
        try {
            return ScalableBloomFilter.restore(links, size, (int) growth, (options & OPT_NO_SCALING) != 0);
        } catch (IllegalArgumentException e) {
            throw io.error(e.getMessage());
        }
    }

    /** The bit array as RedisBloom keeps it: bit x in byte x/8 at bit x%8, i.e. the words little-endian. */
    static byte[] toBytes(long[] words) {
        byte[] b = new byte[words.length * 8];
        for (int i = 0, j = 0; i < words.length; i++) {
            long w = words[i];
            for (int k = 0; k < 8; k++) b[j++] = (byte) (w >>> (8 * k));
        }
        return b;
    }

    static long[] toWords(byte[] b) {
        long[] words = new long[b.length / 8];
        for (int i = 0, j = 0; i < words.length; i++) {
            long w = 0;
            for (int k = 0; k < 8; k++) w |= (b[j++] & 0xffL) << (8 * k);
            words[i] = w;
        }
        return words;
    }
}
