package io.magpie.persistence.rdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.magpie.engine.Clock;
import io.magpie.engine.Engine;
import io.magpie.engine.EngineConfig;
import io.magpie.engine.config.Config;
import io.magpie.engine.types.HashValue;
import io.magpie.engine.types.ListValue;
import io.magpie.engine.types.SetValue;
import io.magpie.engine.types.ZSetValue;
import io.magpie.persistence.rdb.encoding.Listpack;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** The per-type codecs: the RDB form chosen for each encoding, and Redis 7.0's conversions on load. */
class CollectionCodecsTest {
    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static String s(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    private static EngineConfig config() {
        return new Engine(new Config(), Clock.SYSTEM, 1).config;
    }

    /** Type byte and payload as DUMP would write them (no compression). */
    private static byte[] save(Object v, int listFill) throws Exception {
        RdbWriter w = new RdbWriter(false).listFill(listFill);
        RdbObjects.saveTypeAndObject(w, v);
        return w.toByteArray();
    }

    private static Object load(byte[] data, EngineConfig config) throws Exception {
        RdbReader r = new RdbReader(data, 0, data.length);
        Object v = RdbObjects.loadObject(r, r.readType(), config);
        assertThat(r.atEnd()).isTrue();
        return v;
    }

    private static String hex(byte[] data) {
        return HexFormat.of().formatHex(data);
    }

    @Nested
    class Lists {
        private ListValue list(String... elements) {
            ListValue l = new ListValue();
            for (String e : elements) l.addLast(b(e));
            return l;
        }

        private List<String> elements(Object v) {
            ListValue l = (ListValue) v;
            List<String> out = new ArrayList<>();
            for (int i = 0; i < l.size(); i++) out.add(s(l.get(i)));
            return out;
        }

        @Test
        void aSmallListIsOneListpackNodeOfQuicklist2() throws Exception {
            byte[] data = save(list("a", "12"), -2);
            // type 18, 1 node, container packed, listpack of 12 bytes: "a" as a string, 12 as a 7-bit int
            assertThat(hex(data)).isEqualTo("12" + "01" + "02" + "0c" + "0c000000" + "0200" + "8161" + "02" + "0c01" + "ff");
            assertThat(elements(load(data, config()))).containsExactly("a", "12");
        }

        @Test
        void nodesSplitAsRedisPushesDo() throws Exception {
            // redis-server 7.0: 2000 RPUSHes of a 10-byte string make 3 nodes, 24021 bytes in all.
            String[] items = new String[2000];
            java.util.Arrays.fill(items, "aaaaaaaaaa");
            byte[] data = save(list(items), -2);
            RdbReader r = new RdbReader(data, 0, data.length);
            r.readType();
            assertThat(r.readLen()).isEqualTo(3);
            long bytes = 0;
            List<Integer> counts = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                assertThat(r.readLen()).isEqualTo(RdbCollections.QUICKLIST_NODE_PACKED);
                byte[] lp = r.readString();
                bytes += lp.length;
                counts.add(Listpack.read(lp).size());
            }
            assertThat(bytes).isEqualTo(24021);
            assertThat(counts).containsExactly(681, 681, 638);
        }

        @Test
        void aPositiveFillLimitsNodesByCount() throws Exception {
            byte[] data = save(list("1", "2", "3", "4", "5", "6", "7"), 3);
            RdbReader r = new RdbReader(data, 0, data.length);
            r.readType();
            assertThat(r.readLen()).isEqualTo(3);
            assertThat(elements(load(data, config()))).containsExactly("1", "2", "3", "4", "5", "6", "7");
        }

        @Test
        void oldLinkedListsLoadAndEmptyListsAreSkipped() throws Exception {
            RdbWriter w = new RdbWriter(false);
            w.writeType(Rdb.TYPE_LIST);
            w.writeLen(2);
            w.writeString(b("x"));
            w.writeString(b("y"));
            assertThat(elements(load(w.toByteArray(), config()))).containsExactly("x", "y");
            RdbWriter empty = new RdbWriter(false);
            empty.writeType(Rdb.TYPE_LIST_QUICKLIST_2);
            empty.writeLen(0);
            assertThat(load(empty.toByteArray(), config())).isNull();
        }
    }

    @Nested
    class Hashes {
        private HashValue hash(long maxEntries, long maxValue, String... fv) {
            HashValue h = new HashValue();
            for (int i = 0; i < fv.length; i += 2) h.set(b(fv[i]), b(fv[i + 1]), maxEntries, maxValue);
            return h;
        }

