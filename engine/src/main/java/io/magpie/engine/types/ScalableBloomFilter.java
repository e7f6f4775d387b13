package io.magpie.engine.types;

import java.util.Arrays;

/**
 * RedisBloom's scalable Bloom filter (sb.c, bloom.c): a chain of sub-filters; when the
 * newest is full (as many unique adds as its capacity), a new one with capacity x growth and
 * half the error rate is appended, so the chain's total false-positive rate stays below
 * the requested one. Sizing, hashing (two MurmurHash64A values, bit i = (a + i*b) mod bits,
 * bits addressed little-endian) and the INFO figures follow RedisBloom.
 */
public final class ScalableBloomFilter implements RedisValue {
    /** RedisBloom's ERROR_TIGHTENING_RATIO. */
    static final double ERROR_TIGHTENING_RATIO = 0.5;
    private static final double LN2 = 0.693147180559945;
    private static final double LN2_SQUARED = 0.480453013918201;
    private static final long HASH_SEED = 0xc6a4a7935bd1e995L;
    /** sizeof(SBChain) and sizeof(SBLink) in RedisBloom, for BF.INFO SIZE. */
    private static final int SBCHAIN_SIZE = 32, SBLINK_SIZE = 64;

    /** One sub-filter (struct bloom plus its item count). */
    public static final class Link {
        final long entries;
        final double error;
        final int hashes;
        final double bpe;
        final long bits;
        final long[] words;
        long size;

        Link(long entries, double error, boolean tightSizing) {
            this.entries = entries;
            this.error = error;
            this.bpe = -(Math.log(error) / LN2_SQUARED);
            this.hashes = (int) Math.ceil(LN2 * bpe);
            double perEntry = bpe;
            if (tightSizing) perEntry = Math.max(bpe, bitsPerEntryFor(hashes, error * NONSCALING_MARGIN));
            long b = (long) (entries * perEntry);
            if (b == 0) b = 1;
            long bytes = b % 64 != 0 ? ((b / 64) + 1) * 8 : b / 8;
            if (bytes / 8 > Integer.MAX_VALUE - 8) throw new IllegalArgumentException("filter too large");
            this.bits = bytes * 8;
            this.words = new long[(int) (bytes / 8)];
        }

        /** A sub-filter as saved (RDB, DUMP): its sizing and bit array are taken as they are. */
        private Link(long entries, double error, int hashes, double bpe, long bits, long[] words, long size) {
            this.entries = entries;
            this.error = error;
            this.hashes = hashes;
            this.bpe = bpe;
            this.bits = bits;
            this.words = words;
            this.size = size;
        }

        /**
         * Rebuilds a saved sub-filter. words holds the bit array (bit x is bit x%64 of
         * words[x/64]); bits must be words.length * 64 and hashes RedisBloom's ceil(ln2 * bpe).
         */
        public static Link restore(long entries, double error, int hashes, double bpe, long[] words, long size) {
            if (entries < 1 || !(error > 0 && error < 1) || words.length == 0) {
                throw new IllegalArgumentException("invalid bloom sub-filter");
            }
            if (hashes < 1 || hashes != (int) Math.ceil(LN2 * bpe)) {
                throw new IllegalArgumentException("bloom sub-filter hash count does not match its bits per entry");
            }
            if (size < 0) throw new IllegalArgumentException("negative bloom sub-filter size");
            return new Link(entries, error, hashes, bpe, words.length * 64L, words, size);
        }

        long bytes() {
            return bits / 8;
        }

        public double bitsPerEntry() {
            return bpe;
        }

        /** The bit array, 64 bits a word, bit x at words[x/64] bit x%64 (read-only for savers). */
        public long[] words() {
            return words;
        }

        public long entries() {
            return entries;
        }

        public double error() {
            return error;
        }

        public int hashes() {
            return hashes;
        }

        public long bits() {
            return bits;
        }

        public long size() {
            return size;
        }

        boolean check(long a, long b) {
            for (int i = 0; i < hashes; i++) {
                long x = Long.remainderUnsigned(a + i * b, bits);
                if ((words[(int) (x >>> 6)] & (1L << x)) == 0) return false;
            }
            return true;
        }

        /** Sets the item's bits; true if at least one was unset (the item is new here). */
        boolean add(long a, long b) {
            boolean foundUnset = false;
            for (int i = 0; i < hashes; i++) {
                long x = Long.remainderUnsigned(a + i * b, bits);
                int w = (int) (x >>> 6);
                long mask = 1L << x;
                if ((words[w] & mask) == 0) {
                    words[w] |= mask;
                    foundUnset = true;
                }
            }
            return foundUnset;
        }
    }

    /**
     * A NONSCALING filter holds at its capacity exactly the requested error rate in theory,
     * but RedisBloom's rounded-up hash count puts it slightly above (0.01006 for 0.01). We
     * size its bits for this fraction of the rate with that hash count instead: a few
     * percent more memory, and the measured rate at capacity stays below the requested one.
     */
    static final double NONSCALING_MARGIN = 0.9;

