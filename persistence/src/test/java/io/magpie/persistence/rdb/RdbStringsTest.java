package io.magpie.persistence.rdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.magpie.engine.Clock;
import io.magpie.engine.Engine;
import io.magpie.engine.commands.StringValues;
import io.magpie.engine.config.Config;
import io.magpie.engine.keyspace.KeyspaceSnapshot;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class RdbStringsTest {
    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String hex(RdbWriter w) {
        return HexFormat.of().formatHex(w.toByteArray());
    }

    @Test
    void integersUpTo32BitsAreSavedIntEncoded() {
        RdbWriter w = new RdbWriter(true);
        w.writeString(b("12"));
        w.writeString(b("-300"));
        w.writeString(b("100000"));
        w.writeString(b("4294967296")); // beyond int32: plain
        w.writeString(b("012")); // not canonical: plain
        assertThat(hex(w)).isEqualTo("c00c" + "c1d4fe" + "c2a0860100" + "0a34323934393637323936" + "03303132");
    }

    @Test
    void lengthsUseSixFourteenAndThirtyTwoBits() {
        RdbWriter w = new RdbWriter(false);
        w.writeLen(63);
        w.writeLen(64);
        w.writeLen(16383);
        w.writeLen(16384);
        assertThat(hex(w)).isEqualTo("3f" + "4040" + "7fff" + "8000004000");
    }

    @Test
    void stringsRoundTripInEveryEncoding() throws Exception {
        String[] values = {"", "0", "-1", "127", "-129", "65536", "-2147483648", "2147483648", "hello",
                "x".repeat(21), "abc".repeat(1000), "9".repeat(11)};
        for (boolean compression : new boolean[] {true, false}) {
            RdbWriter w = new RdbWriter(compression);
            for (String v : values) w.writeString(b(v));
            byte[] data = w.toByteArray();
            RdbReader r = new RdbReader(data, 0, data.length);
            for (String v : values) assertThat(new String(r.readString(), StandardCharsets.UTF_8)).isEqualTo(v);
            assertThat(r.atEnd()).isTrue();
        }
    }

    private static Engine engine() {
        Engine e = new Engine(new Config(), Clock.SYSTEM, 1);
        e.start();
        return e;
    }

    private static byte[] save(Engine e, boolean compression) {
        RdbWriter w = new RdbWriter(compression);
        RdbSaver saver = new RdbSaver(w, true, new RdbSaver.Aux("7.0.15", 1700000000, 1000, false, null, 0, 0));
        KeyspaceSnapshot.start(e, saver).finish();
        return w.toByteArray();
    }

    private static Map<String, String> dump(Engine e) {
        Map<String, String> m = new TreeMap<>();
        for (int i = 0; i < e.dbCount(); i++) {
            var db = e.db(i);
            final int id = i;
            db.dict().forEach(en -> m.put(id + ":" + new String(en.key(), StandardCharsets.ISO_8859_1),
                    new String(StringValues.bytes(en.value()), StandardCharsets.ISO_8859_1) + "|" + db.getExpire(en.key())));
        }
        return m;
    }

    @Test
    void aSavedKeyspaceLoadsBackIdentically() throws Exception {
        Engine e = engine();
        long future = System.currentTimeMillis() + 3_600_000;
        for (int i = 0; i < 5000; i++) {
            var db = e.db(i % 16);
            db.setKey(null, b("key:" + i), b(i % 3 == 0 ? String.valueOf(i) : "value-" + "v".repeat(i % 50) + i), false);
            if (i % 7 == 0) db.setExpire(b("key:" + i), future + i);
        }
        byte[] rdb = save(e, true);
        assertThat(new String(rdb, 0, 9, StandardCharsets.US_ASCII)).isEqualTo("REDIS0010");
        Engine loaded = engine();
        RdbLoader.Result res = new RdbLoader(loaded, true, true).load(new RdbReader(new ByteArrayInputStream(rdb)));
        assertThat(res.keysLoaded).isEqualTo(5000);
        assertThat(res.aux).containsEntry("redis-ver", "7.0.15").containsEntry("redis-bits", "64");
        assertThat(dump(loaded)).isEqualTo(dump(e));
    }

    @Test
    void expiredKeysAreDroppedOnLoadAsAMasterDoes() throws Exception {
        Engine e = engine();
        e.db(0).setKey(null, b("gone"), b("x"), false);
        e.db(0).setExpire(b("gone"), 1000);
        e.db(0).setKey(null, b("kept"), b("y"), false);
        byte[] rdb = save(e, true);
        Engine loaded = engine();
        RdbLoader.Result res = new RdbLoader(loaded, true, true).load(new RdbReader(new ByteArrayInputStream(rdb)));
        assertThat(res.keysLoaded).isEqualTo(1);
        assertThat(res.keysExpired).isEqualTo(1);
    }

    @Test
    void everyFlippedByteOrTruncationIsDetected() throws Exception {
        Engine e = engine();
        for (int i = 0; i < 50; i++) e.db(i % 3).setKey(null, b("k" + i), b("some value " + i), false);
        byte[] rdb = save(e, true);
        Engine target = engine();
        java.util.function.Supplier<Engine> fresh = () -> {
            for (int i = 0; i < target.dbCount(); i++) target.db(i).empty();
            return target;
        };
        for (int i = 0; i < rdb.length; i++) {
            byte[] bad = rdb.clone();
            bad[i] ^= 0x20;
            assertThatThrownBy(() -> new RdbLoader(fresh.get(), true, true).load(new RdbReader(new ByteArrayInputStream(bad))))
                    .as("flip at %d", i).isInstanceOf(java.io.IOException.class);
        }
        for (int n = 0; n < rdb.length; n += 7) {
            byte[] cut = java.util.Arrays.copyOf(rdb, n);
            assertThatThrownBy(() -> new RdbLoader(fresh.get(), true, true).load(new RdbReader(new ByteArrayInputStream(cut))))
                    .as("cut at %d", n).isInstanceOf(java.io.IOException.class);
        }
    }
}