        private List<String> pairs(Object v) {
            List<String> out = new ArrayList<>();
            ((HashValue) v).forEach(kv -> out.add(s(HashValue.field(kv)) + "=" + s(HashValue.value(kv))));
            return out;
        }

        @Test
        void aListpackHashKeepsItsOrderAsHashListpack() throws Exception {
            byte[] data = save(hash(512, 64, "z", "1", "a", "2"), -2);
            assertThat(data[0]).isEqualTo((byte) Rdb.TYPE_HASH_LISTPACK);
            HashValue h = (HashValue) load(data, config());
            assertThat(h.encoding()).isEqualTo("listpack");
            assertThat(pairs(h)).containsExactly("z=1", "a=2");
        }

        @Test
        void aHashtableIsSavedAsHashAndStaysOneWhenBig() throws Exception {
            HashValue h = hash(2, 64, "a", "1", "b", "2", "c", "3");
            assertThat(h.encoding()).isEqualTo("hashtable");
            byte[] data = save(h, -2);
            assertThat(data[0]).isEqualTo((byte) Rdb.TYPE_HASH);
            EngineConfig small = config();
            small.hashMaxListpackEntries.value(2);
            HashValue loaded = (HashValue) load(data, small);
            assertThat(loaded.encoding()).isEqualTo("hashtable");
            assertThat(pairs(loaded)).containsExactlyInAnyOrder("a=1", "b=2", "c=3");
            // Under the default thresholds Redis turns the same RDB_TYPE_HASH into a listpack.
            assertThat(((HashValue) load(data, config())).encoding()).isEqualTo("listpack");
        }

        @Test
        void longValuesConvertOnlyTheUnpackedForm() throws Exception {
            EngineConfig c = config();
            c.hashMaxListpackValue.value(3);
            assertThat(((HashValue) load(save(hash(512, 64, "f", "long value"), -2), c)).encoding()).isEqualTo("listpack");
            assertThat(((HashValue) load(save(hash(0, 64, "f", "long value"), -2), c)).encoding()).isEqualTo("hashtable");
        }

        @Test
        void duplicateFieldsAreRejected() {
            RdbWriter w = new RdbWriter(false);
            w.writeType(Rdb.TYPE_HASH);
            w.writeLen(2);
            for (String x : new String[] {"f", "1", "f", "2"}) w.writeString(b(x));
            assertThatThrownBy(() -> load(w.toByteArray(), config())).isInstanceOf(RdbException.class)
                    .hasMessageContaining("Duplicate hash fields");
        }
    }

    @Nested
    class Sets {
        @Test
        void anIntsetIsSavedAsSetIntset() throws Exception {
            SetValue s = SetValue.intset();
            for (String m : new String[] {"3", "-1", "2"}) s.add(b(m), 512);
            byte[] data = save(s, -2);
            // type 11, a 14-byte intset: int16 encoding, 3 members ascending
            assertThat(hex(data)).isEqualTo("0b" + "0e" + "02000000" + "03000000" + "ffff" + "0200" + "0300");
            SetValue loaded = (SetValue) load(data, config());
            assertThat(loaded.encoding()).isEqualTo("intset");
            assertThat(java.util.Arrays.stream(loaded.members()).map(CollectionCodecsTest::s)).containsExactly("-1", "2", "3");
        }

        @Test
        void aHashtableOfIntegersLoadsAsAnIntsetAsInRedis() throws Exception {
            SetValue s = SetValue.hashtable();
            for (String m : new String[] {"1", "2", "3"}) s.add(b(m), 512);
            byte[] data = save(s, -2);
            assertThat(data[0]).isEqualTo((byte) Rdb.TYPE_SET);
            assertThat(((SetValue) load(data, config())).encoding()).isEqualTo("intset");
            SetValue mixed = SetValue.hashtable();
            mixed.add(b("1"), 512);
            mixed.add(b("x"), 512);
            assertThat(((SetValue) load(save(mixed, -2), config())).encoding()).isEqualTo("hashtable");
        }

        @Test
        void anIntsetOverTheLimitLoadsAsAHashtable() throws Exception {
            SetValue s = SetValue.intset();
            for (int i = 0; i < 5; i++) s.add(b(String.valueOf(i)), 512);
            EngineConfig c = config();
            c.setMaxIntsetEntries.value(4);
            SetValue loaded = (SetValue) load(save(s, -2), c);
            assertThat(loaded.encoding()).isEqualTo("hashtable");
            assertThat(loaded.size()).isEqualTo(5);
        }