    /** Bits per entry for which k hashes give false-positive rate p: -k / ln(1 - p^(1/k)). */
    static double bitsPerEntryFor(int k, double p) {
        return -k / Math.log(1 - Math.pow(p, 1.0 / k));
    }

    private Link[] filters;
    private int nfilters;
    private long size;
    private final boolean nonScaling;
    private final int growth;

    public ScalableBloomFilter(long capacity, double errorRate, int growth, boolean nonScaling) {
        this.growth = growth;
        this.nonScaling = nonScaling;
        this.filters = new Link[1];
        double tightening = nonScaling ? 1 : ERROR_TIGHTENING_RATIO;
        addLink(capacity, errorRate * tightening);
    }

    private ScalableBloomFilter(ScalableBloomFilter o) {
        this.growth = o.growth;
        this.nonScaling = o.nonScaling;
        this.size = o.size;
        this.nfilters = o.nfilters;
        this.filters = new Link[o.filters.length];
        for (int i = 0; i < nfilters; i++) {
            Link s = o.filters[i];
            // Copied as is: a restored link may be sized differently from what Link(entries, error) computes.
            filters[i] = new Link(s.entries, s.error, s.hashes, s.bpe, s.bits, s.words.clone(), s.size);
        }
    }

    private ScalableBloomFilter(Link[] links, long size, int growth, boolean nonScaling) {
        this.filters = links;
        this.nfilters = links.length;
        this.size = size;
        this.growth = growth;
        this.nonScaling = nonScaling;
    }

    /** Rebuilds a saved chain (RDB, DUMP); size must be the sum of the links' sizes. */
    public static ScalableBloomFilter restore(Link[] links, long size, int growth, boolean nonScaling) {
        if (links.length == 0) throw new IllegalArgumentException("a bloom filter needs at least one sub-filter");
        if (growth < 1) throw new IllegalArgumentException("invalid bloom filter expansion " + growth);
        long sum = 0;
        for (Link l : links) sum += l.size;
        if (sum != size) throw new IllegalArgumentException("bloom filter size " + size + " differs from its sub-filters' " + sum);
        return new ScalableBloomFilter(links.clone(), size, growth, nonScaling);
    }

    private void addLink(long entries, double error) {
        if (nfilters == filters.length) filters = Arrays.copyOf(filters, nfilters * 2);
        filters[nfilters++] = new Link(entries, error, nonScaling);
    }

    /** The item's two hash values (bloom_calc_hash64). */
    static long[] hash(byte[] item) {
        long a = HyperLogLog.murmurHash64A(item, 0, item.length, HASH_SEED);
        long b = HyperLogLog.murmurHash64A(item, 0, item.length, a);
        return new long[] {a, b};
    }

    /** SBChain_Add: 1 if added, 0 if (probably) present, -2 if a non-scaling filter is full. */
    public int add(byte[] item) {
        long a = HyperLogLog.murmurHash64A(item, 0, item.length, HASH_SEED);
        long b = HyperLogLog.murmurHash64A(item, 0, item.length, a);
        for (int i = nfilters - 1; i >= 0; i--) {
            if (filters[i].check(a, b)) return 0;
        }
        Link cur = filters[nfilters - 1];
        if (cur.size >= cur.entries) {
            if (nonScaling) return -2;
            addLink(cur.entries * growth, cur.error * ERROR_TIGHTENING_RATIO);
            cur = filters[nfilters - 1];
        }
        if (cur.add(a, b)) {
            cur.size++;
            size++;
            return 1;
        }
        return 0;
    }

    /** SBChain_Check: true if the item may have been added. */
    public boolean exists(byte[] item) {
        long a = HyperLogLog.murmurHash64A(item, 0, item.length, HASH_SEED);
        long b = HyperLogLog.murmurHash64A(item, 0, item.length, a);
        for (int i = nfilters - 1; i >= 0; i--) {
            if (filters[i].check(a, b)) return true;
        }
        return false;
    }

    /** BF.INFO Capacity: the sum of the sub-filters' capacities. */
    public long capacity() {
        long c = 0;
        for (int i = 0; i < nfilters; i++) c += filters[i].entries;
        return c;
    }

    /** BF.INFO Size: bytes as RedisBloom counts them (BFMemUsage). */
    public long sizeBytes() {
        long rv = SBCHAIN_SIZE;
        for (int i = 0; i < nfilters; i++) rv += SBLINK_SIZE + filters[i].bytes();
        return rv;
    }

    public int filterCount() {
        return nfilters;
    }

    public Link filter(int i) {
        return filters[i];
    }

    /** Items added and detected as new (BF.CARD, BF.INFO Number of items inserted). */
    public long items() {
        return size;
    }

    public boolean nonScaling() {
        return nonScaling;
    }

    public int growth() {
        return growth;
    }

    @Override public ValueType type() {
        return ValueType.BLOOM;
    }

    @Override public String encoding() {
        return "raw";
    }

    @Override public RedisValue duplicate() {
        return new ScalableBloomFilter(this);
    }

    @Override public long memoryUsage() {
        long m = 48 + 16L * filters.length;
        for (int i = 0; i < nfilters; i++) m += 64 + filters[i].bytes();
        return m;
    }
}
