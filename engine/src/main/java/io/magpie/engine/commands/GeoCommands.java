package io.magpie.engine.commands;

import io.magpie.engine.Args;
import io.magpie.engine.Client;
import io.magpie.engine.Errors;
import io.magpie.engine.Notifications;
import io.magpie.engine.ReplyException;
import io.magpie.commands.CommandTable;
import io.magpie.engine.command.CommandHandler;
import io.magpie.engine.geo.GeoHash;
import io.magpie.engine.geo.GeoSearch;
import io.magpie.engine.types.ZSetValue;
import io.magpie.engine.util.Numbers;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Geo commands (geo.c): a geo set is a sorted set whose scores are 52-bit geohashes, so
 * GEOADD is ZADD with computed scores and every ZSET command works on it.
 */
public final class GeoCommands {
    private GeoCommands() {}

    private static final int RADIUS_COORDS = 1, RADIUS_MEMBER = 2, RADIUS_NOSTORE = 4, GEOSEARCH = 8, GEOSEARCHSTORE = 16;
    private static final int SORT_NONE = 0, SORT_ASC = 1, SORT_DESC = 2;

    static void register(CommandTable<CommandHandler> t) {
        t.register("geoadd", GeoCommands::geoadd);
        t.register("geodist", GeoCommands::geodist);
        t.register("geohash", GeoCommands::geohash);
        t.register("geopos", GeoCommands::geopos);
        t.register("georadius", c -> georadiusGeneric(c, 1, RADIUS_COORDS));
        t.register("georadius_ro", c -> georadiusGeneric(c, 1, RADIUS_COORDS | RADIUS_NOSTORE));
        t.register("georadiusbymember", c -> georadiusGeneric(c, 1, RADIUS_MEMBER));
        t.register("georadiusbymember_ro", c -> georadiusGeneric(c, 1, RADIUS_MEMBER | RADIUS_NOSTORE));
        t.register("geosearch", c -> georadiusGeneric(c, 1, GEOSEARCH));
        t.register("geosearchstore", c -> georadiusGeneric(c, 2, GEOSEARCH | GEOSEARCHSTORE));
    }

    private static final byte[] ZADD = "zadd".getBytes(StandardCharsets.US_ASCII);

    /* ---------------- argument helpers ---------------- */

    /** C's "%f" (6 decimals of the exact value; inf/nan spelled as glibc does). */
    private static String cFixed6(double d) {
        if (Double.isNaN(d)) return "nan";
        if (Double.isInfinite(d)) return d > 0 ? "inf" : "-inf";
        return new BigDecimal(d).setScale(6, RoundingMode.HALF_EVEN).toPlainString();
    }

    /** extractLongLatOrReply: {longitude, latitude} from argv[i], argv[i+1]. */
    static double[] extractLongLat(Client c, int i) {
        double lon = Args.parseDouble(c.argv[i]);
        double lat = Args.parseDouble(c.argv[i + 1]);
        if (lon < GeoHash.LONG_MIN || lon > GeoHash.LONG_MAX || lat < GeoHash.LAT_MIN || lat > GeoHash.LAT_MAX) {
            throw new ReplyException("ERR invalid longitude,latitude pair " + cFixed6(lon) + "," + cFixed6(lat));
        }
        return new double[] {lon, lat};
    }

    /** extractUnitOrReply: meters per unit. */
    static double extractUnit(Client c, int i) {
        if (c.argIs(i, "m")) return 1;
        if (c.argIs(i, "km")) return 1000;
        if (c.argIs(i, "ft")) return 0.3048;
        if (c.argIs(i, "mi")) return 1609.34;
        throw new ReplyException("ERR unsupported unit provided. please use M, KM, FT, MI");
    }

    /** extractDistanceOrReply: {radius, conversion}. */
    static double[] extractDistance(Client c, int i) {
        double distance = Args.parseDouble(c.argv[i], "ERR need numeric radius");
        if (distance < 0) throw new ReplyException("ERR radius cannot be negative");
        return new double[] {distance, extractUnit(c, i + 1)};
    }

    /** The decoded position of a member, or null if absent (longLatFromMember). */
    private static double[] memberPosition(ZSetValue z, byte[] member) {
        ZSetValue.Node n = z.node(member);
        return n == null ? null : GeoHash.decodeScore(n.score());
    }