        @Test
        void duplicateMembersAreRejected() {
            RdbWriter w = new RdbWriter(false);
            w.writeType(Rdb.TYPE_SET);
            w.writeLen(2);
            w.writeString(b("a"));
            w.writeString(b("a"));
            assertThatThrownBy(() -> load(w.toByteArray(), config())).isInstanceOf(RdbException.class)
                    .hasMessageContaining("Duplicate set members");
        }
    }

    @Nested
    class SortedSets {
        private ZSetValue zset(boolean listpack, Object... scoreMember) {
            ZSetValue z = new ZSetValue(listpack);
            for (int i = 0; i < scoreMember.length; i += 2) {
                z.insert(b((String) scoreMember[i + 1]), (Double) scoreMember[i], Long.MAX_VALUE, Long.MAX_VALUE);
            }
            return z;
        }

        private List<String> contents(Object v) {
            List<String> out = new ArrayList<>();
            for (ZSetValue.Node x = ((ZSetValue) v).first(); x != null; x = x.next()) out.add(s(x.ele) + "=" + x.score());
            return out;
        }

        @Test
        void aListpackZsetStoresScoresAsListpackIntegersOrText() throws Exception {
            byte[] data = save(zset(true, 2.0, "b", 1.5, "a"), -2);
            assertThat(data[0]).isEqualTo((byte) Rdb.TYPE_ZSET_LISTPACK);
            RdbReader r = new RdbReader(data, 1, data.length - 1);
            List<byte[]> lp = Listpack.read(r.readString());
            assertThat(lp).extracting(x -> s(x)).containsExactly("a", "1.5", "b", "2");
            ZSetValue loaded = (ZSetValue) load(data, config());
            assertThat(loaded.encoding()).isEqualTo("listpack");
            assertThat(contents(loaded)).containsExactly("a=1.5", "b=2.0");
        }

        @Test
        void aSkiplistIsSavedAsZset2DescendingWithBinaryScores() throws Exception {
            byte[] data = save(zset(false, 1.0, "a", 2.5, "b"), -2);
            // type 5, 2 members: b then a (from the tail), each followed by a little-endian double
            assertThat(hex(data)).isEqualTo("05" + "02" + "0162" + "0000000000000440" + "0161" + "000000000000f03f");
            EngineConfig c = config();
            c.zsetMaxListpackEntries.value(1);
            ZSetValue big = (ZSetValue) load(data, c);
            assertThat(big.encoding()).isEqualTo("skiplist");
            assertThat(contents(big)).containsExactly("a=1.0", "b=2.5");
            // Small enough for the default thresholds: Redis converts it to a listpack on load.
            assertThat(((ZSetValue) load(data, config())).encoding()).isEqualTo("listpack");
        }

        @Test
        void aListpackOverTheEntryLimitLoadsAsASkiplistButLongMembersDoNotConvert() throws Exception {
            byte[] data = save(zset(true, 1.0, "a-long-member", 2.0, "b"), -2);
            EngineConfig c = config();
            c.zsetMaxListpackValue.value(3);
            assertThat(((ZSetValue) load(data, c)).encoding()).isEqualTo("listpack");
            c.zsetMaxListpackEntries.value(1);
            assertThat(((ZSetValue) load(data, c)).encoding()).isEqualTo("skiplist");
        }

        @Test
        void infiniteScoresRoundTripInBothForms() throws Exception {
            for (boolean lp : new boolean[] {true, false}) {
                Object z = load(save(zset(lp, Double.NEGATIVE_INFINITY, "lo", Double.POSITIVE_INFINITY, "hi"), -2), config());
                assertThat(contents(z)).containsExactly("lo=-Infinity", "hi=Infinity");
            }
        }

        @Test
        void duplicateMembersAreRejected() {
            RdbWriter w = new RdbWriter(false);
            w.writeType(Rdb.TYPE_ZSET_2);
            w.writeLen(2);
            w.writeString(b("a"));
            w.writeBinaryDouble(1);
            w.writeString(b("a"));
            w.writeBinaryDouble(2);
            assertThatThrownBy(() -> load(w.toByteArray(), config())).isInstanceOf(RdbException.class)
                    .hasMessageContaining("Duplicate zset fields");
        }
    }
}
