package io.magpie.engine.geo;

/**
 * Redis's geohash (geohash.c): longitude and latitude interleaved into 2 x 26 bits, the
 * latitude range clipped to the Web Mercator limits (+-85.05112878) so that a 52-bit
 * score fits a double exactly. Longitude bits are the odd bits, latitude the even ones.
 */
public final class GeoHash {
    private GeoHash() {}

    public static final double LONG_MIN = -180, LONG_MAX = 180;
    public static final double LAT_MIN = -85.05112878, LAT_MAX = 85.05112878;
    public static final int STEP_MAX = 26;

    /** A hash of 2*step bits. */
    public record Bits(long bits, int step) {
        public boolean isZero() {
            return bits == 0 && step == 0;
        }
    }

    /** A decoded cell: its longitude and latitude bounds. */
    public record Area(Bits hash, double lonMin, double lonMax, double latMin, double latMax) {}

    /** Spreads the low 32 bits of v to the even bit positions. */
    private static long spread(long v) {
        v &= 0xffffffffL;
        v = (v | (v << 16)) & 0x0000FFFF0000FFFFL;
        v = (v | (v << 8)) & 0x00FF00FF00FF00FFL;
        v = (v | (v << 4)) & 0x0F0F0F0F0F0F0F0FL;
        v = (v | (v << 2)) & 0x3333333333333333L;
        v = (v | (v << 1)) & 0x5555555555555555L;
        return v;
    }

    /** Gathers the even bits of v into the low 32 bits. */
    private static long squash(long v) {
        v &= 0x5555555555555555L;
        v = (v | (v >>> 1)) & 0x3333333333333333L;
        v = (v | (v >>> 2)) & 0x0F0F0F0F0F0F0F0FL;
        v = (v | (v >>> 4)) & 0x00FF00FF00FF00FFL;
        v = (v | (v >>> 8)) & 0x0000FFFF0000FFFFL;
        v = (v | (v >>> 16)) & 0x00000000FFFFFFFFL;
        return v;
    }

    /** interleave64: x (latitude) in the even bits, y (longitude) in the odd bits. */
    static long interleave64(long xlo, long ylo) {
        return spread(xlo) | (spread(ylo) << 1);
    }

    /** geohashEncode over explicit ranges; null where Redis's returns 0 (out of range). */
    public static Bits encode(double lonMin, double lonMax, double latMin, double latMax,
                              double longitude, double latitude, int step) {
        if (step > 32 || step == 0) return null;
        if (longitude > LONG_MAX || longitude < LONG_MIN || latitude > LAT_MAX || latitude < LAT_MIN) return null;
        if (latitude < latMin || latitude > latMax || longitude < lonMin || longitude > lonMax) return null;
        double latOffset = (latitude - latMin) / (latMax - latMin);
        double longOffset = (longitude - lonMin) / (lonMax - lonMin);
        latOffset *= (double) (1L << step);
        longOffset *= (double) (1L << step);
        // C converts double to uint32_t by truncation.
        return new Bits(interleave64(toUint32(latOffset), toUint32(longOffset)), step);
    }

    private static long toUint32(double d) {
        return ((long) d) & 0xffffffffL;
    }

    /** geohashEncodeWGS84 at the given step. */
    public static Bits encodeWGS84(double longitude, double latitude, int step) {
        return encode(LONG_MIN, LONG_MAX, LAT_MIN, LAT_MAX, longitude, latitude, step);
    }

    /** geohashDecode over explicit ranges. */
    public static Area decode(double lonMin, double lonMax, double latMin, double latMax, Bits hash) {
        int step = hash.step();
        long sep = squash(hash.bits()) | (squash(hash.bits() >>> 1) << 32);
        double latScale = latMax - latMin;
        double longScale = lonMax - lonMin;
        long ilato = sep & 0xffffffffL;
        long ilono = sep >>> 32;
        double div = (double) (1L << step);
        // (ilato + 1) wraps as a uint32_t in C.
        long ilato1 = (ilato + 1) & 0xffffffffL, ilono1 = (ilono + 1) & 0xffffffffL;
        return new Area(hash,
                lonMin + (ilono * 1.0 / div) * longScale,
                lonMin + (ilono1 * 1.0 / div) * longScale,
                latMin + (ilato * 1.0 / div) * latScale,
                latMin + (ilato1 * 1.0 / div) * latScale);
    }

