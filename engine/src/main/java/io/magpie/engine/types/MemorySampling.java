package io.magpie.engine.types;

/**
 * Size estimates of big collections from a few elements, as Redis's MEMORY USAGE does with
 * SAMPLES: memory accounting re-measures values after they are touched, so a value's
 * memoryUsage() must cost O(1), never a walk over millions of elements.
 */
final class MemorySampling {
    private MemorySampling() {}

    /** Elements sampled per estimate. */
    static final int SAMPLES = 16;
    /** Slots a sparse table may skip while looking for samples. */
    static final int MAX_PROBES = 1024;

    /** Per-element bytes of the sample, scaled to count elements. */
    static long scale(long sampledBytes, int sampled, long count) {
        return sampled == 0 ? 0 : sampledBytes * count / sampled;
    }
}
