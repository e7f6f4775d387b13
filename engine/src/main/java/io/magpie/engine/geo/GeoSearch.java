package io.magpie.engine.geo;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Redis's geo search math (geohash_helper.c, geo.c): distances (haversine on Redis's earth
 * radius), the search shapes, the 9 geohash cells that cover a shape, and the walk over a
 * sorted set's score ranges that collects matching points in Redis's order.
 */
public final class GeoSearch {
    private GeoSearch() {}

    public static final double EARTH_RADIUS_IN_METERS = 6372797.560856;
    static final double MERCATOR_MAX = 20037726.37;
    private static final double D_R = Math.PI / 180.0;

    static double degRad(double ang) {
        return ang * D_R;
    }

    static double radDeg(double ang) {
        return ang / D_R;
    }

    /* ---------------- distances ---------------- */

    /** geohashGetDistance: haversine great-circle distance in meters. */
    public static double distance(double lon1d, double lat1d, double lon2d, double lat2d) {
        double lat1r = degRad(lat1d);
        double lon1r = degRad(lon1d);
        double lat2r = degRad(lat2d);
        double lon2r = degRad(lon2d);
        double u = Math.sin((lat2r - lat1r) / 2);
        double v = Math.sin((lon2r - lon1r) / 2);
        return 2.0 * EARTH_RADIUS_IN_METERS * asin(Math.sqrt(u * u + Math.cos(lat1r) * Math.cos(lat2r) * v * v));
    }

    /**
     * Java's Math.asin and glibc's asin (which Redis uses) are both within 1 ulp but differ
     * in about 1 case in 300 (glibc is not always correctly rounded either), so a distance's
     * 16th-17th significant digit can differ from Redis's; 4-decimal replies practically never do.
     */
    static double asin(double x) {
        return Math.asin(x);
    }

    /* ---------------- shapes ---------------- */

    /**
     * A search shape (GeoShape): centre {lon, lat}, a radius or a width x height box, in the
     * request's unit; conversion is meters per unit.
     */
    public static final class Shape {
        final boolean circular;
        final double lon, lat;
        final double radius, width, height;
        public final double conversion;
        final double[] bounds = new double[4];

        private Shape(boolean circular, double lon, double lat, double radius, double width, double height, double conversion) {
            this.circular = circular;
            this.lon = lon;
            this.lat = lat;
            this.radius = radius;
            this.width = width;
            this.height = height;
            this.conversion = conversion;
        }

        public static Shape radius(double lon, double lat, double radius, double conversion) {
            return new Shape(true, lon, lat, radius, 0, 0, conversion);
        }

        public static Shape box(double lon, double lat, double width, double height, double conversion) {
            return new Shape(false, lon, lat, 0, width, height, conversion);
        }

        /**
         * geoWithinShape for a decoded point: its distance from the centre in meters if
         * inside the shape, else -1.
         */
        public double distanceIfWithin(double x2, double y2) {
            if (circular) {
                double d = distance(lon, lat, x2, y2);
                return d > radius * conversion ? -1 : d;
            }
            // Box: east-west distance measured along the point's own parallel.
            double lonDistance = distance(x2, y2, lon, y2);
            double latDistance = distance(x2, y2, x2, lat);
            if (lonDistance > width * conversion / 2 || latDistance > height * conversion / 2) return -1;
            return distance(lon, lat, x2, y2);
        }
    }

    /**
     * geohashBoundingBox: {minLon, minLat, maxLon, maxLat}. A box's east-west extent is
     * widest on the parallel nearer the pole, so the longitude delta is taken there.
     */
    static double[] boundingBox(Shape s) {
        double height = s.conversion * (s.circular ? s.radius : s.height / 2);
        double width = s.conversion * (s.circular ? s.radius : s.width / 2);
        double latDelta = radDeg(height / EARTH_RADIUS_IN_METERS);
        double longDeltaTop = radDeg(width / EARTH_RADIUS_IN_METERS / Math.cos(degRad(s.lat + latDelta)));
        double longDeltaBottom = radDeg(width / EARTH_RADIUS_IN_METERS / Math.cos(degRad(s.lat - latDelta)));
        boolean southern = s.lat < 0;
        double[] b = s.bounds;
        b[0] = southern ? s.lon - longDeltaBottom : s.lon - longDeltaTop;
        b[2] = southern ? s.lon + longDeltaBottom : s.lon + longDeltaTop;
        b[1] = s.lat - latDelta;
        b[3] = s.lat + latDelta;
        return b;
    }

    /** geohashEstimateStepsByRadius: the coarsest step whose cells still cover the range. */
    static int estimateStepsByRadius(double rangeMeters, double lat) {
        if (rangeMeters == 0) return 26;
        int step = 1;
        while (rangeMeters < MERCATOR_MAX) {
            rangeMeters *= 2;
            step++;
        }
        step -= 2;
        if (lat > 66 || lat < -66) {
            step--;
            if (lat > 80 || lat < -80) step--;
        }
        if (step < 1) step = 1;
        if (step > 26) step = 26;
        return step;
    }

    private static final GeoHash.Bits ZERO = new GeoHash.Bits(0, 0);