    public static Area decodeWGS84(Bits hash) {
        return decode(LONG_MIN, LONG_MAX, LAT_MIN, LAT_MAX, hash);
    }

    /** geohashDecodeAreaToLongLat: the cell's centre, clamped to the valid ranges; {lon, lat}. */
    public static double[] centre(Area a) {
        double lon = (a.lonMin() + a.lonMax()) / 2;
        if (lon > LONG_MAX) lon = LONG_MAX;
        if (lon < LONG_MIN) lon = LONG_MIN;
        double lat = (a.latMin() + a.latMax()) / 2;
        if (lat > LAT_MAX) lat = LAT_MAX;
        if (lat < LAT_MIN) lat = LAT_MIN;
        return new double[] {lon, lat};
    }

    /** The 52-bit score a sorted set stores for a position (geohashAlign52Bits of the 26-step hash). */
    public static long score(double longitude, double latitude) {
        Bits h = encodeWGS84(longitude, latitude, STEP_MAX);
        return h == null ? -1 : align52Bits(h);
    }

    /** decodeGeohash: the {longitude, latitude} a 52-bit score stands for. */
    public static double[] decodeScore(double score) {
        return centre(decodeWGS84(new Bits((long) score, STEP_MAX)));
    }

    public static long align52Bits(Bits hash) {
        return hash.bits() << (52 - hash.step() * 2);
    }

    private static final String ALPHABET = "0123456789bcdefghjkmnpqrstuvwxyz";

    /**
     * GEOHASH's 11-character standard geohash: the stored position re-encoded with the
     * standard latitude range [-90, 90]; the 11th character is always '0' (52 bits only).
     */
    public static String geohashString(double score) {
        double[] xy = decodeScore(score);
        Bits h = encode(-180, 180, -90, 90, xy[0], xy[1], STEP_MAX);
        char[] buf = new char[11];
        for (int i = 0; i < 11; i++) {
            int idx = i == 10 ? 0 : (int) ((h.bits() >>> (52 - ((i + 1) * 5))) & 0x1f);
            buf[i] = ALPHABET.charAt(idx);
        }
        return new String(buf);
    }

    /* ---------------- neighbours ---------------- */

    private static Bits moveX(Bits hash, int d) {
        if (d == 0) return hash;
        long x = hash.bits() & 0xaaaaaaaaaaaaaaaaL;
        long y = hash.bits() & 0x5555555555555555L;
        long zz = 0x5555555555555555L >>> (64 - hash.step() * 2);
        if (d > 0) {
            x = x + (zz + 1);
        } else {
            x = x | zz;
            x = x - (zz + 1);
        }
        x &= (0xaaaaaaaaaaaaaaaaL >>> (64 - hash.step() * 2));
        return new Bits(x | y, hash.step());
    }

    private static Bits moveY(Bits hash, int d) {
        if (d == 0) return hash;
        long x = hash.bits() & 0xaaaaaaaaaaaaaaaaL;
        long y = hash.bits() & 0x5555555555555555L;
        long zz = 0xaaaaaaaaaaaaaaaaL >>> (64 - hash.step() * 2);
        if (d > 0) {
            y = y + (zz + 1);
        } else {
            y = y | zz;
            y = y - (zz + 1);
        }
        y &= (0x5555555555555555L >>> (64 - hash.step() * 2));
        return new Bits(x | y, hash.step());
    }

    /** The 8 neighbouring cells of a hash (geohashNeighbors). */
    public record Neighbors(Bits north, Bits south, Bits east, Bits west,
                            Bits northEast, Bits northWest, Bits southEast, Bits southWest) {}

    public static Neighbors neighbors(Bits h) {
        return new Neighbors(
                moveY(h, 1), moveY(h, -1), moveX(h, 1), moveX(h, -1),
                moveY(moveX(h, 1), 1), moveY(moveX(h, -1), 1),
                moveY(moveX(h, 1), -1), moveY(moveX(h, -1), -1));
    }
}
