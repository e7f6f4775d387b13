package io.magpie.engine.geo;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Values from Redis's own GEOADD/GEOHASH/GEODIST documentation examples (Sicily). */
class GeoHashTest {
    @Test
    void palermoGetsRedissScoreAndGeohash() {
        long score = GeoHash.score(13.361389, 38.115556);
        assertThat(score).isEqualTo(3479099956230698L);
        assertThat(GeoHash.geohashString(score)).isEqualTo("sqc8b49rny0");
        assertThat(GeoHash.geohashString(GeoHash.score(15.087269, 37.502669))).isEqualTo("sqdtr74hyu0");
    }

    @Test
    void decodingAScoreGivesTheCellCentreGeoposReports() {
        double[] xy = GeoHash.decodeScore(3479099956230698L);
        assertThat(GeoSearch.formatHumanLongDouble(xy[0])).isEqualTo("13.36138933897018433");
        assertThat(GeoSearch.formatHumanLongDouble(xy[1])).isEqualTo("38.11555639549629859");
    }

    @Test
    void palermoToCataniaIsRedissDistance() {
        double[] a = GeoHash.decodeScore(GeoHash.score(13.361389, 38.115556));
        double[] b = GeoHash.decodeScore(GeoHash.score(15.087269, 37.502669));
        double d = GeoSearch.distance(a[0], a[1], b[0], b[1]);
        assertThat(GeoSearch.formatDistance(d)).isEqualTo("166274.1516");
        assertThat(GeoSearch.formatDistance(d / 1000)).isEqualTo("166.2742");
    }

    @Test
    void positionsOutsideTheMercatorLatitudesCannotBeEncoded() {
        assertThat(GeoHash.encodeWGS84(0, 85.06, 26)).isNull();
        assertThat(GeoHash.encodeWGS84(180.0001, 0, 26)).isNull();
        assertThat(GeoHash.score(-180, -85.05112878)).isZero();
    }

    @Test
    void distancesAreFormattedAsFixedpointD2string() {
        assertThat(GeoSearch.formatDistance(0)).isEqualTo("0.0000");
        assertThat(GeoSearch.formatDistance(0.00004)).isEqualTo("0.0000");
        assertThat(GeoSearch.formatDistance(1.23456)).isEqualTo("1.2346");
        assertThat(GeoSearch.formatDistance(43746742.53155)).isEqualTo("43746742.5316");
    }
}