    /* ---------------- GEOADD ---------------- */

    /** GEOADD key [NX|XX] [CH] longitude latitude member [...]: ZADD with geohash scores. */
    static void geoadd(Client c) {
        boolean xx = false, nx = false;
        int longidx = 2;
        while (longidx < c.argc) {
            if (c.argIs(longidx, "nx")) nx = true;
            else if (c.argIs(longidx, "xx")) xx = true;
            else if (!c.argIs(longidx, "ch")) break;
            longidx++;
        }
        if ((c.argc - longidx) % 3 != 0 || (xx && nx)) throw new ReplyException(Errors.SYNTAX);
        int elements = (c.argc - longidx) / 3;
        byte[][] argv = new byte[longidx + elements * 2][];
        argv[0] = ZADD;
        System.arraycopy(c.argv, 1, argv, 1, longidx - 1);
        for (int i = 0; i < elements; i++) {
            double[] xy = extractLongLat(c, longidx + i * 3);
            argv[longidx + i * 2] = Numbers.toBytes(GeoHash.score(xy[0], xy[1]));
            argv[longidx + 1 + i * 2] = c.argv[longidx + i * 3 + 2];
        }
        // Redis replaces the command vector and runs ZADD: replies, events and propagation are ZADD's.
        c.replaceArgv(argv);
        c.rewriteArgv(argv);
        ZSetCommands.zaddGeneric(c, 0);
    }

    /* ---------------- GEODIST / GEOHASH / GEOPOS ---------------- */

    static void geodist(Client c) {
        double toMeter = 1;
        if (c.argc == 5) toMeter = extractUnit(c, 4);
        else if (c.argc > 5) throw new ReplyException(Errors.SYNTAX);
        ZSetValue z = ZSetCommands.readZset(c.db, c.argv[1]);
        if (z == null) {
            c.addReplyNull();
            return;
        }
        double[] a = memberPosition(z, c.argv[2]);
        double[] b = memberPosition(z, c.argv[3]);
        if (a == null || b == null) {
            c.addReplyNull();
            return;
        }
        addReplyDistance(c, GeoSearch.distance(a[0], a[1], b[0], b[1]) / toMeter);
    }

    private static void addReplyDistance(Client c, double d) {
        c.addReplyBulk(GeoSearch.formatDistance(d).getBytes(StandardCharsets.US_ASCII));
    }

    /** addReplyHumanLongDouble: a bulk string in RESP2, a double in RESP3. */
    private static void addReplyHumanDouble(Client c, double d) {
        String s = GeoSearch.formatHumanLongDouble(d);
        if (c.resp() == 2) c.addReplyBulk(s.getBytes(StandardCharsets.US_ASCII));
        else c.writer().raw(("," + s + "\r\n").getBytes(StandardCharsets.US_ASCII));
    }

    static void geohash(Client c) {
        ZSetValue z = ZSetCommands.readZset(c.db, c.argv[1]);
        c.addReplyArrayLen(c.argc - 2);
        for (int j = 2; j < c.argc; j++) {
            ZSetValue.Node n = z == null ? null : z.node(c.argv[j]);
            if (n == null) c.addReplyNull();
            else c.addReplyBulk(GeoHash.geohashString(n.score()).getBytes(StandardCharsets.US_ASCII));
        }
    }

    static void geopos(Client c) {
        ZSetValue z = ZSetCommands.readZset(c.db, c.argv[1]);
        c.addReplyArrayLen(c.argc - 2);
        for (int j = 2; j < c.argc; j++) {
            double[] xy = z == null ? null : memberPosition(z, c.argv[j]);
            if (xy == null) {
                c.addReplyNullArray();
                continue;
            }
            c.addReplyArrayLen(2);
            addReplyHumanDouble(c, xy[0]);
            addReplyHumanDouble(c, xy[1]);
        }
    }

    /* ---------------- GEORADIUS / GEOSEARCH family ---------------- */

    /** The zset's members with min <= score < max, in order. */
    private static GeoSearch.ScoreRange rangeOf(ZSetValue z) {
        return (min, max, visitor) -> {
            ZSetValue.Node n = z.firstInRange(new ZSetValue.ScoreRange(min, false, max, true));
            for (; n != null && n.score() < max; n = n.next()) {
                if (!visitor.visit(n.ele, n.score())) break;
            }
        };
    }