    /**
     * geohashCalculateAreasByShapeWGS84 + membersOfAllNeighbors' order: the centre cell and
     * its 8 neighbours (north, south, east, west, NE, NW, SE, SW), useless ones zeroed.
     */
    static GeoHash.Bits[] coveringCells(Shape s) {
        double[] b = boundingBox(s);
        double minLon = b[0], minLat = b[1], maxLon = b[2], maxLat = b[3];
        double radiusMeters = s.circular ? s.radius
                : Math.sqrt((s.width / 2) * (s.width / 2) + (s.height / 2) * (s.height / 2));
        radiusMeters *= s.conversion;
        int steps = estimateStepsByRadius(radiusMeters, s.lat);
        GeoHash.Bits hash = GeoHash.encodeWGS84(s.lon, s.lat, steps);
        GeoHash.Neighbors n = GeoHash.neighbors(hash);
        GeoHash.Area area = GeoHash.decodeWGS84(hash);

        // Near a cell's edge the estimated step may be too fine for a neighbour to cover the area.
        boolean decreaseStep = GeoHash.decodeWGS84(n.north()).latMax() < maxLat
                || GeoHash.decodeWGS84(n.south()).latMin() > minLat
                || GeoHash.decodeWGS84(n.east()).lonMax() < maxLon
                || GeoHash.decodeWGS84(n.west()).lonMin() > minLon;
        if (steps > 1 && decreaseStep) {
            steps--;
            hash = GeoHash.encodeWGS84(s.lon, s.lat, steps);
            n = GeoHash.neighbors(hash);
            area = GeoHash.decodeWGS84(hash);
        }
        GeoHash.Bits north = n.north(), south = n.south(), east = n.east(), west = n.west();
        GeoHash.Bits ne = n.northEast(), nw = n.northWest(), se = n.southEast(), sw = n.southWest();
        if (steps >= 2) {
            if (area.latMin() < minLat) {
                south = ZERO;
                sw = ZERO;
                se = ZERO;
            }
            if (area.latMax() > maxLat) {
                north = ZERO;
                ne = ZERO;
                nw = ZERO;
            }
            if (area.lonMin() < minLon) {
                west = ZERO;
                sw = ZERO;
                nw = ZERO;
            }
            if (area.lonMax() > maxLon) {
                east = ZERO;
                se = ZERO;
                ne = ZERO;
            }
        }
        return new GeoHash.Bits[] {hash, north, south, east, west, ne, nw, se, sw};
    }

    /* ---------------- the search ---------------- */

    /** A matching member: position decoded from its score, distance from the centre in meters. */
    public record Point(byte[] member, double score, double lon, double lat, double dist) {}

    /** The sorted set being searched: visits members with min <= score < max in zset order. */
    public interface ScoreRange {
        /** Calls visitor for each member in range in order until it returns false. */
        void forEach(double min, double max, Visitor visitor);
    }

    public interface Visitor {
        boolean visit(byte[] member, double score);
    }

    /**
     * membersOfAllNeighbors: walks the covering cells' score ranges in Redis's order,
     * keeping points inside the shape; stops after limit points (COUNT n ANY) when limit > 0.
     * A cell equal to the previously searched one is skipped (huge radii), except the
     * centre cell, which Redis never compares against.
     */
    public static List<Point> search(Shape s, ScoreRange zset, long limit) {
        GeoHash.Bits[] cells = coveringCells(s);
        List<Point> out = new ArrayList<>();
        int lastProcessed = 0;
        for (int i = 0; i < cells.length; i++) {
            GeoHash.Bits c = cells[i];
            if (c.isZero()) continue;
            if (lastProcessed != 0 && c.bits() == cells[lastProcessed].bits() && c.step() == cells[lastProcessed].step()) {
                continue;
            }
            if (!out.isEmpty() && limit > 0 && out.size() >= limit) break;
            long min = GeoHash.align52Bits(c);
            long max = GeoHash.align52Bits(new GeoHash.Bits(c.bits() + 1, c.step()));
            zset.forEach(min, max, (member, score) -> {
                double[] xy = GeoHash.decodeScore(score);
                double d = s.distanceIfWithin(xy[0], xy[1]);
                if (d >= 0) out.add(new Point(member, score, xy[0], xy[1], d));
                return !(limit > 0 && out.size() >= limit);
            });
            lastProcessed = i;
        }
        return out;
    }

    public static final Comparator<Point> BY_DISTANCE = Comparator.comparingDouble(Point::dist);

    /**
     * Sorts results as Redis does: ascending or descending distance; glibc's qsort is a
     * stable merge sort here, so equal distances keep the walk order.
     */
    public static void sort(List<Point> points, boolean asc) {
        points.sort(asc ? BY_DISTANCE : BY_DISTANCE.reversed());
    }

    /* ---------------- reply formatting ---------------- */

    /**
     * A distance with 4 decimals as Redis's fixedpoint_d2string writes it: the value times
     * 10^4 rounded to the nearest integer (ties to even, llrint), so it can differ from
     * "%.4f" in the last digit.
     */
    public static String formatDistance(double d) {
        if (d == 0) return "0.0000";
        long v = (long) Math.rint(d * 10000.0);
        StringBuilder sb = new StringBuilder(24);
        if (v < 0) {
            sb.append('-');
            v = -v;
        }
        long intPart = v / 10000, frac = v % 10000;
        sb.append(intPart).append('.');
        String f = Long.toString(frac);
        for (int i = f.length(); i < 4; i++) sb.append('0');
        return sb.append(f).toString();
    }

    /** ld2string(LD_STR_HUMAN): "%.17Lf" with trailing zeros (and a bare point) removed. */
    public static String formatHumanLongDouble(double d) {
        String s = new BigDecimal(d).setScale(17, RoundingMode.HALF_EVEN).toPlainString();
        if (s.indexOf('.') >= 0) {
            int end = s.length();
            while (s.charAt(end - 1) == '0') end--;
            if (s.charAt(end - 1) == '.') end--;
            s = s.substring(0, end);
        }
        if (s.equals("-0")) s = "0";
        return s;
    }
}
