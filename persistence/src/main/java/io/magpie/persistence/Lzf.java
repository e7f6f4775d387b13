package io.magpie.persistence;

import com.ning.compress.lzf.ChunkDecoder;
import com.ning.compress.lzf.ChunkEncoder;
import com.ning.compress.lzf.LZFChunk;
import com.ning.compress.lzf.LZFException;
import com.ning.compress.lzf.util.ChunkDecoderFactory;
import com.ning.compress.lzf.util.ChunkEncoderFactory;

/**
 * Raw LZF blocks as Redis's lzf_compress/lzf_decompress produce and accept (no framing),
 * on top of compress-lzf, whose public API frames data in "ZV" chunks of at most 64 KiB.
 *
 * <p>Compressing: each chunk's header is stripped. Concatenated raw LZF blocks are a valid
 * LZF stream for the concatenated input (back references are relative to the output
 * position and never cross a block start), so inputs over 64 KiB are compressed chunk by
 * chunk. A chunk the library stored uncompressed becomes LZF literal runs.
 */
public final class Lzf {
    private static final int CHUNK = LZFChunk.MAX_CHUNK_LEN;
    /** Encoders keep hash tables: one per thread (the keyspace thread, loaders, tests). */
    private static final ThreadLocal<ChunkEncoder> ENCODER = ThreadLocal.withInitial(() -> ChunkEncoderFactory.safeInstance(CHUNK));
    private static final ThreadLocal<byte[][]> SCRATCH = ThreadLocal.withInitial(() -> new byte[][] {new byte[256], new byte[256]});
    private static final ChunkDecoder DECODER = ChunkDecoderFactory.safeInstance();

    private Lzf() {}

    /**
     * Compresses in[off, off+len) into a new array; returns null if the result would not be
     * shorter than maxOut bytes (Redis only keeps compressed strings that save 4+ bytes).
     */
    public static byte[] compress(byte[] in, int off, int len, int maxOut) {
        ChunkEncoder enc = ENCODER.get();
        // Scratch space is per thread and reused: most compressed strings are small, and a
        // fresh 64 KiB frame per string would dominate a snapshot's cost.
        byte[][] scratch = SCRATCH.get();
        int chunk = Math.min(CHUNK, len);
        int frameNeed = chunk + (chunk >> 5) + LZFChunk.MAX_HEADER_LEN + 64; // LZF worst case: 1 extra byte per 32
        if (scratch[0].length < frameNeed) scratch[0] = new byte[frameNeed];
        if (scratch[1].length < maxOut + 64) scratch[1] = new byte[maxOut + 64];
        byte[] framed = scratch[0], out = scratch[1];
        int outPos = 0;
        for (int pos = off, end = off + len; pos < end; ) {
            int n = Math.min(CHUNK, end - pos);
            int framedLen = enc.appendEncodedChunk(in, pos, n, framed, 0);
            if (framed[2] == LZFChunk.BLOCK_TYPE_COMPRESSED) {
                int raw = framedLen - LZFChunk.HEADER_LEN_COMPRESSED;
                if (outPos + raw > maxOut) return null;
                System.arraycopy(framed, LZFChunk.HEADER_LEN_COMPRESSED, out, outPos, raw);
                outPos += raw;
            } else {
                // Literal runs of up to 32 bytes, each preceded by (length - 1).
                for (int i = 0; i < n; i += 32) {
                    int run = Math.min(32, n - i);
                    if (outPos + 1 + run > maxOut) return null;
                    out[outPos++] = (byte) (run - 1);
                    System.arraycopy(in, pos + i, out, outPos, run);
                    outPos += run;
                }
            }
            pos += n;
        }
        if (outPos >= maxOut + 1) return null;
        return java.util.Arrays.copyOf(out, outPos);
    }

    /** Decompresses a raw LZF block that must expand to exactly outLen bytes. */
    public static byte[] decompress(byte[] in, int off, int len, int outLen) throws LZFException {
        byte[] out = new byte[outLen];
        if (len == 0) {
            if (outLen != 0) throw new LZFException("empty LZF block");
            return out;
        }
        // decodeChunk reads until the output is full; trailing input means a corrupt block.
        byte[] padded = in;
        if (off != 0 || len != in.length) padded = java.util.Arrays.copyOfRange(in, off, off + len);
        DECODER.decodeChunk(padded, 0, out, 0, outLen);
        return out;
    }
}