    /** georadiusGeneric: every radius/box search, replying or storing (STORE/STOREDIST, GEOSEARCHSTORE). */
    static void georadiusGeneric(Client c, int srcKeyIndex, int flags) {
        byte[] storekey = null;
        boolean storedist = false;
        ZSetValue zobj = ZSetCommands.readZset(c.db, c.argv[srcKeyIndex]);

        int baseArgs;
        double lon = 0, lat = 0, radius = 0, width = 0, height = 0, conversion = 1;
        boolean circular = false;
        if ((flags & RADIUS_COORDS) != 0) {
            baseArgs = 6;
            circular = true;
            double[] xy = extractLongLat(c, 2);
            lon = xy[0];
            lat = xy[1];
            double[] d = extractDistance(c, baseArgs - 2);
            radius = d[0];
            conversion = d[1];
        } else if ((flags & RADIUS_MEMBER) != 0 && zobj == null) {
            // No source key: parse the rest anyway, to pick the right empty reply.
            baseArgs = 5;
        } else if ((flags & RADIUS_MEMBER) != 0) {
            baseArgs = 5;
            circular = true;
            double[] xy = memberPosition(zobj, c.argv[2]);
            if (xy == null) throw new ReplyException("ERR could not decode requested zset member");
            lon = xy[0];
            lat = xy[1];
            double[] d = extractDistance(c, baseArgs - 2);
            radius = d[0];
            conversion = d[1];
        } else {
            baseArgs = 2;
            if ((flags & GEOSEARCHSTORE) != 0) {
                baseArgs = 3;
                storekey = c.argv[1];
            }
        }

        boolean withdist = false, withhash = false, withcoords = false;
        boolean frommember = false, fromloc = false, byradius = false, bybox = false, any = false;
        int sort = SORT_NONE;
        long count = 0;
        int remaining = c.argc - baseArgs;
        for (int i = 0; i < remaining; i++) {
            int a = baseArgs + i;
            if (c.argIs(a, "withdist")) withdist = true;
            else if (c.argIs(a, "withhash")) withhash = true;
            else if (c.argIs(a, "withcoord")) withcoords = true;
            else if (c.argIs(a, "any")) any = true;
            else if (c.argIs(a, "asc")) sort = SORT_ASC;
            else if (c.argIs(a, "desc")) sort = SORT_DESC;
            else if (c.argIs(a, "count") && i + 1 < remaining) {
                count = Args.parseLong(c.argv[a + 1]);
                if (count <= 0) throw new ReplyException("ERR COUNT must be > 0");
                i++;
            } else if ((c.argIs(a, "store") || c.argIs(a, "storedist")) && i + 1 < remaining
                    && (flags & RADIUS_NOSTORE) == 0 && (flags & GEOSEARCH) == 0) {
                storekey = c.argv[a + 1];
                storedist = c.argIs(a, "storedist");
                i++;
            } else if (c.argIs(a, "storedist") && (flags & GEOSEARCH) != 0 && (flags & GEOSEARCHSTORE) != 0) {
                storedist = true;
            } else if (c.argIs(a, "frommember") && i + 1 < remaining && (flags & GEOSEARCH) != 0 && !fromloc) {
                if (zobj != null) {
                    double[] xy = memberPosition(zobj, c.argv[a + 1]);
                    if (xy == null) throw new ReplyException("ERR could not decode requested zset member");
                    lon = xy[0];
                    lat = xy[1];
                }
                frommember = true;
                i++;
            } else if (c.argIs(a, "fromlonlat") && i + 2 < remaining && (flags & GEOSEARCH) != 0 && !frommember) {
                double[] xy = extractLongLat(c, a + 1);
                lon = xy[0];
                lat = xy[1];
                fromloc = true;
                i += 2;
            } else if (c.argIs(a, "byradius") && i + 2 < remaining && (flags & GEOSEARCH) != 0 && !bybox) {
                double[] d = extractDistance(c, a + 1);
                radius = d[0];
                conversion = d[1];
                circular = true;
                byradius = true;
                i += 2;
            } else if (c.argIs(a, "bybox") && i + 3 < remaining && (flags & GEOSEARCH) != 0 && !byradius) {
                double w = Args.parseDouble(c.argv[a + 1], "ERR need numeric width");
                double h = Args.parseDouble(c.argv[a + 2], "ERR need numeric height");
                if (h < 0 || w < 0) throw new ReplyException("ERR height or width cannot be negative");
                conversion = extractUnit(c, a + 3);
                width = w;
                height = h;
                circular = false;
                bybox = true;
                i += 3;
            } else {
                throw new ReplyException(Errors.SYNTAX);
            }
        }

        String name = c.argString(0);
        if (storekey != null && (withdist || withhash || withcoords)) {
            if ((flags & GEOSEARCHSTORE) != 0) {
                throw new ReplyException("ERR " + name + " is not compatible with WITHDIST, WITHHASH and WITHCOORD options");
            }
            throw new ReplyException("ERR STORE option in " + name + " is not compatible with WITHDIST, WITHHASH and WITHCOORD options");
        }
        if ((flags & GEOSEARCH) != 0 && !(frommember || fromloc)) {
            throw new ReplyException("ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for " + name);
        }
        if ((flags & GEOSEARCH) != 0 && !(byradius || bybox)) {
            throw new ReplyException("ERR exactly one of BYRADIUS and BYBOX can be specified for " + name);
        }
        if (any && count == 0) throw new ReplyException("ERR the ANY argument requires COUNT argument");

        if (zobj == null) {
            if (storekey != null) {
                deleteStoreKey(c, storekey);
                c.addReplyLongLong(0);
            } else {
                c.addReplyArrayLen(0);
            }
            return;
        }
        if (count != 0 && sort == SORT_NONE && !any) sort = SORT_ASC;

        GeoSearch.Shape shape = circular ? GeoSearch.Shape.radius(lon, lat, radius, conversion)
                : GeoSearch.Shape.box(lon, lat, width, height, conversion);
        List<GeoSearch.Point> ga = GeoSearch.search(shape, rangeOf(zobj), any ? count : 0);
        if (ga.isEmpty() && storekey == null) {
            c.addReplyArrayLen(0);
            return;
        }
        int returned = count == 0 || ga.size() < count ? ga.size() : (int) count;
        if (sort != SORT_NONE) GeoSearch.sort(ga, sort == SORT_ASC);

        if (storekey == null) {
            int optionLength = (withdist ? 1 : 0) + (withcoords ? 1 : 0) + (withhash ? 1 : 0);
            c.addReplyArrayLen(returned);
            for (int i = 0; i < returned; i++) {
                GeoSearch.Point gp = ga.get(i);
                if (optionLength > 0) c.addReplyArrayLen(optionLength + 1);
                c.addReplyBulk(gp.member());
                if (withdist) addReplyDistance(c, gp.dist() / conversion);
                if (withhash) c.addReplyLongLong((long) gp.score());
                if (withcoords) {
                    c.addReplyArrayLen(2);
                    addReplyHumanDouble(c, gp.lon());
                    addReplyHumanDouble(c, gp.lat());
                }
            }
            return;
        }

        if (returned > 0) {
            long maxEntries = c.engine.config.zsetMaxListpackEntries.value();
            long maxValue = c.engine.config.zsetMaxListpackValue.value();
            ZSetValue dst = new ZSetValue(false);
            for (int i = 0; i < returned; i++) {
                GeoSearch.Point gp = ga.get(i);
                double score = storedist ? gp.dist() / conversion : gp.score();
                dst.insert(gp.member(), score, Long.MAX_VALUE, Long.MAX_VALUE);
            }
            dst.convertToListpackIfNeeded(maxEntries, maxValue);
            c.db.setKey(c, storekey, dst, false);
            c.engine.notifyKeyspaceEvent(Notifications.ZSET, (flags & GEOSEARCH) != 0 ? "geosearchstore" : "georadiusstore",
                    storekey, c.db.id);
            c.engine.dirty += returned;
        } else {
            deleteStoreKey(c, storekey);
        }
        c.addReplyLongLong(returned);
    }

    private static void deleteStoreKey(Client c, byte[] storekey) {
        if (c.db.delete(storekey)) {
            c.db.signalModifiedKey(storekey);
            c.engine.notifyKeyspaceEvent(Notifications.GENERIC, "del", storekey, c.db.id);
            c.engine.dirty++;
        }
    }
}
